/* Fault injection: a helper or kfunc named by a rule returns an error (or NULL) on its Nth
 * call, or on every call, instead of doing its work, so that tests reach a program's
 * error paths (bpfrun_fail_helper, bpfrun.h; `bpfrun run --fail`).
 *
 * No cost without a rule: a call is bound at load to a function (helper_get for helpers,
 * the kfunc binding of prog/prog_kfunc.c for kfuncs), and only a function some rule names
 * is bound to a wrapper, one per rule slot (a helper_fn has no room for the rule it
 * belongs to).  A slot belongs to one function, by name, for the life of the process:
 * programs bound to its wrapper may run at any time, so clearing the rules only
 * deactivates them (the wrapper then calls the function), and a later rule on the same
 * name takes the same slot again.
 *
 * Locking: `lock` serialises the rule set-up and the load-time lookups; the wrappers read
 * a slot's fields with atomics (active, err, nth) or fields that never change once the
 * slot is taken (fn, desc), and count calls with atomics. */
#include <pthread.h>
#include <string.h>

#include "bpfrun.h"
#include "internal.h"
#include "kfunc.h"

#define FAULT_SLOTS 16

struct fault_rule {
	struct helper_desc desc; /* the wrapper, under the function's name */
	helper_fn fn;            /* the helper or kfunc itself */
	bool active;             /* atomic */
	s64 err;                 /* atomic: what the call returns */
	u64 nth;                 /* atomic: the call that fails, 0: every call */
	u64 calls, fails;        /* atomic, since the rule was set */
};

static struct fault_rule rules[FAULT_SLOTS];
static u32 nr_rules;  /* slots taken; atomic for fault_bind's quick look */
static u32 nr_active; /* atomic */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static u64 fault_call(struct fault_rule *r, struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4,
		      u64 r5)
{
	if (__atomic_load_n(&r->active, __ATOMIC_ACQUIRE)) {
		u64 n = __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
		u64 nth = __atomic_load_n(&r->nth, __ATOMIC_RELAXED);
		if (!nth || n == nth) {
			__atomic_add_fetch(&r->fails, 1, __ATOMIC_RELAXED);
			return (u64)__atomic_load_n(&r->err, __ATOMIC_RELAXED);
		}
	}
	return r->fn(x, r1, r2, r3, r4, r5);
}

#define WRAPPER(k)                                                                            \
	static u64 fault_call_##k(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) \
	{                                                                                     \
		return fault_call(&rules[k], x, r1, r2, r3, r4, r5);                          \
	}
WRAPPER(0)
WRAPPER(1)
WRAPPER(2)
WRAPPER(3)
WRAPPER(4)
WRAPPER(5)
WRAPPER(6)
WRAPPER(7)
WRAPPER(8)
WRAPPER(9)
WRAPPER(10)
WRAPPER(11)
WRAPPER(12)
WRAPPER(13)
WRAPPER(14)
WRAPPER(15)
static const helper_fn wrappers[FAULT_SLOTS] = {
	fault_call_0,  fault_call_1,  fault_call_2,  fault_call_3,  fault_call_4,  fault_call_5,
	fault_call_6,  fault_call_7,  fault_call_8,  fault_call_9,  fault_call_10, fault_call_11,
	fault_call_12, fault_call_13, fault_call_14, fault_call_15,
};

/* The active rule's slot for function `name`, or NULL.  Under lock. */
static struct fault_rule *active_rule(const char *name)
{
	for (u32 k = 0; k < nr_rules; k++)
		if (!strcmp(rules[k].desc.name, name) && rules[k].active)
			return &rules[k];
	return NULL;
}

const struct helper_desc *fault_bind(const struct helper_desc *d)
{
	const struct helper_desc *bound = d;

	if (!__atomic_load_n(&nr_active, __ATOMIC_ACQUIRE) || !d->fn)
		return d;
	pthread_mutex_lock(&lock);
	struct fault_rule *r = active_rule(d->name);
	if (r)
		bound = &r->desc;
	pthread_mutex_unlock(&lock);
	return bound;
}

helper_fn fault_kfunc_fn(const char *name, helper_fn fn)
{
	if (!__atomic_load_n(&nr_active, __ATOMIC_ACQUIRE) || !fn)
		return fn;
	return fault_bind(&(struct helper_desc){ .name = name, .fn = fn })->fn;
}

/* Helpers that return a pointer (or NULL): a failure is NULL, never an errno.  (kfuncs
 * say so with their flags.) */
static bool returns_pointer(const char *name)
{
	static const char *const names[] = {
		"bpf_map_lookup_elem",   "bpf_map_lookup_percpu_elem",
		"bpf_ringbuf_reserve",   "bpf_sk_lookup_tcp",
		"bpf_sk_lookup_udp",     "bpf_skc_lookup_tcp",
		"bpf_sk_storage_get",    "bpf_task_storage_get",
		"bpf_inode_storage_get", "bpf_get_local_storage",
		"bpf_per_cpu_ptr",       "bpf_this_cpu_ptr",
		"bpf_dynptr_data",       "bpf_sk_fullsock",
		"bpf_tcp_sock",
	};

	for (size_t k = 0; k < ARRAY_SIZE(names); k++)
		if (!strcmp(names[k], name))
			return true;
	return false;
}

/* The helper, or else the kfunc, of that name that bpfrun implements (NULL: none);
 * *pointer: it returns a pointer. */
static const struct helper_desc *function_by_name(const char *name, bool *pointer)
{
	for (u32 id = 1; id < 1024; id++) {
		const char *n = helper_name(id);
		if (n && !strcmp(n, name)) {
			const struct helper_desc *d = helper_get(id);
			*pointer = returns_pointer(name);
			return d && d->fn ? d : NULL;
		}
	}
	const struct kfunc_desc *k = kfunc_get(name);
	*pointer = k && (k->flags & (KF_RET_NULL | KF_ACQUIRE));
	return k ? &k->h : NULL;
}

/* The slot of function d, taken if it has none: NULL when every slot is taken. */
static struct fault_rule *slot_for(const struct helper_desc *d)
{
	for (u32 k = 0; k < nr_rules; k++)
		if (!strcmp(rules[k].desc.name, d->name))
			return &rules[k];
	if (nr_rules == FAULT_SLOTS)
		return NULL;
	struct fault_rule *r = &rules[nr_rules];
	r->fn = d->fn;
	r->desc = (struct helper_desc){ .name = d->name,
					.fn = wrappers[nr_rules],
					.gpl_only = d->gpl_only };
	__atomic_store_n(&nr_rules, nr_rules + 1, __ATOMIC_RELEASE);
	return r;
}

int bpfrun_fail_helper(const char *name, int err, uint64_t nth)
{
	bool pointer = false;
	const struct helper_desc *d = name ? function_by_name(name, &pointer) : NULL;

	if (!d || !d->fn)
		return set_errno(ENOENT);
	if (err > 0 || (err && pointer))
		return set_errno(EINVAL);
	pthread_mutex_lock(&lock);
	struct fault_rule *r = slot_for(d);
	if (r) {
		__atomic_store_n(&r->err, (s64)err, __ATOMIC_RELAXED);
		__atomic_store_n(&r->nth, nth, __ATOMIC_RELAXED);
		__atomic_store_n(&r->calls, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&r->fails, 0, __ATOMIC_RELAXED);
		if (!r->active)
			__atomic_add_fetch(&nr_active, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&r->active, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
	return r ? 0 : set_errno(ENOSPC);
}

void bpfrun_fail_clear(void)
{
	pthread_mutex_lock(&lock);
	for (u32 k = 0; k < nr_rules; k++)
		__atomic_store_n(&rules[k].active, false, __ATOMIC_RELEASE);
	__atomic_store_n(&nr_active, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

int bpfrun_fail_stats(const char *name, uint64_t *calls, uint64_t *fails)
{
	int ret = set_errno(ENOENT);

	pthread_mutex_lock(&lock);
	for (u32 k = 0; k < nr_rules; k++)
		if (name && !strcmp(rules[k].desc.name, name) && rules[k].active) {
			*calls = __atomic_load_n(&rules[k].calls, __ATOMIC_RELAXED);
			*fails = __atomic_load_n(&rules[k].fails, __ATOMIC_RELAXED);
			ret = 0;
		}
	pthread_mutex_unlock(&lock);
	return ret;
}
