/* A binary min-heap of pointers, with no knowledge of what it orders (in the manner of
 * libuv's heap-inl.h).  The owner supplies `less` (the order) and `set_index` (called
 * whenever an element moves, so that the element knows its slot and can be removed in
 * O(log n)); both are passed to static inline functions, so a constant function inlines
 * and the heap costs what a hand-written one does.
 *
 * Locking: none; the owner serializes every call on one heap.
 */
#ifndef BPFRUN_LIB_HEAP_H
#define BPFRUN_LIB_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#define HEAP_NO_INDEX UINT32_MAX /* for an element's index while it is in no heap */

struct heap {
	void **a;
	uint32_t nr, cap;
};

typedef bool heap_less_fn(const void *a, const void *b);
typedef void heap_index_fn(void *elem, uint32_t index);

/* Room for one more element: 0, or -ENOMEM (the heap is unchanged). */
int heap_reserve(struct heap *h);

static inline void *heap_min(const struct heap *h)
{
	return h->nr ? h->a[0] : 0;
}

static inline void heap_put(struct heap *h, uint32_t i, void *elem, heap_index_fn *set_index)
{
	h->a[i] = elem;
	set_index(elem, i);
}

static inline void heap_sift_up(struct heap *h, uint32_t i, heap_less_fn *less,
				heap_index_fn *set_index)
{
	void *elem = h->a[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!less(elem, h->a[parent]))
			break;
		heap_put(h, i, h->a[parent], set_index);
		i = parent;
	}
	heap_put(h, i, elem, set_index);
}

static inline void heap_sift_down(struct heap *h, uint32_t i, heap_less_fn *less,
				  heap_index_fn *set_index)
{
	void *elem = h->a[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= h->nr)
			break;
		if (child + 1 < h->nr && less(h->a[child + 1], h->a[child]))
			child++;
		if (!less(h->a[child], elem))
			break;
		heap_put(h, i, h->a[child], set_index);
		i = child;
	}
	heap_put(h, i, elem, set_index);
}

/* Adds elem; heap_reserve() must have made room. */
static inline void heap_insert(struct heap *h, void *elem, heap_less_fn *less,
			       heap_index_fn *set_index)
{
	h->a[h->nr] = elem;
	heap_sift_up(h, h->nr++, less, set_index);
}

/* Restores the order of a whole array of h->nr elements in O(n) (after the owner removed
 * many elements at once, rather than one heap_remove each). */
static inline void heap_heapify(struct heap *h, heap_less_fn *less, heap_index_fn *set_index)
{
	for (uint32_t i = 0; i < h->nr; i++)
		set_index(h->a[i], i);
	for (uint32_t i = h->nr / 2; i-- > 0;)
		heap_sift_down(h, i, less, set_index);
}

/* Removes the element at index i (its index becomes HEAP_NO_INDEX). */
static inline void heap_remove(struct heap *h, uint32_t i, heap_less_fn *less,
			       heap_index_fn *set_index)
{
	void *elem = h->a[i], *last = h->a[--h->nr];

	set_index(elem, HEAP_NO_INDEX);
	if (i == h->nr)
		return;
	heap_put(h, i, last, set_index);
	if (i > 0 && less(last, h->a[(i - 1) / 2]))
		heap_sift_up(h, i, less, set_index);
	else
		heap_sift_down(h, i, less, set_index);
}

#endif
