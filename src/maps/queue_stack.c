/* QUEUE and STACK: keyless maps of values, pushed and popped (bpf_map_push_elem,
 * bpf_map_pop_elem, bpf_map_peek_elem from programs; update, lookup and lookup-and-delete
 * from user space), as the kernel's queue_stack_maps.c: max_entries + 1 slots in a ring,
 * head (next push) and tail (oldest value); a full map refuses a push with -E2BIG unless
 * BPF_EXIST, which drops the oldest value.
 *
 * Values are copied in and out under the lock: no program ever holds a pointer into the
 * map, so the map has no value region.
 *
 * Locking: lock (a spinlock word per map, leaf) guards head, tail and the slots.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "map.h"
#include "../lib/spinlock.h"
#include "../lib/sys.h"

#define KMALLOC_MAX_SIZE (4u << 20)
#define QUEUE_STACK_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)

struct qs {
	struct bpf_map map;
	u32 lock;
	u32 head, tail, size; /* size = max_entries + 1 */
	bool stack;
	char *slots;
	size_t len;
};

static struct qs *qs_of(struct bpf_map *map)
{
	return container_of(map, struct qs, map);
}

static int qs_alloc_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size || !attr->value_size ||
	    (attr->map_flags & ~(u32)QUEUE_STACK_CREATE_FLAG_MASK) ||
	    map_check_access_flags(attr->map_flags))
		return -EINVAL;
	if (attr->value_size > KMALLOC_MAX_SIZE)
		return -E2BIG;
	return 0;
}

static void qs_free(struct bpf_map *map)
{
	struct qs *q = qs_of(map);

	if (q->slots)
		sys_munmap(q->slots, q->len);
	free(q);
}

static struct bpf_map *qs_alloc(const union bpf_attr *attr)
{
	u64 size = (u64)attr->max_entries + 1, len = size * attr->value_size;
	int err = map_check_kernel_bytes(len);

	if (err)
		return ERR_PTR(err);
	struct qs *q = calloc(1, sizeof(*q));
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->map.obj.memfd = -1;
	q->size = (u32)size;
	q->stack = attr->map_type == BPF_MAP_TYPE_STACK;
	q->len = len;
	q->slots = map_reserve(len);
	if (!q->slots) {
		qs_free(&q->map);
		return ERR_PTR(-ENOMEM);
	}
	return &q->map;
}

static char *slot(struct qs *q, u32 i)
{
	return q->slots + (u64)i * q->map.value_size;
}

/* Copies the next value out (queue: the oldest; stack: the newest) and, when pop, removes
 * it. */
static long qs_take(struct bpf_map *map, void *value, bool pop)
{
	struct qs *q = qs_of(map);
	long err = 0;

	spin_lock_word(&q->lock);
	if (q->head == q->tail) {
		err = -ENOENT;
	} else if (q->stack) {
		u32 i = q->head ? q->head - 1 : q->size - 1;
		map_value_memcpy(value, slot(q, i), map->value_size);
		if (pop)
			q->head = i;
	} else {
		map_value_memcpy(value, slot(q, q->tail), map->value_size);
		if (pop)
			q->tail = q->tail + 1 == q->size ? 0 : q->tail + 1;
	}
	spin_unlock_word(&q->lock);
	return err;
}

static long qs_pop(struct bpf_map *map, void *value)
{
	return qs_take(map, value, true);
}

static long qs_peek(struct bpf_map *map, void *value)
{
	return qs_take(map, value, false);
}

static long qs_push(struct bpf_map *map, const void *value, u64 flags)
{
	struct qs *q = qs_of(map);

	if ((flags & BPF_NOEXIST) || flags > BPF_EXIST)
		return -EINVAL;
	spin_lock_word(&q->lock);
	u32 next = q->head + 1 == q->size ? 0 : q->head + 1;
	if (next == q->tail) { /* full */
		if (!(flags & BPF_EXIST)) {
			spin_unlock_word(&q->lock);
			return -E2BIG;
		}
		q->tail = q->tail + 1 == q->size ? 0 : q->tail + 1;
	}
	map_value_memcpy(slot(q, q->head), value, map->value_size);
	q->head = next;
	spin_unlock_word(&q->lock);
	return 0;
}

static int qs_lookup_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	return (int)qs_peek(map, value);
}

static int qs_update_user(struct bpf_map *map, const void *key, const void *value, u64 flags)
{
	return (int)qs_push(map, value, flags);
}

static int qs_lookup_and_delete_user(struct bpf_map *map, const void *key, void *value, u64 flags)
{
	return (int)qs_pop(map, value);
}

static int qs_einval(struct bpf_map *map, const void *key)
{
	return -EINVAL;
}

static int qs_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	return -EINVAL;
}

const struct map_ops queue_stack_map_ops = {
	.alloc_check = qs_alloc_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.push = qs_push,
	.pop = qs_pop,
	.peek = qs_peek,
	.lookup_user = qs_lookup_user,
	.update_user = qs_update_user,
	.delete_user = qs_einval,
	.lookup_and_delete_user = qs_lookup_and_delete_user,
	.get_next_key = qs_get_next_key,
};
