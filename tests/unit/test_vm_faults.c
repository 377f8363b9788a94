/* Run-time memory safety: every access outside the run's regions ends the run with a
 * fault, cleanly, and the next run works. */
#include <stdio.h>

#include "test_vm_common.h"

const struct helper_desc *test_helpers[256];

static struct exec_ctx *fresh_ctx(void)
{
	struct exec_ctx *x = exec_ctx_get();

	vm_reset_run(x);
	return x;
}

/* Runs p with R1 = buf (granted, writable unless ro) and checks the fault message. */
static u64 run_expect(struct bpf_prog *p, void *buf, size_t len, bool ro, const char *fault)
{
	struct exec_ctx *x = fresh_ctx();
	u64 r0;

	if (buf)
		vm_grant(x, buf, len, !ro);
	r0 = test_run(p, (u64)(uintptr_t)buf, len);
	if (fault)
		CHECK(x->fault == -EFAULT && strstr(x->fault_msg, fault),
		      "want fault '%s', got %d '%s'", fault, x->fault, x->fault_msg);
	else
		CHECK(x->fault == 0, "unexpected fault '%s'", x->fault_msg);
	CHECK(x->depth == 0 && !x->in_run, "run state left behind: depth %u", x->depth);
	return r0;
}

static void test_granted_memory(void)
{
	u64 buf[2] = { 11, 22 };
	struct bpf_prog p;

	PROG(&p, LDX(BPF_DW, 0, 1, 8), EXIT);
	CHECK(run_expect(&p, buf, sizeof(buf), false, NULL) == 22, "load inside");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_DW, 0, 1, 9), EXIT);
	run_expect(&p, buf, sizeof(buf), false, "insn 0: invalid read of size 8");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_B, 0, 1, -1), EXIT);
	run_expect(&p, buf, sizeof(buf), false, "invalid read of size 1");
	test_prog_free(&p);

	/* the fault ends the run: the store after it never happens */
	PROG(&p, MOV_IMM(0, 5), ST(BPF_W, 1, 16, 1), ST(BPF_W, 1, 0, 7), EXIT);
	CHECK(run_expect(&p, buf, sizeof(buf), false, "insn 1: invalid write of size 4") == 0,
	      "R0 of a faulted run is 0");
	CHECK(buf[0] == 11, "no store after the fault");
	test_prog_free(&p);

	/* read-only grant */
	PROG(&p, ST(BPF_DW, 1, 0, 1), EXIT);
	run_expect(&p, buf, sizeof(buf), true, "invalid write of size 8");
	test_prog_free(&p);
	PROG(&p, LDX(BPF_DW, 0, 1, 0), EXIT);
	CHECK(run_expect(&p, buf, sizeof(buf), true, NULL) == 11, "read-only grant is readable");
	test_prog_free(&p);
}

static void test_null_and_wild(void)
{
	struct bpf_prog p;

	PROG(&p, LDX(BPF_W, 0, 1, 0), EXIT);
	run_expect(&p, NULL, 0, false, "invalid read of size 4 at 0x0");
	test_prog_free(&p);

	PROG(&p, LD_IMM64(1, 0xdeadbeef000ULL), ST(BPF_DW, 1, 0, 1), EXIT);
	run_expect(&p, NULL, 0, false, "insn 2: invalid write of size 8 at 0xdeadbeef000");
	test_prog_free(&p);

	/* a run after a fault starts clean */
	PROG(&p, MOV_IMM(0, 3), EXIT);
	CHECK(run_expect(&p, NULL, 0, false, NULL) == 3, "run after a fault");
	test_prog_free(&p);
}

static void test_stack_bounds(void)
{
	struct bpf_prog p;

	PROG(&p, ST(BPF_DW, 10, -512, 9), LDX(BPF_DW, 0, 10, -512), EXIT);
	CHECK(run_expect(&p, NULL, 0, false, NULL) == 9, "bottom of the frame");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_B, 0, 10, 0), EXIT);
	run_expect(&p, NULL, 0, false, "invalid read of size 1");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_DW, 0, 10, -4), EXIT);
	run_expect(&p, NULL, 0, false, "invalid read of size 8");
	test_prog_free(&p);

	PROG(&p, ST(BPF_B, 10, -513, 1), EXIT);
	run_expect(&p, NULL, 0, false, "invalid write of size 1");
	test_prog_free(&p);
}

static void test_atomics(void)
{
	u64 buf[2] = { 1, 0 };
	struct bpf_prog p;

	PROG(&p, MOV_IMM(2, 5), ATOMIC(BPF_DW, BPF_ADD | BPF_FETCH, 1, 2, 0), MOV_REG(0, 2), EXIT);
	CHECK(run_expect(&p, buf, sizeof(buf), false, NULL) == 1 && buf[0] == 6, "fetch-add");
	test_prog_free(&p);

	PROG(&p, MOV_IMM(2, 5), ATOMIC(BPF_DW, BPF_ADD, 1, 2, 16), EXIT);
	run_expect(&p, buf, sizeof(buf), false, "insn 1: invalid atomic of size 8");
	test_prog_free(&p);

	PROG(&p, MOV_IMM(2, 5), ATOMIC(BPF_W, BPF_XCHG, 1, 2, 2), EXIT);
	run_expect(&p, buf, sizeof(buf), false, "invalid misaligned atomic of size 4");
	test_prog_free(&p);

	PROG(&p, MOV_IMM(2, 5), ATOMIC(BPF_DW, BPF_CMPXCHG, 1, 2, 0), EXIT);
	run_expect(&p, NULL, 0, false, "invalid atomic of size 8 at 0x0");
	test_prog_free(&p);

	/* atomics are refused on the packet (the kernel's verifier refuses them) */
	struct exec_ctx *x = fresh_ctx();
	x->pkt_start = x->pkt_meta = (u64)(uintptr_t)buf;
	x->pkt_end = x->pkt_start + sizeof(buf);
	PROG(&p, LDX(BPF_DW, 0, 1, 0), MOV_IMM(2, 1), ATOMIC(BPF_DW, BPF_ADD, 1, 2, 0), EXIT);
	test_run(&p, (u64)(uintptr_t)buf, 0);
	CHECK(x->fault && strstr(x->fault_msg, "insn 2: invalid atomic"), "atomic on packet: '%s'",
	      x->fault_msg);
	test_prog_free(&p);
}

/* ---- context ---- */

static u64 ctx_stored;

static int test_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	if (off != 4 || size != 4)
		return -EACCES;
	*val = 42;
	return 0;
}

static int test_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	if (off != 8 || size != 8)
		return -EACCES;
	ctx_stored = val;
	return 0;
}

static const struct prog_type_ops ctx_type = {
	.name = "ctx-test",
	.ctx_load = test_ctx_load,
	.ctx_store = test_ctx_store,
};

static void test_ctx(void)
{
	u8 ctx[16] = { 0 };
	struct bpf_prog p;
	struct exec_ctx *x;

	PROG(&p, LDX(BPF_W, 0, 1, 4), ST(BPF_DW, 1, 8, 77), EXIT);
	p.tops = &ctx_type;
	x = fresh_ctx();
	x->ctx = ctx;
	x->ctx_size = sizeof(ctx);
	CHECK(vm_run(x, &p, (u64)(uintptr_t)ctx) == 42 && !x->fault, "ctx load");
	CHECK(ctx_stored == 77, "ctx store goes through ctx_store");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_DW, 0, 1, 0), EXIT);
	p.tops = &ctx_type;
	vm_run(x, &p, (u64)(uintptr_t)ctx);
	CHECK(x->fault && strstr(x->fault_msg, "invalid bpf_context access off=0 size=8"),
	      "refused ctx load: '%s'", x->fault_msg);
	test_prog_free(&p);

	PROG(&p, MOV_IMM(2, 1), ATOMIC(BPF_DW, BPF_ADD, 1, 2, 8), EXIT);
	p.tops = &ctx_type;
	vm_run(x, &p, (u64)(uintptr_t)ctx);
	CHECK(x->fault && strstr(x->fault_msg, "invalid atomic"), "atomic on ctx: '%s'",
	      x->fault_msg);
	test_prog_free(&p);
}

/* ---- packet ---- */

static void test_packet(void)
{
	u8 pkt[32] = { [0] = 0x12, [1] = 0x34, [31] = 0x56 };
	struct bpf_prog p;
	struct exec_ctx *x = fresh_ctx();

	x->pkt_meta = (u64)(uintptr_t)pkt;
	x->pkt_start = x->pkt_meta + 8;
	x->pkt_end = x->pkt_meta + sizeof(pkt);
	PROG(&p, LDX(BPF_B, 0, 1, 31), EXIT);
	CHECK(test_run(&p, x->pkt_start - 8, 0) == 0x56 && !x->fault, "packet load");
	test_prog_free(&p);

	PROG(&p, LDX(BPF_H, 0, 1, 31), EXIT);
	test_run(&p, x->pkt_meta, 0);
	CHECK(x->fault && strstr(x->fault_msg, "invalid read of size 2"), "past data_end: '%s'",
	      x->fault_msg);
	test_prog_free(&p);

	/* BPF_LD_ABS: big-endian from the packet data; outside, the program returns 0 */
	PROG(&p, I(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 0), EXIT);
	x = fresh_ctx();
	x->pkt_start = x->pkt_meta = (u64)(uintptr_t)pkt;
	x->pkt_end = x->pkt_start + sizeof(pkt);
	CHECK(test_run(&p, 0, 0) == 0x1234, "ld_abs");
	test_prog_free(&p);
	PROG(&p, MOV_IMM(0, 9), I(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 30), MOV_IMM(0, 9), EXIT);
	CHECK(test_run(&p, 0, 0) == 0 && !x->fault, "ld_abs outside the packet returns 0");
	test_prog_free(&p);
}

/* ---- map values ---- */

static void test_map_values(void)
{
	/* two slots of 32 bytes, a 16-byte timer at offset 16 of each value */
	static u64 values[8];
	struct bpf_map map = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 32,
		.max_entries = 2,
		.region = { .base = (char *)values, .stride = 32, .value_len = 32, .count = 2 },
	};
	struct bpf_map *used[] = { &map };
	struct bpf_prog p;

	field_table_init(&map.fields);
	field_table_add(&map.fields, FIELD_TIMER, 16, 32);
	values[4] = 99;
	PROG(&p, LD_PTR(1, values), LDX(BPF_DW, 0, 1, 0), LDX(BPF_DW, 0, 1, 32), EXIT);
	p.used_maps = used;
	p.nr_used_maps = 1;
	CHECK(run_expect(&p, NULL, 0, false, NULL) == 99, "map values readable");
	test_prog_free(&p);

	/* the last-hit cache must not open the special field next to a hit */
	PROG(&p, LD_PTR(1, values), LDX(BPF_DW, 0, 1, 8), LDX(BPF_DW, 0, 1, 16), EXIT);
	p.used_maps = used;
	p.nr_used_maps = 1;
	run_expect(&p, NULL, 0, false, "insn 3: invalid read of size 8");
	test_prog_free(&p);

	PROG(&p, LD_PTR(1, values), ST(BPF_W, 1, 46, 1), EXIT);
	p.used_maps = used;
	p.nr_used_maps = 1;
	run_expect(&p, NULL, 0, false, "invalid write of size 4");
	test_prog_free(&p);

	/* a map the program does not use is out of bounds */
	PROG(&p, LD_PTR(1, values), LDX(BPF_DW, 0, 1, 0), EXIT);
	run_expect(&p, NULL, 0, false, "invalid read of size 8");
	test_prog_free(&p);

	/* BPF_F_RDONLY_PROG: readable, not writable */
	map.map_flags = BPF_F_RDONLY_PROG;
	PROG(&p, LD_PTR(1, values), LDX(BPF_DW, 0, 1, 0), ST(BPF_DW, 1, 0, 1), EXIT);
	p.used_maps = used;
	p.nr_used_maps = 1;
	run_expect(&p, NULL, 0, false, "insn 3: invalid write of size 8");
	test_prog_free(&p);
}

/* ---- helper arguments ---- */

static u64 check_arg(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return vm_mem(x, r1, r2, true) != NULL;
}

static u64 check_map_arg(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return vm_map_arg(x, r1) != NULL;
}

static const struct helper_desc check_arg_desc = { .name = "check_arg", .fn = check_arg };
static const struct helper_desc check_map_desc = { .name = "check_map", .fn = check_map_arg };

static void test_helper_args(void)
{
	struct bpf_prog p;

	test_helpers[200] = &check_arg_desc;
	test_helpers[201] = &check_map_desc;
	PROG(&p, MOV_REG(1, 10), ADD_IMM(1, -16), MOV_IMM(2, 16), CALL(200), EXIT);
	CHECK(run_expect(&p, NULL, 0, false, NULL) == 1, "stack argument");
	test_prog_free(&p);

	PROG(&p, MOV_REG(1, 10), ADD_IMM(1, -8), MOV_IMM(2, 16), CALL(200), MOV_IMM(0, 5), EXIT);
	run_expect(&p, NULL, 0, false, "helper argument: invalid write of size 16");
	test_prog_free(&p);

	PROG(&p, MOV_IMM(1, 0), MOV_IMM(2, 0), CALL(200), EXIT);
	CHECK(run_expect(&p, NULL, 0, false, NULL) == 0, "NULL with size 0 is no fault");
	test_prog_free(&p);

	PROG(&p, MOV_REG(1, 10), CALL(201), EXIT);
	run_expect(&p, NULL, 0, false, "is not a map of the program");
	test_prog_free(&p);

	PROG(&p, CALL(202), EXIT);
	run_expect(&p, NULL, 0, false, "insn 0: helper 202 is not implemented");
	test_prog_free(&p);
}

static void test_exec_ctx(void)
{
	struct exec_ctx *x = exec_ctx_get();

	CHECK(x == exec_ctx_get(), "one context per thread");
	CHECK(x->cpu < (u32)num_possible_cpus(), "cpu id %u below possible cpus", x->cpu);
	exec_ctx_set_cpu(x, 0);
	CHECK(x->cpu == 0, "set cpu");
}

/* Nothing proves that loops end: a run that loops forever ends with a fault. */
static void test_endless_loop(void)
{
	struct bpf_prog p;
	u64 saved = bpfrun_run_budget();

	bpfrun_set_run_budget(1000);
	PROG(&p, MOV_IMM(0, 1), JNE_IMM(0, 0, -1), EXIT);
	run_expect(&p, NULL, 0, false, "insn 1: infinite loop detected");
	test_prog_free(&p);
	bpfrun_set_run_budget(saved);
}

int main(void)
{
	test_exec_ctx();
	test_granted_memory();
	test_null_and_wild();
	test_stack_bounds();
	test_atomics();
	test_ctx();
	test_packet();
	test_map_values();
	test_helper_args();
	test_endless_loop();
	return finish();
}
