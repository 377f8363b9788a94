/* Read sections (see readsec.h for the rules and the locking).
 *
 * A reader makes its seq odd, loads the pointer and takes its reference, then makes seq
 * even again.  The replacer exchanges the pointer, then reads every seq and waits for the
 * odd ones to change.  All four accesses are sequentially consistent, so either the
 * replacer sees the reader inside (and waits until its reference is taken) or the
 * reader's load comes after the exchange (and finds the new pointer). */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "common.h"
#include "readsec.h"

struct reader {
	u32 seq; /* atomic: odd while the thread is inside a section */
	struct reader *prev, *next;
};

static pthread_key_t reader_key;
static pthread_once_t reader_key_once = PTHREAD_ONCE_INIT;
static __thread struct reader *tls_reader;
static pthread_mutex_t reader_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reader *readers;

/* At thread exit the record leaves the list (a later section makes a new one). */
static void reader_free(void *p)
{
	struct reader *r = p;

	tls_reader = NULL;
	pthread_mutex_lock(&reader_list_lock);
	if (r->prev)
		r->prev->next = r->next;
	else
		readers = r->next;
	if (r->next)
		r->next->prev = r->prev;
	pthread_mutex_unlock(&reader_list_lock);
	free(r);
}

static void reader_key_init(void)
{
	pthread_key_create(&reader_key, reader_free);
}

static struct reader *reader_new(void)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (!r) {
		bpfrun_warn("out of memory for a read-section record");
		abort();
	}
	pthread_once(&reader_key_once, reader_key_init);
	pthread_mutex_lock(&reader_list_lock);
	r->next = readers;
	if (readers)
		readers->prev = r;
	readers = r;
	pthread_mutex_unlock(&reader_list_lock);
	pthread_setspecific(reader_key, r);
	tls_reader = r;
	return r;
}

void readsec_begin(void)
{
	struct reader *r = likely(tls_reader) ? tls_reader : reader_new();
	u32 seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&r->seq, seq + 1, __ATOMIC_SEQ_CST);
}

void readsec_end(void)
{
	struct reader *r = tls_reader;
	u32 seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&r->seq, seq + 1, __ATOMIC_RELEASE);
}

void readsec_sync(void)
{
	pthread_mutex_lock(&reader_list_lock);
	for (struct reader *r = readers; r; r = r->next) {
		u32 seq = __atomic_load_n(&r->seq, __ATOMIC_SEQ_CST);

		while ((seq & 1) && __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) == seq)
			sched_yield();
	}
	pthread_mutex_unlock(&reader_list_lock);
}
