/* Ring buffer helpers: bpf_ringbuf_output/reserve/submit/discard/query, their dynptr
 * forms, and bpf_user_ringbuf_drain (maps/ringbuf.h does the ring itself).
 *
 * A reserved record is memory the run may write until it submits or discards it: the
 * reservation is a grant of the run (vm_grant) and is remembered per thread, so that
 * submit and discard accept only a record this run reserved (the kernel's verifier tracks
 * the reference), and a run that ends holding one faults, as the verifier refuses such a
 * program ("Unreleased reference"): the record is discarded so that the consumer is not
 * blocked behind it.  A run holds at most VM_MAX_GRANTS reservations (grants are shared
 * with callbacks); one more faults.
 *
 * Locking: the reservation list is per thread; the rings lock themselves.
 */
#include "internal.h"
#include "dynptr.h"
#include "../maps/ringbuf.h"
#include "../obj/prog.h"

struct reservation {
	struct exec_ctx *x; /* the run that holds it */
	struct bpf_map *map;
	void *sample;
};

static __thread struct reservation reserved[VM_MAX_GRANTS];
static __thread u32 nr_reserved;

static struct bpf_map *ring_arg(struct exec_ctx *x, u64 reg, bool user, const char *fn)
{
	struct bpf_map *m = vm_map_arg(x, reg);

	if (m && (user ? !map_is_user_ringbuf(m) : !map_is_ringbuf(m))) {
		vm_fault(x, "cannot pass map_type %u into func %s#%s", m->map_type, fn, fn);
		return NULL;
	}
	return m;
}

/* Reserves size bytes and grants them to the run; NULL when the ring is full (or after
 * a fault). */
static void *reserve(struct exec_ctx *x, struct bpf_map *m, u64 size)
{
	if (nr_reserved == VM_MAX_GRANTS) {
		vm_fault(x, "bpfrun: more than %u ring buffer records reserved at once",
			 VM_MAX_GRANTS);
		return NULL;
	}
	void *sample = ringbuf_reserve(m, size);
	if (!sample)
		return NULL;
	if (!vm_grant(x, sample, size, true)) {
		ringbuf_commit(m, sample, BPF_RB_NO_WAKEUP, true);
		vm_fault(x, "bpfrun: too many regions granted at once");
		return NULL;
	}
	reserved[nr_reserved++] = (struct reservation){ x, m, sample };
	return sample;
}

static void drop_reservation(u32 i)
{
	vm_ungrant(reserved[i].x, reserved[i].sample);
	reserved[i] = reserved[--nr_reserved];
}

/* Submits or discards the record at sample, which this run must have reserved. */
static void commit(struct exec_ctx *x, u64 sample, u64 flags, bool discard, const char *fn)
{
	for (u32 i = 0; i < nr_reserved; i++) {
		if (reserved[i].x != x || (u64)(uintptr_t)reserved[i].sample != sample)
			continue;
		ringbuf_commit(reserved[i].map, reserved[i].sample, flags, discard);
		drop_reservation(i);
		return;
	}
	vm_fault(x, "%s: R1 is not a ring buffer record this run reserved", fn);
}

/* Run end: records still reserved by runs that ended are discarded; those runs fault. */
static void release_leftovers(void)
{
	for (u32 i = 0; i < nr_reserved;) {
		struct exec_ctx *x = reserved[i].x;
		if (x->in_run) {
			i++;
			continue;
		}
		ringbuf_commit(reserved[i].map, reserved[i].sample, BPF_RB_NO_WAKEUP, true);
		drop_reservation(i);
		vm_fault(x, "Unreleased reference: a bpf_ringbuf_reserve record was neither "
			    "submitted nor discarded");
	}
}

__attribute__((constructor)) static void register_run_end(void)
{
	vm_on_run_end(release_leftovers);
}

HELPER(ringbuf_output)
{
	struct bpf_map *m = ring_arg(x, r1, false, "bpf_ringbuf_output");
	const void *data = m ? vm_mem(x, r2, r3, false) : NULL;

	if (!m || (!data && r3))
		return 0;
	if (r4 & ~(u64)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return (u64)-EINVAL;
	void *rec = ringbuf_reserve(m, r3);
	if (!rec)
		return (u64)-EAGAIN;
	map_value_memcpy(rec, data, r3);
	ringbuf_commit(m, rec, r4, false);
	return 0;
}

HELPER(ringbuf_reserve)
{
	struct bpf_map *m = ring_arg(x, r1, false, "bpf_ringbuf_reserve");

	if (!m || r3)
		return 0;
	return (u64)(uintptr_t)reserve(x, m, r2);
}

HELPER(ringbuf_submit)
{
	commit(x, r1, r2, false, "bpf_ringbuf_submit");
	return 0;
}

HELPER(ringbuf_discard)
{
	commit(x, r1, r2, true, "bpf_ringbuf_discard");
	return 0;
}

HELPER(ringbuf_query)
{
	struct bpf_map *m = ring_arg(x, r1, false, "bpf_ringbuf_query");

	return m ? ringbuf_query(m, r2) : 0;
}

/* ---- dynptr forms ---- */

HELPER(ringbuf_reserve_dynptr)
{
	struct bpf_map *m = ring_arg(x, r1, false, "bpf_ringbuf_reserve_dynptr");
	u32 size = (u32)r2;
	long err = r3 ? -EINVAL : size > DYNPTR_MAX_SIZE ? -E2BIG : 0;
	void *sample = NULL;

	if (!m || !vm_mem(x, r4, sizeof(struct dynptr_kern), true))
		return 0;
	if (!err && !(sample = reserve(x, m, size)))
		err = -EINVAL;
	if (err) {
		dynptr_set_null(x, r4);
		return (u64)err;
	}
	dynptr_init(x, r4, (u64)(uintptr_t)sample, DYNPTR_RINGBUF, size, false);
	return 0;
}

static u64 commit_dynptr(struct exec_ctx *x, u64 reg, u64 flags, bool discard, const char *fn)
{
	struct dynptr_kern *d = vm_mem(x, reg, sizeof(*d), true);
	u64 data = d ? __atomic_load_n(&d->data, __ATOMIC_RELAXED) : 0;

	if (!data)
		return 0;
	commit(x, data, flags, discard, fn);
	dynptr_set_null(x, reg);
	return 0;
}

HELPER(ringbuf_submit_dynptr)
{
	return commit_dynptr(x, r1, r2, false, "bpf_ringbuf_submit_dynptr");
}

HELPER(ringbuf_discard_dynptr)
{
	return commit_dynptr(x, r1, r2, true, "bpf_ringbuf_discard_dynptr");
}

/* ---- bpf_user_ringbuf_drain(map, callback, ctx, flags) ---- */

#define MAX_USER_RINGBUF_SAMPLES (128 * 1024)

/* One sample to the callback: a dynptr over it, both granted for the call. */
static u64 drain_one(struct exec_ctx *x, s64 start, void *sample, u32 size, u64 ctx)
{
	struct dynptr_kern d = { (u64)(uintptr_t)sample, size | DYNPTR_LOCAL << DYNPTR_TYPE_SHIFT,
				 0 };

	if (!vm_grant(x, &d, sizeof(d), false)) {
		vm_fault(x, "bpfrun: too many regions granted at once");
		return 1;
	}
	if (!vm_grant(x, sample, size, true)) {
		vm_ungrant(x, &d);
		vm_fault(x, "bpfrun: too many regions granted at once");
		return 1;
	}
	u64 ret = vm_call(x, x->prog, (u32)start, (u64)(uintptr_t)&d, ctx, 0, 0, 0);
	vm_ungrant(x, sample);
	vm_ungrant(x, &d);
	return ret;
}

HELPER(user_ringbuf_drain)
{
	struct bpf_map *m = ring_arg(x, r1, true, "bpf_user_ringbuf_drain");
	s64 start = m ? vm_func_arg(x, r2) : -1;
	long samples, discarded = 0, ret = 0;

	if (start < 0)
		return 0;
	if (r4 & ~(u64)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return (u64)-EINVAL;
	if (!user_ringbuf_begin(m))
		return (u64)-EBUSY;
	for (samples = 0; samples < MAX_USER_RINGBUF_SAMPLES && ret == 0 && !x->fault; samples++) {
		void *sample;
		u32 size;
		int err = user_ringbuf_peek(m, &sample, &size);
		if (err == -EAGAIN) {
			discarded++;
			continue;
		}
		if (err == -ENODATA)
			break;
		if (err) {
			ret = err;
			goto out;
		}
		ret = (long)drain_one(x, start, sample, size, r3);
		user_ringbuf_release(m, size);
	}
	ret = samples - discarded;
out:
	user_ringbuf_end(m,
			 (r4 & BPF_RB_FORCE_WAKEUP) || (!(r4 & BPF_RB_NO_WAKEUP) && samples > 0));
	return (u64)ret;
}
