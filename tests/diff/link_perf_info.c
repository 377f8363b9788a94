/* What link info says of perf-event links (BPF_LINK_TYPE_PERF_EVENT, the kernel's
 * bpf_perf_link_fill_link_info): the event's kind, name (tracepoint name, uprobe file),
 * offset, cookie, with the name-buffer rules (no buffer: the length only; a buffer with
 * no length, or a length with no buffer: EINVAL; too short: cut, NUL-ended, ENOSPC).
 * Tracepoint and uprobe events (this kernel has no kprobes: tests/linked/link_probes.c
 * checks kprobe info after the kernel's sources).  The 6.18 layout of info.perf_event,
 * which the installed header lacks, is defined here. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

struct perf_info { /* bpf_link_info with its perf_event member */
	__u32 link_type, id, prog_id, pad0;
	__u32 type, pad;
	__u64 name;
	__u32 name_len, offset;
	__u64 a, b, c; /* uprobe: cookie, ref_ctr_offset; tracepoint: cookie */
};

static const char *res(int err)
{
	return err ? strerror(-err) : "ok";
}

static void show(const char *what, struct bpf_link *l, __u32 len, bool buf)
{
	struct perf_info info, *p = &info;
	__u32 ilen = sizeof(info);
	char name[256];

	memset(&info, 0, sizeof(info));
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	p->name = buf ? (__u64)(unsigned long)name : 0;
	p->name_len = len;
	int err = bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &ilen) ? -errno : 0;
	const char *slash = buf ? strrchr(name, '/') : NULL;
	out("%-26s %s: link type %u, event type %u, name '%.*s' len %u, offset %#x, %llu %llu",
	    what, res(err), info.link_type, p->type, buf && len ? (int)strnlen(name, len) : 0,
	    slash      ? slash + 1 :
	    buf && len ? name :
			 "",
	    p->name_len, p->offset, (unsigned long long)p->a, (unsigned long long)p->b);
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_probes");
	LIBBPF_OPTS(bpf_tracepoint_opts, to, .bpf_cookie = 42);
	struct bpf_link *tp = bpf_program__attach_tracepoint_opts(find_prog(obj, "tp"), "sched",
								  "sched_switch", &to);
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = 7);
	struct bpf_link *up = bpf_program__attach_uprobe_opts(find_prog(obj, "up"), -1,
							      "/proc/self/exe", 0x1234, &uo);
	uo.retprobe = true;
	struct bpf_link *urp = bpf_program__attach_uprobe_opts(find_prog(obj, "up"), -1,
							       "/proc/self/exe", 0x1238, &uo);

	if (!tp || !up || !urp) {
		out("attach: %s", strerror(errno));
		return finish();
	}
	show("tracepoint", tp, 256, true);
	show("tracepoint, no buffer", tp, 0, false);
	show("tracepoint, short buffer", tp, 4, true);
	show("tracepoint, no length", tp, 0, true);
	show("tracepoint, no pointer", tp, 16, false);
	show("uprobe", up, 256, true);
	show("uretprobe", urp, 256, true);
	show("uprobe, short buffer", up, 3, true);
	bpf_link__destroy(urp);
	bpf_link__destroy(up);
	bpf_link__destroy(tp);
	bpf_object__close(obj);
	return finish();
}
