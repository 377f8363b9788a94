// SPDX-License-Identifier: GPL-2.0
/* Per-flow idle timeout.
 *
 * Every IPv4 TCP/UDP flow seen by this XDP program gets an entry in the `flows` hash map,
 * keyed by its 5-tuple, counting its packets and bytes.  Each entry carries a bpf_timer
 * that every packet of the flow pushes IDLE_TIMEOUT_NS into the future; when a flow stays
 * quiet that long, the timer's callback logs the flow, counts it in `expired` and deletes
 * the entry (deleting the element that holds the running timer is allowed).
 *
 *   bpfrun run build/examples/flow_idle.bpf.o --pcap build/examples/flow_idle.pcap --clock virtual
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <time.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define IDLE_TIMEOUT_NS (5ULL * 1000000000ULL)

struct flow_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow {
	struct bpf_timer timer;
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} expired SEC(".maps");

static int flow_idle(void *map, struct flow_key *key, struct flow *f)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&expired, &zero);

	if (count)
		__sync_fetch_and_add(count, 1);
	bpf_printk("flow expired: %x:%u after %llu packets", bpf_ntohl(key->saddr),
		   bpf_ntohs(key->sport), f->packets);
	bpf_map_delete_elem(map, key);
	return 0;
}

/* The flow's entry, created with its timer on the flow's first packet. */
static struct flow *flow_get(const struct flow_key *key)
{
	struct flow *f = bpf_map_lookup_elem(&flows, key);
	struct flow fresh = {};

	if (f)
		return f;
	/* NOEXIST: another CPU may have created it meanwhile; use whichever is there */
	bpf_map_update_elem(&flows, key, &fresh, BPF_NOEXIST);
	f = bpf_map_lookup_elem(&flows, key);
	if (!f)
		return NULL;
	if (bpf_timer_init(&f->timer, &flows, CLOCK_MONOTONIC) == 0)
		bpf_timer_set_callback(&f->timer, flow_idle);
	return f;
}

SEC("xdp")
int track_flows(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u16 *ports = (void *)(ip + 1); /* options are not followed: ihl must be 5 */
	struct flow_key key;

	if ((void *)(ports + 2) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return XDP_PASS;
	__builtin_memset(&key, 0, sizeof(key));
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = ports[0];
	key.dport = ports[1];
	key.proto = ip->protocol;

	struct flow *f = flow_get(&key);
	if (!f)
		return XDP_PASS;
	__sync_fetch_and_add(&f->packets, 1);
	__sync_fetch_and_add(&f->bytes, end - data);
	bpf_timer_start(&f->timer, IDLE_TIMEOUT_NS, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
