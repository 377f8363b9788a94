/* Maps under concurrency (run under ASan/TSan too): threads update, delete, look up and
 * walk hash, LRU, per-CPU and array maps at once through bpfrun_bpf().  A hash value is
 * written whole (every word the same generation), so a lookup must never see two
 * generations mixed: an update links a new element, it does not write in place. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"

#define THREADS 4
#define OPS 200000
#define KEYS 512
#define WORDS 6

struct map_desc {
	const char *name;
	__u32 type, max, flags;
	int fd;
	long torn, bad_errno;
};

static struct map_desc maps[] = {
	{ "hash", BPF_MAP_TYPE_HASH, 256, 0, -1, 0, 0 },
	{ "hash_no_prealloc", BPF_MAP_TYPE_HASH, 256, BPF_F_NO_PREALLOC, -1, 0, 0 },
	{ "lru", BPF_MAP_TYPE_LRU_HASH, 256, 0, -1, 0, 0 },
	{ "array", BPF_MAP_TYPE_ARRAY, KEYS, 0, -1, 0, 0 },
};

static long sys(int cmd, union bpf_attr *a)
{
	return bpfrun_bpf(cmd, a, sizeof(*a)) < 0 ? -errno : 0;
}

static int create(struct map_desc *m)
{
	union bpf_attr a = { .map_type = m->type,
			     .key_size = 4,
			     .value_size = WORDS * 8,
			     .max_entries = m->max,
			     .map_flags = m->flags };
	return (int)bpfrun_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

static long elem(int cmd, int fd, __u32 *key, void *value, __u64 flags)
{
	union bpf_attr a = { .map_fd = (__u32)fd,
			     .key = (__u64)(uintptr_t)key,
			     .value = (__u64)(uintptr_t)value,
			     .flags = flags };
	return sys(cmd, &a);
}

static bool errno_ok(const struct map_desc *m, int cmd, long err)
{
	if (!err || err == -ENOENT)
		return true;
	if (cmd == BPF_MAP_UPDATE_ELEM)
		return err == -E2BIG && m->type == BPF_MAP_TYPE_HASH;
	if (cmd == BPF_MAP_DELETE_ELEM)
		return err == -EINVAL && m->type == BPF_MAP_TYPE_ARRAY;
	return false;
}

static void one_op(struct map_desc *m, unsigned *seed, __u64 gen)
{
	__u32 key = (__u32)rand_r(seed) % KEYS, next;
	__u64 v[WORDS];
	int op = rand_r(seed) % 10;
	int cmd;
	long err;

	if (op < 4) {
		for (int i = 0; i < WORDS; i++)
			v[i] = gen;
		cmd = BPF_MAP_UPDATE_ELEM;
		err = elem(cmd, m->fd, &key, v, BPF_ANY);
	} else if (op < 5) {
		cmd = BPF_MAP_DELETE_ELEM;
		err = elem(cmd, m->fd, &key, NULL, 0);
	} else if (op < 6) {
		union bpf_attr a = { .map_fd = (__u32)m->fd,
				     .key = (__u64)(uintptr_t)&key,
				     .next_key = (__u64)(uintptr_t)&next };
		cmd = BPF_MAP_GET_NEXT_KEY;
		err = sys(cmd, &a);
	} else {
		cmd = BPF_MAP_LOOKUP_ELEM;
		err = elem(cmd, m->fd, &key, v, 0);
		if (!err && m->type != BPF_MAP_TYPE_ARRAY)
			for (int i = 1; i < WORDS; i++)
				if (v[i] != v[0])
					__atomic_add_fetch(&m->torn, 1, __ATOMIC_RELAXED);
	}
	if (!errno_ok(m, cmd, err))
		__atomic_add_fetch(&m->bad_errno, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;

	for (int i = 0; i < OPS; i++)
		one_op(&maps[i % 4], &seed, ((__u64)(uintptr_t)arg << 32) | (__u64)i);
	return NULL;
}

static __u32 count_keys(int fd)
{
	__u32 key, n = 0, *prev = NULL, cur;
	union bpf_attr a = { .map_fd = (__u32)fd };

	for (;;) {
		a.key = (__u64)(uintptr_t)prev;
		a.next_key = (__u64)(uintptr_t)&key;
		if (sys(BPF_MAP_GET_NEXT_KEY, &a) || n > 10 * KEYS)
			break;
		cur = key;
		prev = &cur;
		n++;
	}
	return n;
}

int main(void)
{
	pthread_t t[THREADS];

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		maps[i].fd = create(&maps[i]);
		CHECK(maps[i].fd >= 0, "create %s: %d", maps[i].name, errno);
	}
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct map_desc *m = &maps[i];
		__u32 n = count_keys(m->fd);
		CHECK(m->torn == 0, "%s: %ld torn values", m->name, m->torn);
		CHECK(m->bad_errno == 0, "%s: %ld unexpected errnos", m->name, m->bad_errno);
		CHECK(n <= m->max, "%s: %u keys, max %u", m->name, n, m->max);
		printf("%s: %u keys at the end\n", m->name, n);
		bpfrun_close(m->fd);
	}
	return finish();
}
