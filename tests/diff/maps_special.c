/* Maps with special fields defined in a libbpf object (tests/bpf/maps_special.bpf.c):
 * the timer and spin lock bytes read as zero from user space while a program uses them,
 * user updates never copy them, and an update frees the element's timer (array: always;
 * hash: the element is replaced) so the program's next bpf_timer_init succeeds again. */
#include <errno.h>
#include <string.h>

#include "difftest.h"

struct tval {
	__u64 a;
	__u64 t[2];
	__u64 b;
};

struct lval {
	__u32 l, pad;
	__u64 x;
};

static void run(int prog, const char *what)
{
	__u32 ret = 0;
	int err = run_prog(prog, NULL, 0, &ret);

	out("%s: run %d, init hash %d, init array %d", what, err, (int)(ret / 1000) - 100,
	    (int)(ret % 1000) - 100);
}

static void show(struct bpf_object *obj, const char *map)
{
	struct tval v;
	__u32 key = 1;

	memset(&v, 0x11, sizeof(v));
	int err = bpf_map_lookup_elem(map_fd(obj, map), &key, &v);
	out("  %s: lookup %d a %llu timer %llx %llx b %llu", map, err, (unsigned long long)v.a,
	    (unsigned long long)v.t[0], (unsigned long long)v.t[1], (unsigned long long)v.b);
}

int main(void)
{
	struct bpf_object *obj = load_obj("maps_special");
	int prog = prog_fd(obj, "touch");
	struct tval tv = { .a = 10, .t = { ~0ull, ~0ull }, .b = 20 };
	struct lval lv = { .l = ~0u, .pad = 5, .x = 100 };
	__u32 key = 1;

	CHECK(!bpf_map_update_elem(map_fd(obj, "thash"), &key, &tv, BPF_ANY), "hash update");
	CHECK(!bpf_map_update_elem(map_fd(obj, "tarray"), &key, &tv, BPF_ANY), "array update");
	CHECK(!bpf_map_update_elem(map_fd(obj, "larray"), &key, &lv, BPF_ANY), "lock update");
	run(prog, "first run");
	show(obj, "thash");
	show(obj, "tarray");
	run(prog, "second run (timers already initialized)");
	CHECK(!bpf_map_update_elem(map_fd(obj, "thash"), &key, &tv, BPF_ANY), "hash replace");
	CHECK(!bpf_map_update_elem(map_fd(obj, "tarray"), &key, &tv, BPF_EXIST), "array update");
	run(prog, "after user updates");
	show(obj, "thash");
	show(obj, "tarray");
	memset(&lv, 0x22, sizeof(lv));
	int err = bpf_map_lookup_elem_flags(map_fd(obj, "larray"), &key, &lv, BPF_F_LOCK);
	out("larray: lookup F_LOCK %d lock %x pad %u x %llu", err, lv.l, lv.pad,
	    (unsigned long long)lv.x);
	out("freeze thash: %d", bpf_map_freeze(map_fd(obj, "thash")) ? -errno : 0);
	out("freeze larray: %d", bpf_map_freeze(map_fd(obj, "larray")) ? -errno : 0);
	bpf_object__close(obj);
	return finish();
}
