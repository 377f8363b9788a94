/* Dynptrs: the kernel's struct bpf_dynptr_kern layout in the program's 16-byte struct
 * bpf_dynptr, for the files that create or read them (dynptr.c; a ring buffer's
 * reserve_dynptr).  A dynptr lives in program memory, so nothing in it is trusted: each
 * use checks local memory again with vm_mem, and packet dynptrs reach only the packet of
 * the run in progress.  No state. */
#ifndef BPFRUN_DYNPTR_H
#define BPFRUN_DYNPTR_H

#include "../lib/common.h"
#include "../vm/vm.h"

enum dynptr_type { DYNPTR_INVALID, DYNPTR_LOCAL, DYNPTR_RINGBUF, DYNPTR_SKB, DYNPTR_XDP };

#define DYNPTR_MAX_SIZE 0xffffffu /* 24 bits of size_bits */
#define DYNPTR_TYPE_SHIFT 28
#define DYNPTR_RDONLY_BIT (1u << 31)

struct dynptr_kern {
	u64 data;      /* program address (local, ring buffer), or the context (skb, xdp) */
	u32 size_bits; /* size | type << DYNPTR_TYPE_SHIFT | read-only bit */
	u32 offset;
};

/* Writes a dynptr to program memory at addr (faults the run when it cannot). */
bool dynptr_init(struct exec_ctx *x, u64 addr, u64 data, enum dynptr_type type, u32 size,
		 bool rdonly);
/* Writes the null dynptr (all zero) at addr. */
void dynptr_set_null(struct exec_ctx *x, u64 addr);

#endif
