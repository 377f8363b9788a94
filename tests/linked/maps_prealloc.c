/* The kernel allocates a preallocated hash map's elements and buckets, and an array's
 * values, at the map's creation; so does bpfrun (the pages are faulted in then, not
 * during the first run that fills the map), and it sets aside the hidden states of a
 * preallocated map's timers then too (for every such map alive).  A BPF_F_NO_PREALLOC
 * map's elements stay lazy.  Measured as the growth of the process's resident memory at
 * creation. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "difftest.h"

#define ENTRIES 100000
#define VALUE 64
#define POOL_BYTES (ENTRIES * (16 + 8 + VALUE)) /* elements: header, key, value */

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * 4096;
}

/* Resident bytes a new map of ENTRIES elements added. */
static long growth(enum bpf_map_type type, __u32 key_size, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	long before = rss_bytes();
	int fd = bpf_map_create(type, "m", key_size, VALUE, ENTRIES, &opts);
	long grown = rss_bytes() - before;

	CHECK(fd >= 0, "create type %d flags %u", type, flags);
	close(fd);
	return grown;
}

/* Loads timers_many with ENTRIES values; checks what its creation made resident. */
static struct bpf_object *load_timers(void)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("timers_many"), NULL);
	long before = rss_bytes();

	CHECK(obj != NULL, "open timers_many");
	if (!obj)
		exit(finish());
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "many"), ENTRIES);
	CHECK(!bpf_object__load(obj), "load");
	long grown = rss_bytes() - before;
	CHECK(grown >= ENTRIES * (48L + 80), "map with timers: %ld bytes resident", grown);
	return obj;
}

int main(void)
{
	long prealloc = growth(BPF_MAP_TYPE_HASH, 8, 0);
	long lazy = growth(BPF_MAP_TYPE_HASH, 8, BPF_F_NO_PREALLOC);
	long array = growth(BPF_MAP_TYPE_ARRAY, 4, 0);

	CHECK(prealloc >= POOL_BYTES, "preallocated: %ld bytes resident at creation", prealloc);
	CHECK(lazy < POOL_BYTES / 2, "BPF_F_NO_PREALLOC: %ld bytes resident at creation", lazy);
	CHECK(array >= ENTRIES * VALUE, "array: %ld bytes resident at creation", array);
	out("preallocated pool resident: %d", prealloc >= POOL_BYTES);

	/* timers_many: a hash of { struct bpf_timer; u64 } values, ENTRIES of them: the
	 * elements (48 bytes) and as many timer states (80 bytes) are resident, for each of
	 * two such maps alive at once */
	struct bpf_object *one = load_timers(), *two = load_timers();

	bpf_object__close(two);
	bpf_object__close(one);
	return finish();
}
