/* Programs of each probe kind, for tests/linked/link_probes.c: each adds what it reads from
 * its context to its own slot of `hits`. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static void bump(__u32 slot, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&hits, &slot);

	if (p)
		*p += v;
}

SEC("kprobe/do_nanosleep")
int kp(struct pt_regs *ctx)
{
	bump(0, PT_REGS_PARM1(ctx));
	bump(4, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("kretprobe/do_nanosleep")
int krp(struct pt_regs *ctx)
{
	bump(1, PT_REGS_RC(ctx));
	return 0;
}

SEC("tp/sched/sched_switch")
int tp(void *ctx)
{
	bump(2, *(__u64 *)(ctx + 8));
	return 0;
}

SEC("raw_tp/sched_switch")
int rtp(struct bpf_raw_tracepoint_args *ctx)
{
	bump(3, ctx->args[1]);
	return 0;
}

SEC("kprobe.multi/bpf_fentry_test1")
int kpm(struct pt_regs *ctx)
{
	bump(5, PT_REGS_PARM1(ctx));
	return 0;
}

SEC("uprobe")
int up(struct pt_regs *ctx)
{
	bump(6, PT_REGS_PARM2(ctx));
	return 0;
}

char _license[] SEC("license") = "GPL";
