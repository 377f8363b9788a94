/* The execution context, run entry points, and the memory checks helpers and the
 * interpreter share.
 *
 * Locking: an exec_ctx belongs to its thread (thread-local, freed at thread exit).
 *   The run budget is an atomic read when a run starts; a run's budget counters belong
 *   to its thread; x->stop is an atomic other threads set (vm_stop_run).  The run-end
 *   hooks and the region hook are registered by constructors, before any run, and only
 *   read afterwards.
 *   The JIT switch (native_on) is an atomic any thread may flip (bpfrun_set_jit); the
 *   prog layer reads it at load and exec_frame at each frame's entry.
 * Programs and their maps are immutable while they run; a program entered by a tail call
 * is referenced until the run ends (tail_refs).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "vm_internal.h"
#include "../lib/cpu.h"
#include "../maps/map.h"
#include "../lib/spinlock.h"

/* ---- execution context ---- */

static pthread_key_t ctx_key;
static pthread_once_t ctx_key_once = PTHREAD_ONCE_INIT;
static __thread struct exec_ctx *tls_ctx;
static __thread struct exec_ctx *tls_softirq_ctx;

/* At thread exit: the contexts go, and a later exec_ctx_get() (another key's destructor)
 * makes a new one. */
static void ctx_free(void *x)
{
	tls_ctx = NULL;
	free(x);
	if (tls_softirq_ctx) {
		free(tls_softirq_ctx);
		tls_softirq_ctx = NULL;
	}
}

static void ctx_key_init(void)
{
	pthread_key_create(&ctx_key, ctx_free);
}

static struct exec_ctx *ctx_new(u32 cpu)
{
	struct exec_ctx *x = aligned_alloc(_Alignof(struct exec_ctx),
					   ROUND_UP(sizeof(*x), _Alignof(struct exec_ctx)));

	if (!x) {
		bpfrun_warn("out of memory for an execution context");
		abort();
	}
	*x = (struct exec_ctx){ 0 };
	x->cpu = cpu;
	vm_reset_run(x);
	return x;
}

struct exec_ctx *exec_ctx_get(void)
{
	struct exec_ctx *x = tls_ctx;

	if (likely(x))
		return x;
	pthread_once(&ctx_key_once, ctx_key_init);
	x = ctx_new(cpu_id());
	pthread_setspecific(ctx_key, x); /* frees it when the thread exits */
	tls_ctx = x;
	return x;
}

struct exec_ctx *exec_ctx_softirq(void)
{
	u32 cpu = exec_ctx_get()->cpu;

	if (unlikely(!tls_softirq_ctx))
		tls_softirq_ctx = ctx_new(cpu);
	tls_softirq_ctx->cpu = cpu;
	return tls_softirq_ctx;
}

void exec_ctx_set_cpu(struct exec_ctx *x, u32 cpu)
{
	x->cpu = cpu;
	cpu_id_set(cpu);
}

int bpfrun_set_cpu(int cpu)
{
	struct exec_ctx *x;

	if (cpu < 0 || cpu >= num_possible_cpus())
		return set_errno(EINVAL);
	x = exec_ctx_get();
	if (!x)
		return set_errno(ENOMEM);
	exec_ctx_set_cpu(x, (u32)cpu);
	return 0;
}

void vm_reset_run(struct exec_ctx *x)
{
	x->ctx = NULL;
	x->ctx_size = 0;
	x->pkt_start = x->pkt_end = x->pkt_meta = 0;
	x->pkt_mac = x->pkt_net = 0;
	x->type_data = NULL;
	x->nr_grants = 0;
	x->fault = 0;
	x->fault_msg[0] = 0;
	x->tail_calls = 0;
	x->map_hit.prog = NULL;
	x->may_goto_left = VM_MAY_GOTO_BUDGET;
}

/* ---- the work budget (see vm.h) ---- */

static void (*run_end[VM_MAX_RUN_END])(void);
static u32 nr_run_end; /* written only by constructors, before any run */

void vm_on_run_end(void (*fn)(void))
{
	if (nr_run_end == VM_MAX_RUN_END) {
		bpfrun_warn("too many run-end hooks");
		abort();
	}
	run_end[nr_run_end++] = fn;
}

static u64 run_budget = VM_DEFAULT_BUDGET; /* atomic */

void bpfrun_set_run_budget(uint64_t insns)
{
	__atomic_store_n(&run_budget, insns ? insns : VM_DEFAULT_BUDGET, __ATOMIC_RELAXED);
}

uint64_t bpfrun_run_budget(void)
{
	return __atomic_load_n(&run_budget, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void budget_from_environment(void)
{
	const char *s = getenv("BPFRUN_RUN_BUDGET");
	char *end;

	if (!s || !*s)
		return;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end || errno || *s == '-')
		bpfrun_warn("BPFRUN_RUN_BUDGET=%s is not a number of instructions; ignored", s);
	else
		bpfrun_set_run_budget(v);
}

/* The budget of a run on x: its caller's, else the process's. */
static u64 budget_of(const struct exec_ctx *x)
{
	return x->call.budget ? x->call.budget : bpfrun_run_budget();
}

static void budget_start(struct exec_ctx *x)
{
	u64 budget = budget_of(x);

	x->budget_slice = (s64)MIN(budget, (u64)VM_BUDGET_SLICE);
	x->budget_rest = budget - (u64)x->budget_slice;
}

static void budget_fault(struct exec_ctx *x, long insn, const char *why)
{
	char where[32] = "";

	if (insn >= 0)
		snprintf(where, sizeof(where), "insn %ld: ", insn);
	vm_fault(x, "%s%s", where, why);
}

bool vm_budget_refill(struct exec_ctx *x, long insn)
{
	u64 need = (u64)-x->budget_slice; /* the slice is negative: overspent by need */
	bool stopped = __atomic_load_n(&x->stop, __ATOMIC_RELAXED);
	char why[128];

	if (stopped || need > x->budget_rest) {
		/* the run ends: whatever helpers still charge keeps failing, without overflow */
		x->budget_slice = 0;
		x->budget_rest = 0;
		if (stopped)
			snprintf(why, sizeof(why), "run stopped: the runtime is shutting down");
		else
			snprintf(why, sizeof(why),
				 "infinite loop detected (more than %llu instructions"
				 " in one run; see bpfrun_set_run_budget)",
				 (unsigned long long)budget_of(x));
		budget_fault(x, insn, why);
		return false;
	}
	x->budget_rest -= need;
	x->budget_slice = (s64)MIN(x->budget_rest, (u64)VM_BUDGET_SLICE);
	x->budget_rest -= (u64)x->budget_slice;
	return true;
}

void vm_stop_run(struct exec_ctx *x)
{
	__atomic_store_n(&x->stop, 1, __ATOMIC_RELAXED);
}

void vm_reset_stop(struct exec_ctx *x)
{
	__atomic_store_n(&x->stop, 0, __ATOMIC_RELAXED);
}

/* ---- the JIT switch ---- */

static bool native_on = true; /* atomic */

void bpfrun_set_jit(int on)
{
	__atomic_store_n(&native_on, on != 0, __ATOMIC_RELAXED);
}

bool vm_native_enabled(void)
{
	return __atomic_load_n(&native_on, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void jit_from_environment(void)
{
	const char *s = getenv("BPFRUN_JIT");

	if (s && !strcmp(s, "0"))
		bpfrun_set_jit(0);
}

/* ---- runs ---- */

u64 vm_exec_frame(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5])
{
	const u32 entry_depth = x->depth;
	u64 r0;

	if (entry_depth >= MAX_CALL_FRAMES) {
		vm_depth_fault(x);
		return 0;
	}
	x->depth = entry_depth + 1;
	x->prog = prog;
	if (prog->native && vm_native_enabled())
		r0 = prog->native(x, prog, start, args);
	else
		r0 = vm_interp(x, prog, start, args);
	/* a fault may leave the frames of calls in use, a tail call another program */
	x->depth = entry_depth;
	x->prog = prog;
	return x->fault ? 0 : r0;
}

_Static_assert(VM_MAX_TAIL_REFS == MAX_TAIL_CALL_CNT, "a reference per tail call");

/* Drops the references of the programs the run tail-called into (which may free them). */
static void put_tail_refs(struct exec_ctx *x)
{
	while (x->tail_calls)
		prog_put(x->tail_refs[--x->tail_calls]);
}

/* Drops the references on the maps the run reached (which may free them). */
static void put_run_maps(struct exec_ctx *x)
{
	while (x->nr_run_maps)
		map_put(x->run_maps[--x->nr_run_maps]);
}

/* A run that starts with nothing on the stack (the context, packet and grants are the
 * caller's). */
static u64 run_fresh(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, const u64 args[5])
{
	u64 ret;

	x->in_run = true;
	x->depth = 0;
	x->tail_calls = 0;
	x->fault = 0;
	x->fault_msg[0] = 0;
	x->map_hit.prog = NULL;
	x->may_goto_left = VM_MAY_GOTO_BUDGET;
	budget_start(x);
	ret = vm_exec_frame(x, prog, start, args);
	/* The kernel's verifier refuses an exit inside a bpf_spin_lock-ed region; here the
	 * lock is released and the run faults, so the next run cannot spin on it forever. */
	if (unlikely(x->held_lock)) {
		spin_unlock_word(x->held_lock);
		x->held_lock = NULL;
		vm_fault(x, "BPF_EXIT instruction cannot be used inside bpf_spin_lock-ed region");
	}
	x->in_run = false;
	put_tail_refs(x);
	for (u32 i = 0; i < nr_run_end; i++)
		run_end[i]();
	put_run_maps(x); /* after the hooks: what they release may live in these maps */
	return ret;
}

u64 vm_run(struct exec_ctx *x, const struct bpf_prog *prog, u64 r1)
{
	const u64 args[5] = { r1 };

	return run_fresh(x, prog, 0, args);
}

u64 vm_call(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, u64 r1, u64 r2, u64 r3,
	    u64 r4, u64 r5)
{
	const u64 args[5] = { r1, r2, r3, r4, r5 };
	const struct bpf_prog *caller;
	u64 ret;

	if (!x->in_run)
		return run_fresh(x, prog, start, args);
	/* A callback invocation is work of the run (nested bpf_loop calls would otherwise
	 * run for days); the callback's instructions are charged as it runs. */
	if (!vm_charge(x, VM_CALLBACK_COST))
		return 0;
	caller = x->prog;
	ret = vm_exec_frame(x, prog, start, args);
	x->prog = caller;
	return ret;
}

void vm_fault(struct exec_ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x->fault)
		return; /* the first fault explains the run's end */
	x->fault = -EFAULT;
	va_start(ap, fmt);
	vsnprintf(x->fault_msg, sizeof(x->fault_msg), fmt, ap);
	va_end(ap);
}

/* ---- memory checks ---- */

static bool range_in(u64 addr, u64 size, u64 lo, u64 hi)
{
	return addr >= lo && addr <= hi && hi - addr >= size;
}

/* Remembers the value [addr, addr+size) fell in, when the map has no special field that
 * would make part of that value out of bounds. */
/* Narrows [*lo, *hi), which holds addr, to the side of the special field at
 * [f_lo, f_lo + len) where addr lies (addr is never inside the field). */
static void exclude_field(u64 *lo, u64 *hi, u64 addr, u64 f_lo, u64 len)
{
	if (f_lo + len <= *lo || f_lo >= *hi)
		return;
	if (addr < f_lo)
		*hi = f_lo;
	else
		*lo = f_lo + len;
}

/* Caches the part of the value at addr that holds no special field (timer or spin lock
 * bytes stay outside the cache, so a hit never reaches them). */
static void remember_map_value(struct exec_ctx *x, const struct bpf_map *map, u64 addr)
{
	u64 value, off;

	if (!map_value_at(map, addr, &value, &off))
		return;
	u64 lo = value, hi = value + map->region.value_len;

	for (u32 i = 0; i < map->fields.cnt; i++)
		exclude_field(&lo, &hi, addr, value + map->fields.f[i].off, map->fields.f[i].size);
	x->map_hit.lo = lo;
	x->map_hit.hi = hi;
	x->map_hit.readable = map_prog_may_read(map);
	x->map_hit.writable = map_prog_may_write(map);
	x->map_hit.prog = x->prog;
}

/* Map values of the running program; BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG apply. */
static void *check_maps(struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	if (vm_map_hit(x, addr, size, write))
		return (void *)(uintptr_t)addr;
	for (u32 i = 0, n = vm_nr_maps(x); i < n; i++) {
		const struct bpf_map *map = vm_map_nth(x, i);

		if (!map_region_contains(map, addr, size))
			continue;
		remember_map_value(x, map, addr);
		if (write ? !map_prog_may_write(map) : !map_prog_may_read(map))
			return NULL;
		return (void *)(uintptr_t)addr;
	}
	return NULL;
}

static bool (*region_hook[VM_MAX_REGION_HOOKS])(struct exec_ctx *x, u64 addr, u64 size, bool write);
static u32 nr_region_hooks; /* written only by constructors, before any run */

void vm_on_region_check(bool (*fn)(struct exec_ctx *x, u64 addr, u64 size, bool write))
{
	if (nr_region_hooks == VM_MAX_REGION_HOOKS) {
		bpfrun_warn("too many region hooks");
		abort();
	}
	region_hook[nr_region_hooks++] = fn;
}

void *vm_region_check(struct exec_ctx *x, u64 addr, u64 size, bool write, bool atomic)
{
	void *p = x->prog ? check_maps(x, addr, size, write) : NULL;

	if (p)
		return p;
	if (!atomic && x->pkt_end && range_in(addr, size, x->pkt_meta, x->pkt_end) &&
	    !(write && x->prog && x->prog->tops && x->prog->tops->pkt_readonly))
		return (void *)(uintptr_t)addr;
	for (u32 i = 0; i < x->nr_grants; i++) {
		const struct mem_grant *g = &x->grants[i];

		if (range_in(addr, size, g->start, g->end) && (!write || g->writable))
			return (void *)(uintptr_t)addr;
	}
	for (u32 i = 0; i < nr_region_hooks; i++)
		if (region_hook[i](x, addr, size, write))
			return (void *)(uintptr_t)addr;
	return NULL;
}

void *vm_mem(struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	u64 top = vm_stack_top(x);
	void *p;

	if (!size)
		return (void *)(uintptr_t)addr;
	/* what a helper does with the memory costs in proportion to its size */
	if (!vm_charge(x, size / VM_BYTES_PER_INSN))
		return NULL;
	if (range_in(addr, size, top - (u64)x->depth * MAX_BPF_STACK, top))
		return (void *)(uintptr_t)addr;
	p = vm_region_check(x, addr, size, write, false);
	if (!p)
		vm_fault(x, "helper argument: invalid %s of size %llu at 0x%llx",
			 write ? "write" : "read", (unsigned long long)size,
			 (unsigned long long)addr);
	return p;
}

u32 vm_nr_maps(const struct exec_ctx *x)
{
	return (x->prog ? x->prog->nr_used_maps : 0) + x->nr_run_maps;
}

struct bpf_map *vm_map_nth(const struct exec_ctx *x, u32 i)
{
	u32 own = x->prog ? x->prog->nr_used_maps : 0;

	return i < own ? x->prog->used_maps[i] : x->run_maps[i - own];
}

bool vm_use_map(struct exec_ctx *x, struct bpf_map *map)
{
	for (u32 i = 0; i < x->nr_run_maps; i++) {
		if (x->run_maps[i] == map) {
			map_put(map);
			return true;
		}
	}
	if (x->nr_run_maps == VM_MAX_RUN_MAPS) {
		map_put(map);
		vm_fault(x, "bpfrun: a run may reach at most %u inner maps", VM_MAX_RUN_MAPS);
		return false;
	}
	x->run_maps[x->nr_run_maps++] = map;
	return true;
}

struct bpf_map *vm_map_arg(struct exec_ctx *x, u64 reg)
{
	const struct bpf_prog *prog = x->prog;

	for (u32 i = 0; prog && i < prog->nr_used_maps; i++)
		if ((u64)(uintptr_t)prog->used_maps[i] == reg)
			return prog->used_maps[i];
	for (u32 i = 0; i < x->nr_run_maps; i++)
		if ((u64)(uintptr_t)x->run_maps[i] == reg)
			return x->run_maps[i];
	vm_fault(x, "helper argument: 0x%llx is not a map of the program", (unsigned long long)reg);
	return NULL;
}

u64 vm_func_value(const struct bpf_prog *prog, u32 start)
{
	return (u64)(uintptr_t)&prog->insns[start];
}

s64 vm_func_arg(struct exec_ctx *x, u64 reg)
{
	const struct bpf_prog *prog = x->prog;
	const struct vm_code *vc = prog ? prog->vm_code : NULL;
	u64 base = prog ? (u64)(uintptr_t)prog->insns : 0;

	if (vc && reg >= base && (reg - base) % sizeof(struct bpf_insn) == 0) {
		u64 idx = (reg - base) / sizeof(struct bpf_insn);
		if (idx < vc->len && vc->func_start[idx])
			return (s64)idx;
	}
	vm_fault(x, "helper argument: 0x%llx is not a function of the program",
		 (unsigned long long)reg);
	return -1;
}

bool vm_grant(struct exec_ctx *x, const void *p, u64 size, bool writable)
{
	if (x->nr_grants == VM_MAX_GRANTS)
		return false;
	x->grants[x->nr_grants++] = (struct mem_grant){
		.start = (u64)(uintptr_t)p,
		.end = (u64)(uintptr_t)p + size,
		.writable = writable,
	};
	return true;
}

void vm_ungrant(struct exec_ctx *x, const void *p)
{
	for (u32 i = x->nr_grants; i-- > 0;) {
		if (x->grants[i].start != (u64)(uintptr_t)p)
			continue;
		x->grants[i] = x->grants[--x->nr_grants];
		return;
	}
}
