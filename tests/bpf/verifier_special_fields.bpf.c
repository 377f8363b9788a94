/* Direct loads and stores to the special fields of a map value, for
 * tests/diff/verifier_special_fields.c: each program is loaded alone. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Newer than Debian 12's uapi headers: the kernel's layouts, matched by BTF name. */
struct bpf_wq {
	__u64 __opaque[2];
} __attribute__((aligned(8)));
struct bpf_task_work {
	__u64 __opaque;
} __attribute__((aligned(8)));

struct value {
	__u64 before;
	struct bpf_timer t;
	struct bpf_wq w;
	struct bpf_task_work tw;
	__u64 after;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} fields SEC(".maps");

static struct value *the_value(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fields, &zero);
}

SEC("tc")
int plain_fields(struct __sk_buff *skb)
{
	struct value *v = the_value();

	if (!v)
		return 0;
	v->after = v->before + 1;
	return 0;
}

SEC("tc")
int read_timer(struct __sk_buff *skb)
{
	struct value *v = the_value();

	return v ? *(volatile long *)&v->t : 0;
}

SEC("tc")
int read_wq(struct __sk_buff *skb)
{
	struct value *v = the_value();

	return v ? *(volatile long *)((char *)&v->w + 8) : 0;
}

SEC("tc")
int write_task_work(struct __sk_buff *skb)
{
	struct value *v = the_value();

	if (v)
		*(volatile long *)&v->tw = 0;
	return 0;
}

char _license[] SEC("license") = "GPL";
