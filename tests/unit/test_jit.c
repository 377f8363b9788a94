/* The JIT: it compiles every instruction kind (no silent fall-back), its images are W^X
 * and blinded, GET_INFO shows them, bpfrun_set_jit(0) forces the interpreter, and native
 * runs end exactly as interpreted ones (R0, fault message, budget) on the edge cases. */
#include <stdio.h>

#include "test_vm_common.h"
#include "unit_load.h"

const struct helper_desc *test_helpers[256];

static u64 echo(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return r1 + r2 + r3 + r4 + r5;
}
static const struct helper_desc echo_desc = { .name = "echo", .fn = echo };

struct result {
	u64 r0;
	int fault;
	char msg[160];
	u64 buf[4];
};

/* Runs p with R1 = a granted 32-byte buffer, natively or interpreted. */
static struct result run_one(struct bpf_prog *p, bool native)
{
	struct exec_ctx *x = exec_ctx_get();
	struct result r = { .buf = { 1, 2, 3, 4 } };

	bpfrun_set_jit(native);
	vm_reset_run(x);
	vm_grant(x, r.buf, sizeof(r.buf), true);
	r.r0 = test_run(p, (u64)(uintptr_t)r.buf, 0);
	r.fault = x->fault;
	snprintf(r.msg, sizeof(r.msg), "%s", x->fault_msg);
	bpfrun_set_jit(1);
	return r;
}

/* p must compile, and run the same both ways; returns the native result. */
static struct result same(struct bpf_prog *p, const char *what)
{
	CHECK(p->native != NULL, "%s: not compiled", what);
	struct result a = run_one(p, false), b = run_one(p, true);
	CHECK(a.r0 == b.r0 && a.fault == b.fault && !strcmp(a.msg, b.msg) &&
		      !memcmp(a.buf, b.buf, sizeof(a.buf)),
	      "%s: interpreter r0 %llx '%s', JIT r0 %llx '%s'", what, (unsigned long long)a.r0,
	      a.msg, (unsigned long long)b.r0, b.msg);
	test_prog_free(p);
	return b;
}

#define ALU(op, d, imm) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, imm)
#define ALU32(op, d, imm) I(BPF_ALU | (op) | BPF_K, d, 0, 0, imm)
#define ALUX(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32X(op, d, s) I(BPF_ALU | (op) | BPF_X, d, s, 0, 0)

/* RFC 9669's division rules, on each register the x86 division uses (R0 = rax, R3 = rdx) */
static void test_division(void)
{
	struct bpf_prog p;
	struct result r;

	PROG(&p, LD_IMM64(0, 0x8000000000000000ull), MOV_IMM(3, -1),
	     I(BPF_ALU64 | BPF_DIV | BPF_X, 0, 3, 1, 0), EXIT);
	r = same(&p, "INT64_MIN / -1");
	CHECK(r.r0 == 0x8000000000000000ull, "INT64_MIN s/ -1 = %llx", (unsigned long long)r.r0);
	PROG(&p, MOV_IMM(3, 7), MOV_IMM(4, 0), I(BPF_ALU64 | BPF_MOD | BPF_X, 3, 4, 0, 0),
	     MOV_REG(0, 3), EXIT);
	CHECK(same(&p, "mod by zero").r0 == 7, "x %% 0 keeps x");
	PROG(&p, MOV_IMM(0, 9), MOV_IMM(2, 0), ALUX(BPF_DIV, 0, 2), EXIT);
	CHECK(same(&p, "div by zero").r0 == 0, "x / 0 is 0");
	PROG(&p, MOV_IMM(3, -7), MOV_IMM(0, 100), I(BPF_ALU | BPF_MOD | BPF_K, 3, 0, 1, 2),
	     ALUX(BPF_ADD, 0, 3), EXIT);
	CHECK(same(&p, "smod32 keeps R0").r0 == 100 + 0xffffffffull, "smod32");
	PROG(&p, MOV_IMM(0, (s32)0x80000000), I(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 1, -1), EXIT);
	CHECK(same(&p, "INT32_MIN s/ -1").r0 == 0x80000000u, "INT32_MIN s/ -1");
}

/* one of every other instruction kind, each compiled */
static void test_every_kind(void)
{
	struct bpf_prog p;

	test_helpers[1] = &echo_desc;
	PROG(&p, MOV_IMM(6, 0x12345678), ALU(BPF_LSH, 6, 40), ALU(BPF_ARSH, 6, 8),
	     ALU32(BPF_RSH, 6, 0), MOV_IMM(4, 3), ALUX(BPF_LSH, 6, 4), ALU32X(BPF_ARSH, 4, 4),
	     I(BPF_ALU | BPF_END | BPF_TO_BE, 6, 0, 0, 16),
	     I(BPF_ALU64 | BPF_END | BPF_TO_LE, 6, 0, 0, 64),
	     I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 6, 8, 0), I(BPF_ALU | BPF_MOV | BPF_X, 8, 6, 16, 0),
	     ALU(BPF_NEG, 8, 0), ALU(BPF_MUL, 8, 0x10001), ALU32X(BPF_MUL, 8, 7),
	     STX(BPF_DW, 10, 8, -8), I(BPF_LDX | BPF_MEMSX | BPF_H, 9, 10, -8, 0),
	     ATOMIC(BPF_DW, BPF_ADD | BPF_FETCH, 10, 9, -8), ATOMIC(BPF_W, BPF_XCHG, 1, 9, 4),
	     MOV_IMM(0, 5), ATOMIC(BPF_DW, BPF_CMPXCHG, 1, 7, 8),
	     ATOMIC(BPF_B, 0x100 /* load-acquire */, 2, 1, 16),
	     ATOMIC(BPF_H, 0x110 /* store-release */, 1, 8, 24), MOV_IMM(1, 1), MOV_IMM(2, 2),
	     CALL(1), I(BPF_JMP32 | BPF_JSGT | BPF_K, 0, 0, 1, -100000), EXIT,
	     I(BPF_JMP | BPF_JCOND, 0, 0, 0, 0), ALUX(BPF_ADD, 0, 9), ALUX(BPF_XOR, 0, 8),
	     ALUX(BPF_ADD, 0, 2), EXIT);
	same(&p, "every kind");
}

/* the budget runs out at the same instruction, and calls too deep fault the same */
static void test_budget_and_depth(void)
{
	struct bpf_prog p;

	bpfrun_set_run_budget(1000);
	PROG(&p, MOV_IMM(0, 0), ADD_IMM(0, 1), JNE_IMM(0, -1, -2), EXIT);
	CHECK(strstr(same(&p, "loop").msg, "infinite loop"), "budget fault");
	PROG(&p, MOV_IMM(0, 0), CALL_LOCAL(1), EXIT, ADD_IMM(0, 1), CALL_LOCAL(-2), EXIT);
	CHECK(strstr(same(&p, "recursion").msg, "too deep"), "depth fault");
	PROG(&p, MOV_IMM(0, 0), CALL_LOCAL(1), EXIT, ADD_IMM(0, 1), JNE_IMM(0, 6, -2), EXIT);
	same(&p, "call then loop");
	bpfrun_set_run_budget(0);
	PROG(&p, MOV_IMM(0, 1), CALL(77), EXIT);
	CHECK(strstr(same(&p, "missing helper").msg, "not implemented"), "missing helper");
	PROG(&p, LDX(BPF_DW, 0, 1, 32), EXIT);
	CHECK(strstr(same(&p, "read past").msg, "insn 0: invalid read of size 8"), "read past");
	PROG(&p, ST(BPF_W, 10, -516, 1), EXIT);
	CHECK(strstr(same(&p, "below the frame").msg, "invalid write of size 4"), "frame");
}

/* the image is read+execute, not writable, and holds no immediate of the program */
static void test_image(void)
{
	struct bpf_prog p;
	char line[512];
	bool found = false;

	PROG(&p, MOV_IMM(0, 0x41414141), ALU(BPF_ADD, 0, 0x41414141), EXIT);
	CHECK(p.native, "compiled");
	u32 len;
	const u8 *code = jit_code(&p, &len);
	for (u32 i = 0; i + 4 <= len; i++)
		CHECK(memcmp(code + i, "AAAA", 4), "immediate not blinded at %u", i);
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && (uintptr_t)code >= lo &&
		    (uintptr_t)code < hi) {
			found = true;
			CHECK(!strcmp(perms, "r-xp"), "image mapped %s", perms);
		}
	}
	if (f)
		fclose(f);
	CHECK(found, "image mapping");
	CHECK(same(&p, "blinded").r0 == 0x82828282, "blinded immediates");
}

/* an access a verifier proved safe (prog->proven_safe) is emitted without its checks */
static void test_proven_safe(void)
{
	static const u8 safe[3] = { [0] = 1 };
	struct bpf_prog p;
	u32 checked, unchecked;

	PROG(&p, LDX(BPF_DW, 0, 1, 8), ADD_IMM(0, 1), EXIT);
	jit_code(&p, &checked);
	jit_release(&p);
	p.proven_safe = safe;
	jit_compile(&p);
	jit_code(&p, &unchecked);
	CHECK(unchecked < checked, "no checks: %u bytes against %u", unchecked, checked);
	CHECK(same(&p, "proven load").r0 == 3, "proven load reads");
}

/* BPF_PROG_TEST_RUN's retval of prog fd on a 64-byte packet */
static u32 test_run_fd(int fd)
{
	u8 pkt[64] = { 0 };
	union bpf_attr a = { .test = { .prog_fd = (u32)fd,
				       .data_in = (u64)(uintptr_t)pkt,
				       .data_size_in = sizeof(pkt) } };

	CHECK(bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)) == 0, "test run");
	return a.test.retval;
}

/* A tail call from native code into a program loaded while the JIT was off (so not
 * compiled) runs the target in the interpreter, as the frame's rest. */
static void test_tail_call_to_interpreted(void)
{
	union bpf_attr m = { .map_type = BPF_MAP_TYPE_PROG_ARRAY,
			     .key_size = 4,
			     .value_size = 4,
			     .max_entries = 1 };
	int map = (int)bpfrun_bpf(BPF_MAP_CREATE, &m, sizeof(m));
	const struct bpf_insn callee[] = { MOV_IMM(0, 7), ADD_IMM(0, 35), EXIT };
	const struct bpf_insn caller[] = { LD_IMM64_SRC(2, BPF_PSEUDO_MAP_FD, (u32)map),
					   MOV_IMM(3, 0), CALL(BPF_FUNC_tail_call), MOV_IMM(0, 1),
					   EXIT };
	u32 key = 0;

	bpfrun_set_jit(0);
	int target = load_insns(BPF_PROG_TYPE_SCHED_CLS, callee, ARRAY_SIZE(callee));
	bpfrun_set_jit(1);
	int fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, caller, ARRAY_SIZE(caller));
	union bpf_attr u = { .map_fd = (u32)map,
			     .key = (u64)(uintptr_t)&key,
			     .value = (u64)(uintptr_t)&target };
	CHECK(map >= 0 && target >= 0 && fd >= 0 &&
		      bpfrun_bpf(BPF_MAP_UPDATE_ELEM, &u, sizeof(u)) == 0,
	      "set-up");
	CHECK(test_run_fd(fd) == 42, "native caller, interpreted target");
	bpfrun_set_jit(0);
	CHECK(test_run_fd(fd) == 42, "both interpreted");
	bpfrun_set_jit(1);
	bpfrun_close(fd);
	bpfrun_close(target);
	bpfrun_close(map);
}

/* GET_INFO reports the machine code; with the JIT off a program is not compiled */
static void test_info(void)
{
	const struct bpf_insn insns[] = { MOV_IMM(0, 2), EXIT };
	u8 code[4096];

	for (int on = 1; on >= 0; on--) {
		bpfrun_set_jit(on);
		int fd = load_insns(BPF_PROG_TYPE_SOCKET_FILTER, insns, 2);
		struct bpf_prog_info info = { .jited_prog_len = sizeof(code),
					      .jited_prog_insns = (u64)(uintptr_t)code };
		union bpf_attr a = { .info = { .bpf_fd = (u32)fd,
					       .info_len = sizeof(info),
					       .info = (u64)(uintptr_t)&info } };
		CHECK(fd >= 0 && bpfrun_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0, "info");
		CHECK(on ? info.jited_prog_len > 0 && info.nr_jited_func_lens == 1 :
			   info.jited_prog_len == 0,
		      "jit %d: jited_prog_len %u", on, info.jited_prog_len);
		bpfrun_close(fd);
	}
	bpfrun_set_jit(1);
}

int main(void)
{
	bpfrun_set_jit(1); /* also under BPFRUN_JIT=0: this test is the JIT's */
	test_division();
	test_every_kind();
	test_budget_and_depth();
	test_image();
	test_proven_safe();
	test_info();
	test_tail_call_to_interpreted();
	return finish();
}
