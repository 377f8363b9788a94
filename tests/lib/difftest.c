/* The test helpers of difftest.h: loading test objects, running programs, the CHECK
 * counts, the trace buffer (the kernel's, or bpfrun's $BPFRUN_TRACE file).
 *
 * Each test is one single-threaded process; the counts are its own.  The only lock is
 * between processes: tests run in parallel, and mount_once() holds flock() on the mount
 * point's directory while it checks for and mounts bpffs or tracefs, so that two tests
 * never stack two mounts there (the second would hide the first one's pins). */
#include "difftest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

static int passed, failed;

const char *obj_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("BPFRUN_TEST_OBJDIR");
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dir ? dir : "build/tests/bpf", name);
	return path;
}

struct bpf_object *load_obj(const char *name)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path(name), NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", obj_path(name), strerror(errno));
		exit(2);
	}
	int err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load %s: %s\n", obj_path(name), strerror(-err));
		exit(2);
	}
	return obj;
}

const char *log_error_line(char *log)
{
	char *end = strstr(log, "\nprocessed ");

	if (!end)
		return "";
	*end = 0;
	char *nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

void load_alone_verdict(const char *obj_name, const char *prog)
{
	static char log[1 << 20];
	struct bpf_object *obj = bpf_object__open_file(obj_path(obj_name), NULL);
	struct bpf_program *p;

	if (!obj) {
		out("%-24s open: %s", prog, strerror(errno));
		return;
	}
	bpf_object__for_each_program(p, obj)
	{
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
		bpf_program__set_log_buf(p, log, sizeof(log));
		bpf_program__set_log_level(p, 1);
	}
	log[0] = 0;
	int err = bpf_object__load(obj);
	if (err)
		out("%-24s %s: %s", prog, strerror(-err), log_error_line(log));
	else
		out("%-24s ok", prog);
	bpf_object__close(obj);
}

struct bpf_program *find_prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	if (!p) {
		fprintf(stderr, "no program %s\n", name);
		exit(2);
	}
	return p;
}

int prog_fd(struct bpf_object *obj, const char *name)
{
	return bpf_program__fd(find_prog(obj, name));
}

int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	if (!m) {
		fprintf(stderr, "no map %s\n", name);
		exit(2);
	}
	return bpf_map__fd(m);
}

int run_prog(int fd, const void *data, uint32_t size, uint32_t *retval)
{
	static const char zero[64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data ? data : zero,
		    .data_size_in = data ? size : sizeof(zero), .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &opts);
	if (retval)
		*retval = opts.retval;
	return err < 0 ? -errno : 0;
}

const char *result_text(long ret)
{
	return ret >= 0 ? "ok" : strerror(errno);
}

void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void check_(bool cond, const char *expr, const char *file, int line, const char *fmt, ...)
{
	if (cond) {
		passed++;
		return;
	}
	failed++;
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s:%d: %s: ", file, line, expr);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

int finish(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

bool under_bpfrun(void)
{
	return getenv("BPFRUN_TRACE") != NULL;
}

/* Mounts a file system of `type` on dir unless one is there already.  Tests run in
 * parallel: the lock on the directory makes the check and the mount one step, so that a
 * second mount never hides the first one's files.  A process that opens dir after the
 * mount locks the new root instead, and finds the mount there. */
static void mount_once(const char *dir, const char *type, long magic)
{
	struct statfs st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	flock(fd, LOCK_EX);
	if (statfs(dir, &st) == 0 && st.f_type != magic && mount(type, dir, type, 0, NULL) != 0)
		fprintf(stderr, "mount %s on %s: %s\n", type, dir, strerror(errno));
	close(fd);
}

void kernel_bpffs(void)
{
	if (!under_bpfrun())
		mount_once("/sys/fs/bpf", "bpf", BPF_FS_MAGIC);
}

static const char *trace_file(void)
{
	const char *f = getenv("BPFRUN_TRACE");
	if (f)
		return f;
	mount_once("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC);
	return "/sys/kernel/tracing/trace";
}

void trace_clear(void)
{
	FILE *f = fopen(trace_file(), "w");
	if (f)
		fclose(f);
}

const char *trace_messages(void)
{
	static char buf[1 << 16];
	char line[4096];
	size_t n = 0;
	buf[0] = 0;
	FILE *f = fopen(trace_file(), "r");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		const char *m = strstr(line, "bpf_trace_printk: ");
		if (!m || line[0] == '#')
			continue;
		m += strlen("bpf_trace_printk: ");
		size_t len = strlen(m);
		if (n + len + 1 >= sizeof(buf))
			break;
		memcpy(buf + n, m, len + 1);
		n += len;
	}
	fclose(f);
	return buf;
}
