/* Shared basics for bpfrun's internals: fixed-width types, error pointers, small
 * utilities.  No locking here. */
#ifndef BPFRUN_COMMON_H
#define BPFRUN_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(x, a) (((x) + (a)-1) / (a) * (a))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Kernel-internal errno not in libc headers. */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* uapi additions newer than Debian 12's 6.1 headers. */
#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1ULL << 0)
#endif
#ifndef BPF_F_TIMER_CPU_PIN
#define BPF_F_TIMER_CPU_PIN (1ULL << 1)
#endif

/* Error pointers, as in the kernel: functions returning an object return either a valid
 * pointer or ERR_PTR(-errno). */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long err)
{
	return (void *)err;
}
static inline long PTR_ERR(const void *p)
{
	return (long)p;
}
static inline bool IS_ERR(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)-MAX_ERRNO;
}
static inline bool IS_ERR_OR_NULL(const void *p)
{
	return !p || IS_ERR(p);
}

/* Pointer stored in a u64 attr field. */
static inline void *u64_to_ptr(u64 v)
{
	return (void *)(uintptr_t)v;
}

/* True when bytes [from, to) of buf are all zero. */
bool mem_is_zero(const void *buf, size_t from, size_t to);

/* Number of possible CPUs (from /sys/devices/system/cpu/possible), cached. */
int num_possible_cpus(void);

/* For the API's functions that return -1 and set errno: -1 with errno e. */
static inline int set_errno(int e)
{
	errno = e;
	return -1;
}

/* Diagnostics for the host (not the BPF log): "bpfrun: ..." on stderr. */
void bpfrun_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
