/* Kernel memory (vm.h): the regions that stand for kernel variables, which every run
 * may read and none may write.
 *
 * Locking: regions are only ever added (kernel variables live as long as the kernel),
 * under kmem_lock; readers take no lock: a slot is written before the count that
 * publishes it (release), and readers load the count first (acquire).
 */
#include <pthread.h>

#include "vm.h"

#define KMEM_MAX 512 /* vmlinux's BTF has about 350 variables */

struct kmem_region {
	u64 start, end;
};

static pthread_mutex_t kmem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmem_region kmem[KMEM_MAX];
static u32 nr_kmem; /* atomic: slots below it are published */

bool vm_kmem_add(const void *p, u64 size)
{
	bool ok = false;

	pthread_mutex_lock(&kmem_lock);
	u32 n = nr_kmem;
	if (n < KMEM_MAX) {
		kmem[n] = (struct kmem_region){ (u64)(uintptr_t)p, (u64)(uintptr_t)p + size };
		__atomic_store_n(&nr_kmem, n + 1, __ATOMIC_RELEASE);
		ok = true;
	}
	pthread_mutex_unlock(&kmem_lock);
	return ok;
}

bool vm_kmem_readable(u64 addr, u64 size)
{
	u32 n = __atomic_load_n(&nr_kmem, __ATOMIC_ACQUIRE);

	for (u32 i = 0; i < n; i++)
		if (addr >= kmem[i].start && addr <= kmem[i].end && kmem[i].end - addr >= size)
			return true;
	return false;
}
