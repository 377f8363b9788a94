/* The generic min-heap's storage (heap.h holds the operations).  Locking: none. */
#include <errno.h>
#include <stdlib.h>

#include "heap.h"

int heap_reserve(struct heap *h)
{
	if (h->nr < h->cap)
		return 0;
	uint32_t cap = h->cap ? h->cap * 2 : 64;
	void **a = cap > h->cap ? realloc(h->a, (size_t)cap * sizeof(*a)) : NULL;

	if (!a)
		return -ENOMEM;
	h->a = a;
	h->cap = cap;
	return 0;
}
