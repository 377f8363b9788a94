/* Internals of the program module: load state, test-run utilities, the program types and
 * their helper sets.  No locking here: a load's and a test run's state belong to the
 * thread doing them. */
#ifndef BPFRUN_PROG_INTERNAL_H
#define BPFRUN_PROG_INTERNAL_H

#include "../lib/bpf_newer.h"
#include "../lib/insn.h"
#include "../lib/vlog.h"
#include "../obj/prog.h"
#include "../pkt/pkt.h"
#include "prog.h"

/* The ops of a BPF_PROG_TYPE_*, or NULL when bpfrun has none (prog_types.c). */
const struct prog_type_ops *prog_type_ops_for(u32 prog_type);
/* Subprogram that starts at insn index, or NULL (prog_info.c). */
const struct subprog *prog_subprog_at(const struct bpf_prog *prog, u32 insn);

/* ---- loading (prog_load.c, prog_verify.c) ---- */
#define MAX_USED_MAPS 64

struct load_env {
	const union bpf_attr *attr;
	struct bpf_prog *prog;
	struct vlog log;
	struct bpf_map **insn_map;  /* map loaded by the ld_imm64 at each index, or NULL */
	u8 *jump_target;            /* 1 where some jump lands */
};

/* Everything the verifier would check that bpfrun can (0 or -errno, reason logged). */
int prog_verify(struct load_env *env);

/* ---- shared by the packet types (prog_pkt.c) ---- */
#define LOOPBACK_IFINDEX 1u

/* A zeroed TEST_PAGE_SIZE page for the packet, tailroom bytes kept free at its end:
 * 0, -EFAULT without data_in, or -ENOMEM. */
int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom);
/* True when the host has a network device with this index. */
bool netdev_exists(u32 ifindex);
/* Runs prog on context image md over the packet state that starts with pkt (test_run_repeat
 * on the thread's execution context): 0, -EBUSY or -EFAULT. */
int pkt_test_run(struct bpf_prog *prog, const union bpf_attr *attr, void *md, u32 md_size,
		 struct pkt_buf *pkt, u32 *retval, u32 *duration);

/* ---- test-run utilities (test_run.c) ---- */

/* Copies a ctx_in of up to max_size bytes into a zeroed buffer (kernel bpf_ctx_init);
 * returns NULL when neither ctx_in nor ctx_out is given, or ERR_PTR. */
void *test_ctx_init(const union bpf_attr *attr, u32 max_size);
/* data_out / data_size_out / retval / duration (kernel bpf_test_finish).  size counts
 * the fragments (frags may be NULL) after the linear data. */
int test_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *data, u32 size,
		const struct pkt_frags *frags, u32 retval, u32 duration);
/* ctx_out / ctx_size_out (kernel bpf_ctx_finish). */
int test_ctx_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *ctx, u32 size);
/* Runs prog `repeat` times (0 = 1) on ctx; *retval, *duration (mean ns per run).
 * Returns 0, or -EFAULT after a fault (reported on stderr). x must be set up. */
int test_run_repeat(struct exec_ctx *x, struct bpf_prog *prog, u32 repeat, u32 *retval,
		    u32 *duration);
/* Prepares the thread's execution context for a run of prog on ctx. */
struct exec_ctx *test_exec_ctx(const struct bpf_prog *prog, void *ctx, u32 ctx_size,
			       void *type_data);

/* Narrow loads of a context field image: size bytes at off of img (little endian). */
u64 ctx_read_bytes(const void *img, u32 off, u32 size);
void ctx_write_bytes(void *img, u32 off, u32 size, u64 val);

/* ---- helper sets (helper_sets.c, measured on the kernel; helper_in_set in prog_types.c) */
struct helper_set {
	const u16 *ids;   /* BPF_FUNC_* ids, sorted */
	u32 cnt;
};
/* True when set offers helper id. */
bool helper_in_set(const struct helper_set *set, u32 id);
extern const struct helper_set sk_filter_helpers, tc_helpers, xdp_helpers, cg_skb_helpers,
	cg_sock_helpers, tracing_helpers, perf_event_helpers, syscall_helpers;

/* The program types. */
extern const struct prog_type_ops socket_filter_ops, sched_cls_ops, sched_act_ops, cgroup_skb_ops;
extern const struct prog_type_ops xdp_ops, syscall_ops, cgroup_sock_ops;
extern const struct prog_type_ops kprobe_ops, tracepoint_ops, raw_tracepoint_ops, perf_event_ops;

#endif
