/* The state of one verification (internal to src/verifier): the program, the current
 * path's state, the pending branches, the states kept at prune points, the error.
 * No locking: one verification per thread. */
#ifndef BPFRUN_VERIFIER_ENV_H
#define BPFRUN_VERIFIER_ENV_H

#include "caps.h"
#include "state.h"
#include "verifier.h"

/* Returned by a check that gives up (verifier.h): never reaches the caller of
 * verifier_run, which then returns 0. */
#define EGIVEUP 4242

struct pending {
	struct vstate st;
	u32 insn;
};

struct kept {
	struct vstate st;
	struct kept *next;
	bool done; /* every path from it was explored: it may prune others */
	u32 insn;
};

struct open_kept {
	struct kept *k;
	u32 depth; /* pending branches when it was kept */
};

struct venv {
	struct bpf_prog *prog;
	struct bpf_map *const *insn_map;
	struct verifier_stats *stats;
	struct vstate cur;
	u32 insn;              /* current instruction */
	struct pending *stack; /* branches still to explore */
	u32 nstack, cap;
	struct kept **kept;     /* per instruction */
	u32 *nkept;             /* per instruction */
	u8 *prune_point;        /* per instruction */
	struct open_kept *open; /* kept states on the current path, not done */
	u32 nopen, open_cap;
	u32 id_gen;
	u32 total_kept;
	u32 compares; /* state comparisons made (COMPARE_LIMIT) */
	/* The kernel keeps a state only after 2 jumps and 8 instructions since the last
	 * one (or at every prune point with BPF_F_TEST_STATE_FREQ). */
	u32 jmps, prev_jmps, prev_insns;
	/* Timer callbacks already queued for verification: their entry state depends only
	 * on (subprogram, map), so each pair is verified once (a callback that re-arms
	 * itself is not a loop). */
	struct {
		u32 subprog;
		const struct bpf_map *map;
	} async_seen[64];
	u32 nasync;
	bool state_freq;   /* BPF_F_TEST_STATE_FREQ */
	struct caps caps;  /* the loader's */
	bool strict_align; /* BPF_F_STRICT_ALIGNMENT, or an atomic being checked */
	char msg[512];     /* the refusal's log text */
};

/* Refusal: logs the kernel's text (kept until the verdict) and returns -err; gives up
 * instead when the current path or r (may be NULL) rests on coarse tracking. */
int vfail(struct venv *env, const struct vreg *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Gives up on the program (see verifier.h). */
int vgiveup(struct venv *env, const char *why);

static inline struct vframe *cur_frame(struct venv *env)
{
	return env->cur.fr[env->cur.nframes - 1];
}
static inline struct vreg *cur_regs(struct venv *env)
{
	return cur_frame(env)->regs;
}

/* The kernel's name of r's type ("scalar", "map_value_or_null", "fp" ...). */
const char *reg_type_str(const struct vreg *r);
/* Fails with "R%d !read_ok" when register regno is not initialised. */
int check_reg_init(struct venv *env, u32 regno);

/* Memory accesses (mem.c): load (write false) or store of size bytes at reg regno + off;
 * a load puts its value in *val (may be NULL); a store takes it from val. */
int check_mem(struct venv *env, u32 regno, s32 off, u32 size, bool write, struct vreg *val);
/* A helper's memory argument: size bytes from reg regno, read or written (helpers). */
int check_helper_mem(struct venv *env, u32 regno, u32 size, bool write, bool zero_ok);

/* Calls and exits (calls.c). */
int check_helper_call(struct venv *env, const struct bpf_insn *insn);
int check_subprog_call(struct venv *env, const struct bpf_insn *insn);
/* BPF_EXIT: returns 1 when the path ended, 0 when it goes on in the caller. */
int check_exit(struct venv *env);
/* Pushes a branch to explore later: a copy of st at insn. */
int push_branch(struct venv *env, const struct vstate *st, u32 insn);

/* States (verifier.c). */
int state_copy(struct vstate *dst, const struct vstate *src);
void state_free(struct vstate *st);
struct vframe *frame_new(u32 subprog, u32 callsite, u32 frameno);
u32 subprog_of(const struct bpf_prog *prog, u32 insn);
/* Applies f to every register and spilled register of every frame of st. */
void for_each_reg(struct vstate *st, void (*f)(struct vreg *, void *), void *arg);

#endif
