/* Helpers for the tests.  Diff tests (tests/diff) are ordinary libbpf programs: this file
 * uses only libbpf and libc, so the same binary runs against the kernel and bpfrun.
 * Output printed with out() is what the harness compares: print results (return values,
 * errnos, map contents, trace messages), never pointers, fds or times. */
#ifndef BPFRUN_DIFFTEST_H
#define BPFRUN_DIFFTEST_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Path of a test BPF object: $BPFRUN_TEST_OBJDIR/<name>.bpf.o */
const char *obj_path(const char *name);
/* Opens and loads a test object; exits the test with a message on failure. */
struct bpf_object *load_obj(const char *name);
struct bpf_program *find_prog(struct bpf_object *obj, const char *name);
int prog_fd(struct bpf_object *obj, const char *name);
int map_fd(struct bpf_object *obj, const char *name);

/* Runs a program once with data (may be NULL: a zeroed 64-byte packet). Returns the
 * bpf_prog_test_run_opts result (0 or -errno) and the program's return value. */
int run_prog(int prog_fd, const void *data, uint32_t size, uint32_t *retval);

/* "ok" for a call's result ret >= 0, else the text of errno it set. */
const char *result_text(long ret);
/* Deterministic output line (stdout, flushed). */
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Assertion: prints "FAIL ..." and counts a failure when !cond. */
#define CHECK(cond, ...) check_((cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
void check_(bool cond, const char *expr, const char *file, int line, const char *fmt, ...);
/* Prints "N passed, N failed" and returns the exit status (0 when none failed). */
int finish(void);

/* Trace lines (bpf_printk): from the kernel's trace buffer, or from $BPFRUN_TRACE under
 * bpfrun.  trace_clear() empties it; trace_messages() returns the messages (the text
 * after "bpf_trace_printk: ") written since, one per line, in a static buffer. */
void trace_clear(void);
const char *trace_messages(void);
/* True when running under bpfrun (BPFRUN_TRACE is set by the harness). */
bool under_bpfrun(void);
/* Pins need a BPF file system at /sys/fs/bpf, which a fresh machine does not mount: against
 * the kernel, mounts one if missing (any test order, parallel tests alike); under bpfrun,
 * nothing (its pins live in the process).  Call it before pinning. */
void kernel_bpffs(void);

/* Verifier verdicts: loads program prog of test object obj alone, with a level-1 log,
 * and prints "PROG ok" or "PROG ERRNO-TEXT: ERROR-LINE", the error line being the log's
 * last line before "processed ...". */
void load_alone_verdict(const char *obj, const char *prog);
/* The log's last line before "processed ..." (cuts log there), or "". */
const char *log_error_line(char *log);

#endif
