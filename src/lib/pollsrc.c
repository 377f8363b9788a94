/* Poll sources (pollsrc.h): an eventfd per source, and the list of the sources handed to
 * epoll that every epoll_wait rearms.  Locking: poll_lock guards the list (pollsrc.h). */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pollsrc.h"
#include "sys.h"

static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pollsrc *poll_list;
static u32 nr_polled; /* atomic: rearm's fast path */
static u32 nr_once;   /* atomic: polled sources without ready(), pollsrc_reported's */

int pollsrc_init(struct pollsrc *src, bool (*ready)(struct pollsrc *src))
{
	src->ready = ready;
	src->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return src->eventfd < 0 ? -ENOMEM : 0;
}

void pollsrc_destroy(struct pollsrc *src)
{
	if (__atomic_load_n(&src->polled, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&poll_lock);
		for (struct pollsrc **p = &poll_list; *p; p = &(*p)->next)
			if (*p == src) {
				*p = src->next;
				__atomic_fetch_sub(&nr_polled, 1, __ATOMIC_RELAXED);
				if (!src->ready)
					__atomic_fetch_sub(&nr_once, 1, __ATOMIC_RELAXED);
				break;
			}
		pthread_mutex_unlock(&poll_lock);
	}
	if (src->eventfd >= 0)
		sys_close(src->eventfd);
	src->eventfd = -1;
}

static void signal_fd(struct pollsrc *src)
{
	u64 one = 1;

	if (write(src->eventfd, &one, sizeof(one)) < 0) {
		/* the counter is full: the source is signalled already */
	}
}

void pollsrc_wake(struct pollsrc *src)
{
	if (!__atomic_exchange_n(&src->signalled, 1, __ATOMIC_SEQ_CST))
		signal_fd(src);
}

/* A source without ready() has nothing to look at after a clear: so the flag goes first,
 * then the eventfd, and a wake-up in between (it saw the flag clear and may have written
 * before the read) is signalled again. */
static void consume(struct pollsrc *src)
{
	u64 count;

	__atomic_store_n(&src->signalled, 0, __ATOMIC_SEQ_CST);
	if (read(src->eventfd, &count, sizeof(count)) < 0) {
		/* nothing to clear */
	}
	if (__atomic_load_n(&src->signalled, __ATOMIC_SEQ_CST))
		signal_fd(src);
}

int pollsrc_fd(struct pollsrc *src, int epfd, u64 data)
{
	pthread_mutex_lock(&poll_lock);
	src->epfd = epfd;
	src->data = data;
	if (!src->polled) {
		src->next = poll_list;
		poll_list = src;
		__atomic_store_n(&src->polled, true, __ATOMIC_RELEASE);
		__atomic_fetch_add(&nr_polled, 1, __ATOMIC_RELAXED);
		if (!src->ready)
			__atomic_fetch_add(&nr_once, 1, __ATOMIC_RELAXED);
	}
	if (!src->ready)
		consume(src);
	else if (src->ready(src))
		pollsrc_wake(src);
	pthread_mutex_unlock(&poll_lock);
	return src->eventfd;
}

void pollsrc_rearm(void)
{
	u64 count;

	if (!__atomic_load_n(&nr_polled, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&poll_lock);
	for (struct pollsrc *src = poll_list; src; src = src->next) {
		/* clear the eventfd, then the flag, then look: a wake-up before the flag is
		 * cleared is caught by the look, one after it writes the eventfd again */
		if (src->ready && read(src->eventfd, &count, sizeof(count)) == sizeof(count)) {
			__atomic_store_n(&src->signalled, 0, __ATOMIC_SEQ_CST);
			if (src->ready(src))
				pollsrc_wake(src);
		}
	}
	pthread_mutex_unlock(&poll_lock);
}

void pollsrc_reported(int epfd, const void *evs, int n)
{
	const struct epoll_event *ev = evs;

	if (n <= 0 || !__atomic_load_n(&nr_once, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&poll_lock);
	for (struct pollsrc *src = poll_list; src; src = src->next) {
		if (src->ready || src->epfd != epfd)
			continue;
		for (int i = 0; i < n; i++)
			if (ev[i].data.u64 == src->data) {
				consume(src);
				break;
			}
	}
	pthread_mutex_unlock(&poll_lock);
}
