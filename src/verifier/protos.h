/* Helper prototypes for the verifier: the argument and return types of each helper, as
 * the kernel's bpf_func_proto gives them (protos.c, one line per helper).
 *
 * Policy for a helper (or a kfunc) without a line here: the verifier does not guess.  It
 * stops proving the program (verifier_run returns 0 with stats.gave_up set), the load
 * goes on as before, and the run-time checks, which stay as defence in depth, guard the
 * run.  So a program the kernel accepts never fails because of a missing prototype, and
 * adding a helper's line is all another area needs to do to have it verified.  No state. */
#ifndef BPFRUN_VERIFIER_PROTOS_H
#define BPFRUN_VERIFIER_PROTOS_H

#include "../lib/common.h"

enum arg_type {
	ARG_NONE,
	ARG_ANY,         /* any initialised value */
	ARG_MAP,         /* a map loaded by ld_imm64 */
	ARG_KEY,         /* readable key_size bytes of the map of argument 1 */
	ARG_VALUE,       /* readable value_size bytes of that map */
	ARG_MEM,         /* readable memory, its size in the next argument */
	ARG_MEM_OR_NULL, /* the same, or NULL (with a size that may be zero) */
	ARG_MEM_UNINIT,  /* writable memory (the helper fills it), size next */
	ARG_SIZE,        /* the size of the previous argument, > 0 */
	ARG_SIZE_OR_ZERO,
	ARG_CTX,       /* the program's context, unmodified */
	ARG_TIMER,     /* the bpf_timer of a map value */
	ARG_FUNC,      /* a callback (ld_imm64 BPF_PSEUDO_FUNC) */
	ARG_CONST_STR, /* a NUL-terminated string in a read-only map value */
};

enum ret_type {
	RET_INT,
	RET_VOID,
	RET_MAP_VALUE_OR_NULL, /* a value of the map of argument 1 */
};

enum cb_kind {
	CB_NONE,
	CB_TIMER, /* async: (map, key, value), returns 0 */
};

struct helper_proto {
	u32 id;
	u8 ret;           /* enum ret_type */
	u8 args[5];       /* enum arg_type */
	u8 cb;            /* enum cb_kind of the ARG_FUNC argument */
	bool pkt_changes; /* invalidates packet pointers (the kernel's changes_pkt_data) */
	bool might_sleep; /* refused in non-sleepable programs and async callbacks */
};

/* The prototype of helper id, or NULL when the verifier has none (see above). */
const struct helper_proto *helper_proto(u32 id);

#endif
