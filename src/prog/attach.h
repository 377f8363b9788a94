/* Attach points: where links (link/) and perf events attach programs, and the one place
 * that fires what is attached.  A hook is a kind and a name:
 *
 *   HOOK_KPROBE      kernel function name: kprobe and kretprobe programs (and
 *                    kprobe.multi), the context is struct pt_regs
 *   HOOK_UPROBE      "PATH:OFFSET" (offset in hex): uprobe and uretprobe programs
 *   HOOK_TRACEPOINT  "CATEGORY:NAME": tracepoint programs, the context is the record
 *   HOOK_RAW_TP      tracepoint name: raw_tp and tp_btf programs, u64 arguments
 *   HOOK_TRAMP       BTF function name: fentry, fexit, fmod_ret and LSM programs, u64
 *                    arguments and the return value after them
 *   HOOK_XDP         the device's ifindex, in decimal: the XDP program of a device (one),
 *                    run on a packet by attach_run_packet
 *   HOOK_TC          "IFINDEX/ingress" or "IFINDEX/egress": tc BPF filters (link/netdev.c
 *                    runs them in priority order, the role holding the priority)
 *
 * Programs fire in the order they were attached.  The kernel's own test functions
 * (bpf_fentry_test1.., bpf_modify_return_test) call attach_tramp_call.
 *
 * Locking: one mutex guards the list of attachments; a fire copies what it runs (with
 * program references) under it and runs them without it, so programs attached or
 * detached meanwhile take effect from the next fire. */
#ifndef BPFRUN_PROG_ATTACH_H
#define BPFRUN_PROG_ATTACH_H

#include "../obj/prog.h"

enum hook_kind {
	HOOK_KPROBE,
	HOOK_UPROBE,
	HOOK_TRACEPOINT,
	HOOK_RAW_TP,
	HOOK_TRAMP,
	HOOK_XDP,
	HOOK_TC
};

#define MAX_FUNC_ARGS 12u

struct attachment;

/* Attaches prog (a new reference is taken) at the hook.  role: the attach type that
 * selects when it runs (BPF_TRACE_FENTRY, BPF_TRACE_FEXIT, BPF_MODIFY_RETURN, BPF_LSM_MAC,
 * BPF_TRACE_KPROBE_MULTI ...), retprobe: fires on return (kretprobe, uretprobe). */
struct attachment *attach_add(enum hook_kind kind, const char *name, u32 role, bool retprobe,
			      struct bpf_prog *prog, u64 cookie);

/* An attachment with the kernel's per-hook limits, checked and added in one step under
 * the attach lock, so that concurrent attaches cannot all pass a limit. */
struct attach_req {
	enum hook_kind kind;
	const char *name;
	u32 role;
	bool retprobe;
	struct bpf_prog *prog;
	u64 cookie;
	u64 func_ip;    /* the kallsyms address, looked up unless ip_known */
	bool ip_known;  /* the caller resolved func_ip (0: no such symbol) */
	u32 max;        /* -E2BIG when max programs are attached at the hook; 0: no limit */
	bool once;      /* -EBUSY when prog is attached at the hook already */
	bool exclusive; /* -EBUSY when anything is attached at the hook */
};

/* attach_add() under the request's limits: 0 and *out, or -E2BIG, -EBUSY, -ENOMEM. */
int attach_add_req(const struct attach_req *req, struct attachment **out);
/* Detaches and frees (drops the program reference).  NULL is ignored. */
void attach_del(struct attachment *a);
/* Replaces the attached program (BPF_LINK_UPDATE): takes a reference on prog, drops the
 * old one. */
void attach_set_prog(struct attachment *a, struct bpf_prog *prog);

/* Runs the programs attached at (kind, name) with the given return flag, each on ctx
 * (ctx_size bytes; pt_regs, a tracepoint record, raw_tp arguments).  Returns how many
 * ran, or -EFAULT when one faulted (the others still ran); *ret: the last one's R0.
 * *override (may be NULL): a kprobe program called bpf_override_return with *ret. */
int attach_fire(enum hook_kind kind, const char *name, bool retprobe, void *ctx, u32 ctx_size,
		u64 *ret, bool *override);

/* What a trampoline call did: programs run, and how many of them faulted. */
struct tramp_result {
	u32 runs, faults;
};

/* The kernel's trampoline around function `func` with nr_args arguments: fentry
 * programs, then fmod_ret (and LSM) programs, each seeing the previous one's return
 * value; the first nonzero one skips the function, then fexit programs see the return
 * value.  The function is orig(args), or returns orig_ret when orig is NULL.  Returns
 * the return value. */
u64 attach_tramp_call(const char *func, const u64 *args, u32 nr_args, u64 (*orig)(const u64 *args),
		      u64 orig_ret, struct tramp_result *res);

/* The first program attached at (kind, name), referenced, or NULL. */
struct bpf_prog *attach_first_prog(enum hook_kind kind, const char *name);
/* Runs prog's test run on a packet (data, size bytes; XDP, tc): 0 and *retval, or
 * -errno. */
int attach_run_packet(struct bpf_prog *prog, const void *data, u32 size, u32 *retval);
/* An SK_SKB verdict program on size bytes of data arriving at socket sock (a descriptor;
 * its addresses fill the context), as a fresh run of this thread (prog_skb.c): 0 with the
 * verdict in *retval, or -errno. */
int sk_skb_run(struct bpf_prog *prog, int sock, const void *data, u32 size, u32 *retval);
/* The same for an SK_MSG verdict on size bytes the socket sends (prog_sockmap.c). */
int sk_msg_run(struct bpf_prog *prog, int sock, const void *data, u32 size, u32 *retval);

/* How many programs are attached at (kind, name); only those that are prog when prog is
 * not NULL. */
u32 attach_count(enum hook_kind kind, const char *name, const struct bpf_prog *prog);

/* The ids of the programs attached at (kind, name) with role, in attach order: up to
 * cap of them into ids; returns how many there are. */
u32 attach_prog_ids(enum hook_kind kind, const char *name, u32 role, u32 *ids, u32 cap);

#endif
