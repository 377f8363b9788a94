/* When timers are cancelled and freed: array updates (user space and BPF, any flag),
 * hash/LRU replace and delete, LRU eviction, the map's user references dropping to zero
 * (and which descriptors and pins count as user references); what user space sees of
 * the timer bytes; a timer keeps its callback's program alive. */
#include <fcntl.h>
#include <string.h>

#include "timers_driver.h"

static long sys_ret(int r)
{
	return r < 0 ? -errno : r;
}

/* Arms key with a 300 ms timer, does `what`, waits, and reports whether it fired. */
#define AFTER_ARMING(d, m, key, what)                                                 \
	do {                                                                          \
		drv_res_clear(&(d), m, key);                                          \
		EXPECT(drv_op(&(d), "arm", m, key, 0, 300 * MS), 0);                  \
		what;                                                                 \
		sleep_ms(600);                                                        \
		out("  fired=%llu", (unsigned long long)drv_res(&(d), m, key).fired); \
	} while (0)

static void lru_eviction(struct drv *d);

static void user_view(struct drv *d)
{
	struct drv_elem e;
	uint32_t key = 1;

	out("# user space never sees or sets the timer bytes");
	EXPECT(drv_op(d, "arm", M_HASH, 1, 0, 5000 * MS), 0);
	memset(&e, 0x5a, sizeof(e));
	EXPECT(sys_ret(bpf_map_lookup_elem(d->maps[M_HASH], &key, &e)), 0);
	out("timer bytes zero: %d", e.timer[0] == 0 && !memcmp(e.timer, e.timer + 1, 15));
	EXPECT(drv_op(d, "cancel", M_HASH, 1, 0, 0), 1);
	/* A new element whose supplied timer bytes are garbage: ignored. */
	key = 9;
	memset(&e, 0xff, sizeof(e));
	EXPECT(sys_ret(bpf_map_update_elem(d->maps[M_HASHNP], &key, &e, BPF_NOEXIST)), 0);
	EXPECT(drv_op(d, "init", M_HASHNP, 9, CLOCK_MONOTONIC, 0), 0);
	key = 9;
	EXPECT(sys_ret(bpf_map_update_elem(d->maps[M_ARR], &key, &e, BPF_ANY)), 0);
	EXPECT(drv_op(d, "init", M_ARR, 9, CLOCK_MONOTONIC, 0), 0);
}

static void element_lifetime(struct drv *d)
{
	struct drv_elem e = { .data = 7 };
	uint32_t key;

	out("# array update from user space resets the timer (every flag)");
	key = 1;
	e.slot = drv_slot(M_ARR, 1);
	AFTER_ARMING(*d, M_ARR, 1,
		     EXPECT(sys_ret(bpf_map_update_elem(d->maps[M_ARR], &key, &e, BPF_ANY)), 0));
	EXPECT(drv_op(d, "init", M_ARR, 1, CLOCK_MONOTONIC, 0), 0);
	AFTER_ARMING(*d, M_ARR, 1,
		     EXPECT(sys_ret(bpf_map_update_elem(d->maps[M_ARR], &key, &e, BPF_EXIST)), 0));
	AFTER_ARMING(*d, M_ARR, 1,
		     EXPECT(sys_ret(bpf_map_update_elem(d->maps[M_ARR], &key, &e, BPF_NOEXIST)),
			    -EEXIST));
	out("# array update from BPF resets the timer");
	AFTER_ARMING(*d, M_ARR, 2, EXPECT(drv_op(d, "update", M_ARR, 2, BPF_ANY, 0), 0));
	EXPECT(drv_op(d, "init", M_ARR, 2, CLOCK_MONOTONIC, 0), 0);
	out("# array delete");
	EXPECT(sys_ret(bpf_map_delete_elem(d->maps[M_ARR], &key)), -EINVAL);
	EXPECT(drv_op(d, "delete", M_ARR, 1, 0, 0), -EINVAL);

	for (int m = M_HASH; m <= M_LRU; m++) {
		out("# %s: replace and delete free the timer", drv_map_names[m]);
		key = 3;
		e.slot = drv_slot(m, 3);
		AFTER_ARMING(
			*d, m, 3,
			EXPECT(sys_ret(bpf_map_update_elem(d->maps[m], &key, &e, BPF_EXIST)), 0));
		EXPECT(drv_op(d, "init", m, 3, CLOCK_MONOTONIC, 0), 0);
		AFTER_ARMING(*d, m, 3, EXPECT(drv_op(d, "update", m, 3, BPF_ANY, 0), 0));
		AFTER_ARMING(*d, m, 3, EXPECT(sys_ret(bpf_map_delete_elem(d->maps[m], &key)), 0));
		AFTER_ARMING(*d, m, 3, EXPECT(drv_op(d, "delete", m, 3, 0, 0), 0));
		EXPECT(drv_op(d, "init", m, 3, CLOCK_MONOTONIC, 0), 0);
	}

	lru_eviction(d);
}

/* Arms timers on 16 keys of the 16-entry LRU map, inserts 64 more keys: the armed
 * elements that were evicted never fire, the others do. */
static void lru_eviction(struct drv *d)
{
	uint32_t key, evicted = 0, fired_evicted = 0, fired_kept = 0;
	struct drv_elem v = { 0 };

	out("# LRU eviction frees the timer");
	for (key = 32; key < 48; key++) {
		drv_res_clear(d, M_LRU, key);
		CHECK(drv_op(d, "arm", M_LRU, key, 0, 300 * MS) == 0, "arm");
	}
	for (key = 100; key < 164; key++)
		CHECK(bpf_map_update_elem(d->maps[M_LRU], &key, &v, BPF_ANY) == 0, "insert");
	sleep_ms(600);
	for (key = 32; key < 48; key++) {
		bool gone = bpf_map_lookup_elem(d->maps[M_LRU], &key, &v) != 0;
		uint64_t fired = drv_res(d, M_LRU, key).fired;

		evicted += gone;
		fired_evicted += gone ? fired : 0;
		fired_kept += gone ? 0 : fired == 1;
	}
	out("some evicted: %d, evicted that fired: %u, kept that did not fire: %u", evicted > 0,
	    fired_evicted, 16 - evicted - fired_kept);
}

/* A fresh object whose `arr` map loses user references in some way. */
static void user_references(void)
{
	struct drv d = drv_open();
	int fd = d.maps[M_ARR], devnull = open("/dev/null", O_RDONLY), copy;
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char pin[] = "/sys/fs/bpf/bpfrun_timers_lifetime";

	out("# a dup'd descriptor is a user reference");
	copy = dup(fd);
	dup2(devnull, fd);
	EXPECT(drv_op(&d, "init", M_ARR, 1, CLOCK_MONOTONIC, 0), 0);
	out("# so is a descriptor from BPF_MAP_GET_FD_BY_ID");
	bpf_obj_get_info_by_fd(copy, &info, &len);
	fd = bpf_map_get_fd_by_id(info.id);
	out("got fd by id: %d", fd >= 0);
	close(copy);
	EXPECT(drv_op(&d, "init", M_ARR, 2, CLOCK_MONOTONIC, 0), 0);
	out("# and a pin");
	kernel_bpffs();
	unlink(pin);
	EXPECT(sys_ret(bpf_obj_pin(fd, pin)), 0);
	AFTER_ARMING(d, M_ARR, 3, close(fd));
	EXPECT(drv_op(&d, "init", M_ARR, 4, CLOCK_MONOTONIC, 0), 0);
	out("# unpinned with no descriptor left: every timer cancelled and freed");
	AFTER_ARMING(d, M_ARR, 5, unlink(pin));
	EXPECT(drv_op(&d, "init", M_ARR, 5, CLOCK_MONOTONIC, 0), -EPERM);
	EXPECT(drv_op(&d, "init", M_ARR, 5, CLOCK_MONOTONIC, 0), -EPERM); /* undone each time */
	EXPECT(drv_op(&d, "start", M_ARR, 5, 0, 0), -EINVAL);
	EXPECT(drv_op(&d, "arm", M_ARR, 6, 0, 0), -EPERM);
	EXPECT(drv_op(&d, "arm", M_HASH, 6, 0, 10 * MS), 0); /* other maps unaffected */
	sleep_ms(200);
	out("hash timer fired=%llu", (unsigned long long)drv_res(&d, M_HASH, 6).fired);
	close(devnull);
	bpf_object__close(d.obj);
}

static void program_kept_alive(void)
{
	struct drv d = drv_open();
	int devnull = open("/dev/null", O_RDONLY);

	out("# the timer keeps its callback's program alive");
	AFTER_ARMING(d, M_HASH, 2, { dup2(devnull, prog_fd(d.obj, "arm_hash")); });
	close(devnull);
	bpf_object__close(d.obj);
}

int main(void)
{
	struct drv d = drv_open();

	user_view(&d);
	element_lifetime(&d);
	bpf_object__close(d.obj);
	user_references();
	program_kept_alive();
	return finish();
}
