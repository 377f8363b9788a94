/* bpf_conformance plugin: runs one program on bpfrun's vm (JIT, or the interpreter
 * with BPFRUN_JIT=0).
 *
 *   conformance-plugin [MEM] [OPTIONS...]
 *
 * MEM and the program (one line on stdin) are bytes as two hex digits each, separated by
 * blanks.  The program starts with R1 = a writable copy of MEM (granted to the run) and
 * R2 = its length.  Prints R0 in hex and exits 0, or prints the error and exits 1: a load
 * error from vm_prepare or a fault of the run.
 *
 * Helper 5 is the suite's "unwind" helper (not Linux's helper 5): it returns its first
 * argument, and stops the program with R0 = 0 when that is 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"
#include "obj/prog.h"
#include "helpers/helpers.h"
#include "jit/jit.h"

static bool unwound;

static u64 unwind(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	if (r1 == 0) {
		unwound = true;
		vm_fault(x, "unwind"); /* ends the run; main() reports R0 = 0 */
	}
	return r1;
}

static const struct helper_desc unwind_desc = { .name = "unwind", .fn = unwind };

static const struct helper_desc *suite_helper(u32 id)
{
	return id == 5 ? &unwind_desc : NULL;
}

/* The programs have no context: every access to one is refused. */
static int no_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	return -EACCES;
}

static int no_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	return -EACCES;
}

static const struct prog_type_ops suite_type = {
	.name = "conformance",
	.ctx_load = no_ctx_load,
	.ctx_store = no_ctx_store,
};

/* Parses blank-separated hex bytes; returns a malloc'd buffer and its length. */
static u8 *parse_hex(const char *s, size_t *len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	u8 *buf = malloc(cap);
	unsigned int byte;
	int used;

	if (!buf)
		return NULL;
	while (sscanf(s, " %2x%n", &byte, &used) == 1) {
		buf[n++] = (u8)byte;
		s += used;
	}
	*len = n;
	return buf;
}

static char *read_stdin(void)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap + 1);

	while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	if (buf)
		buf[n] = 0;
	return buf;
}

int main(int argc, char **argv)
{
	size_t mem_len = 0, code_len = 0;
	u8 *mem = parse_hex(argc > 1 && argv[1][0] != '-' ? argv[1] : "", &mem_len);
	char *text = read_stdin();
	u8 *code = text ? parse_hex(text, &code_len) : NULL;
	struct bpf_prog prog = { .tops = &suite_type, .type = BPF_PROG_TYPE_UNSPEC };
	char msg[256];
	struct exec_ctx *x;
	u64 r0;
	int err;

	int status = 1;

	if (!mem || !code || code_len % sizeof(struct bpf_insn)) {
		printf("bad input\n");
		goto out;
	}
	prog.insns = (struct bpf_insn *)code;
	prog.len = (u32)(code_len / sizeof(struct bpf_insn));
	err = vm_prepare(&prog, suite_helper, msg, sizeof(msg));
	if (err) {
		printf("%s\n", msg);
		goto out;
	}
	if (vm_native_enabled())
		jit_compile(&prog); /* BPFRUN_JIT=0 tests the interpreter */
	x = exec_ctx_get();
	vm_reset_run(x);
	if (mem_len)
		vm_grant(x, mem, mem_len, true);
	r0 = vm_call(x, &prog, 0, mem_len ? (u64)(uintptr_t)mem : 0, mem_len, 0, 0, 0);
	if (x->fault && !unwound) {
		printf("%s\n", x->fault_msg);
	} else {
		printf("%llx\n", (unsigned long long)r0);
		status = 0;
	}
	jit_release(&prog);
	vm_release(&prog);
out:
	free(code);
	free(text);
	free(mem);
	return status;
}
