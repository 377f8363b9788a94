/* On the virtual clock: a self-re-arming timer armed in a deleted hash element whose slot
 * a new key then takes keeps firing in the new element (the reuse leaves it in place, as
 * the kernel's does), stops when the map loses its last user reference, and then the
 * program and the maps are freed (no id left). */
#include <errno.h>

#include "bpfrun.h"
#include "difftest.h"

struct bss {
	__u64 delay, period, fired;
	__u32 last_key, pad;
	long same_slot, init_reused, armed, skip_init;
};

static int ids_left(int (*next)(__u32, __u32 *))
{
	__u32 id = 0;
	int n = 0;

	while (!next(id, &id))
		n++;
	return n;
}

int main(void)
{
	struct bpfrun_timer_stats s0, s1, s2;
	struct bss b = { .delay = 1000000, .period = 1000000, .skip_init = 1 };
	__u32 zero = 0;
	unsigned retval;

	CHECK(bpfrun_clock_set_virtual() == 0, "virtual clock");
	struct bpf_object *obj = load_obj("timers_reuse");
	CHECK(bpf_map_update_elem(map_fd(obj, "timers_r.bss"), &zero, &b, BPF_ANY) == 0, "bss");
	CHECK(run_prog(prog_fd(obj, "arm_then_reuse"), NULL, 0, &retval) == 0 && retval == 0,
	      "armed: retval %u", retval);
	bpf_map_lookup_elem(map_fd(obj, "timers_r.bss"), &zero, &b);
	CHECK(b.armed == 0 && b.same_slot == 1, "armed %ld, same slot %ld", b.armed, b.same_slot);
	bpfrun_timer_stats(&s0);
	bpfrun_clock_advance(10 * 1000000ull);
	bpfrun_timer_stats(&s1);
	bpf_map_lookup_elem(map_fd(obj, "timers_r.bss"), &zero, &b);
	CHECK(s1.fired - s0.fired == 10 && b.last_key == 2, "fires every 1 ms with key 2: %llu, %u",
	      (unsigned long long)(s1.fired - s0.fired), b.last_key);
	bpf_object__close(obj);
	bpfrun_clock_advance(10 * 1000000ull);
	bpfrun_timer_stats(&s2);
	CHECK(s2.fired == s1.fired && s2.pending == 0,
	      "freed with the map: fired %llu more, pending %llu",
	      (unsigned long long)(s2.fired - s1.fired), (unsigned long long)s2.pending);
	int progs = ids_left(bpf_prog_get_next_id), maps = ids_left(bpf_map_get_next_id);
	CHECK(progs == 0 && maps == 0, "programs left: %d, maps left: %d", progs, maps);
	return finish();
}
