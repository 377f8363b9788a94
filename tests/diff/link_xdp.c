/* XDP links, compared with the kernel, on the loopback device of a network namespace of
 * the test's own (unshare(CLONE_NEWNET): the host's devices are never touched): attach,
 * a second attach (EBUSY), a missing device, link info, LINK_UPDATE (a program of
 * another type, BPF_F_REPLACE with the wrong old program), LINK_DETACH. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include "difftest.h"

static unsigned ifindex_of(int link)
{
	struct bpf_link_info li;
	__u32 len = sizeof(li);

	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info_by_fd(link, &li, &len))
		return ~0u;
	return li.type == BPF_LINK_TYPE_XDP ? li.xdp.ifindex : ~1u;
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		out("SKIP: no network namespace (%s)", strerror(errno));
		return finish();
	}
	struct bpf_object *obj = load_obj("link_xdp");
	int pass = prog_fd(obj, "xdp_pass"), drop = prog_fd(obj, "xdp_drop");
	int tc = prog_fd(obj, "tc_ok");

	int l = bpf_link_create(pass, 1, BPF_XDP, NULL);
	out("xdp link on lo: %s", result_text(l));
	out("ifindex: %u", ifindex_of(l));
	out("a second xdp link: %s", result_text(bpf_link_create(drop, 1, BPF_XDP, NULL)));
	out("no such device: %s", result_text(bpf_link_create(pass, 4242, BPF_XDP, NULL)));
	out("tc program as xdp: %s", result_text(bpf_link_create(tc, 1, BPF_XDP, NULL)));
	out("update to a tc program: %s", result_text(bpf_link_update(l, tc, NULL)));
	LIBBPF_OPTS(bpf_link_update_opts, wrong, .flags = BPF_F_REPLACE, .old_prog_fd = drop);
	out("update, wrong old program: %s", result_text(bpf_link_update(l, drop, &wrong)));
	LIBBPF_OPTS(bpf_link_update_opts, right, .flags = BPF_F_REPLACE, .old_prog_fd = pass);
	out("update, right old program: %s", result_text(bpf_link_update(l, drop, &right)));
	out("update: %s", result_text(bpf_link_update(l, pass, NULL)));
	out("detach: %s", result_text(bpf_link_detach(l)));
	out("ifindex after detach: %u", ifindex_of(l));
	out("update after detach: %s", result_text(bpf_link_update(l, pass, NULL)));
	int l2 = bpf_link_create(drop, 1, BPF_XDP, NULL);
	out("attach after detach: %s", result_text(l2));
	close(l2);
	close(l);
	bpf_object__close(obj);
	return finish();
}
