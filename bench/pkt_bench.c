/* Packet helpers through BPF_PROG_TEST_RUN (repeat): ns per run of an XDP redirect through
 * a devmap, 20 bytes pushed after the MAC header and popped with skb_adjust_room, a VLAN
 * tag pushed and popped, and 20 LD_ABS reads at SKF_NET_OFF (bench/bpf/pkt_bench.bpf.c). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* ns per run of `repeat` runs, best of 5 rounds; exits when a run fails or returns
 * something other than want. */
static double ns_per_run(struct bpf_object *obj, const char *name, __u32 want)
{
	static unsigned char pkt[64] = { [12] = 0x08, [14] = 0x45, [23] = 17 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 100000);
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, name));
	double best = 1e18;

	for (int r = 0; r < 5; r++) {
		__u64 start = now_ns();
		if (bpf_prog_test_run_opts(fd, &o) || o.retval != want) {
			fprintf(stderr, "%s: run failed or returned %u\n", name, o.retval);
			exit(1);
		}
		double ns = (double)(now_ns() - start) / o.repeat;
		best = ns < best ? ns : best;
	}
	return best;
}

int main(void)
{
	const char *dir = getenv("BPFRUN_BENCH_OBJDIR");
	char path[4096];
	__u32 key = 1, lo = 1;

	snprintf(path, sizeof(path), "%s/pkt_bench.bpf.o", dir ? dir : "build/bench/bpf");
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "devmap")), &key, &lo,
			    BPF_ANY);
	printf("METRIC pkt_xdp_redirect_map %.1f ns/run\n", ns_per_run(obj, "redirect_map", 4));
	printf("METRIC pkt_tc_adjust_room_push_pop %.1f ns/run\n",
	       ns_per_run(obj, "encap_decap", 0));
	printf("METRIC pkt_tc_vlan_push_pop %.1f ns/run\n", ns_per_run(obj, "vlan_push_pop", 0));
	printf("METRIC pkt_ld_abs_net_x20 %.1f ns/run\n",
	       ns_per_run(obj, "ld_abs_net", 0x45 + 17 + 0 /* other header bytes are 0 */));
	bpf_object__close(obj);
	return 0;
}
