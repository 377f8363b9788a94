/* Programs for the set-up and input options of `bpfrun run` (tests/cli/test_cli_testdrv.sh):
 * a section libbpf does not know (--type), a global (--set), a control map (--map), a
 * program array filled by program name, the seed and CPU options, raw_tp and syscall
 * contexts (--data). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 new_port = 0; /* --set new_port=... */
__u32 last_random, last_cpu;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

/* Rewrites the UDP destination port (bytes 36-37) to new_port, returns cfg[0] + 1. */
SEC("xdp_patch_ports")
int patch_ports(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 zero = 0, *v = bpf_map_lookup_elem(&cfg, &zero);

	if (data + 38 > end)
		return 0;
	data[36] = new_port >> 8;
	data[37] = new_port & 0xff;
	last_random = bpf_get_prandom_u32();
	last_cpu = bpf_get_smp_processor_id();
	return v ? *v + 1 : 0;
}

SEC("xdp")
int tail_target(struct xdp_md *ctx)
{
	return 42;
}

SEC("xdp")
int jumper(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 1);
	return 1;
}

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;

/* a kfunc (--fail on kfuncs): 1 when bpf_dynptr_from_xdp succeeds, else 100 - its error */
SEC("xdp")
int dynptr(struct xdp_md *ctx)
{
	struct bpf_dynptr p;
	int err = bpf_dynptr_from_xdp(ctx, 0, &p);

	return err ? 100 + err : 1;
}

/* tc: with --ctx, the mark given in __sk_buff, plus one (written back). */
SEC("tc")
int mark(struct __sk_buff *skb)
{
	skb->mark += 1;
	return skb->mark;
}

/* raw_tp: returns its first argument + its second. */
SEC("raw_tp/sys_enter")
int raw_args(__u64 *args)
{
	return (int)(args[0] + args[1]);
}

/* syscall: doubles the u32 it is given, returns 7. */
SEC("syscall")
int sys_double(__u32 *ctx)
{
	*ctx *= 2;
	return 7;
}

char LICENSE[] SEC("license") = "GPL";
