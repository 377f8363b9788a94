/* Typed and untyped ksyms and __kconfig externs, as libbpf resolves them and the kernel
 * loads them (kernel/bpf/verifier.c, __check_pseudo_btf_id; selftests prog_tests/
 * ksyms_btf.c, ksyms.c, core_extern.c):
 * - per-CPU variables (runqueues, bpf_prog_active): this kernel lists no variables in
 *   kallsyms (no CONFIG_KALLSYMS_ALL) and refuses them, ENOENT with its log line;
 * - ld_imm64 BPF_PSEUDO_BTF_ID by hand: a type that is no VAR or FUNC, ids past the
 *   end, a BTF descriptor that is not one, a BTF of the user's, a function (loads its
 *   kallsyms address, shown so in the xlated instructions);
 * - a typed function ksym's address and an untyped one, from libbpf, against kallsyms;
 * - __kconfig: LINUX_KERNEL_VERSION, options set, unset (weak), a string. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

static char log_buf[1 << 16];

/* The first address kallsyms lists for name, 0 when none. */
static __u64 kallsyms_addr(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");
	__u64 addr = 0;

	while (f && !addr && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name))
			addr = a;
	if (f)
		fclose(f);
	return addr;
}

static void percpu_object(void)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("ksyms_percpu"), NULL);
	struct bpf_program *p = find_prog(obj, "percpu");

	bpf_program__set_log_buf(p, log_buf, sizeof(log_buf));
	bpf_program__set_log_level(p, 1);
	log_buf[0] = 0;
	int err = bpf_object__load(obj);
	out("per-CPU typed ksyms: %s: %s", err ? strerror(-err) : "ok", log_error_line(log_buf));
	bpf_object__close(obj);
}

/* Loads "r0 = ksym(id, fd); exit" as a raw tracepoint program: errno and log line, and
 * for a load that works, whether r0 and the xlated ld_imm64 hold want. */
static void by_hand(const char *what, __u32 id, int fd, __u64 want)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .src_reg = BPF_PSEUDO_BTF_ID, .imm = (int)id },
		{ .imm = fd },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log_buf, .log_size = sizeof(log_buf),
		    .log_level = 1);
	log_buf[0] = 0;
	int pfd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "ksym", "GPL", insns, 3, &o);
	if (pfd < 0) {
		out("%-8s %s: %s", what, strerror(-pfd), log_error_line(log_buf));
		return;
	}
	struct bpf_insn x[3] = { 0 };
	struct bpf_prog_info info = { .xlated_prog_insns = (__u64)(unsigned long)x,
				      .xlated_prog_len = sizeof(x) };
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_test_run_opts, t);
	int err = bpf_obj_get_info_by_fd(pfd, &info, &len) ?: bpf_prog_test_run_opts(pfd, &t);
	__u64 xl = (__u32)x[0].imm | (__u64)(__u32)x[1].imm << 32;
	out("%-8s ok: run %d, r0 is the address %d, xlated src_reg %d, value is it %d", what, err,
	    t.retval == (__u32)want, x[0].src_reg, xl == want);
	close(pfd);
}

static void by_hand_all(void)
{
	const struct btf *vmlinux = btf__load_vmlinux_btf();
	__s32 rq = btf__find_by_name_kind(vmlinux, "runqueues", BTF_KIND_VAR);
	__s32 st = btf__find_by_name_kind(vmlinux, "rq", BTF_KIND_STRUCT);
	__s32 fn = btf__find_by_name_kind(vmlinux, "bpf_fentry_test1", BTF_KIND_FUNC);
	int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	struct btf *own = btf__new_empty();

	btf__add_int(own, "int", 4, BTF_INT_SIGNED);
	btf__add_var(own, "runqueues", BTF_VAR_GLOBAL_ALLOCATED, 1);
	btf__add_func_proto(own, 1);
	btf__add_func(own, "bpf_fentry_test1", BTF_FUNC_GLOBAL, 3);
	__u32 size;
	const void *raw = btf__raw_data(own, &size);
	int btf_fd = bpf_btf_load(raw, size, NULL);
	__u64 fn_addr = kallsyms_addr("bpf_fentry_test1");

	by_hand("var", (__u32)rq, 0, 0);
	by_hand("struct", (__u32)st, 0, 0);
	by_hand("void", 0, 0, 0);
	by_hand("past", btf__type_cnt(vmlinux), 0, 0);
	by_hand("negative", (__u32)-1, 0, 0);
	by_hand("func", (__u32)fn, 0, fn_addr);
	by_hand("map fd", (__u32)rq, map, 0);
	by_hand("bad fd", (__u32)rq, 999, 0);
	by_hand("own var", 2, btf_fd, 0);
	by_hand("own func", 4, btf_fd, fn_addr);
	by_hand("own past", 5, btf_fd, 0);
	close(btf_fd);
	close(map);
	btf__free(own);
	btf__free((struct btf *)vmlinux);
}

static void func_and_kconfig(void)
{
	struct bpf_object *obj = load_obj("ksyms_func");
	LIBBPF_OPTS(bpf_test_run_opts, t);
	int err = bpf_prog_test_run_opts(prog_fd(obj, "values"), &t);
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	struct {
		__u64 fn_addr, untyped_addr, kver, syscall_on, jit, hz, missing;
		char localversion[16];
	} v = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &v);
	out("test run: %d", err);
	out("typed function ksym is its kallsyms address: %d",
	    v.fn_addr == kallsyms_addr("bpf_fentry_test1"));
	out("untyped ksym is its kallsyms address: %d",
	    v.untyped_addr == kallsyms_addr("bpf_fentry_test2"));
	out("kconfig: version %llx, BPF_SYSCALL %llu, BPF_JIT %llu, HZ %llu, missing %llu, "
	    "LOCALVERSION '%.16s'",
	    (unsigned long long)v.kver, (unsigned long long)v.syscall_on, (unsigned long long)v.jit,
	    (unsigned long long)v.hz, (unsigned long long)v.missing, v.localversion);
	bpf_object__close(obj);
}

int main(void)
{
	percpu_object();
	by_hand_all();
	func_and_kconfig();
	return finish();
}
