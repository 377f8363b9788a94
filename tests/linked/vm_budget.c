/* The run budget: runs whose work has no useful bound end with EFAULT within seconds of
 * CPU, and shutdown (bpfrun_shutdown, exit) does not wait for a long timer callback.
 *   - a loop whose body is 500k instructions (one backward jump per 500k instructions)
 *   - bpf_loop over a callback of 500k straight-line instructions (no backward jump)
 *   - bpf_loop x bpf_for_each_map_elem over an empty hash map of 2^22 buckets
 *   - nested bpf_loop, 8M x 8M callbacks
 *   - a timer callback running nested bpf_loops, at exit() and at bpfrun_shutdown(),
 *     with a budget so large that only shutdown's request to stop can end it
 * Under the sanitizers (slower interpreters) the budget is lowered so the runs stay short;
 * the release build runs with the default.  An argument names the one case to run. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"

#define BODY 500000
#define MAX_SECONDS 20.0 /* "within seconds": the default budget takes one or two */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs fd once: it must fault (EFAULT) within MAX_SECONDS. */
static void expect_budget_fault(int fd, const char *what)
{
	uint32_t ret;
	double t0 = now_s();
	int err = run_prog(fd, NULL, 0, &ret);
	double dt = now_s() - t0;

	CHECK(err == -EFAULT, "%s: ends with EFAULT (%d)", what, err);
	CHECK(dt < MAX_SECONDS, "%s: ends within %.0f s (took %.1f s)", what, MAX_SECONDS, dt);
	out("%s: EFAULT after %.2f s", what, dt);
}

/* r0 = 0; loop: BODY x (r0 += 1); if r0 == 0 goto out; gotol loop; out: exit */
static void long_body(void)
{
	size_t cnt = BODY + 4;
	struct bpf_insn *insns = calloc(cnt, sizeof(*insns));

	insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	for (size_t i = 1; i <= BODY; i++)
		insns[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .imm = 1 };
	insns[BODY + 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_JEQ | BPF_K, .off = 1 };
	insns[BODY + 2] = (struct bpf_insn){ .code = BPF_JMP32 | BPF_JA, .imm = -(BODY + 2) };
	insns[BODY + 3] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "long_body", "GPL", insns, cnt, NULL);

	CHECK(fd >= 0, "load the 500k-instruction loop: %d", fd);
	if (fd >= 0)
		expect_budget_fault(fd, "500k-instruction loop body");
	close(fd);
	free(insns);
}

/* bpf_loop(8M, cb) where cb is BODY straight-line instructions: no backward jump at all */
static void long_callback(void)
{
	size_t cnt = 7 + BODY + 2;
	struct bpf_insn *insns = calloc(cnt, sizeof(*insns));

	insns[0] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
				      .dst_reg = 1,
				      .imm = 8 << 20 };
	insns[1] = (struct bpf_insn){ .code = BPF_LD | BPF_IMM | BPF_DW,
				      .dst_reg = 2,
				      .src_reg = BPF_PSEUDO_FUNC,
				      .imm = 5 };
	insns[3] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3 };
	insns[4] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 4 };
	insns[5] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_loop };
	insns[6] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	for (size_t i = 7; i < 7 + BODY; i++)
		insns[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .imm = 1 };
	insns[7 + BODY] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	insns[8 + BODY] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "long_callback", "GPL", insns, cnt, NULL);

	CHECK(fd >= 0, "load bpf_loop over a 500k-instruction callback: %d", fd);
	if (fd >= 0)
		expect_budget_fault(fd, "bpf_loop over a 500k-instruction callback");
	close(fd);
	free(insns);
}

static uint64_t started(struct bpf_object *obj)
{
	struct {
		uint64_t t[2], started, fired;
	} v = { 0 };
	uint32_t zero = 0;

	bpf_map_lookup_elem(map_fd(obj, "timers"), &zero, &v);
	return v.started;
}

/* Arms the long callback and waits until it runs on the timer thread. */
static struct bpf_object *start_long_callback(void)
{
	struct bpf_object *obj = load_obj("vm_budget");
	uint32_t ret = 1;

	CHECK(run_prog(prog_fd(obj, "arm_long_callback"), NULL, 0, &ret) == 0 && ret == 0,
	      "arm the long callback (%u)", ret);
	for (int i = 0; i < 5000 && !started(obj); i++)
		usleep(1000);
	CHECK(started(obj), "the long callback runs");
	return obj;
}

/* exit() runs bpfrun_shutdown (atexit): it must not wait for the callback's end.  In a
 * child, before this process starts any thread. */
static void exit_during_callback(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		bpfrun_set_run_budget(UINT64_MAX);
		start_long_callback();
		exit(finish());
	}
	double t0 = now_s();
	while (waitpid(pid, &status, WNOHANG) == 0 && now_s() - t0 < 30)
		usleep(10000);
	bool exited = now_s() - t0 < 30;
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	CHECK(exited && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "exit() during a long callback returns (status %#x)", status);
}

static void shutdown_during_callback(void)
{
	uint64_t saved = bpfrun_run_budget();

	bpfrun_set_run_budget(UINT64_MAX);
	struct bpf_object *obj = start_long_callback();
	double t0 = now_s();

	bpfrun_shutdown();
	double dt = now_s() - t0;
	CHECK(dt < 2, "bpfrun_shutdown during a long callback returns (%.1f s)", dt);
	bpf_object__close(obj);
	bpfrun_set_run_budget(saved);
}

/* bpf_loop x bpf_for_each_map_elem, and nested bpf_loop: programs of vm_budget.bpf.c */
static void object_prog(const char *name, const char *what)
{
	struct bpf_object *obj = load_obj("vm_budget");

	expect_budget_fault(prog_fd(obj, name), what);
	bpf_object__close(obj);
}

static void walk_empty(void)
{
	object_prog("walk_empty", "bpf_loop x for_each over 2^22 empty buckets");
}

static void nested_loops(void)
{
	object_prog("nested_loops", "nested bpf_loop 8M x 8M");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "exit", exit_during_callback }, /* first: forks before any thread starts */
	{ "long_body", long_body },
	{ "long_callback", long_callback },
	{ "walk_empty", walk_empty },
	{ "nested_loops", nested_loops },
	{ "shutdown", shutdown_during_callback },
};

/* Runs every case, or only the one named by argv[1]. */
int main(int argc, char **argv)
{
	const char *san = getenv("BPFRUN_SANITIZE");

	if (san && *san)
		bpfrun_set_run_budget(1ull << 27);
	CHECK(bpfrun_run_budget() > 0, "a budget is set");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (argc < 2 || !strcmp(argv[1], cases[i].name))
			cases[i].fn();
	return finish();
}
