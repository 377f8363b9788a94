/* Where a redirected packet went (bpfrun_last_redirect): after each XDP or tc test run
 * of tests/bpf/maps_redirect.bpf.c, the target of the last redirect helper call when the
 * verdict is a redirect, and nothing otherwise. */
#include <errno.h>
#include <linux/pkt_cls.h>

#include "bpfrun.h"
#include "difftest.h"

struct cfg {
	unsigned key, ifindex;
	unsigned long long flags;
	unsigned plen;
};

static struct bpf_object *obj;

/* Runs prog with c; returns bpfrun_last_redirect's result, the record in *r. */
static int run(const char *prog, struct cfg c, struct bpfrun_redirect *r)
{
	unsigned k = 0, ret = 0;

	bpf_map_update_elem(map_fd(obj, "cfg"), &k, &c, BPF_ANY);
	CHECK(run_prog(prog_fd(obj, prog), NULL, 0, &ret) == 0, "%s runs", prog);
	return bpfrun_last_redirect(r);
}

int main(void)
{
	struct bpfrun_redirect r;
	unsigned k = 2, one = 1, q = 64;

	obj = load_obj("maps_redirect");
	bpf_map_update_elem(map_fd(obj, "devmap"), &k, &one, BPF_ANY);
	k = 1;
	bpf_map_update_elem(map_fd(obj, "cpumap"), &k, &q, BPF_ANY);

	CHECK(run("to_devmap", (struct cfg){ .key = 2 }, &r) == 0 && r.action == XDP_REDIRECT &&
		      r.ifindex == 1 && r.map_type == BPF_MAP_TYPE_DEVMAP && r.key == 2 &&
		      r.cpu == -1 && r.how == BPFRUN_REDIRECT_EGRESS,
	      "devmap entry 2: device 1");
	CHECK(run("to_devmap", (struct cfg){ .key = 3, .flags = XDP_PASS }, &r) == -ENOENT,
	      "an empty entry: XDP_PASS, no redirect");
	CHECK(run("to_devmap", (struct cfg){ .key = 3, .flags = BPF_F_BROADCAST }, &r) == 0 &&
		      r.how == BPFRUN_REDIRECT_BROADCAST && r.flags == BPF_F_BROADCAST,
	      "broadcast");
	CHECK(run("to_cpumap", (struct cfg){ .key = 1 }, &r) == 0 && r.cpu == 1 && r.ifindex == 0,
	      "cpumap entry 1: CPU 1");
	CHECK(run("xdp_redirect", (struct cfg){ .ifindex = 1, .flags = 1 }, &r) == -ENOENT,
	      "bad flags: XDP_ABORTED, no redirect");
	CHECK(run("xdp_redirect", (struct cfg){ .ifindex = 1 }, &r) == 0 && r.ifindex == 1 &&
		      r.map_id == 0,
	      "xdp bpf_redirect to device 1");
	CHECK(run("tc_redirect", (struct cfg){ .ifindex = 1, .flags = BPF_F_INGRESS }, &r) == 0 &&
		      r.action == TC_ACT_REDIRECT && r.how == BPFRUN_REDIRECT_INGRESS,
	      "tc bpf_redirect to device 1's ingress");
	CHECK(run("tc_redirect_peer", (struct cfg){ .ifindex = 1 }, &r) == 0 &&
		      r.how == BPFRUN_REDIRECT_PEER,
	      "peer");
	CHECK(run("tc_redirect_neigh", (struct cfg){ .ifindex = 1 }, &r) == 0 &&
		      r.how == BPFRUN_REDIRECT_NEIGH,
	      "neigh");
	bpf_object__close(obj);
	return finish();
}
