/* tc attachment through libbpf's netlink calls, compared with the kernel, on a veth pair
 * in a network namespace of the test's own (unshare(CLONE_NEWNET); it goes away with the
 * process): clsact twice (EEXIST), a filter without clsact (EINVAL), attach and the reply
 * (program id, handle, priority), a duplicate (EEXIST), query, detach twice (ENOENT), a
 * missing device (ENODEV), XDP through netlink with XDP_FLAGS_UPDATE_IF_NOEXIST, and
 * bpf_xdp_query's view of it (program ids per mode, attach mode) before and after. */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>

#include "difftest.h"

static const char *res(int err)
{
	return err ? strerror(-err) : "ok";
}

/* bpf_xdp_query: which of its ids name the program behind fd, and the attach mode. */
static void xdp_query(int ifindex, int fd)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 len = sizeof(info), id = 0;

	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(fd, &info, &len);
	int err = bpf_xdp_query(ifindex, 0, &q);
	out("xdp query: %s, prog %d skb %d drv %d hw %d, mode %u", res(err), q.prog_id == info.id,
	    q.skb_prog_id == info.id, q.drv_prog_id == info.id, q.hw_prog_id == info.id,
	    q.attach_mode);
	err = bpf_xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE, &id);
	out("xdp query id, skb mode: %s, ours %d, none %d", res(err), id == info.id, id == 0);
}

int main(void)
{
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add bpfrun0 type veth peer name bpfrun1 && ip link set bpfrun0 up")) {
		out("SKIP: no network namespace with a veth pair");
		return finish();
	}
	struct bpf_object *obj = load_obj("link_xdp");
	int tc = prog_fd(obj, "tc_ok"), xdp = prog_fd(obj, "xdp_pass");
	int ifindex = (int)if_nametoindex("bpfrun0");
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(tc, &info, &len);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = tc);
	out("attach without clsact: %s", res(bpf_tc_attach(&hook, &opts)));
	out("clsact: %s", res(bpf_tc_hook_create(&hook)));
	out("clsact again: %s", res(bpf_tc_hook_create(&hook)));
	out("attach: %s", res(bpf_tc_attach(&hook, &opts)));
	out("reply: its program %d, handle %u, priority %#x", opts.prog_id == info.id, opts.handle,
	    opts.priority);
	LIBBPF_OPTS(bpf_tc_opts, dup, .prog_fd = tc, .handle = opts.handle,
		    .priority = opts.priority);
	out("the same handle and priority: %s", res(bpf_tc_attach(&hook, &dup)));
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = opts.handle, .priority = opts.priority);
	int err = bpf_tc_query(&hook, &q);
	out("query: %s, its program %d", res(err), q.prog_id == info.id);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = opts.handle, .priority = opts.priority);
	out("detach: %s", res(bpf_tc_detach(&hook, &d)));
	out("detach again: %s", res(bpf_tc_detach(&hook, &d)));
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	out("clsact removed: %s", res(bpf_tc_hook_destroy(&hook)));
	LIBBPF_OPTS(bpf_tc_hook, nodev, .ifindex = 4242, .attach_point = BPF_TC_INGRESS);
	out("no such device: %s", res(bpf_tc_hook_create(&nodev)));

	out("xdp attach: %s", res(bpf_xdp_attach(ifindex, xdp, XDP_FLAGS_SKB_MODE, NULL)));
	out("xdp over it, UPDATE_IF_NOEXIST: %s",
	    res(bpf_xdp_attach(ifindex, xdp, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			       NULL)));
	xdp_query(ifindex, xdp);
	out("xdp detach: %s", res(bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL)));
	xdp_query(ifindex, xdp);
	bpf_object__close(obj);
	return finish();
}
