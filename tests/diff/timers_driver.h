/* Driver for tests/bpf/timers_ops.bpf.c: runs its operation programs and reads the
 * results its callbacks record.  Shared by the timer diff, linked and unit tests. */
#ifndef TIMERS_DRIVER_H
#define TIMERS_DRIVER_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

/* Timer flags newer than Debian 12's uapi headers (Linux 6.4 and 6.7). */
#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1ULL << 0)
#define BPF_F_TIMER_CPU_PIN (1ULL << 1)
#endif

#define MS 1000000ULL

enum { M_ARR, M_HASH, M_HASHNP, M_LRU, NR_MAPS };
static const char *const drv_map_names[NR_MAPS] = { "arr", "hash", "hashnp", "lru" };

enum {
	ACT_NONE,
	ACT_REARM,
	ACT_CANCEL_SELF,
	ACT_DELETE_SELF,
	ACT_UPDATE_SELF,
	ACT_SET_OTHER_CB,
	ACT_CANCEL_OTHER,
	ACT_SPIN,
	ACT_PRINT,
	ACT_MUTUAL,
	ACT_INIT_OTHER,
};

struct drv_args {
	uint32_t key, cb;
	uint64_t flags, nsecs, fill;
};
struct drv_ctl {
	uint32_t action, arg, arg2, pad;
	uint64_t nsecs, flags;
};
struct drv_res {
	uint64_t fired, other, fired_at, start_at;
	uint32_t cpu, start_cpu, key_ok, value_ok;
	int64_t cb_result, cb_result2;
	uint32_t done, started;
	uint64_t order;
};
struct drv_elem {
	uint8_t timer[16];
	uint32_t slot, pad;
	uint64_t data;
};

struct drv {
	struct bpf_object *obj;
	int args, ctl, res;
	int maps[NR_MAPS];
	uint32_t cb;
	uint64_t fill;
};

static inline struct drv drv_open(void)
{
	struct drv d = { .obj = load_obj("timers_ops") };

	d.args = map_fd(d.obj, "args");
	d.ctl = map_fd(d.obj, "ctl");
	d.res = map_fd(d.obj, "res");
	for (int m = 0; m < NR_MAPS; m++)
		d.maps[m] = map_fd(d.obj, drv_map_names[m]);
	return d;
}

static inline uint32_t drv_slot(int m, uint32_t key)
{
	return (uint32_t)m * 256 + key;
}

/* Runs program OP_MAP with the arguments; returns its return value (helper result). */
static inline int drv_op(struct drv *d, const char *op, int m, uint32_t key, uint64_t flags,
			 uint64_t nsecs)
{
	struct drv_args a = {
		.key = key, .cb = d->cb, .flags = flags, .nsecs = nsecs, .fill = d->fill
	};
	uint32_t zero = 0, ret = 0;
	char name[64];

	bpf_map_update_elem(d->args, &zero, &a, BPF_ANY);
	snprintf(name, sizeof(name), "%s_%s", op, drv_map_names[m]);
	int err = run_prog(prog_fd(d->obj, name), NULL, 0, &ret);
	if (err)
		return -100000 + err;
	return (int)ret;
}

static inline void drv_ctl(struct drv *d, int m, uint32_t key, uint32_t action, uint32_t arg,
			   uint64_t nsecs)
{
	struct drv_ctl c = { .action = action, .arg = arg, .nsecs = nsecs };
	uint32_t slot = drv_slot(m, key);

	bpf_map_update_elem(d->ctl, &slot, &c, BPF_ANY);
}

static inline struct drv_res drv_res(struct drv *d, int m, uint32_t key)
{
	struct drv_res r = { 0 };
	uint32_t slot = drv_slot(m, key);

	bpf_map_lookup_elem(d->res, &slot, &r);
	return r;
}

static inline void drv_res_clear(struct drv *d, int m, uint32_t key)
{
	struct drv_res r = { 0 };
	uint32_t slot = drv_slot(m, key);

	bpf_map_update_elem(d->res, &slot, &r, BPF_ANY);
}

static inline const char *errname(long v)
{
	static char buf[8][32];
	static int n;
	char *b = buf[n++ % 8];

	switch (v) {
	case 0:
		return "0";
	case 1:
		return "1";
	case -EINVAL:
		return "-EINVAL";
	case -EBUSY:
		return "-EBUSY";
	case -EPERM:
		return "-EPERM";
	case -EDEADLK:
		return "-EDEADLK";
	case -ENOENT:
		return "-ENOENT";
	case -ENOMEM:
		return "-ENOMEM";
	case -EEXIST:
		return "-EEXIST";
	case -E2BIG:
		return "-E2BIG";
	case -EOPNOTSUPP:
		return "-EOPNOTSUPP";
	case -524:
		return "-ENOTSUPP";
	}
	snprintf(b, 32, "%ld", v);
	return b;
}

/* Prints "EXPR = RESULT" and checks the result against want. */
#define EXPECT(expr, want)                                       \
	do {                                                     \
		long got_ = (expr);                              \
		out("%s = %s", #expr, errname(got_));            \
		CHECK(got_ == (want), "want %s", errname(want)); \
	} while (0)

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
