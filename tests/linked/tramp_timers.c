/* The kernel's timer selftest scenarios (prog_tests/timer.c, progs/timer.c), as our own
 * programs in tests/bpf/tramp_timers.bpf.c: one test run of a fentry program calls the
 * kernel's test functions, whose fentry programs arm the timers; on the virtual clock
 * every step is exact.  The kernel here refuses fentry loads (EPERM), so what is checked
 * is what the selftest asserts: right after the run no 1 us hash timer has fired
 * (52 and 52; on the virtual clock nothing fires before it moves), after the clock moves
 * every hash callback ran ten times (42 and 42), the ok bits are all set and err is 0;
 * beyond it, the absolute timer fires at its time and the pinned one on its CPU. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bpfrun.h"
#include "difftest.h"

struct state {
	__u64 err, ok, hash_left, hash_np_left, abs_target, abs_seen, pin_cpu, pin_seen;
};

static struct state get(struct bpf_object *obj)
{
	struct state s;
	__u32 key = 0;

	memset(&s, 0xff, sizeof(s));
	bpf_map_lookup_elem(map_fd(obj, "tramp_ti.data"), &key, &s);
	return s;
}

int main(void)
{
	CHECK(bpfrun_clock_set_virtual() == 0, "the virtual clock");
	struct bpf_object *obj = load_obj("tramp_timers");
	struct bpf_program *p;
	struct bpf_link *links[8];
	int n = 0;

	bpf_object__for_each_program(p, obj)
	{
		links[n] = bpf_program__attach(p);
		CHECK(links[n] != NULL, "%s attaches: %s", bpf_program__name(p), strerror(errno));
		n++;
	}
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	CHECK(bpf_prog_test_run_opts(prog_fd(obj, "arm_array_lru"), &topts) == 0 &&
		      topts.retval == 0,
	      "the fentry test run: %s, retval %u", strerror(errno), topts.retval);
	struct state s = get(obj);
	CHECK(s.hash_left == 52 && s.hash_np_left == 52, "no hash timer fired yet: %llu %llu",
	      (unsigned long long)s.hash_left, (unsigned long long)s.hash_np_left);
	CHECK(s.ok == 0, "nothing fired before the clock moved: ok %llu", (unsigned long long)s.ok);
	for (int i = 0; i < 40; i++)
		CHECK(bpfrun_clock_advance(1000) == 0, "advance 1 us");
	s = get(obj);
	CHECK(s.hash_left == 42 && s.hash_np_left == 42, "ten hash callbacks each: %llu %llu",
	      (unsigned long long)s.hash_left, (unsigned long long)s.hash_np_left);
	CHECK(s.ok == 31, "every scenario completed: ok %llu", (unsigned long long)s.ok);
	CHECK(s.err == 0, "no callback saw a wrong answer: err %llu", (unsigned long long)s.err);
	CHECK(s.abs_seen == s.abs_target, "the absolute timer fired at its time: %llu vs %llu",
	      (unsigned long long)s.abs_seen, (unsigned long long)s.abs_target);
	CHECK(s.pin_seen == s.pin_cpu, "the pinned timer ran on its CPU: %llu vs %llu",
	      (unsigned long long)s.pin_seen, (unsigned long long)s.pin_cpu);
	CHECK(bpfrun_clock_advance(1ull << 36) == 0, "advance past the array timer's re-arm");
	CHECK(get(obj).err == 0, "the cancelled array timer did not come back");
	for (int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return finish();
}
