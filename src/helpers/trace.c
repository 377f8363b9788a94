/* bpf_printk output: one line per message, formatted as the kernel's trace_pipe shows
 * it, e.g.
 *              run-7040    [001] b..11   773.770278: bpf_trace_printk: hello
 * (comm right-aligned in 16, pid left-aligned in 7, CPU, the context flags the kernel
 * shows for that kind of run, CLOCK_MONOTONIC seconds.microseconds).
 *
 * Destination: the callback if one is set, else the file named by $BPFRUN_TRACE
 * (opened once, appended), else stderr.  Each line goes out in a single write(2), so
 * lines from concurrent threads never interleave.
 *
 * Locking: dest_lock guards the callback pair; it is held only to copy the pair, never
 * across the callback (so a callback may be replaced while an old one is running).
 * The file is opened under pthread_once.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "bpfrun.h"
#include "internal.h"
#include "../obj/prog.h"
#include "../timers/clock.h"

static pthread_mutex_t dest_lock = PTHREAD_MUTEX_INITIALIZER;
static bpfrun_trace_fn dest_fn;
static void *dest_arg;

static pthread_once_t file_once = PTHREAD_ONCE_INIT;
static int trace_fd = STDERR_FILENO;

void bpfrun_set_trace_callback(bpfrun_trace_fn fn, void *arg)
{
	pthread_mutex_lock(&dest_lock);
	dest_fn = fn;
	dest_arg = arg;
	pthread_mutex_unlock(&dest_lock);
}

static void open_trace_file(void)
{
	const char *path = getenv("BPFRUN_TRACE");

	if (!path || !*path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		bpfrun_warn("cannot open BPFRUN_TRACE file %s: %m; tracing to stderr", path);
	else
		trace_fd = fd;
}

/* The irqs-off/BH, need-resched, hardirq/softirq, preempt-depth and migrate-disable
 * columns, as the kernel shows them for the same kind of run on this kernel. */
static const char *context_flags(const struct exec_ctx *x)
{
	if (x && x->running_timer)
		return "..s21"; /* timer callback: softirq */
	if (x && x->prog && x->prog->type == BPF_PROG_TYPE_SYSCALL)
		return "...11";
	return "b..11"; /* packet programs' test runs disable bottom halves */
}

void trace_emit(struct exec_ctx *x, const char *msg, size_t len)
{
	char comm[17] = "";
	char line[BPRINTF_OUT_SIZE + 128];
	u64 now = clock_now(CLOCK_MONOTONIC);

	prctl(PR_GET_NAME, comm);
	int n = snprintf(line, sizeof(line),
			 "%16s-%-7d [%03u] %s %5llu.%06llu: bpf_trace_printk: ", comm,
			 (int)gettid(), x ? x->cpu : 0, context_flags(x),
			 (unsigned long long)(now / 1000000000),
			 (unsigned long long)(now % 1000000000 / 1000));
	if (n < 0)
		return;
	len = MIN(len, sizeof(line) - 1 - (size_t)n);
	memcpy(line + n, msg, len);
	n += len;

	pthread_mutex_lock(&dest_lock);
	bpfrun_trace_fn fn = dest_fn;
	void *arg = dest_arg;
	pthread_mutex_unlock(&dest_lock);
	if (fn) {
		line[n] = 0;
		fn(line, n, arg);
		return;
	}
	pthread_once(&file_once, open_trace_file);
	line[n++] = '\n';
	if (write(trace_fd, line, n) < 0)
		return; /* nowhere left to report it */
}
