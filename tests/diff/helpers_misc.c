/* bpf_loop, bpf_strncmp, bpf_snprintf, clocks and identity helpers. */
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "helpers_common.h"

static struct bpf_object *obj;

static void clear_results(void)
{
	char t[64] = { 0 };

	res_clear(obj);
	for (uint32_t i = 0; i < 8; i++)
		bpf_map_update_elem(map_fd(obj, "text"), &i, t, BPF_ANY);
}

/* Runs a packet program and prints the results it reports. */
static void run_case(const char *name)
{
	clear_results();
	res_print(obj, res_run(obj, name, "results"));
}

static void print_texts(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char t[64];
		bpf_map_lookup_elem(map_fd(obj, "text"), &i, t);
		out("  text[%u] = [%.63s] len %zu", i, t, strnlen(t, 64));
	}
}

static void test_clocks(void)
{
	struct timespec ts;

	clear_results();
	res_run(obj, "clocks", "results");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	unsigned long long mono = res_get(obj, 4), jiffies = res_get(obj, 5);
	long hz = 250;
	/* jiffies: 5 minutes before the 32-bit wrap at boot, HZ per second. */
	long long expect = (long long)(4294967296ull - 300 * hz) +
			   (long long)(mono / (1000000000 / hz));
	res_print(obj, 4);
	out("  ktime close to CLOCK_MONOTONIC: %d", now >= mono && now - mono < 1000000000ull);
	out("  jiffies within a second of ktime: %d", llabs((long long)jiffies - expect) < hz);
	out("  random values differ: %lld", res_get(obj, 6));
	out("  cpu in range: %d",
	    res_get(obj, 7) >= 0 && res_get(obj, 7) < libbpf_num_possible_cpus());
	out("  numa node: %lld", res_get(obj, 8));
}

static void test_ids(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	char comm[16] = "", t[64];
	uint32_t zero = 0;

	clear_results();
	prctl(PR_SET_NAME, "helpers-ids-test");
	int err = bpf_prog_test_run_opts(prog_fd(obj, "ids"), &opts);
	out("ids: run %d, retval %u", err, opts.retval);
	unsigned long long pid_tgid = res_get(obj, 0), uid_gid = res_get(obj, 1);
	out("  pid_tgid matches: %d",
	    pid_tgid == ((unsigned long long)getpid() << 32 | (unsigned)gettid()));
	out("  uid_gid matches: %d", uid_gid == ((unsigned long long)getgid() << 32 | getuid()));
	out("  comm returns %lld %lld", res_get(obj, 2), res_get(obj, 3));
	prctl(PR_GET_NAME, comm);
	bpf_map_lookup_elem(map_fd(obj, "text"), &zero, t);
	out("  comm [%.16s] matches: %d, small [%.4s] %d %d", t, strcmp(t, comm) == 0, t + 16,
	    t[19], memcmp(t + 16, comm, 3) == 0);
}

int main(void)
{
	char big[1024];
	uint32_t zero = 0;

	obj = load_obj("helpers_misc");
	for (int i = 0; i < 600; i++)
		big[i] = 'a' + i % 26;
	memset(big + 600, 0, sizeof(big) - 600);
	CHECK(bpf_map_update_elem(map_fd(obj, "longstr"), &zero, big, BPF_ANY) == 0, "fill");

	run_case("loop");
	run_case("str_cmp");
	run_case("snprint");
	print_texts(8);
	test_clocks();
	test_ids();
	bpf_object__close(obj);
	return finish();
}
