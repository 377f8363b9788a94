/* A program the kernel's verifier would refuse: it reads past the packet.  bpfrun loads
 * it (no verifier) and must stop it at run time (tests/unit/test_prog_fault.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

SEC("tc")
int oob_read(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	return *(volatile unsigned char *)(data + 5000);
}

SEC("tc")
int oob_stack(struct __sk_buff *skb)
{
	volatile char buf[8] = {};
	volatile char *p = buf;
	return p[skb->len * 100];
}

/* Writes the first packet byte: allowed to tc programs, refused to cgroup_skb ones (the
 * kernel's "cannot write into packet"). */
SEC("tc")
int pkt_write(struct __sk_buff *skb)
{
	unsigned char *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (data + 1 > end)
		return 0;
	data[0] = 0x42;
	return 1;
}
