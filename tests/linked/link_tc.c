/* libbpf's netlink attachment, served by bpfrun against its modelled devices (the host's
 * lo is never touched): bpf_tc_hook_create, bpf_tc_attach (the reply carries the program
 * id, handle and priority), bpf_tc_query, bpf_tc_detach, bpf_tc_hook_destroy,
 * bpf_xdp_attach / bpf_xdp_detach, with the kernel's errnos for a second clsact, a
 * filter without clsact, a duplicate filter, a missing device; packets fired at
 * "tc/ingress/lo" and "xdp/lo" run what was attached. */
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>

#include "bpfrun.h"
#include "difftest.h"

int main(void)
{
	struct bpf_object *obj = load_obj("link_xdp");
	int tc = prog_fd(obj, "tc_ok"), xdp = prog_fd(obj, "xdp_drop");
	unsigned char pkt[64] = { 0 };
	uint64_t ret = 0;

	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = tc);
	CHECK(bpf_tc_attach(&hook, &opts) == -EINVAL, "a filter without clsact: EINVAL");
	CHECK(bpf_tc_hook_create(&hook) == 0, "clsact on lo");
	CHECK(bpf_tc_hook_create(&hook) == -EEXIST, "a second clsact: EEXIST");
	CHECK(bpf_tc_attach(&hook, &opts) == 0, "tc attach");
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(tc, &info, &len);
	CHECK(opts.prog_id == info.id && opts.handle == 1 && opts.priority == 0xc000,
	      "the reply: prog id %u (%u), handle %u, priority %#x", opts.prog_id, info.id,
	      opts.handle, opts.priority);
	LIBBPF_OPTS(bpf_tc_opts, again, .prog_fd = tc, .handle = 1, .priority = 0xc000);
	CHECK(bpf_tc_attach(&hook, &again) == -EEXIST, "the same handle and priority: EEXIST");
	CHECK(bpfrun_fire("tc/ingress/lo", pkt, sizeof(pkt), &ret) == 0 && ret == TC_ACT_OK,
	      "a packet through tc ingress: %llu", (unsigned long long)ret);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = 1, .priority = 0xc000);
	CHECK(bpf_tc_query(&hook, &q) == 0 && q.prog_id == info.id, "tc query: id %u", q.prog_id);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = 1, .priority = 0xc000);
	CHECK(bpf_tc_detach(&hook, &d) == 0, "tc detach");
	CHECK(bpf_tc_detach(&hook, &d) == -ENOENT, "detach again: ENOENT");
	CHECK(bpfrun_fire("tc/ingress/lo", pkt, sizeof(pkt), &ret) == -1 && errno == ENOENT,
	      "nothing attached: ENOENT");
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	CHECK(bpf_tc_hook_destroy(&hook) == 0, "clsact removed");
	LIBBPF_OPTS(bpf_tc_hook, nodev, .ifindex = 4242, .attach_point = BPF_TC_INGRESS);
	CHECK(bpf_tc_hook_create(&nodev) == -ENODEV, "no such device: ENODEV");

	CHECK(bpf_xdp_attach(1, xdp, 0, NULL) == 0, "xdp attach through netlink");
	CHECK(bpfrun_fire("xdp/lo", pkt, sizeof(pkt), &ret) == 0 && ret == XDP_TX,
	      "a packet through XDP: %llu", (unsigned long long)ret);
	CHECK(bpf_xdp_attach(1, xdp, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL) == -EBUSY,
	      "XDP_FLAGS_UPDATE_IF_NOEXIST over a program: EBUSY");
	CHECK(bpf_link_create(xdp, 1, BPF_XDP, NULL) == -EBUSY, "an XDP link over it: EBUSY");
	CHECK(bpf_xdp_detach(1, 0, NULL) == 0, "xdp detach");
	CHECK(bpfrun_fire("xdp/lo", pkt, sizeof(pkt), &ret) == -1 && errno == ENOENT,
	      "XDP detached: ENOENT");
	bpf_object__close(obj);
	return finish();
}
