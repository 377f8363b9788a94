/* BPF_PROG_TEST_RUN for every runnable program type: return values, data_out, ctx_out,
 * sizes and errors; global data, bpf-to-bpf calls, tail calls, packet helpers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <arpa/inet.h>

#include "difftest.h"

static struct bpf_object *obj;

static unsigned long long result(int slot)
{
	unsigned long long v = 0;
	__u32 key = slot;
	bpf_map_lookup_elem(map_fd(obj, "results"), &key, &v);
	return v;
}

static void clear_results(void)
{
	unsigned long long zero = 0;
	for (__u32 k = 0; k < 4; k++)
		bpf_map_update_elem(map_fd(obj, "results"), &k, &zero, BPF_ANY);
}

static void print_results(const char *what, int n)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "%s results:", what);
	for (int i = 0; i < n; i++)
		len += snprintf(line + len, sizeof(line) - len, " %llx", result(i));
	out("%s", line);
}

static void hex(const char *what, const unsigned char *p, unsigned n)
{
	char line[512];
	int len = snprintf(line, sizeof(line), "%s:", what);
	for (unsigned i = 0; i < n && len < (int)sizeof(line) - 4; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%02x", i % 4 ? "" : " ", p[i]);
	out("%s", line);
}

/* A 64-byte Ethernet/IPv4/TCP frame. */
static void make_packet(unsigned char *pkt, const unsigned char dst0)
{
	memset(pkt, 0, 64);
	pkt[0] = dst0;
	if (dst0 == 0xff)
		memset(pkt, 0xff, 6);
	for (int i = 6; i < 12; i++)
		pkt[i] = i;
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	struct iphdr ip = { .version = 4,
			    .ihl = 5,
			    .tot_len = htons(50),
			    .ttl = 64,
			    .protocol = 6,
			    .check = htons(0x1234),
			    .saddr = htonl(0x0a000001),
			    .daddr = htonl(0x0a000002) };
	memcpy(pkt + 14, &ip, sizeof(ip));
	for (int i = 34; i < 64; i++)
		pkt[i] = i;
}

struct run {
	const void *data;
	unsigned size_in, size_out;
	void *ctx_in;
	unsigned ctx_size_in;
	void *ctx_out;
	unsigned ctx_size_out;
	unsigned repeat, flags, cpu;
};

static int do_run(int fd, struct run *r, unsigned char *data_out, __u32 *retval, __u32 *size_out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->data, .data_size_in = r->size_in,
		    .data_out = data_out, .data_size_out = r->size_out, .ctx_in = r->ctx_in,
		    .ctx_size_in = r->ctx_size_in, .ctx_out = r->ctx_out,
		    .ctx_size_out = r->ctx_size_out, .repeat = r->repeat, .flags = r->flags,
		    .cpu = r->cpu);
	int err = bpf_prog_test_run_opts(fd, &o);
	*retval = o.retval;
	*size_out = o.data_size_out;
	r->ctx_size_out = o.ctx_size_out;
	return err < 0 ? -errno : 0;
}

static void test_tc_fields(void)
{
	unsigned char pkt[64], dout[128];
	struct __sk_buff in = { .mark = 3, .cb = { 9 }, .ingress_ifindex = 1, .priority = 2 }, cout;
	struct run r = { .data = pkt,
			 .size_in = 64,
			 .size_out = sizeof(dout),
			 .ctx_in = &in,
			 .ctx_size_in = sizeof(in),
			 .ctx_out = &cout,
			 .ctx_size_out = sizeof(cout) };
	__u32 ret, size;

	make_packet(pkt, 0);
	clear_results();
	memset(&cout, 0xcc, sizeof(cout));
	int err = do_run(prog_fd(obj, "tc_fields"), &r, dout, &ret, &size);
	out("tc_fields: err %d ret %x size %u ctx_size_out %u", err, ret, size, r.ctx_size_out);
	print_results("tc_fields", 4);
	hex("tc_fields data", dout, 16);
	out("ctx_out: mark %u prio %u ingress %u ifindex %u cb %u/%u/%u wire_len %u tc_index %u "
	    "len %u",
	    cout.mark, cout.priority, cout.ingress_ifindex, cout.ifindex, cout.cb[0], cout.cb[1],
	    cout.cb[4], cout.wire_len, cout.tc_index, cout.len);

	static const unsigned char dsts[] = { 0xff, 0x01, 0x02 };
	for (unsigned i = 0; i < sizeof(dsts); i++) {
		struct run r2 = { .data = pkt, .size_in = 64 };
		make_packet(pkt, dsts[i]);
		err = do_run(prog_fd(obj, "tc_fields"), &r2, NULL, &ret, &size);
		out("dst %02x: err %d pkt_type/ifindex %llx", dsts[i], err, result(1));
	}
	/* 802.3 frames: a length instead of an EtherType. */
	make_packet(pkt, 0);
	pkt[12] = 0;
	pkt[13] = 50;
	struct run r3 = { .data = pkt, .size_in = 64 };
	do_run(prog_fd(obj, "tc_fields"), &r3, NULL, &ret, &size);
	out("802.2: len/proto %llx", result(0));
	pkt[14] = pkt[15] = 0xff;
	do_run(prog_fd(obj, "tc_fields"), &r3, NULL, &ret, &size);
	out("802.3: len/proto %llx", result(0));
}

static void test_tc_misc(void)
{
	unsigned char pkt[64], dout[64];
	__u32 ret, size;
	struct run r = { .data = pkt, .size_in = 64, .size_out = sizeof(dout) };

	make_packet(pkt, 0);
	int err = do_run(prog_fd(obj, "tc_narrow"), &r, dout, &ret, &size);
	out("tc_narrow: err %d ret %x", err, ret);

	clear_results();
	err = do_run(prog_fd(obj, "tc_helpers"), &r, dout, &ret, &size);
	out("tc_helpers: err %d ret %u", err, ret);
	print_results("tc_helpers", 4);
	hex("tc_helpers data", dout, 64);

	clear_results();
	err = do_run(prog_fd(obj, "tc_csum_diff"), &r, dout, &ret, &size);
	out("tc_csum_diff: err %d ret %u", err, ret);
	print_results("csum_diff", 4);

	err = do_run(prog_fd(obj, "calls"), &r, NULL, &ret, &size);
	out("calls: err %d ret %u", err, ret);
	struct run rep = { .data = pkt, .size_in = 64, .size_out = 0, .repeat = 5 };
	err = do_run(prog_fd(obj, "calls"), &rep, NULL, &ret, &size);
	out("calls repeat 5: err %d ret %u", err, ret);
	struct __sk_buff in = { .mark = 1 }, cout;
	struct run rep2 = { .data = pkt,
			    .size_in = 64,
			    .ctx_in = &in,
			    .ctx_size_in = sizeof(in),
			    .ctx_out = &cout,
			    .ctx_size_out = sizeof(cout),
			    .repeat = 4 };
	err = do_run(prog_fd(obj, "tc_fields"), &rep2, NULL, &ret, &size);
	out("tc_fields repeat 4: err %d mark %u", err, cout.mark);
}

static void test_tail_calls(void)
{
	unsigned char pkt[64];
	__u32 ret, size, key = 0;
	int target = prog_fd(obj, "tail_target");

	make_packet(pkt, 0);
	bpf_map_update_elem(map_fd(obj, "jmp"), &key, &target, BPF_ANY);
	for (__u32 mark = 0; mark < 3; mark++) {
		struct __sk_buff in = { .mark = mark };
		struct run r = { .data = pkt,
				 .size_in = 64,
				 .size_out = 0,
				 .ctx_in = &in,
				 .ctx_size_in = sizeof(in) };
		int err = do_run(prog_fd(obj, "tail_entry"), &r, NULL, &ret, &size);
		out("tail call index %u: err %d ret %u", mark, err, ret);
	}
}

static void test_socket_and_cgroup(void)
{
	unsigned char pkt[64], dout[64];
	struct __sk_buff cout;
	__u32 ret, size;

	make_packet(pkt, 0);
	clear_results();
	struct run r = { .data = pkt,
			 .size_in = 64,
			 .size_out = sizeof(dout),
			 .ctx_in = NULL,
			 .ctx_size_in = 0,
			 .ctx_out = &cout,
			 .ctx_size_out = sizeof(cout) };
	int err = do_run(prog_fd(obj, "sock_filter"), &r, dout, &ret, &size);
	out("sock_filter: err %d ret %u size %u cb1 %u", err, ret, size, cout.cb[1]);
	print_results("sock_filter", 2);
	hex("sock_filter data", dout, 20);

	clear_results();
	struct run r2 = { .data = pkt,
			  .size_in = 64,
			  .size_out = sizeof(dout),
			  .ctx_in = NULL,
			  .ctx_size_in = 0,
			  .ctx_out = &cout,
			  .ctx_size_out = sizeof(cout) };
	err = do_run(prog_fd(obj, "cg_skb"), &r2, dout, &ret, &size);
	out("cg_skb: err %d ret %u size %u mark %u", err, ret, size, cout.mark);
	print_results("cg_skb", 3);
	hex("cg_skb data", dout, 20);
}

static void test_xdp(void)
{
	unsigned char pkt[64 + 8], dout[4096];
	struct xdp_md in = { .data = 8, .data_end = 72 }, cout;
	__u32 ret, size;

	make_packet(pkt + 8, 0);
	memset(pkt, 0x5a, 8);
	clear_results();
	struct run r = { .data = pkt + 8, .size_in = 64, .size_out = sizeof(dout) };
	int err = do_run(prog_fd(obj, "xdp_fields"), &r, dout, &ret, &size);
	out("xdp_fields: err %d ret %u size %u", err, ret, size);
	print_results("xdp_fields", 2);

	struct run r2 = { .data = pkt,
			  .size_in = 72,
			  .size_out = sizeof(dout),
			  .ctx_in = &in,
			  .ctx_size_in = sizeof(in),
			  .ctx_out = &cout,
			  .ctx_size_out = sizeof(cout) };
	err = do_run(prog_fd(obj, "xdp_fields"), &r2, dout, &ret, &size);
	out("xdp_fields meta: err %d ret %u size %u ctx data %u data_end %u", err, ret, size,
	    cout.data, cout.data_end);
	print_results("xdp_fields meta", 2);
	hex("xdp meta data", dout, 16);

	clear_results();
	struct run r3 = { .data = pkt + 8, .size_in = 64, .size_out = sizeof(dout) };
	err = do_run(prog_fd(obj, "xdp_adjust"), &r3, dout, &ret, &size);
	out("xdp_adjust: err %d ret %u size %u", err, ret, size);
	print_results("xdp_adjust", 2);
	hex("xdp_adjust data", dout, size < 96 ? size : 96);

	struct run r3rep = { .data = pkt + 8, .size_in = 64, .size_out = sizeof(dout), .repeat = 3 };
	err = do_run(prog_fd(obj, "xdp_adjust"), &r3rep, dout, &ret, &size);
	out("xdp_adjust repeat 3: err %d ret %u size %u", err, ret, size);
	print_results("xdp_adjust repeat 3", 2);

	clear_results();
	err = do_run(prog_fd(obj, "xdp_limits"), &r3, dout, &ret, &size);
	out("xdp_limits: err %d ret %u size %u", err, ret, size);
	print_results("xdp_limits", 2);

	struct xdp_md bad[] = {
		{ .data_meta = 1, .data_end = 64 },       { .data = 6, .data_end = 64 },
		{ .data = 36, .data_end = 64 },           { .data_end = 80 },
		{ .data_end = 64, .rx_queue_index = 1 },  { .data_end = 64, .egress_ifindex = 1 },
		{ .data_end = 64, .ingress_ifindex = 1 }, { .data_end = 64, .ingress_ifindex = 999 }
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run rb = { .data = pkt + 8,
				  .size_in = 64,
				  .size_out = 0,
				  .ctx_in = &bad[i],
				  .ctx_size_in = sizeof(bad[i]) };
		out("xdp bad ctx %u: err %d", i,
		    do_run(prog_fd(obj, "xdp_fields"), &rb, NULL, &ret, &size));
	}
}

static void test_syscall_rawtp(void)
{
	struct {
		__u64 in, out;
	} args = { 5, 0 };
	__u32 ret, size;
	struct run r = { .ctx_in = &args, .ctx_size_in = sizeof(args) };
	int err = do_run(prog_fd(obj, "sys_prog"), &r, NULL, &ret, &size);
	out("syscall: err %d ret %u out %llu", err, ret, (unsigned long long)args.out);
	unsigned char pkt[64] = { 0 };
	struct run bad = {
		.data = pkt, .size_in = 64, .ctx_in = &args, .ctx_size_in = sizeof(args)
	};
	out("syscall with data: err %d", do_run(prog_fd(obj, "sys_prog"), &bad, NULL, &ret, &size));
	struct run short_ctx = { .ctx_in = &args, .ctx_size_in = 8 };
	out("syscall ctx 8 of 16 bytes: err %d",
	    do_run(prog_fd(obj, "sys_prog"), &short_ctx, NULL, &ret, &size));
	struct run no_ctx = { 0 };
	out("syscall without ctx: err %d",
	    do_run(prog_fd(obj, "sys_prog"), &no_ctx, NULL, &ret, &size));
	struct run bad2 = { .ctx_in = &args, .ctx_size_in = sizeof(args), .repeat = 2 };
	out("syscall with repeat: err %d",
	    do_run(prog_fd(obj, "sys_prog"), &bad2, NULL, &ret, &size));

	__u64 a[2] = { 40, 2 };
	struct run rt = { .ctx_in = a, .ctx_size_in = sizeof(a) };
	err = do_run(prog_fd(obj, "rawtp"), &rt, NULL, &ret, &size);
	out("raw_tp: err %d ret %u", err, ret);
	struct run rt_short = { .ctx_in = a, .ctx_size_in = 8 };
	out("raw_tp ctx 8 of 16 bytes: err %d",
	    do_run(prog_fd(obj, "rawtp"), &rt_short, NULL, &ret, &size));
	struct run rt2 = { .ctx_in = a, .ctx_size_in = sizeof(a), .cpu = 1 };
	out("raw_tp cpu without flag: err %d",
	    do_run(prog_fd(obj, "rawtp"), &rt2, NULL, &ret, &size));
	struct run rt3 = {
		.ctx_in = a, .ctx_size_in = sizeof(a), .cpu = 0, .flags = BPF_F_TEST_RUN_ON_CPU
	};
	out("raw_tp on cpu 0: err %d", do_run(prog_fd(obj, "rawtp"), &rt3, NULL, &ret, &size));
	struct run rt4 = {
		.ctx_in = a, .ctx_size_in = sizeof(a), .cpu = 100000, .flags = BPF_F_TEST_RUN_ON_CPU
	};
	out("raw_tp on cpu 100000: err %d", do_run(prog_fd(obj, "rawtp"), &rt4, NULL, &ret, &size));
}

static void test_global_data(void)
{
	unsigned char pkt[64];
	__u32 ret, size;
	struct run r = { .data = pkt, .size_in = 64 };

	make_packet(pkt, 0);
	for (int i = 0; i < 3; i++) {
		int err = do_run(prog_fd(obj, "global_data"), &r, NULL, &ret, &size);
		out("global_data run %d: err %d ret %u", i, err, ret);
	}
}

static void test_errors(void)
{
	static unsigned char pkt[17 * 4096 + 4000];
	unsigned char dout[64];
	__u32 ret, size;
	int fd = prog_fd(obj, "tc_fields");

	make_packet(pkt, 0);
	struct run small = { .data = pkt, .size_in = 13 };
	out("size 13: %d", do_run(fd, &small, NULL, &ret, &size));
	struct run nospc = { .data = pkt, .size_in = 64, .size_out = 20 };
	int err = do_run(fd, &nospc, dout, &ret, &size);
	out("data_size_out 20: err %d size_out %u ret %x", err, size, ret);
	hex("truncated", dout, 20);
	struct run flags = { .data = pkt, .size_in = 64, .flags = 1 };
	out("flags 1: %d", do_run(fd, &flags, NULL, &ret, &size));
	struct run csum = { .data = pkt, .size_in = 64, .flags = 4 };
	err = do_run(fd, &csum, NULL, &ret, &size);
	out("flags CHECKSUM_COMPLETE: %d ret %x", err, ret);
	struct run csum2 = { .data = pkt, .size_in = 64, .flags = 4 };
	err = do_run(prog_fd(obj, "tc_helpers"), &csum2, NULL, &ret, &size);
	out("flags CHECKSUM_COMPLETE, tc_helpers: %d ret %x", err, ret);
	for (__u32 mark = 0; mark < 9; mark++) {
		struct __sk_buff in = { .mark = mark };
		unsigned char cout[64];
		struct run cc = { .data = pkt,
				  .size_in = 64,
				  .size_out = 64,
				  .ctx_in = &in,
				  .ctx_size_in = sizeof(in),
				  .flags = 4 };
		err = do_run(prog_fd(obj, "tc_csum_complete"), &cc, cout, &ret, &size);
		out("checksum complete case %u: %d ret %d", mark, err, (int)ret);
	}
	struct run cpu = { .data = pkt, .size_in = 64, .cpu = 1 };
	out("cpu 1: %d", do_run(fd, &cpu, NULL, &ret, &size));
	struct __sk_buff bad = { .len = 1 };
	struct run badctx = { .data = pkt,
			      .size_in = 64,
			      .size_out = 0,
			      .ctx_in = &bad,
			      .ctx_size_in = sizeof(bad) };
	out("ctx len set: %d", do_run(fd, &badctx, NULL, &ret, &size));
	struct __sk_buff bad2 = { .tc_index = 1 };
	struct run badctx2 = { .data = pkt,
			       .size_in = 64,
			       .size_out = 0,
			       .ctx_in = &bad2,
			       .ctx_size_in = sizeof(bad2) };
	out("ctx tc_index set: %d", do_run(fd, &badctx2, NULL, &ret, &size));
	struct __sk_buff okctx = { .ifindex = 1, .gso_segs = 3, .tstamp = 77, .hwtstamp = 5 }, cout;
	struct run okrun = { .data = pkt,
			     .size_in = 64,
			     .size_out = 0,
			     .ctx_in = &okctx,
			     .ctx_size_in = sizeof(okctx),
			     .ctx_out = &cout,
			     .ctx_size_out = 8 };
	err = do_run(fd, &okrun, NULL, &ret, &size);
	out("ctx_out 8 bytes: err %d ctx_size_out %u", err, okrun.ctx_size_out);
	struct __sk_buff wl = { .wire_len = 10 };
	struct run wlrun = {
		.data = pkt, .size_in = 64, .size_out = 0, .ctx_in = &wl, .ctx_size_in = sizeof(wl)
	};
	out("wire_len < len: %d", do_run(fd, &wlrun, NULL, &ret, &size));
	unsigned char bigctx[sizeof(struct __sk_buff) + 8] = { 0 };
	struct run big0 = { .data = pkt,
			    .size_in = 64,
			    .size_out = 0,
			    .ctx_in = bigctx,
			    .ctx_size_in = sizeof(bigctx) };
	out("bigger zero ctx: %d", do_run(fd, &big0, NULL, &ret, &size));
	bigctx[sizeof(bigctx) - 1] = 1;
	out("bigger nonzero ctx: %d", do_run(fd, &big0, NULL, &ret, &size));
	struct __sk_buff dev = { .ifindex = 999 };
	struct run devrun = { .data = pkt,
			      .size_in = 64,
			      .size_out = 0,
			      .ctx_in = &dev,
			      .ctx_size_in = sizeof(dev) };
	out("ifindex 999: %d", do_run(fd, &devrun, NULL, &ret, &size));
	static const unsigned sizes[] = { 3712, 3713, 4000 };
	for (unsigned i = 0; i < 3; i++) {
		struct run s = { .data = pkt, .size_in = sizes[i] };
		out("skb size %u: %d", sizes[i], do_run(fd, &s, NULL, &ret, &size));
		struct run sx = { .data = pkt, .size_in = sizes[i] - 192 };
		out("xdp size %u: %d", sizes[i] - 192,
		    do_run(prog_fd(obj, "xdp_fields"), &sx, NULL, &ret, &size));
	}
	/* Multi-buffer XDP frames: the linear part, then page-sized fragments. */
	unsigned char big[9000], bigout[9100];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);
	static const unsigned outs[] = { 0, 9000, 8000, 5000, 100 };
	for (unsigned i = 0; i < 5; i++) {
		memset(bigout, 0, sizeof(bigout));
		struct run fr = { .data = big, .size_in = sizeof(big), .size_out = outs[i] };
		ret = size = 0;
		int e = do_run(prog_fd(obj, "xdp_fields"), &fr, bigout, &ret, &size);
		unsigned sum = 0;
		for (unsigned j = 0; j < sizeof(bigout); j++)
			sum = sum * 31 + bigout[j];
		out("xdp 9000 bytes, out %u: err %d ret %u size %u sum %08x", outs[i], e, ret, size,
		    sum);
	}
	struct run fr2 = { .data = pkt, .size_in = 17 * 4096 + 4000 };
	out("xdp too many frags: %d", do_run(prog_fd(obj, "xdp_fields"), &fr2, NULL, &ret, &size));
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_size_in = 4);
	out("ctx_size_in without ctx_in: %d", bpf_prog_test_run_opts(fd, &o) < 0 ? -errno : 0);
	out("bad fd: %d", run_prog(9999, NULL, 0, &ret));
}

int main(void)
{
	obj = load_obj("prog_run");
	test_tc_fields();
	test_tc_misc();
	test_tail_calls();
	test_socket_and_cgroup();
	test_xdp();
	test_syscall_rawtp();
	test_global_data();
	test_errors();
	bpf_object__close(obj);
	return finish();
}
