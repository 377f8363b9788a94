/* Network devices as bpfrun models them for attachment: the host's devices (by ifindex),
 * each with a clsact qdisc or not, tc BPF filters on its ingress and egress hooks, and an
 * XDP program.  Loaders reach them through rtnetlink (libbpf's bpf_tc_hook_create,
 * bpf_tc_attach, bpf_tc_detach, bpf_tc_query, bpf_xdp_attach), which the bridge hands to
 * netdev_rtnl_answer; what they attach runs on packets given to bpfrun_fire
 * ("tc/ingress/DEV", "tc/egress/DEV", "xdp/DEV").  The host's devices are never touched.
 *
 * Locking: netdev_lock guards the qdisc and filter tables; programs never run under it
 * (prog/attach.c holds the filters' programs, and fires from a snapshot). */
#ifndef BPFRUN_LINK_NETDEV_H
#define BPFRUN_LINK_NETDEV_H

#include "../lib/common.h"

/* Gives one reply message (a datagram of len bytes) to the requester: 0 or -errno. */
typedef int (*netdev_deliver_fn)(const void *msg, size_t len, void *arg);

/* Handles one rtnetlink request of len bytes (a struct nlmsghdr and its payload) if it is
 * one bpfrun models (tc qdiscs of kind clsact, tc filters of kind bpf, RTM_SETLINK with
 * IFLA_XDP): its reply messages (addressed to nl_pid) go to deliver one datagram each.
 * Returns 1 when answered, 0 when the request is not ours (the kernel answers), or
 * -ENOBUFS when a reply message could not be allocated (the kernel then reports ENOBUFS
 * on the socket) or deliver's -errno. */
int netdev_rtnl_answer(const void *msg, size_t len, u32 nl_pid, netdev_deliver_fn deliver,
		       void *arg);

/* Runs a packet through the tc filters of hook "IFINDEX/ingress" or "IFINDEX/egress" in
 * priority order until one gives a verdict other than TC_ACT_UNSPEC: 0 and the verdict in
 * *retval, -ENOENT when none is attached, or the test run's -errno. */
int netdev_tc_run(const char *hook, const void *pkt, u32 size, u32 *retval);

#endif
