/* A spinlock in one 32-bit word (0 free, 1 held), the protocol of every lock word in
 * bpfrun: hash buckets, the bpf_spin_lock inside map values (taken by programs and by
 * BPF_F_LOCK copies alike, so both must use this), timers' lock words.  Holders keep it
 * for a few instructions; a waiter pauses, and yields now and then in case the holder
 * was descheduled or waits for another lock.  A waiter that has yielded many times
 * sleeps a microsecond: it may be a SCHED_FIFO timer engine (timers/softirq.c), whose
 * yield never lets a normal-priority holder on its CPU run. */
#ifndef BPFRUN_SPINLOCK_H
#define BPFRUN_SPINLOCK_H

#include <sched.h>
#include <time.h>

#include "common.h"

static inline void spin_lock_word(u32 *lock)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins % 4096 == 0)
				nanosleep(&(struct timespec){ .tv_nsec = 1000 }, NULL);
			else if (spins % 128 == 0)
				sched_yield();
			else
				__builtin_ia32_pause();
		}
	}
}

static inline void spin_unlock_word(u32 *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif
