/* A libbpf loader attaches kprobe, kretprobe, kprobe.multi, uprobe, tracepoint and raw
 * tracepoint programs (perf_event_open + BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN) and
 * bpfrun_fire() runs them with the contexts it is given; links pin and come back from
 * their pins; a destroyed link runs nothing more. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/ptrace.h>

#include "bpfrun.h"
#include "difftest.h"

static unsigned long long hit(struct bpf_object *obj, __u32 slot)
{
	unsigned long long v = 0;

	bpf_map_lookup_elem(map_fd(obj, "hits"), &slot, &v);
	return v;
}

static struct bpf_link *attach(struct bpf_object *obj, const char *name)
{
	struct bpf_link *link = bpf_program__attach(find_prog(obj, name));

	CHECK(link != NULL, "%s attaches: %s", name, strerror(errno));
	return link;
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_probes");
	struct pt_regs regs = { .rdi = 5, .rax = 7 };
	__u64 record[8] = { 0, 11 }, args[2] = { 0, 13 };
	uint64_t ret = 0;
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = 40);

	struct bpf_link *kp = bpf_program__attach_kprobe_opts(find_prog(obj, "kp"), "do_nanosleep",
							      &kopts);
	CHECK(kp != NULL, "kp attaches with a cookie: %s", strerror(errno));
	struct bpf_link *links[] = { attach(obj, "krp"), attach(obj, "tp"), attach(obj, "rtp") };

	CHECK(bpfrun_fire("kprobe/do_nanosleep", &regs, sizeof(regs), &ret) == 0, "kprobe fires");
	CHECK(bpfrun_fire("kretprobe/do_nanosleep", &regs, sizeof(regs), &ret) == 0,
	      "kretprobe fires");
	CHECK(bpfrun_fire("tp/sched/sched_switch", record, sizeof(record), &ret) == 0,
	      "tracepoint fires");
	CHECK(bpfrun_fire("raw_tp/sched_switch", args, sizeof(args), &ret) == 0, "raw_tp fires");
	CHECK(hit(obj, 0) == 5 && hit(obj, 1) == 7 && hit(obj, 2) == 11 && hit(obj, 3) == 13,
	      "each program read its context: %llu %llu %llu %llu", hit(obj, 0), hit(obj, 1),
	      hit(obj, 2), hit(obj, 3));
	CHECK(hit(obj, 4) == 40, "the kprobe saw its cookie: %llu", hit(obj, 4));

	struct bpf_link *kpm = attach(obj, "kpm");
	struct bpf_link *up = bpf_program__attach_uprobe(find_prog(obj, "up"), false, -1,
							 "/proc/self/exe", 0x1234);
	CHECK(up != NULL, "uprobe attaches: %s", strerror(errno));
	struct pt_regs uregs = { .rdi = 1, .rsi = 17 };
	CHECK(bpfrun_fire("kprobe/bpf_fentry_test1", &regs, sizeof(regs), &ret) == 0 &&
		      hit(obj, 5) == 5,
	      "kprobe.multi fires: %llu", hit(obj, 5));
	CHECK(bpfrun_fire("uprobe//proc/self/exe:4660", &uregs, sizeof(uregs), &ret) == 0 &&
		      hit(obj, 6) == 17,
	      "uprobe fires: %llu", hit(obj, 6));
	bpf_link__destroy(kpm);
	bpf_link__destroy(up);

	const char *pin = "/sys/fs/bpf/bpfrun_link_probes";
	CHECK(bpf_link__pin(links[2], pin) == 0, "a link pins: %s", strerror(errno));
	struct bpf_link *again = bpf_link__open(pin);
	CHECK(again != NULL, "the pinned link opens: %s", strerror(errno));
	bpf_link__destroy(again);

	struct bpf_link_info info;
	char name[32];
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	info.raw_tracepoint.tp_name = (__u64)(unsigned long)name;
	info.raw_tracepoint.tp_name_len = sizeof(name);
	CHECK(bpf_obj_get_info_by_fd(bpf_link__fd(links[2]), &info, &len) == 0 &&
		      info.type == BPF_LINK_TYPE_RAW_TRACEPOINT && !strcmp(name, "sched_switch"),
	      "raw tracepoint link info: type %u name %s", info.type, name);

	bpf_link__destroy(kp);
	for (size_t i = 0; i < 3; i++)
		bpf_link__destroy(links[i]);
	CHECK(bpfrun_fire("raw_tp/sched_switch", args, sizeof(args), &ret) == 0 &&
		      hit(obj, 3) == 26,
	      "the pin keeps the raw tracepoint link: %llu", hit(obj, 3));
	CHECK(unlink(pin) == 0, "unpin");
	CHECK(bpfrun_fire("kprobe/do_nanosleep", &regs, sizeof(regs), &ret) == 0 &&
		      bpfrun_fire("raw_tp/sched_switch", args, sizeof(args), &ret) == 0 &&
		      hit(obj, 0) == 5 && hit(obj, 3) == 26,
	      "detached programs no longer run");
	CHECK(bpfrun_fire("bogus/x", NULL, 0, NULL) == -1 && errno == EINVAL, "a bad hook: EINVAL");
	CHECK(bpfrun_fire("tp/no_such/event", record, 8, NULL) == -1 && errno == ENOENT,
	      "an unknown tracepoint: ENOENT");
	bpf_object__close(obj);
	return finish();
}
