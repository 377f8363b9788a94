/* An sk_skb stream verdict for tests/linked/sockmap_fire.c: data whose first byte is 'r'
 * goes to the socket at key 1 (BPF_F_INGRESS), 'x' to the empty key 3, anything else
 * passes; the verdict also records what the context shows in `seen`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

struct seen {
	__u32 len, family, local_port, remote_port, local_ip4, remote_ip4;
};
struct seen seen;

SEC("sk_skb/stream_verdict")
int verdict(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	char *c = data;

	seen.len = skb->len;
	seen.family = skb->family;
	seen.local_port = skb->local_port;
	seen.remote_port = skb->remote_port;
	seen.local_ip4 = skb->local_ip4;
	seen.remote_ip4 = skb->remote_ip4;
	if (data + 1 > end)
		return SK_DROP;
	if (*c == 'r')
		return bpf_sk_redirect_map(skb, &socks, 1, BPF_F_INGRESS);
	if (*c == 'x')
		return bpf_sk_redirect_map(skb, &socks, 3, 0);
	return SK_PASS;
}
