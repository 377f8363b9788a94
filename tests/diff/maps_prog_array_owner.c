/* Program arrays bind to the first program that uses them: its type, expected attach type
 * and xdp_has_frags.  A later program that differs is refused, whether it is loaded with
 * the array among its maps or stored in a slot, and the binding outlives every program.
 * The attack this closes: a cgroup_skb program (read-only packet) tail-calls a sched_cls
 * program that writes the packet.  Hand-written instructions, so that each program uses
 * exactly the maps the case needs. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_B(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_B, d, 0, o, i)
#define JGT_REG(d, s, o) INSN(BPF_JMP | BPF_JGT | BPF_X, d, s, o, 0)
#define LD_MAP(d, fd) \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL(h) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, h)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define SKB_DATA 76 /* offsetof(struct __sk_buff, data) */
#define SKB_DATA_END 80

static char log_buf[4096];

static int load(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 flags,
		const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach, .prog_flags = flags,
		    .log_buf = log_buf, .log_size = sizeof(log_buf), .log_level = 1);
	log_buf[0] = 0;
	int fd = bpf_prog_load(type, NULL, "GPL", insns, n, &o);
	return fd < 0 ? -errno : fd;
}

/* Tail-calls slot 0 of the array, then returns 1. */
static int load_caller(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 flags, int array)
{
	const struct bpf_insn insns[] = {
		LD_MAP(2, array), MOV64_IMM(3, 0), CALL(BPF_FUNC_tail_call),
		MOV64_IMM(0, 1),  EXIT(),
	};
	return load(type, attach, flags, insns, sizeof(insns) / sizeof(insns[0]));
}

/* Writes 0xaa into the packet's first byte and returns 7. */
static int load_writer(enum bpf_prog_type type)
{
	const struct bpf_insn insns[] = {
		LDX_W(2, 1, SKB_DATA), LDX_W(3, 1, SKB_DATA_END), MOV64_REG(4, 2), ADD64_IMM(4, 1),
		JGT_REG(4, 3, 1),      ST_B(2, 0, 0xaa),          MOV64_IMM(0, 7), EXIT(),
	};
	return load(type, 0, 0, insns, sizeof(insns) / sizeof(insns[0]));
}

/* Returns 1; uses the array (when not -1) without calling into it. */
static int load_user(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 flags, int array)
{
	const struct bpf_insn insns[] = { LD_MAP(2, array), MOV64_IMM(0, 1), EXIT() };
	size_t skip = array < 0 ? 2 : 0;
	return load(type, attach, flags, insns + skip, sizeof(insns) / sizeof(insns[0]) - skip);
}

static int new_array(void)
{
	return bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "owner", 4, 4, 4, NULL);
}

static int store(int array, __u32 slot, int prog)
{
	return bpf_map_update_elem(array, &slot, &prog, BPF_ANY) ? -errno : 0;
}

static const char *result(int fd)
{
	static char buf[16];

	if (fd >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "err %d", fd);
	return buf;
}

/* A refused load leaves the verifier's log as a successful one: the last line. */
static const char *log_tail(void)
{
	size_t n = strlen(log_buf);

	while (n && log_buf[n - 1] == '\n')
		log_buf[--n] = 0;
	const char *nl = strrchr(log_buf, '\n');
	const char *last = nl ? nl + 1 : log_buf;
	return strncmp(last, "processed ", 10) ? last : "processed ...";
}

/* Runs fd on a 64-byte packet: return value, and whether the packet came out written. */
static bool run_packet(const char *what, int fd)
{
	unsigned char pkt[64], outp[64] = { 0 };

	memset(pkt, 0x11, sizeof(pkt));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = outp, .data_size_out = sizeof(outp), .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);
	int written = (int)(memchr(outp, 0xaa, sizeof(outp)) != NULL);
	out("%-44s run %d retval %u written %d", what, err ? -errno : 0, o.retval, written);
	return written;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The attack: the cgroup_skb caller binds the array first, the writer is refused. */
static void caller_first(void)
{
	int a = new_array();
	int cg = load_caller(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, a);
	int tc = load_writer(BPF_PROG_TYPE_SCHED_CLS);
	out("%-44s %s", "cgroup_skb caller load", result(cg));
	out("%-44s %s", "store sched_cls writer", result(store(a, 0, tc)));
	CHECK(!run_packet("cgroup_skb caller", cg), "a cgroup_skb run wrote its packet");
	int fds[] = { a, cg, tc };
	close_all(fds, 3);
}

/* The writer binds the array first, the cgroup_skb caller's load is refused. */
static void target_first(void)
{
	int a = new_array();
	int tc = load_writer(BPF_PROG_TYPE_SCHED_CLS);
	out("%-44s %s", "store sched_cls writer (first)", result(store(a, 0, tc)));
	int cg = load_caller(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, a);
	out("%-44s %s, log: %s", "cgroup_skb caller load", result(cg), log_tail());
	int tc2 = load_caller(BPF_PROG_TYPE_SCHED_CLS, 0, 0, a);
	out("%-44s %s", "sched_cls caller load", result(tc2));
	if (tc2 >= 0)
		run_packet("sched_cls caller", tc2);
	int fds[] = { a, cg, tc, tc2 };
	close_all(fds, 4);
}

/* Same type, other expected attach type (ingress vs egress). */
static void attach_types(void)
{
	int a = new_array();
	int in = load_caller(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, a);
	int eg = load_user(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, -1);
	out("%-44s %s / %s", "ingress caller / egress target load", result(in), result(eg));
	out("%-44s %s", "store egress target", result(store(a, 0, eg)));
	int eg2 = load_caller(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, a);
	out("%-44s %s", "egress caller load", result(eg2));
	int in2 = load_user(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, a);
	out("%-44s %s", "ingress user load", result(in2));
	out("%-44s %s", "store ingress program", result(store(a, 1, in2)));
	int fds[] = { a, in, eg, eg2, in2 };
	close_all(fds, 5);
}

/* XDP programs with and without BPF_F_XDP_HAS_FRAGS. */
static void xdp_frags(void)
{
	int a = new_array();
	int frags = load_caller(BPF_PROG_TYPE_XDP, 0, BPF_F_XDP_HAS_FRAGS, a);
	int plain = load_user(BPF_PROG_TYPE_XDP, 0, 0, a);
	out("%-44s %s / %s", "xdp frags caller / plain user load", result(frags), result(plain));
	int plain_t = load_user(BPF_PROG_TYPE_XDP, 0, 0, -1);
	out("%-44s %s", "store plain xdp into frags array", result(store(a, 0, plain_t)));
	int frags_t = load_user(BPF_PROG_TYPE_XDP, 0, BPF_F_XDP_HAS_FRAGS, -1);
	out("%-44s %s", "store frags xdp into frags array", result(store(a, 0, frags_t)));
	int fds[] = { a, frags, plain, plain_t, frags_t };
	close_all(fds, 5);
}

/* The binding stays when every program is gone; merely using the array binds it. */
static void binding_stays(void)
{
	int a = new_array();
	int user = load_user(BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, a);
	out("%-44s %s", "socket_filter user load", result(user));
	close(user);
	int tc = load_writer(BPF_PROG_TYPE_SCHED_CLS);
	out("%-44s %s", "store sched_cls after owner closed", result(store(a, 0, tc)));
	int sf = load_user(BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, -1);
	out("%-44s %s", "store socket_filter", result(store(a, 0, sf)));
	out("%-44s %s", "delete it", result(bpf_map_delete_elem(a, &(__u32){ 0 }) ? -errno : 0));
	close(sf);
	out("%-44s %s", "store sched_cls into emptied array", result(store(a, 0, tc)));
	int fds[] = { a, tc };
	close_all(fds, 2);
}

/* Same type everywhere: the tail call happens and writes the packet. */
static void same_type(void)
{
	int a = new_array();
	int caller = load_caller(BPF_PROG_TYPE_SCHED_CLS, 0, 0, a);
	int tc = load_writer(BPF_PROG_TYPE_SCHED_CLS);
	out("%-44s %s", "store sched_cls writer", result(store(a, 0, tc)));
	run_packet("sched_cls caller", caller);
	int fds[] = { a, caller, tc };
	close_all(fds, 3);
}

int main(void)
{
	caller_first();
	target_first();
	attach_types();
	xdp_frags();
	binding_stays();
	same_type();
	return finish();
}
