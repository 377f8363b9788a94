/* A timer armed in a deleted hash element survives the reuse of its slot by a new key,
 * as in the kernel: it fires with the new key, the new element cannot init another timer,
 * deleting the new element cancels it, and once the map has no user reference left the
 * timer is gone. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

struct bss {
	__u64 delay, period, fired;
	__u32 last_key, pad;
	long same_slot, init_reused, armed, skip_init;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static struct bss read_bss(int fd)
{
	struct bss b = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(fd, &zero, &b);
	return b;
}

/* The first expiry after delay, then every period (when not 0); the program leaves the new
 * element alone. */
static void timing(int fd, __u64 delay, __u64 period)
{
	struct bss b = read_bss(fd);
	__u32 zero = 0;

	b.delay = delay;
	b.period = period;
	b.skip_init = 1;
	b.fired = 0;
	bpf_map_update_elem(fd, &zero, &b, BPF_ANY);
}

static void run(struct bpf_object *obj, int bss)
{
	unsigned retval = 0;
	int err = run_prog(prog_fd(obj, "arm_then_reuse"), NULL, 0, &retval);
	struct bss b = read_bss(bss);

	out("run %d retval %u armed %ld same slot %ld init on the new element %ld", err, retval,
	    b.armed, b.same_slot, b.init_reused);
}

int main(void)
{
	struct bpf_object *obj = load_obj("timers_reuse");
	int bss = dup(map_fd(obj, "timers_r.bss"));
	int hash = map_fd(obj, "hash");
	__u32 k2 = 2;

	out("# one-shot timer (20 ms) carried into the new element");
	run(obj, bss);
	sleep_ms(60);
	struct bss b = read_bss(bss);
	out("fired %llu with key %u", (unsigned long long)b.fired, b.last_key);

	out("# deleting the new element cancels the carried timer");
	out("delete key 2: %d", bpf_map_delete_elem(hash, &k2) ? -errno : 0);
	run(obj, bss);
	out("delete key 2: %d", bpf_map_delete_elem(hash, &k2) ? -errno : 0);
	sleep_ms(60);
	out("fired %llu", (unsigned long long)read_bss(bss).fired);

	out("# a timer due after the map's last user reference is gone never fires");
	timing(bss, 100000000, 0);
	out("run: %d", run_prog(prog_fd(obj, "arm_then_reuse"), NULL, 0, NULL));
	bpf_object__close(obj);
	sleep_ms(200);
	__u64 fired = read_bss(bss).fired;
	CHECK(fired == 0, "fired %llu times after the map was closed", (unsigned long long)fired);
	out("fired %llu", (unsigned long long)fired);
	close(bss);
	return finish();
}
