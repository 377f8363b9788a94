/* The testing API of include/bpfrun.h (issue 15): fault injection on a helper's Nth or
 * every call, bound at load and dropped by bpfrun_fail_clear; the prandom seed; the CPU
 * id; coverage counts per instruction and per conditional jump.  bpfrun only: the
 * kernel has no such controls. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpfrun.h"
#include "difftest.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int load(const struct bpf_insn *insns, size_t cnt)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "t", "GPL", insns, cnt, NULL);

	CHECK(fd >= 0, "load: %s", strerror(errno));
	return fd;
}

static uint32_t run(int fd)
{
	uint32_t ret = 0;

	CHECK(run_prog(fd, NULL, 0, &ret) == 0, "run");
	return ret;
}

/* A program that returns what helper id returned (its low 32 bits). */
static int helper_prog(int id)
{
	const struct bpf_insn insns[] = { CALL(id), EXIT };

	return load(insns, 2);
}

static void fail_rules(void)
{
	int before = helper_prog(BPF_FUNC_get_smp_processor_id);

	CHECK(bpfrun_fail_helper("bpf_get_smp_processor_id", -ENOMEM, 2) == 0, "set a rule");
	int bound = helper_prog(BPF_FUNC_get_smp_processor_id);
	uint32_t r1 = run(bound), r2 = run(bound), r3 = run(bound);
	CHECK(r1 != (uint32_t)-ENOMEM && r2 == (uint32_t)-ENOMEM && r3 != (uint32_t)-ENOMEM,
	      "the 2nd call fails: %d %d %d", (int)r1, (int)r2, (int)r3);
	CHECK(run(before) != (uint32_t)-ENOMEM, "a program loaded before the rule is unaffected");
	uint64_t calls = 0, fails = 0;
	CHECK(bpfrun_fail_stats("bpf_get_smp_processor_id", &calls, &fails) == 0 && calls == 3 &&
		      fails == 1,
	      "stats: %llu calls, %llu failed", (unsigned long long)calls,
	      (unsigned long long)fails);
	CHECK(bpfrun_fail_helper("bpf_get_smp_processor_id", -EPERM, 0) == 0, "every call");
	CHECK(run(bound) == (uint32_t)-EPERM && run(bound) == (uint32_t)-EPERM, "fails each time");
	bpfrun_fail_clear();
	CHECK(run(bound) != (uint32_t)-EPERM, "cleared: the helper works again");
	CHECK(bpfrun_fail_stats("bpf_get_smp_processor_id", &calls, &fails) == -1 &&
		      errno == ENOENT,
	      "no stats once cleared");
	CHECK(bpfrun_fail_helper("bpf_nope", -ENOMEM, 0) == -1 && errno == ENOENT, "unknown");
	CHECK(bpfrun_fail_helper("bpf_msg_redirect_map", -ENOMEM, 0) == -1 && errno == ENOENT,
	      "a helper bpfrun lacks");
	CHECK(bpfrun_fail_helper("bpf_ktime_get_ns", ENOMEM, 0) == -1 && errno == EINVAL,
	      "a positive error");
	CHECK(bpfrun_fail_helper("bpf_map_lookup_elem", -ENOMEM, 0) == -1 && errno == EINVAL,
	      "an errno for a pointer");
	CHECK(bpfrun_fail_helper("bpf_map_lookup_elem", 0, 0) == 0, "NULL for a pointer");
	bpfrun_fail_clear();
	close(before);
	close(bound);
	out("fault injection: Nth call, every call, cleared, errors");
}

static void seed_and_cpu(void)
{
	int rnd = helper_prog(BPF_FUNC_get_prandom_u32),
	    cpu = helper_prog(BPF_FUNC_get_smp_processor_id);

	bpfrun_set_prandom_seed(5);
	uint32_t a = run(rnd), b = run(rnd);
	bpfrun_set_prandom_seed(5);
	CHECK(run(rnd) == a && run(rnd) == b, "the same seed draws the same numbers");
	bpfrun_set_prandom_seed(6);
	CHECK(run(rnd) != a, "another seed, other numbers");
	int last = bpfrun_num_possible_cpus() - 1;
	CHECK(bpfrun_set_cpu(last) == 0 && run(cpu) == (uint32_t)last, "runs as CPU %d", last);
	CHECK(bpfrun_set_cpu(last + 1) == -1 && errno == EINVAL, "no CPU past the last");
	CHECK(bpfrun_set_cpu(-1) == -1 && errno == EINVAL, "no negative CPU");
	CHECK(bpfrun_set_cpu(0) == 0 && run(cpu) == 0, "back on CPU 0");
	close(rnd);
	close(cpu);
	out("seed and CPU id");
}

/* r0 = 0; if r1 == 0 goto +1 (never: r1 is the context); r0 = 1; exit */
static void coverage(void)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
		EXIT,
	};
	/* r0 = 0; if r0 == 0 goto +1 (always); r0 = 1; exit */
	const struct bpf_insn taken[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
		EXIT,
	};
	uint64_t hits[4], jumped[4];
	int off = load(insns, 4);

	run(off);
	CHECK(bpfrun_prog_coverage(off, hits, jumped, 4) == -1 && errno == ENODATA,
	      "loaded without coverage: ENODATA");
	bpfrun_set_coverage(1);
	int on = load(insns, 4), on2 = load(taken, 4);
	bpfrun_set_coverage(0);
	run(on);
	run(on);
	run(on2);
	CHECK(bpfrun_prog_coverage(on, hits, jumped, 4) == 4, "four instructions");
	CHECK(hits[0] == 2 && hits[1] == 2 && hits[2] == 2 && hits[3] == 2 && jumped[1] == 0,
	      "fall-through: hits %llu %llu %llu %llu, taken %llu", (unsigned long long)hits[0],
	      (unsigned long long)hits[1], (unsigned long long)hits[2], (unsigned long long)hits[3],
	      (unsigned long long)jumped[1]);
	CHECK(bpfrun_prog_coverage(on2, hits, jumped, 4) == 4 && hits[2] == 0 && hits[3] == 1 &&
		      jumped[1] == 1,
	      "taken: hits[2] %llu, taken %llu", (unsigned long long)hits[2],
	      (unsigned long long)jumped[1]);
	CHECK(bpfrun_prog_coverage(on, NULL, NULL, 0) == 4, "the count alone");
	CHECK(bpfrun_prog_coverage(-1, hits, NULL, 4) == -1 && errno == EBADF, "a bad fd");
	close(off);
	close(on);
	close(on2);
	out("coverage counts: instructions, conditional jumps");
}

int main(void)
{
	fail_rules();
	seed_and_cpu();
	coverage();
	bpfrun_shutdown();
	return finish();
}
