/* Batch commands on maps of maps: ARRAY_OF_MAPS looks up and updates in batches (delete
 * and lookup-and-delete are ENOTSUPP), HASH_OF_MAPS does all four, whole buckets at a
 * time.  Values are inner map ids out, descriptors in.  Hash order differs between the
 * kernel's jhash and bpfrun's, so hash results print sorted, and batches of one element
 * walk buckets that each hold at most one (BPF_F_ZERO_SEED keeps the kernel's layout
 * fixed). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define NINNER 4

static uint32_t ids[NINNER];

static int inner_of(uint32_t id)
{
	for (int j = 0; j < NINNER; j++)
		if (ids[j] == id)
			return j;
	return -1;
}

static int by_key(const void *a, const void *b)
{
	return (int)((const uint32_t *)a)[0] - (int)((const uint32_t *)b)[0];
}

/* Prints a batch's result; pairs sorted by key when sorted. */
static void dump(const char *what, int err, uint32_t count, const uint32_t *keys,
		 const uint32_t *vals, bool sorted)
{
	uint32_t pairs[16][2];
	char line[256];
	int n = 0;

	for (uint32_t i = 0; i < count && i < 16; i++)
		pairs[i][0] = keys[i], pairs[i][1] = vals[i];
	if (sorted)
		qsort(pairs, count < 16 ? count : 16, sizeof(pairs[0]), by_key);
	for (uint32_t i = 0; i < count && i < 16; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %u=>inner%d", pairs[i][0],
			      inner_of(pairs[i][1]));
	line[n] = 0;
	out("  %s: %s, count %u:%s", what, err ? strerror(-err) : "ok", count, line);
}

static int res(int err)
{
	return err ? -errno : 0;
}

static void scenario(int inner0, int *inner, enum bpf_map_type type)
{
	bool hash = type == BPF_MAP_TYPE_HASH_OF_MAPS;
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = inner0,
		    .map_flags = hash ? BPF_F_ZERO_SEED : 0);
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int m = bpf_map_create(type, "mim", 4, 4, hash ? 64 : 4, &o);
	uint32_t keys[16] = { 0, 2, 3 }, vals[16] = { inner[1], inner[2], inner[3] }, count = 3;
	uint32_t k[16], v[16], ob = 0, ob2 = 0;

	out("%s: create %s", hash ? "hash" : "array", m >= 0 ? "ok" : strerror(errno));
	int err = res(bpf_map_update_batch(m, keys, vals, &count, &bo));
	out("  update_batch: %d, count %u", err, count);
	count = 16;
	err = res(bpf_map_lookup_batch(m, NULL, &ob, k, v, &count, &bo));
	dump("lookup_batch all", err, count, k, v, hash);
	if (!hash) {
		count = 2;
		err = res(bpf_map_lookup_batch(m, NULL, &ob, k, v, &count, &bo));
		dump("lookup_batch 2", err, count, k, v, false);
		count = 16;
		err = res(bpf_map_lookup_batch(m, &ob, &ob2, k, v, &count, &bo));
		dump("lookup_batch the rest", err, count, k, v, false);
	} else {
		uint32_t got_k[16], got_v[16], got = 0, calls = 0;
		void *in = NULL;
		do { /* one element at a time, each bucket at most one */
			count = 1;
			err = res(bpf_map_lookup_batch(m, in, &ob, k, v, &count, &bo));
			if (count == 1 && got < 16)
				got_k[got] = k[0], got_v[got++] = v[0];
			ob2 = ob;
			in = &ob2;
			calls++;
		} while (!err && calls < 100);
		dump("lookup_batch by one", err, got, got_k, got_v, true);
		count = 0;
		err = res(bpf_map_lookup_batch(m, NULL, &ob, k, v, &count, &bo));
		out("  lookup_batch of 0: %d, count %u", err, count);
		ob2 = 64;
		count = 4;
		err = res(bpf_map_lookup_batch(m, &ob2, &ob, k, v, &count, &bo));
		out("  lookup_batch past the buckets: %d, count %u", err, count);
	}
	vals[0] = 12345;
	keys[0] = 1;
	count = 1;
	err = res(bpf_map_update_batch(m, keys, vals, &count, &bo));
	out("  update_batch of a bad descriptor: %d, count %u", err, count);
	keys[0] = 2;
	count = 1;
	err = res(bpf_map_delete_batch(m, keys, &count, &bo));
	out("  delete_batch: %d, count %u", err, count);
	count = 16;
	err = res(bpf_map_lookup_and_delete_batch(m, NULL, &ob, k, v, &count, &bo));
	dump("lookup_and_delete_batch", err, err == -524 /* ENOTSUPP */ ? 0 : count, k, v, hash);
	count = 16;
	err = res(bpf_map_lookup_batch(m, NULL, &ob, k, v, &count, &bo));
	dump("lookup_batch after", err, count, k, v, hash);
	close(m);
}

int main(void)
{
	int inner[NINNER];

	for (int i = 0; i < NINNER; i++) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);
		inner[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "in", 4, 4, 1, NULL);
		CHECK(inner[i] >= 0, "inner map %d", i);
		bpf_obj_get_info_by_fd(inner[i], &info, &len);
		ids[i] = info.id;
	}
	scenario(inner[0], inner, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	scenario(inner[0], inner, BPF_MAP_TYPE_HASH_OF_MAPS);
	for (int i = 0; i < NINNER; i++)
		close(inner[i]);
	return finish();
}
