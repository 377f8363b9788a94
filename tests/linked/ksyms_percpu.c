/* Per-CPU typed ksyms where kallsyms lists the variables (BPFRUN_KALLSYMS names such a
 * list: this host's kernel lists none, and refuses them; tests/diff/ksyms_typed.c), after
 * the kernel's selftests prog_tests/ksyms_btf.c (test_basic) and progs/test_ksyms_btf.c:
 * - ld_imm64 loads each variable's kallsyms address (its per-CPU offset);
 * - bpf_this_cpu_ptr is bpf_per_cpu_ptr of the running CPU, bpf_per_cpu_ptr is NULL
 *   past the last possible CPU and not before;
 * - the variables read as zeroes (bpfrun's memory for them; the kernel's rq->cpu would
 *   be the CPU);
 * - what the kernel's verifier refuses at load (test_ksyms_btf_write_check.c: a write
 *   through the pointer; a load through the per-CPU address itself) faults at run time
 *   here, where bpfrun's verifier does not model typed ksyms;
 * - a BTF of the loader's own names the kernel's variable (its size and section are
 *   vmlinux's), and cannot make bpfrun allocate without bound: the variables' memory
 *   stops at 64 MiB (ENOMEM). */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define RQ_ADDR 0x2a0d0ull
#define ACTIVE_ADDR 0x29f00ull

struct results {
	__u64 rq_addr, active_addr;
	int this_rq_cpu, this_active, same_as_cpu_ptr, past_last_null, first_ok, nr_cpus_in;
};

#define BIG_VARS 80

static char kallsyms[] = "/tmp/bpfrun-ksyms-XXXXXX";

static void write_kallsyms(void)
{
	int fd = mkstemp(kallsyms);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL, "kallsyms list: %s", strerror(errno));
	fprintf(f, "%016llx D runqueues\n%016llx D bpf_prog_active\n", RQ_ADDR, ACTIVE_ADDR);
	for (int i = 0; i < BIG_VARS; i++)
		fprintf(f, "%016llx D big%d\n", 0x100000ull + (unsigned long long)i * 0x1000, i);
	fclose(f);
	setenv("BPFRUN_KALLSYMS", kallsyms, 1);
}

static int run(int fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);
	__u64 args[2] = { 0 };

	t.ctx_in = args;
	t.ctx_size_in = sizeof(args);
	return bpf_prog_test_run_opts(fd, &t) ? -errno : (int)t.retval;
}

static void percpu(void)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("ksyms_percpu"), NULL);
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	int ncpus = libbpf_num_possible_cpus();
	struct results init = { .nr_cpus_in = ncpus };

	bpf_map__set_initial_value(bss, &init, sizeof(init));
	CHECK(bpf_object__load(obj) == 0, "per-CPU typed ksyms load: %s", strerror(errno));
	__u32 zero = 0;
	struct results v = { 0 };
	CHECK(run(bpf_program__fd(find_prog(obj, "percpu"))) == 0, "the program runs");
	bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &v);
	CHECK(v.rq_addr == RQ_ADDR && v.active_addr == ACTIVE_ADDR,
	      "ld_imm64 loads the kallsyms addresses: %llx %llx", (unsigned long long)v.rq_addr,
	      (unsigned long long)v.active_addr);
	CHECK(v.same_as_cpu_ptr && v.first_ok && v.past_last_null,
	      "this_cpu_ptr is per_cpu_ptr of this CPU %d, CPU 0 %d, NULL past CPU %d: %d",
	      v.same_as_cpu_ptr, v.first_ok, ncpus, v.past_last_null);
	CHECK(v.this_rq_cpu == 0 && v.this_active == 0, "the variables read as zeroes");
	bpf_object__close(obj);
}

/* A program that does what the kernel's verifier refuses: faults when it runs. */
static void refused(const char *name, bool write)
{
	struct bpf_object *obj = load_obj("ksyms_percpu_bad");

	CHECK(run(prog_fd(obj, name)) == -EFAULT, "%s faults", write ? "a write" : "a load");
	bpf_object__close(obj);
}

/* "r0 = ksym(id of btf_fd); exit" as a raw tracepoint program: r0, or -errno. */
static long long ksym_load(__u32 id, int btf_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .src_reg = BPF_PSEUDO_BTF_ID, .imm = (int)id },
		{ .imm = btf_fd },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "ksym", "GPL", insns, 3, NULL);
	if (fd < 0)
		return fd;
	LIBBPF_OPTS(bpf_test_run_opts, t);
	__u64 args[2] = { 0 };
	t.ctx_in = args;
	t.ctx_size_in = sizeof(args);
	bpf_prog_test_run_opts(fd, &t);
	close(fd);
	return t.retval;
}

/* Before any program names runqueues: the loader's BTF calls it an int. */
static void own_runqueues(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int rq = btf__add_var(b, "runqueues", BTF_VAR_GLOBAL_ALLOCATED, i32);
	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	int fd = bpf_btf_load(raw, size, NULL);

	CHECK((__u32)ksym_load((__u32)rq, fd) == (__u32)RQ_ADDR,
	      "runqueues by the loader's BTF is the kernel's per-CPU variable");
	close(fd);
	btf__free(b);
}

static void own_btf(void)
{
	struct btf *b = btf__new_empty();
	int ch = btf__add_int(b, "char", 1, 0), i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int arr = btf__add_array(b, i32, ch, 1 << 20);
	int first = 0;
	char name[16];

	for (int i = 0; i < BIG_VARS; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		int id = btf__add_var(b, name, BTF_VAR_GLOBAL_ALLOCATED, arr);
		first = i ? first : id;
	}
	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	int fd = bpf_btf_load(raw, size, NULL);
	CHECK(fd >= 0, "the loader's BTF: %s", strerror(errno));
	int made = 0;
	long long err = 0;
	while (made < BIG_VARS && (err = ksym_load((__u32)(first + made), fd)) >= 0)
		made++;
	/* the per-CPU variables above took their share of the 64 MiB */
	CHECK(made >= 56 && made <= 64 && err == -ENOMEM,
	      "1 MiB variables up to 64 MiB: %d, then %lld", made, err);
	close(fd);
	btf__free(b);
}

int main(void)
{
	write_kallsyms();
	own_runqueues();
	percpu();
	refused("write_through", true);
	refused("load_percpu_addr", false);
	own_btf();
	unlink(kallsyms);
	return finish();
}
