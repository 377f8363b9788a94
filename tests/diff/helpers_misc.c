/* bpf_loop, bpf_strncmp, bpf_snprintf, clocks and identity helpers. */
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "difftest.h"

#define NR_RES 32

static struct bpf_object *obj;

static long long result(uint32_t i)
{
	long long v = 0;

	bpf_map_lookup_elem(map_fd(obj, "res"), &i, &v);
	return v;
}

static void clear_results(void)
{
	long long zero = 0;
	char t[64] = { 0 };

	for (uint32_t i = 0; i < NR_RES; i++)
		bpf_map_update_elem(map_fd(obj, "res"), &i, &zero, BPF_ANY);
	for (uint32_t i = 0; i < 8; i++)
		bpf_map_update_elem(map_fd(obj, "text"), &i, t, BPF_ANY);
}

/* Runs a packet program and prints res[0..n). */
static uint32_t run_case(const char *name, bool print)
{
	uint32_t ret = 0;

	clear_results();
	int err = run_prog(prog_fd(obj, name), NULL, 0, &ret);
	out("%s: run %d, results %d", name, err, (int)ret);
	CHECK(err == 0, "%s runs", name);
	for (uint32_t i = 0; print && i < ret && i < NR_RES; i++)
		out("  [%u] = %lld", i, result(i));
	return ret;
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

	run_case("clocks", false);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	unsigned long long mono = result(4), jiffies = result(5);
	long hz = 250;
	/* jiffies: 5 minutes before the 32-bit wrap at boot, HZ per second. */
	long long expect = (long long)(4294967296ull - 300 * hz) + (long long)(mono / (1000000000 / hz));
	for (uint32_t i = 0; i < 4; i++)
		out("  [%u] = %lld", i, result(i));
	out("  ktime close to CLOCK_MONOTONIC: %d", now >= mono && now - mono < 1000000000ull);
	out("  jiffies within a second of ktime: %d", llabs((long long)jiffies - expect) < hz);
	out("  random values differ: %lld", result(6));
	out("  cpu in range: %d", result(7) >= 0 && result(7) < libbpf_num_possible_cpus());
	out("  numa node: %lld", result(8));
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
	unsigned long long pid_tgid = result(0), uid_gid = result(1);
	out("  pid_tgid matches: %d", pid_tgid == ((unsigned long long)getpid() << 32 | (unsigned)gettid()));
	out("  uid_gid matches: %d", uid_gid == ((unsigned long long)getgid() << 32 | getuid()));
	out("  comm returns %lld %lld", result(2), result(3));
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

	run_case("loop", true);
	run_case("str_cmp", true);
	run_case("snprint", true);
	print_texts(8);
	test_clocks();
	test_ids();
	bpf_object__close(obj);
	return finish();
}
