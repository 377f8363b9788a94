/* bpf-to-bpf calls (frames, callee-saved registers, the depth limit), tail calls (the
 * limit of 33), callbacks through vm_call, and the interpreter's speed (printed only). */
#include <stdio.h>
#include <time.h>

#include "test_vm_common.h"

const struct helper_desc *test_helpers[256];

/* ---- deep calls ---- */

/* n functions, each: R6 = k+1; *(R10-8) = R6; R0 = 0; call the next one (the last
 * one does not); R0 += *(R10-8) + R6; exit.  Returns 2 * (1 + ... + n). */
static void build_chain(struct bpf_prog *p, u32 n)
{
	enum { PER_FUNC = 8 };
	struct bpf_insn *insns = calloc(n * PER_FUNC, sizeof(*insns));
	char msg[160];

	for (u32 k = 0; k < n; k++) {
		struct bpf_insn *f = &insns[k * PER_FUNC];
		f[0] = MOV_IMM(6, (s32)k + 1);
		f[1] = STX(BPF_DW, 10, 6, -8);
		f[2] = MOV_IMM(0, 0);
		f[3] = k + 1 < n ? CALL_LOCAL(PER_FUNC - 4) : JA(0);
		f[4] = LDX(BPF_DW, 1, 10, -8);
		f[5] = ADD_REG(0, 1);
		f[6] = ADD_REG(0, 6);
		f[7] = EXIT;
	}
	if (test_prog_init(p, insns, n * PER_FUNC, msg, sizeof(msg)))
		fprintf(stderr, "chain: %s\n", msg);
	free(insns);
}

static void test_deep_calls(void)
{
	struct exec_ctx *x = exec_ctx_get();
	struct bpf_prog p;

	build_chain(&p, MAX_CALL_FRAMES);
	vm_reset_run(x);
	CHECK(test_run(&p, 0, 0) == MAX_CALL_FRAMES * (MAX_CALL_FRAMES + 1) && !x->fault,
	      "8 frames: fault '%s'", x->fault_msg);
	test_prog_free(&p);

	build_chain(&p, MAX_CALL_FRAMES + 1);
	vm_reset_run(x);
	CHECK(test_run(&p, 0, 0) == 0 && x->fault &&
		      strstr(x->fault_msg, "the call stack of 9 frames is too deep"),
	      "9 frames: '%s'", x->fault_msg);
	CHECK(x->depth == 0, "depth restored after the fault");
	test_prog_free(&p);
}

/* ---- tail calls ---- */

static struct bpf_prog *slots[4];

/* As prog arrays do: the program with a reference for the run. */
static struct bpf_prog *test_prog_at(struct bpf_map *map, u32 index)
{
	struct bpf_prog *p = index < ARRAY_SIZE(slots) ? slots[index] : NULL;

	if (p)
		prog_get(p);
	return p;
}

static const struct map_ops prog_array_ops = { .prog_at = test_prog_at };

/* The program reads its slot from *(u32 *)(R10 - 4) of the first frame. */
static void set_index(struct exec_ctx *x, u32 index)
{
	memcpy(&x->stack[sizeof(x->stack) - 4], &index, sizeof(index));
}

static void test_tail_calls(void)
{
	struct bpf_map array = { .map_type = BPF_MAP_TYPE_PROG_ARRAY,
				 .ops = &prog_array_ops,
				 .key_size = 4,
				 .value_size = 4,
				 .max_entries = 4 };
	struct bpf_map *used[] = { &array };
	struct exec_ctx *x = exec_ctx_get();
	u64 count = 0;
	struct bpf_prog self, other;

	/* count++ (a granted counter), then tail call slot R1 (the index is in R7) */
	PROG(&self, MOV_REG(6, 1), LD_PTR(2, &count), LDX(BPF_DW, 3, 2, 0), ADD_IMM(3, 1),
	     STX(BPF_DW, 2, 3, 0), MOV_REG(1, 6), LD_PTR(2, &array), LDX(BPF_W, 3, 10, -4),
	     CALL(BPF_FUNC_tail_call), MOV_IMM(0, 7), EXIT);
	self.used_maps = used;
	self.nr_used_maps = 1;
	PROG(&other, MOV_IMM(0, 5), EXIT);
	self.obj.refcnt = other.obj.refcnt = 1; /* the slots' references */

	/* self-recursion: the first run and 33 tail calls, then the call falls through */
	slots[0] = &self;
	vm_reset_run(x);
	vm_grant(x, &count, sizeof(count), true);
	set_index(x, 0);
	CHECK(vm_run(x, &self, 0) == 7 && !x->fault, "self tail calls: '%s'", x->fault_msg);
	CHECK(count == 1 + MAX_TAIL_CALL_CNT, "%llu runs", (unsigned long long)count);
	CHECK(self.obj.refcnt == 1, "the run's %d tail-call references dropped at its end: %ld",
	      MAX_TAIL_CALL_CNT, self.obj.refcnt);

	/* into another program: its R0 is the result */
	slots[1] = &other;
	vm_reset_run(x);
	vm_grant(x, &count, sizeof(count), true);
	set_index(x, 1);
	CHECK(vm_run(x, &self, 0) == 5 && !x->fault, "tail call to another program");
	CHECK(x->prog == &self, "x->prog restored after the run");
	CHECK(other.obj.refcnt == 1, "tail-call reference dropped: %ld", other.obj.refcnt);

	/* empty slot and index past max_entries: the call falls through */
	for (u8 idx = 2; idx <= 200; idx += 198) {
		vm_reset_run(x);
		vm_grant(x, &count, sizeof(count), true);
		set_index(x, idx);
		CHECK(vm_run(x, &self, 0) == 7 && !x->fault, "index %u falls through", idx);
	}

	/* a map the program does not use */
	self.nr_used_maps = 0;
	vm_reset_run(x);
	vm_grant(x, &count, sizeof(count), true);
	vm_run(x, &self, 0);
	CHECK(x->fault && strstr(x->fault_msg, "is not a map of the program"), "'%s'",
	      x->fault_msg);
	test_prog_free(&self);
	test_prog_free(&other);
}

/* ---- callbacks ---- */

/* bpf_loop-like: calls the callback R2 with (i, R3) R1 times. */
static u64 loop_helper(struct exec_ctx *x, u64 n, u64 fn, u64 arg, u64 r4, u64 r5)
{
	s64 start = vm_func_arg(x, fn);
	u64 i;

	if (start < 0)
		return 0;
	for (i = 0; i < n; i++) {
		u64 stop = vm_call(x, x->prog, (u32)start, i, arg, 0, 0, 0);
		if (x->fault || stop)
			break;
	}
	return i;
}

static const struct helper_desc loop_desc = { .name = "loop", .fn = loop_helper };

static void test_callbacks(void)
{
	struct exec_ctx *x = exec_ctx_get();
	struct bpf_prog p;

	test_helpers[181] = &loop_desc;
	/* main: *(R10-8) = 0; loop(5, cb, R10-8); R0 = *(R10-8) * 1000 + loops
	 * cb: *(u64 *)R2 += R1 (the caller's stack); return 0 */
	PROG(&p, ST(BPF_DW, 10, -8, 0), MOV_IMM(1, 5), LD_IMM64_SRC(2, BPF_PSEUDO_FUNC, 8),
	     MOV_REG(3, 10), ADD_IMM(3, -8), CALL(181), LDX(BPF_DW, 1, 10, -8),
	     I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 1000), ADD_REG(0, 1), EXIT,
	     /* 11: cb */
	     LDX(BPF_DW, 3, 2, 0), ADD_REG(3, 1), STX(BPF_DW, 2, 3, 0), MOV_IMM(0, 0), EXIT);
	vm_reset_run(x);
	CHECK(test_run(&p, 0, 0) == 10 * 1000 + 5 && !x->fault, "callbacks: '%s'", x->fault_msg);
	test_prog_free(&p);

	/* a fault in the callback ends the whole run */
	PROG(&p, MOV_IMM(1, 5), LD_IMM64_SRC(2, BPF_PSEUDO_FUNC, 5), MOV_IMM(3, 0), CALL(181),
	     MOV_IMM(0, 1), EXIT,
	     /* 7: cb */
	     LDX(BPF_DW, 0, 2, 0), EXIT);
	vm_reset_run(x);
	CHECK(test_run(&p, 0, 0) == 0 && x->fault && strstr(x->fault_msg, "insn 7: invalid read"),
	      "fault in callback: '%s'", x->fault_msg);
	CHECK(x->depth == 0 && !x->in_run, "run state restored");
	test_prog_free(&p);

	/* callbacks count against the run's loop budget: an endless callback loop faults */
	u64 saved = bpfrun_run_budget();
	bpfrun_set_run_budget(1000);
	PROG(&p, MOV_IMM(1, -1), LD_IMM64_SRC(2, BPF_PSEUDO_FUNC, 5), MOV_IMM(3, 0), CALL(181),
	     MOV_IMM(0, 1), EXIT,
	     /* 7: cb */
	     MOV_IMM(0, 0), EXIT);
	vm_reset_run(x);
	test_run(&p, 0, 0);
	CHECK(x->fault && strstr(x->fault_msg, "infinite loop detected"), "endless callbacks: '%s'",
	      x->fault_msg);
	test_prog_free(&p);
	bpfrun_set_run_budget(saved);

	/* a callback value that is not a function start */
	PROG(&p, MOV_IMM(1, 1), MOV_REG(2, 10), CALL(181), EXIT);
	vm_reset_run(x);
	test_run(&p, 0, 0);
	CHECK(x->fault && strstr(x->fault_msg, "is not a function of the program"), "'%s'",
	      x->fault_msg);
	test_prog_free(&p);
}

/* ---- speed (printed, never asserted) ---- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* other load on the machine does not count */
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void measure(const char *name, struct bpf_prog *p, u64 insns_per_run, u64 expect)
{
	struct exec_ctx *x = exec_ctx_get();
	double t, best = 1e300;
	u64 r0 = 0;

	for (int i = 0; i < 3; i++) { /* the best of three */
		vm_reset_run(x);
		t = now_ns();
		r0 = test_run(p, 0, 0);
		best = MIN(best, now_ns() - t);
	}
	CHECK(r0 == expect && !x->fault, "%s: r0 %llu fault '%s'", name, (unsigned long long)r0,
	      x->fault_msg);
	printf("METRIC vm_%s_ns_per_insn %.2f ns\n", name, best / insns_per_run);
}

static void test_speed(void)
{
	enum { N = 20 * 1000 * 1000 };
	struct bpf_prog p;

	/* r0 += r1; r0 ^= 3; r1 -= 1; if r1 != 0 goto loop: 4 instructions per iteration */
	PROG(&p, MOV_IMM(0, 0), MOV_IMM(1, N), ADD_REG(0, 1),
	     I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3), ADD_IMM(1, -1), JNE_IMM(1, 0, -4), EXIT);
	u64 expect = 0;
	for (u64 i = N; i; i--)
		expect = (expect + i) ^ 3;
	measure("alu_loop", &p, 4ull * N, expect);
	test_prog_free(&p);

	/* the same with a stack store and load each iteration: 6 per iteration */
	PROG(&p, MOV_IMM(0, 0), MOV_IMM(1, N), STX(BPF_DW, 10, 1, -8), LDX(BPF_DW, 2, 10, -8),
	     ADD_REG(0, 2), I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3), ADD_IMM(1, -1),
	     JNE_IMM(1, 0, -6), EXIT);
	measure("stack_loop", &p, 6ull * N, expect);
	test_prog_free(&p);

	/* the same through a map value (the checked path: last-hit cache) */
	static u64 value[4];
	struct bpf_map map = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 32,
		.max_entries = 1,
		.region = { .base = (char *)value, .stride = 32, .value_len = 32, .count = 1 },
	};
	struct bpf_map *used[] = { &map };
	PROG(&p, MOV_IMM(0, 0), MOV_IMM(1, N), LD_PTR(3, &value[2]), STX(BPF_DW, 3, 1, 0),
	     LDX(BPF_DW, 2, 3, 0), ADD_REG(0, 2), I(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, 3),
	     ADD_IMM(1, -1), JNE_IMM(1, 0, -6), EXIT);
	p.used_maps = used;
	p.nr_used_maps = 1;
	measure("map_value_loop", &p, 6ull * N, expect);
	test_prog_free(&p);
}

int main(void)
{
	test_deep_calls();
	test_tail_calls();
	test_callbacks();
	test_speed();
	return finish();
}
