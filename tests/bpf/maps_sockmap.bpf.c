/* Socket maps: the program types that use SOCKMAP and SOCKHASH (sk_skb parser and
 * verdict, sk_msg verdict, sock_ops) and their helpers, for tests/diff/maps_sockmap.c,
 * which loads, attaches, detaches and test-runs them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sock_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sock_hash SEC(".maps");

SEC("sk_skb/stream_parser")
int parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int verdict_map(struct __sk_buff *skb)
{
	return bpf_sk_redirect_map(skb, &sock_map, skb->len & 3, 0);
}

SEC("sk_skb/stream_verdict")
int verdict_hash(struct __sk_buff *skb)
{
	__u32 key = skb->len & 3;

	return bpf_sk_redirect_hash(skb, &sock_hash, &key, BPF_F_INGRESS);
}

SEC("sk_msg")
int msg_map(struct sk_msg_md *msg)
{
	return bpf_msg_redirect_map(msg, &sock_map, msg->size & 3, 0);
}

SEC("sk_msg")
int msg_hash(struct sk_msg_md *msg)
{
	__u32 key = msg->size & 3;

	return bpf_msg_redirect_hash(msg, &sock_hash, &key, 0);
}

SEC("sockops")
int sock_ops(struct bpf_sock_ops *ops)
{
	__u32 key = ops->local_port & 3;

	if (ops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		bpf_sock_map_update(ops, &sock_map, &key, BPF_ANY);
	if (ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		bpf_sock_hash_update(ops, &sock_hash, &key, BPF_NOEXIST);
	return 1;
}
