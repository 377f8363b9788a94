/* fuzz_jit: the JIT against the interpreter, differentially.
 *
 * Each input becomes one program, prepared with the real helper table, compiled by the
 * JIT, and run twice from the same state: interpreted (bpfrun_set_jit(0)) and native.  The
 * two runs must agree on R0, the fault and its message, and every byte of memory the
 * program can reach: its stack (all frames), its context and the values of its array map.
 * A difference aborts with both sides printed.  Runs have fuzz_common's small budget, so
 * programs that loop end in a budget fault, which must come at the same instruction.
 *
 * Shape of a program (most instructions made valid, so that runs go deep):
 *   r6 = &value[0] of the array map, r7 = the map, r8 = the callback (ld_imm64 func),
 *   r9 = r10; then up to MAX_BODY instructions from the input: ALU of both widths (with
 *   signed division, movsx, byte swaps), jumps forward and back, may_goto, loads, stores
 *   and atomics based on R10 (in and out of the frame), the context, the map value or any
 *   register, ld_imm64, BPF_LD_ABS/IND, helper calls (map lookup/update, bpf_loop with the
 *   callback, smp_processor_id), bpf-to-bpf calls of the callback, tail calls through a
 *   map that is not a program array; an exit; then the callback, a few instructions of the
 *   same kinds and an exit.  Instructions vm_prepare refuses just end the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "fuzz_common.h"
#include "helpers/helpers.h"
#include "jit/jit.h"
#include "maps/map.h"
#include "obj/prog.h"
#include "vm/vm_internal.h"

#define MAX_BODY 96
#define MAX_CB 16
#define MAX_INSNS (8 + MAX_BODY * 4 + MAX_CB + 4)
#define CTX_SIZE 64
#define VALUE_SIZE 64
#define NR_VALUES 4

static u8 ctx_buf[CTX_SIZE];
static struct bpf_map *map;
static int map_fd = -1;
static u8 *values[NR_VALUES];

static int ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	u64 v = 0;

	if (off + size > CTX_SIZE)
		return -EACCES;
	memcpy(&v, ctx_buf + off, size);
	*val = v;
	return 0;
}

static int ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	if (off + size > CTX_SIZE || off < 8) /* the first 8 bytes are read-only */
		return -EACCES;
	memcpy(ctx_buf + off, &val, size);
	return 0;
}

static const struct prog_type_ops fuzz_type = {
	.name = "fuzz_jit",
	.ctx_size = CTX_SIZE,
	.ctx_load = ctx_load,
	.ctx_store = ctx_store,
};

static void setup(void)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY,
			     .key_size = 4,
			     .value_size = VALUE_SIZE,
			     .max_entries = NR_VALUES };

	fuzz_init();
	map_fd = (int)fuzz_bpf(BPF_MAP_CREATE, &a);
	map = map_fd >= 0 ? map_from_fd(map_fd, NULL) : NULL;
	if (!map)
		abort();
	for (u32 k = 0; k < NR_VALUES; k++)
		values[k] = map->ops->lookup(map, &k);
}

/* ---- the generator ---- */

struct gen {
	struct bpf_insn in[MAX_INSNS];
	u32 n;
	struct fuzz_in *f;
};

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static void put(struct gen *g, struct bpf_insn i)
{
	if (g->n < MAX_INSNS)
		g->in[g->n++] = i;
}

static void ld_imm64(struct gen *g, u8 dst, u8 src, u64 v)
{
	put(g, I(BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, (s32)(u32)v));
	put(g, I(0, 0, 0, 0, (s32)(u32)(v >> 32)));
}

static const u8 sizes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };

/* an immediate: small, an edge value, or any */
static s32 gen_imm(struct fuzz_in *f)
{
	static const s32 edge[] = {
		0, 1, -1, 2, 31, 32, 63, 64, INT32_MIN, INT32_MAX, 0xff, 0x10000
	};
	u8 sel = in_u8(f);

	if (sel < 128)
		return (s32)(s8)in_u8(f);
	if (sel < 200)
		return edge[in_u8(f) % ARRAY_SIZE(edge)];
	return (s32)in_u32(f);
}

/* base register and offset of a memory access */
static void gen_addr(struct fuzz_in *f, u8 *base, s16 *off, u32 bytes)
{
	u8 sel = in_u8(f) % 8;
	s16 r = (s16)in_u16(f);

	switch (sel) {
	case 0:
	case 1:
	case 2: /* the frame, aligned or not, sometimes just outside */
		*base = sel == 2 ? 9 : 10;
		*off = (s16)(-(s16)(r % 528) + (s16)(r & 8 ? 0 : 8) - (s16)bytes);
		if (r & 0x4000)
			*off = (s16)(*off & ~(s16)(bytes - 1));
		return;
	case 3:
		*base = 1;
		*off = (s16)(r % 80 - 8);
		return;
	case 4:
	case 5:
		*base = 6;
		*off = (s16)(r % 80 - 8);
		return;
	default:
		*base = (u8)(in_u8(f) % 11);
		*off = r;
	}
}

static void gen_alu(struct gen *g, u8 rmax)
{
	struct fuzz_in *f = g->f;
	u8 cls = in_u8(f) & 1 ? BPF_ALU64 : BPF_ALU, op = (u8)(in_u8(f) % 14) << 4;
	u8 dst = (u8)(in_u8(f) % rmax), src = (u8)(in_u8(f) % 11), x = in_u8(f) & 1;
	s16 off = 0;

	if (op == BPF_NEG)
		x = 0;
	if ((op == BPF_DIV || op == BPF_MOD) && (in_u8(f) & 1))
		off = 1; /* signed */
	if (op == BPF_MOV && x && (in_u8(f) & 1))
		off = (s16)(8 << (in_u8(f) % (cls == BPF_ALU64 ? 3 : 2)));
	if (op == BPF_END) {
		static const s32 widths[] = { 16, 32, 64 };
		put(g, I(cls | op | (x ? BPF_TO_BE : BPF_TO_LE), dst, 0, 0, widths[in_u8(f) % 3]));
		return;
	}
	put(g, I(cls | op | (x ? BPF_X : BPF_K), dst, x ? src : 0, off, x ? 0 : gen_imm(f)));
}

/* a jump inside [lo, hi) from the instruction about to be put */
static s16 jump_off(struct gen *g, u32 lo, u32 hi)
{
	u32 target = lo + in_u16(g->f) % (hi - lo);

	return (s16)((s32)target - (s32)g->n - 1);
}

static void gen_mem(struct gen *g, u8 rmax)
{
	struct fuzz_in *f = g->f;
	u8 kind = in_u8(f) % 6, sz = sizes[in_u8(f) % 4], base, reg = (u8)(in_u8(f) % 11);
	u32 bytes = 1u << (sz >> 3);
	s16 off;

	gen_addr(f, &base, &off, bytes);
	switch (kind) {
	case 0:
	case 1:
		put(g, I(BPF_LDX | BPF_MEM | sz, (u8)(reg % rmax), base, off, 0));
		return;
	case 2:
		if (sz == BPF_DW)
			sz = BPF_W;
		put(g, I(BPF_LDX | BPF_MEMSX | sz, (u8)(reg % rmax), base, off, 0));
		return;
	case 3:
		put(g, I(BPF_ST | BPF_MEM | sz, base, 0, off, gen_imm(f)));
		return;
	case 4:
		put(g, I(BPF_STX | BPF_MEM | sz, base, reg, off, 0));
		return;
	default: {
		static const s32 ops[] = { BPF_ADD,
					   BPF_OR,
					   BPF_AND,
					   BPF_XOR,
					   BPF_ADD | BPF_FETCH,
					   BPF_OR | BPF_FETCH,
					   BPF_AND | BPF_FETCH,
					   BPF_XOR | BPF_FETCH,
					   BPF_XCHG,
					   BPF_CMPXCHG,
					   0x100 /* load-acquire */,
					   0x110 /* store-release */ };
		s32 op = ops[in_u8(f) % ARRAY_SIZE(ops)];
		if (op < 0x100 && sz != BPF_DW)
			sz = BPF_W;
		if (op == 0x100) /* dst receives, src is the address */
			put(g, I(BPF_STX | BPF_ATOMIC | sz, (u8)(reg % rmax), base, off, op));
		else
			put(g, I(BPF_STX | BPF_ATOMIC | sz, base, reg, off, op));
	}
	}
}

static void gen_call(struct gen *g, u32 cb)
{
	struct fuzz_in *f = g->f;

	switch (in_u8(f) % 6) {
	case 0: /* lookup/update of a key on the stack */
		put(g, I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, in_u8(f) % 5));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0));
		put(g, I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 6, 0, 0));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0));
		put(g, I(BPF_JMP | BPF_CALL, 0, 0, 0,
			 in_u8(f) & 1 ? BPF_FUNC_map_lookup_elem : BPF_FUNC_map_update_elem));
		return;
	case 1: /* bpf_loop(n, callback, ctx, 0) */
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, in_u8(f) % 9));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 8, 0, 0));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 3, in_u8(f) & 1 ? 6 : 10, 0, 0));
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0));
		put(g, I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop));
		return;
	case 2:
		put(g, I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, (s32)cb - (s32)g->n - 1));
		return;
	case 3:
		put(g, I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_smp_processor_id));
		return;
	case 4: /* through the array map: faults (not a program array) */
		put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 2, in_u8(f) & 1 ? 7 : 3, 0, 0));
		put(g, I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call));
		return;
	default: { /* any helper id (but random numbers): many fault on their arguments */
		s32 id = in_u8(f) % 40;
		put(g, I(BPF_JMP | BPF_CALL, 0, 0, 0, id == BPF_FUNC_get_prandom_u32 ? 0 : id));
	}
	}
}

/* One instruction (or a short sequence) of a function [lo, hi); rmax: registers it may
 * write (the callback keeps r6..r9 for its caller's benefit only by chance). */
static void gen_one(struct gen *g, u32 lo, u32 hi, u32 cb, bool in_cb)
{
	struct fuzz_in *f = g->f;
	u8 sel = in_u8(f) % 32, rmax = 10;

	if (sel < 12) {
		gen_alu(g, rmax);
	} else if (sel < 18) {
		u8 cls = in_u8(f) & 1 ? BPF_JMP : BPF_JMP32, x = in_u8(f) & 1;
		u8 op = (u8)((in_u8(f) % 13) << 4);
		if (op == BPF_JA || op == BPF_CALL || op == BPF_EXIT)
			op = BPF_JNE;
		put(g, I(cls | op | (x ? BPF_X : BPF_K), (u8)(in_u8(f) % 11), x ? in_u8(f) % 11 : 0,
			 jump_off(g, lo, hi), x ? 0 : gen_imm(f)));
	} else if (sel < 26) {
		gen_mem(g, rmax);
	} else if (sel < 28) {
		if (in_cb)
			gen_alu(g, rmax);
		else
			gen_call(g, cb);
	} else if (sel == 28) {
		put(g, I(BPF_JMP | BPF_JCOND, 0, 0, jump_off(g, lo, hi), 0));
	} else if (sel == 29) {
		put(g, I(BPF_JMP | BPF_JA, 0, 0, jump_off(g, lo, hi), 0));
	} else if (sel == 30) {
		ld_imm64(g, (u8)(in_u8(f) % rmax), 0, in_u64(f));
	} else {
		u8 ind = in_u8(f) & 1;
		put(g, I(BPF_LD | (ind ? BPF_IND : BPF_ABS) | sizes[in_u8(f) % 3], 0,
			 ind ? in_u8(f) % 10 : 0, 0, gen_imm(f)));
	}
}

/* Builds the program; its length, or 0 when the input is too short. */
static u32 generate(struct gen *g)
{
	struct fuzz_in *f = g->f;
	u32 body = 1 + in_u8(f) % MAX_BODY, ncb = 1 + in_u8(f) % MAX_CB;
	u32 start, end, cb, cb_end;

	ld_imm64(g, 6, 0, (u64)(uintptr_t)values[0]);
	ld_imm64(g, 7, 0, (u64)(uintptr_t)map);
	u32 func_at = g->n;
	ld_imm64(g, 8, BPF_PSEUDO_FUNC, 0); /* imm set below */
	put(g, I(BPF_ALU64 | BPF_MOV | BPF_X, 9, 10, 0, 0));
	start = g->n;
	/* The body's jumps may land anywhere in [start, end); its length is not known until
	 * it is built, so jumps aim within the body's expected span, then fix up below. */
	end = start + body * 4;
	for (u32 k = 0; k < body && !in_empty(f); k++)
		gen_one(g, start, end, end + 1, false);
	if (in_empty(f) && g->n == start)
		return 0;
	end = g->n;
	put(g, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	cb = g->n;
	cb_end = cb + ncb;
	for (u32 k = 0; k < ncb; k++)
		gen_one(g, cb, cb_end, cb, true);
	cb_end = g->n;
	put(g, I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, in_u8(f) % 2));
	put(g, I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	/* pull out-of-range jumps and calls back in */
	for (u32 i = start; i < g->n; i++) {
		struct bpf_insn *in = &g->in[i];
		u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		bool body_insn = i < end;
		u32 lo = body_insn ? start : cb, hi = body_insn ? end + 1 : cb_end + 2;
		if (in->code == (BPF_JMP | BPF_CALL)) {
			if (in->src_reg == BPF_PSEUDO_CALL)
				in->imm = (s32)cb - (s32)i - 1;
			continue;
		}
		if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_EXIT)
			continue;
		s64 t = (s64)i + in->off + 1;
		if (t < lo || t >= hi)
			in->off = (s16)((s64)lo + (u64)(t < 0 ? -t : t) % (hi - lo) - i - 1);
	}
	g->in[func_at].imm = (s32)cb - (s32)func_at - 1;
	return g->n;
}

/* ---- the two runs ---- */

struct outcome {
	u64 r0;
	int fault;
	char msg[160];
	u8 stack[VM_STACK_SIZE];
	u8 ctx[CTX_SIZE];
	u8 vals[NR_VALUES][VALUE_SIZE];
};

static struct outcome out[2];

static void reset_memory(struct exec_ctx *x, const u8 *seed)
{
	for (u32 i = 0; i < VM_STACK_SIZE; i++)
		x->stack[i] = (u8)(seed[i % 16] + i);
	for (u32 i = 0; i < CTX_SIZE; i++)
		ctx_buf[i] = (u8)(seed[i % 16] ^ i);
	for (u32 k = 0; k < NR_VALUES; k++)
		for (u32 i = 0; i < VALUE_SIZE; i++)
			values[k][i] = (u8)(seed[(i + k) % 16] * 3 + i);
}

static void run(struct bpf_prog *prog, const u8 *seed, struct outcome *o, bool native)
{
	struct exec_ctx *x = exec_ctx_get();

	bpfrun_set_jit(native);
	reset_memory(x, seed);
	vm_reset_run(x);
	x->ctx = ctx_buf;
	x->ctx_size = CTX_SIZE;
	o->r0 = vm_call(x, prog, 0, (u64)(uintptr_t)ctx_buf, 0, 0, 0, 0);
	o->fault = x->fault;
	snprintf(o->msg, sizeof(o->msg), "%s", x->fault_msg);
	memcpy(o->stack, x->stack, VM_STACK_SIZE);
	memcpy(o->ctx, ctx_buf, CTX_SIZE);
	for (u32 k = 0; k < NR_VALUES; k++)
		memcpy(o->vals[k], values[k], VALUE_SIZE);
}

static void dump(const struct bpf_prog *prog)
{
	for (u32 i = 0; i < prog->len; i++) {
		const struct bpf_insn *in = &prog->insns[i];
		fprintf(stderr, "  %3u: code %02x dst %u src %u off %d imm %d\n", i, in->code,
			in->dst_reg, in->src_reg, in->off, in->imm);
	}
	fprintf(stderr, "interp: r0 %llx fault %d '%s'\nnative: r0 %llx fault %d '%s'\n",
		(unsigned long long)out[0].r0, out[0].fault, out[0].msg,
		(unsigned long long)out[1].r0, out[1].fault, out[1].msg);
}

static void compare(const struct bpf_prog *prog)
{
	const char *what = NULL;

	if (out[0].r0 != out[1].r0 || out[0].fault != out[1].fault)
		what = "r0 or fault";
	else if (strcmp(out[0].msg, out[1].msg))
		what = "fault message";
	else if (memcmp(out[0].stack, out[1].stack, VM_STACK_SIZE))
		what = "stack";
	else if (memcmp(out[0].ctx, out[1].ctx, CTX_SIZE))
		what = "context";
	else if (memcmp(out[0].vals, out[1].vals, sizeof(out[0].vals)))
		what = "map values";
	if (!what)
		return;
	fprintf(stderr, "fuzz_jit: the JIT and the interpreter differ in %s\n", what);
	dump(prog);
	abort();
}

static u64 nr_compared, nr_faulted, nr_budget;

static void print_count(void)
{
	fuzz_report("fuzz_jit: %llu programs compared, %llu faulted (%llu over budget)",
		    (unsigned long long)nr_compared, (unsigned long long)nr_faulted,
		    (unsigned long long)nr_budget);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen g;
	struct fuzz_in f = { data, size };
	struct bpf_prog prog = { .tops = &fuzz_type };
	u8 seed[16];
	char msg[256];

	if (!map) {
		setup();
		atexit(print_count);
	}
	in_bytes(&f, seed, sizeof(seed));
	g.n = 0;
	g.f = &f;
	prog.len = generate(&g);
	if (!prog.len)
		return 0;
	prog.insns = g.in;
	prog.used_maps = &map;
	prog.nr_used_maps = 1;
	if (vm_prepare(&prog, helper_get, msg, sizeof(msg)))
		return 0;
	jit_compile(&prog);
	if (!prog.native)
		abort(); /* the JIT compiles every program vm_prepare accepts */
	run(&prog, seed, &out[0], false);
	run(&prog, seed, &out[1], true);
	compare(&prog);
	nr_compared++;
	nr_faulted += out[0].fault != 0;
	nr_budget += strstr(out[0].msg, "infinite loop") != NULL;
	jit_release(&prog);
	vm_release(&prog);
	return 0;
}
