/* Programs: what BPF_PROG_LOAD builds and what the interpreter runs.
 *
 * A loaded program is immutable after load (so any number of threads may run it at
 * once); it holds a reference on every map it uses.  Program types plug in through
 * struct prog_type_ops (prog_types.c and one file per family): which helpers they offer,
 * how their context is read and written, and how BPF_PROG_TEST_RUN drives them.
 */
#ifndef BPFRUN_PROG_H
#define BPFRUN_PROG_H

#include "../lib/common.h"
#include "object.h"

struct bpf_map;
struct btf_obj;
struct exec_ctx;
struct helper_desc;
struct helper_set;
struct load_env;

#define MAX_BPF_STACK 512 /* bytes of stack per frame */
#define MAX_CALL_FRAMES 8
#define MAX_TAIL_CALL_CNT 33

/* A subprogram (function): the entry and every BPF_PSEUDO_CALL / BPF_PSEUDO_FUNC target. */
struct subprog {
	u32 start;       /* first instruction index */
	u32 end;         /* one past the last */
	u32 stack_depth; /* bytes below R10 it uses (static estimate, rounded up to 8) */
};

/* A kernel function the program calls (an entry of the kernel's kfunc_tab): the calls'
 * imm (its BTF id) and off (module BTF slot), its kernel name and bpfrun's implementation
 * (NULL when there is none: the load fails).  prog/prog_kfunc.c fills it at load. */
struct kfunc_bind {
	s32 imm;
	s16 off;
	const char *name; /* in the kernel's BTF, which lives as long as the process */
	const struct helper_desc *desc;
	bool under_lock; /* may run while the run holds a bpf_spin_lock (the graph kfuncs) */
	/* what the calls run (vm.h's helper_fn): desc's function, or a fault rule's wrapper */
	u64 (*fn)(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);
};

struct bpf_prog {
	struct obj obj;
	u32 type, expected_attach_type, prog_flags;
	char name[BPF_OBJ_NAME_LEN];
	bool gpl_compatible;
	u8 tag[BPF_TAG_SIZE];

	/* Instructions after load-time rewriting (map fds -> map pointers, etc.) */
	struct bpf_insn *insns;
	u32 len;
	/* Pre-decoded form for the interpreter, owned by vm (vm_prepare/vm_release). */
	void *vm_code;
	/* Native code (jit/): set by the prog layer after vm_prepare when the JIT compiled the
	 * program, NULL otherwise.  `native` has vm_interp's contract (vm_internal.h); the vm
	 * calls it instead of the interpreter when the JIT is on.  `jit` is its image, owned by
	 * jit/ (jit_release). */
	u64 (*native)(struct exec_ctx *x, const struct bpf_prog *prog, u32 start,
		      const u64 args[5]);
	void *jit;
	/* Hook for a verifier (NULL: none): proven_safe[i] set means instruction i, a load or
	 * store, was proven to touch only memory the run may access with a plain access (the
	 * stack, packet data, a map value: never the context).  Set before jit_compile, which
	 * then emits such accesses without their checks. */
	const u8 *proven_safe;

	struct subprog *subprogs;
	u32 nr_subprogs;

	struct bpf_map **used_maps; /* referenced */
	u32 nr_used_maps;
	struct bpf_map **bound_maps; /* BPF_PROG_BIND_MAP's, referenced (prog/prog_bind.c) */
	u32 nr_bound_maps;
	struct btf_obj *btf; /* referenced, may be NULL */
	void *func_info;     /* copies of what was loaded, for GET_INFO */
	u32 func_info_cnt, func_info_rec_size;
	void *line_info;
	u32 line_info_cnt, line_info_rec_size;

	const struct prog_type_ops *tops;
	u64 load_time_ns;
	u64 run_cnt, run_time_ns; /* atomic, for GET_INFO */

	/* The instructions as GET_INFO shows them (xlated_prog_insns): as loaded, with map
	 * loads carrying map ids instead of descriptors, as the kernel dumps them. */
	struct bpf_insn *xlated;
	u32 created_by_uid;
	u32 max_stack_depth; /* deepest call chain's combined stack */
	/* End of the furthest context access seen through R1 of the entry (the kernel's
	 * max_ctx_offset; a static lower bound here). */
	u32 max_ctx_offset;
	/* Kernel functions the program calls, one entry per (imm, off). */
	struct kfunc_bind *kfuncs;
	u32 nr_kfuncs;

	/* Tracing targets (TRACING, LSM, tp_btf; prog_trampoline.c): the kernel BTF's type id
	 * given as attach_btf_id, the function (or raw tracepoint) it names, and its number
	 * of arguments. */
	u32 attach_btf_id;
	char attach_func[128];
	u32 attach_nr_args;
};

/* The binding of the kfunc call (imm, off) of prog, or NULL. */
static inline const struct kfunc_bind *prog_kfunc(const struct bpf_prog *prog, s32 imm, s16 off)
{
	for (u32 i = 0; i < prog->nr_kfuncs; i++)
		if (prog->kfuncs[i].imm == imm && prog->kfuncs[i].off == off)
			return &prog->kfuncs[i];
	return NULL;
}
/* What a context load yields, for the verifier (prog_type_ops.ctx_access). */
enum ctx_kind {
	CTX_SCALAR,   /* a number */
	CTX_PKT,      /* data: packet pointer */
	CTX_PKT_END,  /* data_end */
	CTX_PKT_META, /* data_meta */
	CTX_PTR,      /* another pointer (e.g. __sk_buff.sk): the verifier does not model it */
};

struct prog_type_ops {
	const char *name;
	/* Size of the context struct the program sees (for ctx_in checks). */
	u32 ctx_size;
	/* The helpers the type offers (prog/helper_sets.c, as the kernel's func_proto). */
	const struct helper_set *helpers;
	/* Context loads/stores at `off` of `size` bytes.  Returns 0, or -EACCES for an access
	 * the kernel's verifier would refuse (the run then ends with a fault).  Loads return the
	 * value in *val (pointer fields such as data/data_end return full 64-bit pointers).
	 * NULL: every access refused. */
	int (*ctx_load)(struct exec_ctx *x, u32 off, u32 size, u64 *val);
	int (*ctx_store)(struct exec_ctx *x, u32 off, u32 size, u64 val);
	/* The same rules at load time, for the verifier (the kernel's is_valid_access): 0 when
	 * a load (write false) or store of size bytes at off is allowed, with what a load
	 * yields in *kind (enum ctx_kind); -EACCES when refused.  NULL: the verifier does
	 * not judge context accesses of the type (it gives up on them). */
	int (*ctx_access)(const struct bpf_prog *prog, u32 off, u32 size, bool write, u8 *kind);
	/* BPF_PROG_TEST_RUN for this type; NULL: -ENOTSUPP as the kernel. */
	int (*test_run)(struct bpf_prog *prog, const union bpf_attr *attr, union bpf_attr *uattr);

	/* Load-time rules (NULL / false: none).  check_attach validates (and may default)
	 * expected_attach_type: 0 or -EINVAL. */
	int (*check_attach)(u32 *expected_attach_type);
	bool tracing;        /* the kernel's is_tracing_prog_type (no bpf_timer maps) */
	bool ld_abs;         /* BPF_LD_[ABS|IND] allowed (the kernel's may_access_skb) */
	bool sleepable_only; /* must be loaded with BPF_F_SLEEPABLE (SYSCALL) */
	bool pkt_readonly;   /* packet data may be read, not written (the kernel's
			       * "cannot write into packet": CGROUP_SKB) */
	/* Resolves the program's attach target at load (attach_btf_id: TRACING, LSM), with
	 * the reason in the load's log: 0 or -errno.  NULL: the type takes no target. */
	int (*load_target)(struct load_env *env);
	bool trace_info; /* runs carry a struct trace_info (helpers/trace_info.h) in
			      * exec_ctx.type_data, or NULL */
};

static inline struct bpf_prog *prog_of(struct obj *o)
{
	return container_of(o, struct bpf_prog, obj);
}
static inline void prog_get(struct bpf_prog *p)
{
	obj_get(&p->obj);
}
static inline void prog_put(struct bpf_prog *p)
{
	obj_put(&p->obj);
}

/* The program behind descriptor fd: +1 reference, or ERR_PTR. */
static inline struct bpf_prog *prog_from_fd(int fd)
{
	struct obj *o = obj_from_fd(fd, OBJ_PROG, NULL);

	return IS_ERR(o) ? (struct bpf_prog *)o : prog_of(o);
}

/* The kernel's bpf_prog_get_type: the program of fd if it is of type ptype, else
 * ERR_PTR(-EINVAL) (or prog_from_fd's error). */
static inline struct bpf_prog *prog_from_fd_type(int fd, u32 ptype)
{
	struct bpf_prog *p = prog_from_fd(fd);

	if (!IS_ERR(p) && p->type != ptype) {
		prog_put(p);
		return ERR_PTR(-EINVAL);
	}
	return p;
}

#endif
