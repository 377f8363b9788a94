/* The documentation's timer example (shared/examples/seed_timer.bpf.c), unmodified:
 * each run returns 0 and its callback never prints (the cancel right after the start
 * wins); without the cancel line each run prints the callback line once; and loaded the
 * way `bpftool prog load` does without pinning (every descriptor of the map closed) the
 * program returns 1 because bpf_timer_init fails with -EPERM. */
#include <fcntl.h>
#include <string.h>

#include "timers_driver.h"

#define MSG "Callback was invoked do something useful"

static int count_lines(const char *text, const char *msg)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, msg)); p += strlen(msg))
		n++;
	return n;
}

static void run_times(const char *name, int runs, int expect_prints)
{
	struct bpf_object *obj = load_obj(name);
	int fd = prog_fd(obj, "bpf_prog1");

	trace_clear();
	for (int i = 0; i < runs; i++) {
		uint32_t ret = 99;
		int err = run_prog(fd, NULL, 0, &ret);

		out("%s run %d: err=%d ret=%u", name, i, err, ret);
		CHECK(err == 0 && ret == 0, "run returns 0");
		sleep_ms(100);
	}
	sleep_ms(200);
	int prints = count_lines(trace_messages(), MSG);
	out("%s: callback lines=%d", name, prints);
	CHECK(prints == expect_prints, "callback lines");
	bpf_object__close(obj);
}

/* bpftool prog load without pinning: the loader exits, the map's last descriptor goes. */
static void without_user_refs(const char *name)
{
	struct bpf_object *obj = load_obj(name);
	int fd = prog_fd(obj, "bpf_prog1");
	int devnull = open("/dev/null", O_RDONLY);
	uint32_t ret = 99;

	trace_clear();
	/* Replace the map's only descriptor so libbpf's later close stays harmless. */
	dup2(devnull, map_fd(obj, "hmap"));
	close(devnull);
	for (int i = 0; i < 2; i++) {
		int err = run_prog(fd, NULL, 0, &ret);

		out("%s without user references, run %d: err=%d ret=%u", name, i, err, ret);
		CHECK(err == 0 && ret == 1, "bpf_timer_init -EPERM makes it return 1");
	}
	sleep_ms(200);
	out("%s without user references: callback lines=%d", name,
	    count_lines(trace_messages(), MSG));
	bpf_object__close(obj);
}

int main(void)
{
	run_times("timers_seed", 5, 0);
	run_times("timers_seed_nocancel", 3, 3);
	without_user_refs("timers_seed");
	without_user_refs("timers_seed_nocancel");
	return finish();
}
