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
 *   here, where bpfrun's verifier does not model typed ksyms. */
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

static char kallsyms[] = "/tmp/bpfrun-ksyms-XXXXXX";

static void write_kallsyms(void)
{
	int fd = mkstemp(kallsyms);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL, "kallsyms list: %s", strerror(errno));
	fprintf(f, "%016llx D runqueues\n%016llx D bpf_prog_active\n", RQ_ADDR, ACTIVE_ADDR);
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

int main(void)
{
	write_kallsyms();
	percpu();
	refused("write_through", true);
	refused("load_percpu_addr", false);
	unlink(kallsyms);
	return finish();
}
