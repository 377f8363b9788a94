/* Link commands the kernel here can run, compared with bpfrun: raw tracepoint and tp_btf
 * links (BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_CREATE, detach, update, link info with its
 * ENOSPC rule), a tp_btf test run (EFAULT: bpf_prog_test_run_tracing has no case for it),
 * and tracepoint perf events (PERF_EVENT_IOC_SET_BPF rules, perf links). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include "difftest.h"

static const char *res(int ret)
{
	static char buf[64];

	if (ret >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerror(errno));
	return buf;
}

/* BPF_LINK_GET_NEXT_ID and BPF_LINK_GET_FD_BY_ID around link fd's id. */
static void link_ids(int fd)
{
	struct bpf_link_info li;
	__u32 len = sizeof(li), next = 0;

	memset(&li, 0, sizeof(li));
	bpf_obj_get_info_by_fd(fd, &li, &len);
	int e = bpf_link_get_next_id(li.id - 1, &next);
	out("link next id after id-1: %s, the link's %d", res(e), next == li.id);
	out("link next id from INT_MAX: %s", res(bpf_link_get_next_id(0x7fffffff, &next)));
	out("link next id from INT_MAX-1: %s", res(bpf_link_get_next_id(0x7ffffffe, &next)));
	int byid = bpf_link_get_fd_by_id(li.id);
	__u32 id = li.id;
	memset(&li, 0, sizeof(li));
	len = sizeof(li);
	e = byid < 0 ? byid : bpf_obj_get_info_by_fd(byid, &li, &len);
	out("link fd by id: %s, the same link %d", res(e), li.id == id);
	out("link fd by id 0: %s", res(bpf_link_get_fd_by_id(0)));
	if (byid >= 0)
		close(byid);
}

static void raw_tp_links(int btf_fd, int raw_fd)
{
	int l1 = bpf_raw_tracepoint_open("sched_switch", raw_fd);
	out("raw_tp open: %s", res(l1));
	int l2 = bpf_raw_tracepoint_open("sched_switch", raw_fd);
	out("raw_tp open again: %s", res(l2));
	out("raw_tp unknown: %s", res(bpf_raw_tracepoint_open("no_such_tp_xyz", raw_fd)));
	out("raw_tp detach: %s", res(bpf_link_detach(l1)));
	out("raw_tp update: %s", res(bpf_link_update(l1, raw_fd, NULL)));
	int l3 = bpf_raw_tracepoint_open(NULL, btf_fd);
	out("tp_btf open: %s", res(l3));
	out("tp_btf open with a name: %s", res(bpf_raw_tracepoint_open("sched_switch", btf_fd)));
	out("tp_btf detach: %s", res(bpf_link_detach(l3)));
	int l4 = bpf_link_create(btf_fd, 0, BPF_TRACE_RAW_TP, NULL);
	out("tp_btf link_create: %s", res(l4));
	/* libbpf retries an EINVAL with BPF_RAW_TRACEPOINT_OPEN */
	out("tp_btf link_create as fentry: %s",
	    res(bpf_link_create(btf_fd, 0, BPF_TRACE_FENTRY, NULL)));

	struct bpf_link_info li;
	__u32 len = sizeof(li);
	char name[8] = "";
	memset(&li, 0, sizeof(li));
	li.raw_tracepoint.tp_name = (__u64)(unsigned long)name;
	li.raw_tracepoint.tp_name_len = sizeof(name);
	int e = bpf_obj_get_info_by_fd(l2, &li, &len);
	out("info, small buffer: %s len %u name %s", res(e), li.raw_tracepoint.tp_name_len, name);
	memset(&li, 0, sizeof(li));
	len = sizeof(li);
	e = bpf_obj_get_info_by_fd(l3, &li, &len);
	out("tp_btf link info: %s type %u has prog %d name len %u", res(e), li.type, li.prog_id > 0,
	    li.raw_tracepoint.tp_name_len);
	link_ids(l2);
	close(l1);
	close(l2);
	close(l3);
	close(l4);
}

static int tp_event(const char *cat_name)
{
	char path[256], text[32] = "";
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", cat_name);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(text, sizeof(text), f))
		return -1;
	fclose(f);
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT,
					.size = sizeof(attr),
					.config = strtoull(text, NULL, 10) };
	return (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static void perf_events(int tp_fd, int raw_fd, int kp_fd)
{
	int ev = tp_event("sched/sched_switch");
	out("tracepoint perf_event_open: %s", res(ev));
	out("SET_BPF raw_tp prog: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, raw_fd)));
	out("SET_BPF kprobe prog: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, kp_fd)));
	out("SET_BPF: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, tp_fd)));
	out("SET_BPF again: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, tp_fd)));
	out("ENABLE: %s", res(ioctl(ev, PERF_EVENT_IOC_ENABLE, 0)));
	out("DISABLE: %s", res(ioctl(ev, PERF_EVENT_IOC_DISABLE, 0)));
	close(ev);
	ev = tp_event("sched/sched_switch");
	out("perf link, bad fd: %s", res(bpf_link_create(tp_fd, -1, BPF_PERF_EVENT, NULL)));
	out("perf link, kprobe prog: %s", res(bpf_link_create(kp_fd, ev, BPF_PERF_EVENT, NULL)));
	int l = bpf_link_create(tp_fd, ev, BPF_PERF_EVENT, NULL);
	out("perf link: %s", res(l));
	out("a second perf link: %s", res(bpf_link_create(tp_fd, ev, BPF_PERF_EVENT, NULL)));
	struct bpf_link_info li;
	__u32 len = sizeof(li);
	memset(&li, 0, sizeof(li));
	int e = bpf_obj_get_info_by_fd(l, &li, &len);
	out("perf link info: %s type %u", res(e), li.type);
	out("perf link detach: %s", res(bpf_link_detach(l)));
	close(l);
	close(ev);
}

/* The kernel's answers to the other perf ioctls on a tracepoint event that runs a
 * program (counting nothing, no ring buffer), and PERF_EVENT_IOC_QUERY_BPF's list. */
static void perf_ioctls(int tp_fd)
{
	int ev = tp_event("sched/sched_switch"), ev2 = tp_event("sched/sched_switch");
	__u64 v = 0, period = 5;
	__u32 qbuf[2 + 65]; /* struct perf_event_query_bpf and 65 ids */
	struct perf_event_query_bpf *q = (void *)qbuf;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(tp_fd, &info, &len);
	out("SET_BPF on two events: %s %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, tp_fd)),
	    res(ioctl(ev2, PERF_EVENT_IOC_SET_BPF, tp_fd)));
	out("RESET: %s", res(ioctl(ev, PERF_EVENT_IOC_RESET, 0)));
	out("REFRESH (not sampling): %s", res(ioctl(ev, PERF_EVENT_IOC_REFRESH, 1)));
	out("PERIOD (not sampling): %s", res(ioctl(ev, PERF_EVENT_IOC_PERIOD, &period)));
	out("PERIOD, bad pointer: %s", res(ioctl(ev, PERF_EVENT_IOC_PERIOD, NULL)));
	out("ID: %s", res(ioctl(ev, PERF_EVENT_IOC_ID, &v)));
	out("ID, bad pointer: %s", res(ioctl(ev, PERF_EVENT_IOC_ID, NULL)));
	out("SET_OUTPUT -1: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, -1L)));
	out("SET_OUTPUT (int)-1: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, -1)));
	out("SET_OUTPUT closed fd: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, 999)));
	out("SET_FILTER, bad pointer: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_FILTER, NULL)));
	static char long_filter[5000];
	memset(long_filter, 'a', sizeof(long_filter) - 1);
	out("SET_FILTER longer than a page: %s",
	    res(ioctl(ev, PERF_EVENT_IOC_SET_FILTER, long_filter)));
	out("PAUSE_OUTPUT: %s", res(ioctl(ev, PERF_EVENT_IOC_PAUSE_OUTPUT, 1)));
	out("MODIFY_ATTRIBUTES, bad pointer: %s",
	    res(ioctl(ev, PERF_EVENT_IOC_MODIFY_ATTRIBUTES, NULL)));
	out("an unknown perf ioctl: %s", res(ioctl(ev, _IO('$', 99), 0)));
	out("QUERY_BPF, bad pointer: %s", res(ioctl(ev, PERF_EVENT_IOC_QUERY_BPF, NULL)));
	static const __u32 lens[] = { 0, 1, 2, 64, 65 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(qbuf, 0, sizeof(qbuf));
		q->ids_len = lens[i];
		int e = ioctl(ev, PERF_EVENT_IOC_QUERY_BPF, q);
		out("QUERY_BPF ids_len %u: %s, %u programs, first ours %d", lens[i], res(e),
		    q->prog_cnt, q->ids[0] == info.id);
	}
	close(ev2);
	memset(qbuf, 0, sizeof(qbuf));
	q->ids_len = 4;
	int e = ioctl(ev, PERF_EVENT_IOC_QUERY_BPF, q);
	out("QUERY_BPF after one event closed: %s, %u programs", res(e), q->prog_cnt);
	close(ev);
}

/* How many programs the tracepoint's events run, asked through event fd. */
static unsigned int tp_progs(int fd)
{
	__u32 qbuf[2 + 4] = { 4 }; /* struct perf_event_query_bpf: ids_len 4 */
	struct perf_event_query_bpf *q = (void *)qbuf;

	return ioctl(fd, PERF_EVENT_IOC_QUERY_BPF, q) ? ~0u : q->prog_cnt;
}

/* An event's program stays attached while any descriptor of it is open anywhere (a dup,
 * a child's copy), and goes with the last one, as the kernel's perf file does. */
static void perf_event_files(int tp_fd)
{
	int ev = tp_event("sched/sched_switch");

	out("SET_BPF: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, tp_fd)));
	int d = dup(ev);
	close(ev);
	out("a dup after the first descriptor closed: %u programs", tp_progs(d));
	pid_t child = fork();
	if (child == 0) {
		close(d);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	out("after a child closed its copy and exited: %u programs", tp_progs(d));
	int other = tp_event("sched/sched_switch");
	close(d);
	out("after the last descriptor closed: %u programs", tp_progs(other));
	close(other);
}

/* An event of the kernel's own (a software counter): opened, enabled and read as usual
 * (under the runtime its perf_event_open and ioctls are handed back to the kernel). */
static void kernel_event(void)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_SOFTWARE,
					.size = sizeof(attr),
					.config = PERF_COUNT_SW_TASK_CLOCK,
					.disabled = 1 };
	int ev = (int)syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	__u64 count = 0, id = 0;

	out("software event: %s", res(ev));
	out("  ENABLE: %s", res(ioctl(ev, PERF_EVENT_IOC_ENABLE, 0)));
	out("  ID: %s", res(ioctl(ev, PERF_EVENT_IOC_ID, &id)));
	out("  DISABLE: %s", res(ioctl(ev, PERF_EVENT_IOC_DISABLE, 0)));
	out("  read: %zd bytes, counted %d", read(ev, &count, sizeof(count)), count > 0);
	out("  SET_BPF of a tracepoint program: %s", res(ioctl(ev, PERF_EVENT_IOC_SET_BPF, -1)));
	close(ev);
}

/* libbpf's own tracepoint attach: the event, the perf link (or SET_BPF), enable. */
static void libbpf_attach(struct bpf_object *obj)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "on_switch_tp");
	struct bpf_link *l = bpf_program__attach(p);

	out("libbpf attach of a tracepoint program: %s", l ? "ok" : strerror(errno));
	if (l)
		out("libbpf detach: %s", res(bpf_link__destroy(l)));
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_tracing");
	int btf_fd = prog_fd(obj, "on_switch_btf"), raw_fd = prog_fd(obj, "on_switch_raw");
	__u64 args[4] = { 1, 2, 3, 4 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = args, .ctx_size_in = sizeof(args));

	out("tp_btf test run: %s", res(bpf_prog_test_run_opts(btf_fd, &t)));
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(btf_fd, &info, &len);
	out("tp_btf info: type %u attach_btf_id set %d", info.type, info.attach_btf_id > 0);
	raw_tp_links(btf_fd, raw_fd);
	perf_events(prog_fd(obj, "on_switch_tp"), raw_fd, prog_fd(obj, "on_sleep"));
	perf_ioctls(prog_fd(obj, "on_switch_tp"));
	perf_event_files(prog_fd(obj, "on_switch_tp"));
	kernel_event();
	libbpf_attach(obj);
	bpf_object__close(obj);
	return finish();
}
