/* bpfrun test OBJ.o: the object's SEC("test/NAME") programs as a test suite, in TAP.
 *
 * The set-up options act first (session_load: --map, --set, --fail ...; the test/
 * sections load as sleepable syscall programs, setup.c), then every global
 * `bpfrun_fd_<prog>` (include/bpfrun_test.h's BPFRUN_PROG_FD) receives the descriptor of
 * that program, then each test runs once, in the object's order, with --ctx FILE as its
 * context if given; it passes when it returns 0.  --keep dumps the maps after the suite.
 * Timers the tests arm fire as in `run` (at each run's end when due; the virtual clock
 * stands still).  The exit status is 0 when every test passed.  Single-threaded. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

struct test_result {
	const char *name;
	int err;          /* the test run's error (-errno), 0 when it ran */
	uint32_t retval;  /* its return value */
	char faults[512]; /* the injected faults during the test, as TAP diagnostics */
};

static const char *test_name(const struct bpf_program *p)
{
	return bpf_program__section_name(p) + 5;
}

/* bpfrun_fd_<prog> := prog's descriptor, for each program that has such a global. */
static int fill_prog_fds(struct bpf_object *obj, const char *path)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
	{
		char name[256];
		int fd = bpf_program__fd(p);
		snprintf(name, sizeof(name), "bpfrun_fd_%s", bpf_program__name(p));
		int err = setup_global_write(obj, name, &fd, sizeof(fd));
		if (err && err != -ENOENT) {
			cli_error("%s: cannot set %s: %s", path, name, strerror(-err));
			return -1;
		}
	}
	return 0;
}

static void run_test(struct bpf_program *p, const uint8_t *ctx, uint32_t ctx_len,
		     struct test_result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	uint8_t *copy = ctx_len ? malloc(ctx_len) : NULL;

	r->name = test_name(p);
	if (ctx_len && !copy) {
		r->err = -ENOMEM;
		return;
	}
	if (ctx_len) { /* the test may write into its context: not into ours */
		memcpy(copy, ctx, ctx_len);
		opts.ctx_in = copy;
		opts.ctx_size_in = ctx_len;
	}
	r->err = bpf_prog_test_run_opts(bpf_program__fd(p), &opts);
	r->retval = opts.retval;
	if (bpfrun_clock_is_virtual())
		bpfrun_clock_advance(0); /* timers due now fire, as after `run`'s runs */
	free(copy);
}

/* The calls the fault rules failed during one test (the counts grew by), as TAP
 * diagnostics ("  # bpf_timer_init: 1 of 3 calls failed").  seen[] keeps each rule's
 * counts from the test before. */
static void note_faults(const struct run_opts *o, uint64_t (*seen)[2], struct test_result *r)
{
	size_t n = 0;

	for (int k = 0; k < o->fails.nr; k++) {
		struct fault_count f;
		if (!run_opts_fault_count(o, k, &f))
			continue;
		uint64_t dc = f.calls - seen[k][0], df = f.fails - seen[k][1];
		seen[k][0] = f.calls;
		seen[k][1] = f.fails;
		if (df && n < sizeof(r->faults))
			n += (size_t)snprintf(r->faults + n, sizeof(r->faults) - n,
					      "  # %s: %" PRIu64 " of %" PRIu64 " call%s failed\n",
					      f.name, df, dc, dc == 1 ? "" : "s");
	}
}

static void print_tap(const struct test_result *r, int n)
{
	printf("TAP version 13\n1..%d\n", n);
	for (int k = 0; k < n; k++) {
		bool ok = !r[k].err && !r[k].retval;
		printf("%sok %d - %s\n", ok ? "" : "not ", k + 1, r[k].name);
		if (r[k].err)
			printf("  # test run failed: %s\n", strerror(-r[k].err));
		else if (r[k].retval)
			printf("  # returned %u\n", r[k].retval);
		fputs(r[k].faults, stdout);
	}
}

static void print_json(const struct test_result *r, int n, struct bpf_object *obj, bool keep)
{
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "tests");
	json_begin_array(&j);
	for (int k = 0; k < n; k++) {
		json_begin_object(&j);
		json_string_field(&j, "name", r[k].name);
		json_key(&j, "ok");
		json_bool(&j, !r[k].err && !r[k].retval);
		json_uint_field(&j, "retval", r[k].retval);
		if (r[k].err) {
			json_string_field(&j, "error", strerror(-r[k].err));
		}
		json_end_object(&j);
	}
	json_end_array(&j);
	if (keep) {
		json_key(&j, "maps");
		map_dump_all(obj, &j);
	}
	json_end_object(&j);
}

/* Runs the suite: the exit status (0: every test passed). */
static int run_suite(struct bpf_object *obj, const char *path, const struct run_opts *o)
{
	struct bpf_program *p;
	struct test_result *r;
	uint8_t *ctx = NULL;
	uint32_t ctx_len = 0;
	int n = 0, failed = 0;

	bpf_object__for_each_program(p, obj) n += prog_is_test(p);
	if (!n) {
		cli_error("%s: no SEC(\"test/NAME\") program", path);
		return 1;
	}
	if (fill_prog_fds(obj, path) ||
	    (o->ctx_path && !(ctx = cli_read_file(o->ctx_path, &ctx_len))))
		return 1;
	r = calloc((size_t)n, sizeof(*r));
	uint64_t(*seen)[2] = calloc((size_t)o->fails.nr + 1, sizeof(*seen));
	if (!r || !seen) {
		cli_error("out of memory");
		free(r);
		free(seen);
		free(ctx);
		return 1;
	}
	n = 0;
	bpf_object__for_each_program(p, obj)
	{
		if (!prog_is_test(p))
			continue;
		run_test(p, ctx, ctx_len, &r[n]);
		note_faults(o, seen, &r[n++]);
	}
	free(seen);
	for (int k = 0; k < n; k++)
		failed += r[k].err || r[k].retval;
	if (o->json) {
		print_json(r, n, obj, o->keep);
	} else {
		print_tap(r, n);
		if (o->keep) /* after the TAP lines, which harnesses read up to the plan's end */
			map_dump_all(obj, NULL);
	}
	fflush(stdout);
	if (o->coverage && coverage_write(obj, o->coverage))
		failed++;
	free(r);
	free(ctx);
	return failed ? 1 : 0;
}

static const char test_help[] =
	"Usage: bpfrun test OBJ.o [OPTIONS]\n"
	"Runs the SEC(\"test/NAME\") programs of OBJ.o as a test suite and prints TAP:\n"
	"each runs as a syscall program, once, in order, after the set-up options, and\n"
	"passes when it returns 0.  A global `int bpfrun_fd_PROG;` receives the descriptor\n"
	"of program PROG (include/bpfrun_test.h: BPFRUN_PROG_FD, bpfrun_test_run).\n"
	"Exit status: 0 when every test passed, 1 otherwise.\n\n"
	"Options (those of bpfrun run that apply):\n";

int cmd_test(int argc, char **argv)
{
	struct run_opts o;
	const char *path = NULL;
	int ret = 2;

	run_opts_init(&o);
	int r = run_opts_parse_command(&o, argc, argv, test_help, &path);
	if (r) {
		ret = r > 0 ? 0 : 2;
		goto out;
	}
	struct bpf_object *obj = session_load(path, &o);
	ret = 1;
	if (obj) {
		ret = run_suite(obj, path, &o);
		session_close(obj);
	}
out:
	run_opts_free(&o);
	return ret;
}
