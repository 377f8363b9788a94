/* Helpers without a map: clocks, the calling thread's identity, random numbers,
 * bpf_strncmp and bpf_loop.  No shared state except the per-thread PRNG. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bpfrun.h"
#include "internal.h"
#include "../lib/ksyms.h"
#include "../lib/task.h"
#include "../timers/clock.h"

HELPER(ktime_get_ns)
{
	return clock_now(CLOCK_MONOTONIC);
}
HELPER(ktime_get_boot_ns)
{
	return clock_now(CLOCK_BOOTTIME);
}
HELPER(ktime_get_coarse_ns)
{
	return clock_now(CLOCK_MONOTONIC_COARSE);
}
HELPER(ktime_get_tai_ns)
{
	return clock_now(CLOCK_TAI);
}

/* ---- jiffies ---- */

#define DEFAULT_HZ 250 /* CONFIG_HZ of the kernel bpfrun was measured against */

static u32 kernel_hz = DEFAULT_HZ;

static bool config_hz_line(const char *line, void *arg)
{
	unsigned int n;

	if (sscanf(line, "CONFIG_HZ=%u", &n) != 1 || !n || n > 10000)
		return false;
	kernel_hz = n;
	return true;
}

/* CONFIG_HZ of the running kernel from /boot/config-<release>, read once at load. */
__attribute__((constructor)) static void read_kernel_hz(void)
{
	struct utsname u;
	char path[128 + sizeof(u.release)];

	if (uname(&u) != 0)
		return;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	text_file_lines(path, config_hz_line, NULL); /* no stdio: the bridge has fopen */
}

/* The kernel starts jiffies 5 minutes before wrapping 32 bits (INITIAL_JIFFIES) and
 * counts HZ per second of CLOCK_MONOTONIC. */
HELPER(jiffies64)
{
	u64 hz = kernel_hz;
	u64 initial = (u64)(u32)(-300 * (s64)hz);

	return initial + clock_now(CLOCK_MONOTONIC) / (1000000000ull / hz);
}

/* ---- bpf_get_prandom_u32: xorshift64* per thread, seeded from the kernel, or from the
 * seed bpfrun_set_prandom_seed() gave (every thread then draws the same sequence) ---- */

static __thread u64 prng_state;
static __thread u32 prng_gen_seen; /* the seed generation prng_state comes from */
static u64 prng_seed_value;        /* atomic */
static u32 prng_gen;               /* atomic: bumped by each bpfrun_set_prandom_seed */

static u64 prng_seed(u32 gen)
{
	u64 seed = 0;

	prng_gen_seen = gen;
	if (gen) {
		/* splitmix64 of the user's seed: a zero or small seed still mixes well */
		seed = __atomic_load_n(&prng_seed_value, __ATOMIC_RELAXED) + 0x9e3779b97f4a7c15ull;
		seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
		seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
		seed ^= seed >> 31;
	} else if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		seed = clock_now(CLOCK_MONOTONIC) ^ ((u64)gettid() << 32);
	}
	return seed ? seed : 0x9e3779b97f4a7c15ull;
}

void bpfrun_set_prandom_seed(uint64_t seed)
{
	__atomic_store_n(&prng_seed_value, seed, __ATOMIC_RELAXED);
	__atomic_add_fetch(&prng_gen, 1, __ATOMIC_RELEASE);
}

HELPER(get_prandom_u32)
{
	u64 s = prng_state;
	u32 gen = __atomic_load_n(&prng_gen, __ATOMIC_ACQUIRE);

	if (unlikely(!s || gen != prng_gen_seen))
		s = prng_seed(gen);
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	prng_state = s;
	return (u32)((s * 0x2545f4914f6cdd1dull) >> 32);
}

/* ---- where and who ---- */

HELPER(get_smp_processor_id)
{
	return x->cpu;
}

/* bpfrun's CPU ids are execution contexts, all on one memory node. */
HELPER(get_numa_node_id)
{
	return 0;
}

HELPER(get_current_pid_tgid)
{
	const struct task_ident *t = task_remote();

	return t ? (u64)t->tgid << 32 | t->pid : (u64)getpid() << 32 | (u32)gettid();
}

HELPER(get_current_uid_gid)
{
	const struct task_ident *t = task_remote();

	return t ? (u64)t->gid << 32 | t->uid : (u64)getgid() << 32 | (u32)getuid();
}

HELPER(get_current_comm)
{
	u32 size = (u32)r2;
	char comm[17] = "";

	if (!size)
		return 0;
	char *buf = vm_mem(x, r1, size, true);
	if (!buf)
		return 0;
	task_comm(comm);
	size_t n = MIN(strnlen(comm, 16), (size_t)size - 1);
	memcpy(buf, comm, n);
	memset(buf + n, 0, size - n);
	return 0;
}

/* ---- bpf_strncmp(s1, s1_sz, s2): s2 is a NUL-terminated constant string ---- */

HELPER(strncmp)
{
	u32 n = (u32)r2;
	const u8 *s1 = n ? vm_mem(x, r1, n, false) : NULL;

	if (n && !s1)
		return 0;
	/* s2 is read byte by byte: its length is known only at its NUL. */
	for (u32 i = 0; i < n; i++) {
		const u8 *c2 = vm_mem(x, r3 + i, 1, false);
		if (!c2)
			return 0;
		if (s1[i] != *c2)
			return s1[i] < *c2 ? (u64)-1 : 1;
		if (!s1[i])
			break;
	}
	return 0;
}

/* ---- bpf_loop(nr_loops, callback, ctx, flags) ---- */

#define BPF_MAX_LOOPS (8 * 1024 * 1024)

HELPER(loop)
{
	s64 start = vm_func_arg(x, r2);

	if (start < 0)
		return 0;
	if (r4)
		return (u64)-EINVAL;
	/* With flags 0 the kernel's verifier inlines bpf_loop: nr_loops is compared as 64
	 * bits and -E2BIG is set with a 32-bit move (zero-extended).  Programs see that. */
	if (r1 > BPF_MAX_LOOPS)
		return (u32)-E2BIG;
	for (u64 i = 0; i < r1; i++) {
		u64 ret = vm_call(x, x->prog, (u32)start, i, r3, 0, 0, 0);
		if (x->fault)
			return 0;
		if (ret)
			return i + 1;
	}
	return r1;
}
