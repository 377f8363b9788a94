/* Load-time instruction checks: vm_prepare's errno and message for small raw programs,
 * as measured on Linux 6.18.  When bpf() is permitted, each program is also loaded into
 * the kernel and its verdict compared (the verifier's message is the log line before
 * "processed ..."). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test_vm_common.h"

const struct helper_desc *test_helpers[256];

#define MOV0 MOV_IMM(0, 0)
#define MAX_INSNS 8

struct prepare_case {
	const char *name;
	struct bpf_insn insns[MAX_INSNS];
	int err; /* 0, -EINVAL or -EACCES */
	const char *msg;
};

static const struct prepare_case cases[] = {
	{ "valid", { MOV0, EXIT }, 0, "" },
	{ "sdiv, gotol, may_goto, movsx, bswap",
	  { MOV0, I(0x37, 0, 0, 1, 3), I(0x06, 0, 0, 0, 0), I(0xe5, 0, 0, 0, 0),
	    I(0xbf, 1, 0, 8, 0), I(0xd7, 1, 0, 0, 64), EXIT },
	  0,
	  "" },
	{ "load-acquire",
	  { ST(BPF_DW, 10, -8, 0), I(0xdb, 0, 10, -8, 0x100 /* BPF_LOAD_ACQ */), EXIT },
	  0,
	  "" },
	{ "unknown opcode", { MOV0, I(0xff, 0, 0, 0, 0), EXIT }, -EINVAL, "unknown opcode ff" },
	{ "ALU op 0xf0", { MOV0, I(0xf4, 0, 0, 0, 0), EXIT }, -EINVAL, "unknown opcode f4" },
	{ "ALU64 END to_be", { MOV0, I(0xdf, 0, 0, 0, 16), EXIT }, -EINVAL, "unknown opcode df" },
	{ "JMP32 EXIT", { MOV0, I(0x96, 0, 0, 0, 0), EXIT }, -EINVAL, "unknown opcode 96" },
	{ "callx", { MOV_IMM(1, 0), I(0x8d, 0, 1, 0, 0), EXIT }, -EINVAL, "unknown opcode 8d" },
	{ "LD_ABS DW", { MOV_REG(6, 1), I(0x38, 0, 0, 0, 0), EXIT }, -EINVAL, "unknown opcode 38" },
	{ "LDX MEMSX DW", { MOV0, I(0x99, 0, 10, -8, 0), EXIT }, -EINVAL, "unknown opcode 99" },
	{ "LD W IMM", { I(0x00, 0, 0, 0, 1), EXIT }, -EINVAL, "unknown opcode 00" },
	{ "dst R11", { MOV0, I(0xb7, 11, 0, 0, 0), EXIT }, -EINVAL, "R11 is invalid" },
	{ "src R12", { MOV0, I(0xbf, 0, 12, 0, 0), EXIT }, -EINVAL, "R12 is invalid" },
	{ "atomic src R11",
	  { ST(BPF_DW, 10, -8, 0), I(0xdb, 10, 11, -8, BPF_ADD | BPF_FETCH), MOV0, EXIT },
	  -EINVAL,
	  "R11 is invalid" },
	{ "LD_IND src R12",
	  { MOV_REG(6, 1), I(0x40, 0, 12, 0, 0), EXIT },
	  -EINVAL,
	  "R12 is invalid" },
	{ "mov to R10",
	  { MOV0, I(0xb7, 10, 0, 0, 0), EXIT },
	  -EACCES,
	  "frame pointer is read only" },
	{ "add to R10", { MOV0, ADD_IMM(10, 8), EXIT }, -EACCES, "frame pointer is read only" },
	{ "load into R10",
	  { MOV0, LDX(BPF_DW, 10, 10, -8), EXIT },
	  -EACCES,
	  "frame pointer is read only" },
	{ "fetch into R10",
	  { ST(BPF_DW, 10, -8, 0), I(0xdb, 10, 10, -8, BPF_ADD | BPF_FETCH), MOV0, EXIT },
	  -EACCES,
	  "frame pointer is read only" },
	{ "ALU off", { MOV0, I(0x07, 0, 0, 2, 1), EXIT }, -EINVAL, "BPF_ALU uses reserved fields" },
	{ "ALU K src",
	  { MOV0, I(0x07, 0, 1, 0, 1), EXIT },
	  -EINVAL,
	  "BPF_ALU uses reserved fields" },
	{ "ALU X imm",
	  { MOV0, I(0x0f, 0, 0, 0, 1), EXIT },
	  -EINVAL,
	  "BPF_ALU uses reserved fields" },
	{ "ADD off 1",
	  { MOV0, I(0x07, 0, 0, 1, 3), EXIT },
	  -EINVAL,
	  "BPF_ALU uses reserved fields" },
	{ "MOV K off",
	  { MOV0, I(0xb7, 0, 0, 1, 1), EXIT },
	  -EINVAL,
	  "BPF_MOV uses reserved fields" },
	{ "MOV X imm",
	  { MOV0, I(0xbf, 0, 1, 0, 1), EXIT },
	  -EINVAL,
	  "BPF_MOV uses reserved fields" },
	{ "MOV32 X off 32",
	  { MOV0, I(0xbc, 0, 1, 32, 0), EXIT },
	  -EINVAL,
	  "BPF_MOV uses reserved fields" },
	{ "addr_space_cast",
	  { MOV0, I(0xbf, 0, 1, 1, 1), EXIT },
	  -EINVAL,
	  "addr_space_cast insn can only be used in a program that has an associated arena" },
	{ "NEG imm", { MOV0, I(0x87, 0, 0, 0, 1), EXIT }, -EINVAL, "BPF_NEG uses reserved fields" },
	{ "END imm 8",
	  { MOV0, I(0xd4, 0, 0, 0, 8), EXIT },
	  -EINVAL,
	  "BPF_END uses reserved fields" },
	{ "LDX imm",
	  { MOV0, I(0x79, 0, 10, -8, 1), EXIT },
	  -EINVAL,
	  "BPF_LDX uses reserved fields" },
	{ "STX imm",
	  { MOV0, I(0x7b, 10, 0, -8, 1), EXIT },
	  -EINVAL,
	  "BPF_STX uses reserved fields" },
	{ "ST src", { MOV0, I(0x7a, 10, 1, -8, 1), EXIT }, -EINVAL, "BPF_ST uses reserved fields" },
	{ "atomic op",
	  { MOV0, STX(BPF_DW, 10, 0, -8), I(0xdb, 10, 0, -8, 5), EXIT },
	  -EINVAL,
	  "BPF_ATOMIC uses invalid atomic opcode 05" },
	{ "atomic size",
	  { MOV0, STX(BPF_DW, 10, 0, -8), I(0xd3, 10, 0, -8, 0), EXIT },
	  -EINVAL,
	  "invalid atomic operand size" },
	{ "LD_ABS dst",
	  { MOV_REG(6, 1), I(0x20, 1, 0, 0, 0), EXIT },
	  -EINVAL,
	  "BPF_LD_[ABS|IND] uses reserved fields" },
	{ "ld_imm64 off",
	  { I(0x18, 0, 0, 1, 1), I(0, 0, 0, 0, 0), EXIT },
	  -EINVAL,
	  "BPF_LD_IMM64 uses reserved fields" },
	{ "ld_imm64 second half",
	  { I(0x18, 0, 0, 0, 1), I(0, 1, 0, 0, 0), EXIT },
	  -EINVAL,
	  "invalid bpf_ld_imm64 insn" },
	{ "ld_imm64 second code",
	  { I(0x18, 0, 0, 0, 1), ADD_IMM(0, 0), EXIT },
	  -EINVAL,
	  "invalid bpf_ld_imm64 insn" },
	{ "ld_imm64 src 7",
	  { I(0x18, 0, 7, 0, 1), I(0, 0, 0, 0, 0), EXIT },
	  -EINVAL,
	  "unrecognized bpf_ld_imm64 insn" },
	{ "ld_imm64 last",
	  { MOV0, I(0x18, 0, 0, 0, 1) },
	  -EINVAL,
	  "last insn is not an exit or jmp" },
	{ "EXIT imm", { MOV0, I(0x95, 0, 0, 0, 1) }, -EINVAL, "BPF_EXIT uses reserved fields" },
	{ "JA imm", { MOV0, I(0x05, 0, 0, 0, 1), EXIT }, -EINVAL, "BPF_JA uses reserved fields" },
	{ "JMP32 JA off",
	  { MOV0, I(0x06, 0, 0, 1, 0), EXIT },
	  -EINVAL,
	  "BPF_JA uses reserved fields" },
	{ "JEQ X imm",
	  { MOV0, I(0x1d, 0, 0, 0, 1), EXIT },
	  -EINVAL,
	  "BPF_JMP/JMP32 uses reserved fields" },
	{ "JEQ K src",
	  { MOV0, I(0x15, 0, 1, 0, 1), EXIT },
	  -EINVAL,
	  "BPF_JMP/JMP32 uses reserved fields" },
	{ "CALL dst", { I(0x85, 1, 0, 0, 5), EXIT }, -EINVAL, "BPF_CALL uses reserved fields" },
	{ "CALL off", { I(0x85, 0, 0, 1, 5), EXIT }, -EINVAL, "BPF_CALL uses reserved fields" },
	{ "CALL src 3", { I(0x85, 0, 3, 0, 5), EXIT }, -EINVAL, "BPF_CALL uses reserved fields" },
	{ "may_goto src", { MOV0, I(0xe5, 0, 1, 0, 0), EXIT }, -EINVAL, "invalid may_goto imm 0" },
	{ "jump past the end",
	  { MOV0, JA(5), EXIT },
	  -EINVAL,
	  "jump out of range from insn 1 to 7" },
	{ "jump before the start",
	  { MOV0, JA(-5), EXIT },
	  -EINVAL,
	  "jump out of range from insn 1 to -3" },
	{ "gotol past the end",
	  { MOV0, I(0x06, 0, 0, 0, 7), EXIT },
	  -EINVAL,
	  "jump out of range from insn 1 to 9" },
	{ "jump into another function",
	  { MOV0, CALL_LOCAL(2), JA(1), EXIT, MOV0, EXIT },
	  -EINVAL,
	  "jump out of range from insn 2 to 4" },
	{ "call past the end",
	  { MOV0, CALL_LOCAL(5), EXIT },
	  -EINVAL,
	  "call to invalid destination" },
	{ "jump into ld_imm64",
	  { MOV0, I(0x15, 1, 0, 1, 0), I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT },
	  -EINVAL,
	  "jump into the middle of ldimm64 insn 2" },
	{ "falls off the end", { MOV0 }, -EINVAL, "last insn is not an exit or jmp" },
	{ "function falls off",
	  { MOV0, CALL_LOCAL(1), EXIT, MOV0 },
	  -EINVAL,
	  "last insn is not an exit or jmp" },
	{ "unreachable", { MOV0, EXIT, EXIT }, -EINVAL, "unreachable insn 2" },
	{ "function never called", { MOV0, EXIT, MOV0, EXIT }, -EINVAL, "unreachable insn 2" },
	{ "jumps are checked before opcodes",
	  { MOV0, I(0xff, 0, 0, 0, 0), JA(5), EXIT },
	  -EINVAL,
	  "jump out of range from insn 2 to 8" },
	{ "reachability before fields",
	  { MOV0, I(0x07, 0, 0, 2, 1), EXIT, EXIT },
	  -EINVAL,
	  "unreachable insn 3" },
};

static u32 case_len(const struct prepare_case *c)
{
	u32 n = MAX_INSNS;

	while (n && !memcmp(&c->insns[n - 1], &(struct bpf_insn){ 0 }, sizeof(struct bpf_insn)))
		n--;
	/* a trailing second half of ld_imm64 is all zero too */
	if (n && n < MAX_INSNS && c->insns[n - 1].code == (BPF_LD | BPF_IMM | BPF_DW))
		n++;
	return n;
}

/* The kernel's verdict: 0 or -errno, and the verifier's message. */
static int kernel_load(const struct bpf_insn *insns, u32 len, char *msg, size_t msglen)
{
	static char log[16384];
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insns = (u64)(uintptr_t)insns,
		.insn_cnt = len,
		.license = (u64)(uintptr_t) "GPL",
		.log_buf = (u64)(uintptr_t)log,
		.log_size = sizeof(log),
		.log_level = 1,
	};
	char *end, *start;
	long fd;

	log[0] = 0;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close((int)fd);
		snprintf(msg, msglen, "%s", "");
		return 0;
	}
	int err = -errno;
	end = strstr(log, "\nprocessed ");
	if (!end)
		end = log + strlen(log);
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	snprintf(msg, msglen, "%.*s", (int)(end - start), start);
	return err;
}

static bool kernel_available(void)
{
	const struct bpf_insn ok[] = { MOV0, EXIT };
	char msg[8];

	return kernel_load(ok, 2, msg, sizeof(msg)) == 0;
}

int main(void)
{
	bool kernel = kernel_available();

	if (!kernel)
		printf("bpf() not permitted: comparing with the recorded kernel results only\n");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct prepare_case *c = &cases[i];
		struct bpf_prog p = { .tops = &no_ctx_type,
				      .insns = (struct bpf_insn *)c->insns,
				      .len = case_len(c) };
		char msg[160], kmsg[160];
		int err = vm_prepare(&p, test_helper, msg, sizeof(msg));

		CHECK(err == c->err && !strcmp(msg, c->msg), "%s: got %d '%s', want %d '%s'",
		      c->name, err, msg, c->err, c->msg);
		vm_release(&p);
		if (!kernel)
			continue;
		int kerr = kernel_load(c->insns, p.len, kmsg, sizeof(kmsg));
		CHECK(kerr == c->err && !strcmp(kmsg, c->msg), "%s: the kernel says %d '%s'",
		      c->name, kerr, kmsg);
	}
	return finish();
}
