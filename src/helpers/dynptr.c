/* Dynptr helpers over memory (LOCAL and RINGBUF dynptrs): bpf_dynptr_from_mem,
 * bpf_dynptr_read, bpf_dynptr_write, bpf_dynptr_data, with the kernel's errors.
 *
 * A struct bpf_dynptr lives in program memory, where a program without a verifier could
 * forge one: so every byte a dynptr names is checked against the run's regions (vm_mem)
 * when it is used, and a forged dynptr reaches nothing the program could not reach
 * directly.  Ring buffer submit/discard accept only a record the run reserved
 * (ringbuf.c).  SKB and XDP dynptrs (kfuncs) are not built here: using one faults.
 *
 * Locking: none.
 */
#include "internal.h"

void dynptr_init(struct dynptr *d, void *data, u32 type, u32 size)
{
	__atomic_store_n(&d->data, (u64)(uintptr_t)data, __ATOMIC_RELAXED);
	__atomic_store_n(&d->size, size | (type << DYNPTR_TYPE_SHIFT), __ATOMIC_RELAXED);
	__atomic_store_n(&d->offset, 0, __ATOMIC_RELAXED);
}

void dynptr_set_null(struct dynptr *d)
{
	dynptr_init(d, NULL, DYNPTR_TYPE_INVALID, 0);
}

long dynptr_check_size(u32 size)
{
	return size > DYNPTR_SIZE_MASK ? -E2BIG : 0;
}

/* A copy of the dynptr at reg (NULL after a fault). */
static bool dynptr_get(struct exec_ctx *x, u64 reg, struct dynptr *out)
{
	const struct dynptr *d = vm_mem(x, reg, sizeof(*d), false);

	if (!d)
		return false;
	out->data = __atomic_load_n(&d->data, __ATOMIC_RELAXED);
	out->size = __atomic_load_n(&d->size, __ATOMIC_RELAXED);
	out->offset = __atomic_load_n(&d->offset, __ATOMIC_RELAXED);
	return true;
}

static u32 dynptr_size(const struct dynptr *d)
{
	return d->size & DYNPTR_SIZE_MASK;
}

static u32 dynptr_type(const struct dynptr *d)
{
	return (d->size >> DYNPTR_TYPE_SHIFT) & 7;
}

static bool dynptr_rdonly(const struct dynptr *d)
{
	return d->size & DYNPTR_RDONLY_BIT;
}

/* The kernel's bpf_dynptr_check_off_len. */
static long check_off_len(const struct dynptr *d, u64 off, u64 len)
{
	u32 size = dynptr_size(d);

	return len > size || off > size - len ? -E2BIG : 0;
}

/* Memory types only; the others fault (bpfrun does not build them yet). */
static bool memory_type(struct exec_ctx *x, const struct dynptr *d)
{
	u32 t = dynptr_type(d);

	if (t == DYNPTR_TYPE_LOCAL || t == DYNPTR_TYPE_RINGBUF)
		return true;
	vm_fault(x, "bpfrun: dynptr type %u is not supported", t);
	return false;
}

HELPER(dynptr_from_mem)
{
	struct dynptr *d = vm_mem(x, r4, sizeof(*d), true);
	long err = dynptr_check_size((u32)r2);

	if (!d)
		return 0;
	if (!err && r3)
		err = -EINVAL;
	if (!err && !vm_mem(x, r1, (u32)r2, true))
		return 0;
	if (err) {
		dynptr_set_null(d);
		return (u64)err;
	}
	dynptr_init(d, (void *)(uintptr_t)r1, DYNPTR_TYPE_LOCAL, (u32)r2);
	return 0;
}

/* bpf_dynptr_read(dst, len, src, offset, flags) */
HELPER(dynptr_read)
{
	struct dynptr d;
	u32 len = (u32)r2, off = (u32)r4;

	if (!dynptr_get(x, r3, &d))
		return 0;
	if (!d.data || r5)
		return (u64)-EINVAL;
	long err = check_off_len(&d, off, len);
	if (err)
		return (u64)err;
	if (!memory_type(x, &d))
		return 0;
	void *dst = vm_mem(x, r1, len, true);
	const void *src = vm_mem(x, d.data + d.offset + off, len, false);
	if (!dst || !src)
		return 0;
	map_value_memcpy(dst, src, len);
	return 0;
}

/* bpf_dynptr_write(dst, offset, src, len, flags) */
HELPER(dynptr_write)
{
	struct dynptr d;
	u32 off = (u32)r2, len = (u32)r4;

	if (!dynptr_get(x, r1, &d))
		return 0;
	if (!d.data || dynptr_rdonly(&d))
		return (u64)-EINVAL;
	long err = check_off_len(&d, off, len);
	if (err)
		return (u64)err;
	if (!memory_type(x, &d))
		return 0;
	if (r5)
		return (u64)-EINVAL;
	const void *src = vm_mem(x, r3, len, false);
	void *dst = vm_mem(x, d.data + d.offset + off, len, true);
	if (!dst || !src)
		return 0;
	map_value_memcpy(dst, src, len);
	return 0;
}

/* bpf_dynptr_data(ptr, offset, len): the address, which the run's accesses check. */
HELPER(dynptr_data)
{
	struct dynptr d;

	if (!dynptr_get(x, r1, &d) || !d.data || check_off_len(&d, (u32)r2, (u32)r3) ||
	    dynptr_rdonly(&d) || !memory_type(x, &d))
		return 0;
	return d.data + d.offset + (u32)r2;
}
