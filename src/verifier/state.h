/* The verifier's abstract state (internal to src/verifier): registers, stack frames,
 * and the per-path state the exploration copies at branches and keeps at prune points.
 * No locking: a state belongs to one verification. */
#ifndef BPFRUN_VERIFIER_STATE_H
#define BPFRUN_VERIFIER_STATE_H

#include "tnum.h"
#include "../obj/prog.h"

struct bpf_map;

enum reg_type {
	NOT_INIT,
	SCALAR,
	PTR_CTX,
	PTR_STACK,
	CONST_MAP,
	PTR_MAP_VALUE,
	PTR_MAP_KEY,
	PTR_PKT,
	PTR_PKT_META,
	PTR_PKT_END,
	PTR_FUNC,
	PTR_OPAQUE, /* a pointer the verifier does not model: using it gives up */
};

struct vreg {
	u8 type; /* enum reg_type */
	bool maybe_null;
	bool fuzzy;  /* derived by an operation tracked more coarsely than the kernel:
			 * a refusal that rests on it gives up instead */
	u8 frame;    /* PTR_STACK: the frame it points into */
	s32 off;     /* pointers: fixed offset */
	u32 id;      /* NULL checks, packet ranges, linked scalars */
	u32 range;   /* PTR_PKT*: bytes from the id's base proven before data_end */
	u32 subprog; /* PTR_FUNC: the callback's subprogram */
	const struct bpf_map *map;
	struct tnum var_off; /* scalars: the value; pointers: the variable offset */
	s64 smin, smax;
	u64 umin, umax;
};

/* SLOT_NARROW: misc bytes written from a register by a store narrower than 8 bytes; the
 * kernel may keep that register's bounds there, so a value read back is fuzzy. */
enum slot_type { SLOT_INVALID, SLOT_MISC, SLOT_ZERO, SLOT_SPILL, SLOT_NARROW };

#define STACK_SLOTS (MAX_BPF_STACK / 8)

struct vframe {
	struct vreg regs[MAX_BPF_REG];
	u8 slot[MAX_BPF_STACK];         /* per byte, from fp-512 (index 0) up to fp-1 */
	struct vreg spill[STACK_SLOTS]; /* per 8-byte slot (index 0: fp-512) */
	u32 callsite;                   /* caller's call insn (frames above 0) */
	u32 subprog;
	bool is_callback;
};

struct vstate {
	u32 nframes;
	struct vframe *fr[MAX_CALL_FRAMES];
	u32 in_async; /* > 0 inside an async (timer) callback */
	bool fuzzy;   /* a branch on this path was decided more coarsely than the kernel's:
		       * a refusal on it gives up */
};

/* Scalar helpers (scalar.c). */
void reg_mark_unknown(struct vreg *r);
void reg_mark_const(struct vreg *r, u64 v);
void reg_mark_range(struct vreg *r, u64 umin, u64 umax);
bool reg_is_const(const struct vreg *r);
/* Tightens bounds and bits from each other; false when they contradict (dead path). */
bool reg_sync(struct vreg *r);
/* dst = dst op src for 64-bit (alu32 false) or 32-bit ALU ops on scalars. */
void scalar_alu(struct vreg *dst, const struct vreg *src, u8 op, bool alu32);
/* BPF_END: to little endian (a truncation on x86) or a byte swap, of bits bits. */
void scalar_end(struct vreg *d, bool to_le, u32 bits);
/* Refines dst and src (scalars) for the branch where "dst op src" is taken (true) or
 * not; returns false when that branch cannot happen. */
bool scalar_branch(struct vreg *dst, struct vreg *src, u8 op, bool taken, bool jmp32);
/* 1 when "dst op src" is always true, 0 when always false, -1 when unknown. */
int scalar_branch_taken(const struct vreg *dst, const struct vreg *src, u8 op, bool jmp32);
/* old's values include every value of cur (both scalars). */
bool scalar_within(const struct vreg *old, const struct vreg *cur);

#endif
