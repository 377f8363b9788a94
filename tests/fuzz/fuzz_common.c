/* Shared parts of the fuzz targets (see fuzz_common.h). Single-threaded, as libFuzzer
 * calls the targets. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "bpfrun.h"
#include "fuzz_common.h"

struct fuzz_arena arena;

uint8_t in_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	in_bytes(in, &v, 1);
	return v;
}

uint16_t in_u16(struct fuzz_in *in)
{
	uint16_t v = 0;

	in_bytes(in, &v, 2);
	return v;
}

uint32_t in_u32(struct fuzz_in *in)
{
	uint32_t v = 0;

	in_bytes(in, &v, 4);
	return v;
}

uint64_t in_u64(struct fuzz_in *in)
{
	uint64_t v = 0;

	in_bytes(in, &v, 8);
	return v;
}

size_t in_bytes(struct fuzz_in *in, void *dst, size_t len)
{
	size_t take = len < in->n ? len : in->n;

	memcpy(dst, in->p, take);
	memset((uint8_t *)dst + take, 0, len - take);
	in->p += take;
	in->n -= take;
	return take;
}

/* Below 4 GiB, so that an attr cut short (its pointers' high halves zeroed) still points
 * at the arena; the low halves of the constants below point at nothing either. Truncated
 * pointers must not reach the sanitizer's shadow memory (0x7fff8000 and up), which is
 * mapped but makes its interceptors fault. */
#define FUZZ_ARENA_ADDR 0x20000000ul

uint64_t fuzz_ptr(struct fuzz_in *in)
{
	uint8_t sel = in_u8(in);

	switch (sel % 16) {
	case 0:
		return 0;
	case 1: /* the tail of rw: a long copy runs into the unmapped page */
		return (uintptr_t)(arena.rw + FUZZ_RW_SIZE - (in_u8(in) % 64));
	case 2:
		return (uintptr_t)arena.ro + in_u8(in);
	case 3:
		return (uintptr_t)arena.unmapped + in_u8(in);
	case 4:
		return 0xffff888000001000ull; /* a kernel address */
	case 5:
		return 0x0000800000000000ull; /* the first non-canonical address */
	case 6: /* raw bits, but never user space: a write must not land in our memory */
		return (in_u64(in) & 0xffffffff3fffffffull) | 0x8000000000000000ull;
	default: /* most often: good memory, 8-byte aligned or not */
		return (uintptr_t)(arena.rw + (in_u16(in) % (FUZZ_RW_SIZE - 512)));
	}
}

void fds_add(struct fuzz_fds *f, int fd)
{
	if (fd < 0)
		return;
	if (f->n == FUZZ_MAX_FDS) {
		bpfrun_close(fd);
		return;
	}
	f->fd[f->n++] = fd;
}

static int other_fd = -1; /* /dev/null: a descriptor that is not bpfrun's */

int fds_pick(struct fuzz_fds *f, struct fuzz_in *in)
{
	uint8_t sel = in_u8(in);

	switch (sel % 16) {
	case 0:
		return -1;
	case 1:
		return 0;
	case 2:
		return other_fd;
	case 3:
		return 100000;
	case 4:
		return (int)in_u32(in);
	default:
		return f->n ? f->fd[(sel >> 4) % f->n] : -1;
	}
}

void fds_close_all(struct fuzz_fds *f)
{
	for (int i = 0; i < f->n; i++)
		bpfrun_close(f->fd[i]);
	f->n = 0;
}

static volatile uint8_t trace_sum;

static void trace_sink(const char *line, size_t len, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < len; i++) /* ASan sees a line that is not all there */
		trace_sum += (uint8_t)line[i];
}

/* bpf() calls in all, and the loads and test runs among them: how much a campaign did. */
static struct {
	unsigned long calls, loads, loaded, runs, ran;
} counts;

static void print_counts(void)
{
	if (counts.calls) /* fuzz_elf's calls come through libbpf and the bridge */
		fuzz_report("fuzz: %lu bpf() calls; %lu program loads (%lu accepted), %lu test "
			    "runs (%lu completed)",
			    counts.calls, counts.loads, counts.loaded, counts.runs, counts.ran);
}

void fuzz_report(const char *fmt, ...)
{
	const char *path = getenv("FUZZ_REPORT");
	FILE *f = path ? fopen(path, "a") : stderr;
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (f != stderr)
		fclose(f);
}

/* A run's bound (instructions and helper work), low enough that a run lasts well under
 * a second under the sanitizers: a hang report then means the bound itself failed, not
 * that a program is merely slow. */
#define FUZZ_RUN_BUDGET (1ull << 16)

static void cap_runs(void)
{
	bpfrun_set_run_budget(FUZZ_RUN_BUDGET);
}

void fuzz_init(void)
{
	/* rw, a hole, ro, a hole: whatever runs off the end of rw or ro meets a hole, never
	 * the sanitizer's own mappings that might follow */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *m = mmap((void *)FUZZ_ARENA_ADDR, FUZZ_RW_SIZE + 3 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (m == MAP_FAILED)
		abort();
	arena.rw = m;
	arena.unmapped = m + FUZZ_RW_SIZE;
	arena.ro = m + FUZZ_RW_SIZE + page;
	memset(arena.ro, 0x41, page);
	if (mprotect(arena.unmapped, page, PROT_NONE) || mprotect(arena.ro, page, PROT_READ) ||
	    mprotect(arena.ro + page, page, PROT_NONE))
		abort();
	other_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (bpfrun_clock_set_virtual())
		abort();
	bpfrun_set_trace_callback(trace_sink, NULL);
	cap_runs();
	atexit(print_counts);
}

/* Test runs repeat at most this often: each run is bounded by the run budget, but a
 * repeat of 2^32 runs of a fast (JIT-compiled) program still outlasts the fuzzer's
 * timeout, as it would keep the kernel busy until a signal. */
#define FUZZ_MAX_REPEAT 64

long fuzz_bpf_sized(int cmd, union bpf_attr *attr, unsigned int size)
{
	if (cmd == BPF_PROG_TEST_RUN &&
	    size >= offsetof(union bpf_attr, test.repeat) + sizeof(attr->test.repeat) &&
	    attr->test.repeat > FUZZ_MAX_REPEAT)
		attr->test.repeat = FUZZ_MAX_REPEAT;
	long ret = bpfrun_bpf(cmd, attr, size);

	counts.calls++;
	if (cmd == BPF_PROG_LOAD) {
		counts.loads++;
		counts.loaded += ret >= 0;
	} else if (cmd == BPF_PROG_TEST_RUN) {
		counts.runs++;
		counts.ran += ret == 0;
	}
	return ret;
}

long fuzz_bpf(int cmd, union bpf_attr *attr)
{
	return fuzz_bpf_sized(cmd, attr, sizeof(*attr));
}

int fuzz_btf_load(const void *blob, uint32_t size, char *log, uint32_t log_size, uint32_t level)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uintptr_t)blob;
	a.btf_size = size;
	a.btf_log_buf = (uintptr_t)log;
	a.btf_log_size = log_size;
	a.btf_log_level = level;
	return (int)fuzz_bpf(BPF_BTF_LOAD, &a);
}

/* Built once with libbpf's BTF writer; loaded again per call (each input owns its BTF). */
int fuzz_special_btf(uint32_t *val_type)
{
	static const void *raw;
	static uint32_t raw_size;
	static int val_id;

	if (!raw) {
		struct btf *b = btf__new_empty();
		if (!b)
			abort();
		int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		int i64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
		int u8 = btf__add_int(b, "char", 1, 0);
		int arr = btf__add_array(b, i32, u8, 24);
		int lock = btf__add_struct(b, "bpf_spin_lock", 4);
		btf__add_field(b, "val", i32, 0, 0);
		int timer = btf__add_struct(b, "bpf_timer", 16);
		btf__add_field(b, "a", i64, 0, 0);
		btf__add_field(b, "b", i64, 64, 0);
		val_id = btf__add_struct(b, "fuzz_val", FUZZ_VAL_SIZE);
		btf__add_field(b, "a", i32, 0, 0);
		btf__add_field(b, "lock", lock, 32, 0);
		btf__add_field(b, "b", i64, 64, 0);
		btf__add_field(b, "timer", timer, 128, 0);
		btf__add_field(b, "pad", arr, 256, 0);
		if (i32 != 1 || val_id < 0)
			abort();
		raw = btf__raw_data(b, &raw_size); /* b stays alive: it owns raw */
	}
	*val_type = (uint32_t)val_id;
	return fuzz_btf_load(raw, raw_size, NULL, 0, 0);
}
