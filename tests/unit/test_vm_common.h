/* Shared by the vm's unit tests: instruction builders and a program built directly (no
 * bpf() path), prepared with a test helper table. */
#ifndef TEST_VM_COMMON_H
#define TEST_VM_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"
#include "obj/prog.h"
#include "helpers/helpers.h"
#include "maps/map.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define MOV_REG(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, imm) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, imm)
#define ADD_REG(d, s) I(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, off) I(BPF_LDX | BPF_MEM | (sz), d, s, off, 0)
#define STX(sz, d, s, off) I(BPF_STX | BPF_MEM | (sz), d, s, off, 0)
#define ST(sz, d, off, imm) I(BPF_ST | BPF_MEM | (sz), d, 0, off, imm)
#define ATOMIC(sz, op, d, s, off) I(BPF_STX | BPF_ATOMIC | (sz), d, s, off, op)
#define JNE_IMM(d, imm, off) I(BPF_JMP | BPF_JNE | BPF_K, d, 0, off, imm)
#define JA(off) I(BPF_JMP | BPF_JA, 0, 0, off, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(off) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, off)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_IMM64_SRC(d, s, v)                                      \
	I(BPF_LD | BPF_IMM | BPF_DW, d, s, 0, (s32)(u32)(u64)(v)), \
		I(0, 0, 0, 0, (s32)((u64)(v) >> 32))
#define LD_IMM64(d, v) LD_IMM64_SRC(d, 0, v)
#define LD_PTR(d, p) LD_IMM64(d, (u64)(uintptr_t)(p))

/* Test helpers by id (NULL: none). */
extern const struct helper_desc *test_helpers[256];

static inline const struct helper_desc *test_helper(u32 id)
{
	return id < 256 ? test_helpers[id] : NULL;
}

static inline int no_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	return -EACCES;
}

static inline int no_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	return -EACCES;
}

static const struct prog_type_ops no_ctx_type = {
	.name = "test",
	.ctx_load = no_ctx_load,
	.ctx_store = no_ctx_store,
};

/* A program over a copy of insns; 0 or vm_prepare's error (message in msg).  Compiled by
 * the JIT as the prog layer does, unless BPFRUN_JIT=0: the vm's tests cover both. */
static inline int test_prog_init(struct bpf_prog *p, const struct bpf_insn *insns, u32 len,
				 char *msg, size_t msglen)
{
	int err;

	*p = (struct bpf_prog){ .tops = &no_ctx_type, .len = len };
	p->insns = malloc(sizeof(*insns) * len);
	memcpy(p->insns, insns, sizeof(*insns) * len);
	err = vm_prepare(p, test_helper, msg, msglen);
	if (!err && vm_native_enabled())
		jit_compile(p);
	return err;
}

static inline void test_prog_free(struct bpf_prog *p)
{
	jit_release(p);
	vm_release(p);
	free(p->insns);
}

#define PROG(p, ...)                                                                          \
	do {                                                                                  \
		const struct bpf_insn insns_[] = { __VA_ARGS__ };                             \
		char msg_[160];                                                               \
		int err_ = test_prog_init(p, insns_, ARRAY_SIZE(insns_), msg_, sizeof(msg_)); \
		if (err_) {                                                                   \
			fprintf(stderr, "vm_prepare: %s\n", msg_);                            \
			exit(2);                                                              \
		}                                                                             \
	} while (0)

/* Fresh run of p with R1, R2 on this thread's context, after the caller's set-up. */
static inline u64 test_run(struct bpf_prog *p, u64 r1, u64 r2)
{
	return vm_call(exec_ctx_get(), p, 0, r1, r2, 0, 0, 0);
}

#endif
