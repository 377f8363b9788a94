/* BPF_PROG_LOAD: every load-time rejection bpfrun makes (errno compared, not log text),
 * the log rules, ld_imm64 relocation, prog tags and BPF_OBJ_GET_INFO_BY_FD. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "difftest.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV0 I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)
#define MOVI(r, v) I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, v)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define PCALL(off) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, off)
#define LD64(r, src, imm) I(BPF_LD | BPF_IMM | BPF_DW, r, src, 0, imm)
#define LD64B(imm) I(0, 0, 0, 0, imm)

static char logbuf[65536];

struct load {
	int type;
	const struct bpf_insn *insns;
	unsigned cnt;
	const char *license;
	unsigned flags, attach;
	const char *name;
	unsigned log_level, log_size;
	char *log_buf;
	const int *fd_array;
};

static int raw_load(const struct load *l)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = l->type;
	a.insns = (unsigned long)l->insns;
	a.insn_cnt = l->cnt;
	a.license = (unsigned long)(l->license ? l->license : "GPL");
	a.prog_flags = l->flags;
	a.expected_attach_type = l->attach;
	a.log_level = l->log_level;
	a.log_size = l->log_size;
	a.log_buf = (unsigned long)l->log_buf;
	a.fd_array = (unsigned long)l->fd_array;
	if (l->name)
		memcpy(a.prog_name, l->name, strlen(l->name) + 1);
	int fd = syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

static void try(const char *what, struct load l)
{
	if (!l.log_buf && l.log_level != 99) {
		l.log_buf = logbuf;
		l.log_size = sizeof(logbuf);
		l.log_level = l.log_level ? l.log_level : 1;
	}
	if (l.log_level == 99)
		l.log_level = 0;
	int fd = raw_load(&l);
	out("%-40s %s", what, fd >= 0 ? "ok" : strerror(-fd));
	if (fd >= 0)
		close(fd);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define P(t, arr) .type = (t), .insns = (arr), .cnt = N(arr)

static void test_attrs(void)
{
	struct bpf_insn ok[] = { MOV0, EXIT };

	try("ok socket filter", (struct load){ P(BPF_PROG_TYPE_SOCKET_FILTER, ok) });
	try("unknown type 999", (struct load){ P(999, ok) });
	try("tracing type (unsupported)", (struct load){ P(BPF_PROG_TYPE_TRACING, ok) });
	try("insn_cnt 0", (struct load){ .type = 1, .insns = ok, .cnt = 0 });
	try("insn_cnt 1M+1", (struct load){ .type = 1, .insns = ok, .cnt = 1000001 });
	try("prog_flags 1<<10", (struct load){ P(1, ok), .flags = 1 << 10 });
	try("sleepable socket filter", (struct load){ P(1, ok), .flags = BPF_F_SLEEPABLE });
	try("syscall not sleepable", (struct load){ P(BPF_PROG_TYPE_SYSCALL, ok) });
	try("syscall sleepable",
	    (struct load){ P(BPF_PROG_TYPE_SYSCALL, ok), .flags = BPF_F_SLEEPABLE });
	try("syscall with attach type",
	    (struct load){ P(BPF_PROG_TYPE_SYSCALL, ok), .flags = BPF_F_SLEEPABLE, .attach = 1 });
	try("name ok", (struct load){ P(1, ok), .name = "a_b.c9" });
	try("name with dash", (struct load){ P(1, ok), .name = "a-b" });
	try("cgroup_skb ingress",
	    (struct load){ P(BPF_PROG_TYPE_CGROUP_SKB, ok), .attach = BPF_CGROUP_INET_INGRESS });
	try("cgroup_skb egress",
	    (struct load){ P(BPF_PROG_TYPE_CGROUP_SKB, ok), .attach = BPF_CGROUP_INET_EGRESS });
	try("cgroup_skb sock_create", (struct load){ P(BPF_PROG_TYPE_CGROUP_SKB, ok),
						     .attach = BPF_CGROUP_INET_SOCK_CREATE });
	try("cgroup_sock default", (struct load){ P(BPF_PROG_TYPE_CGROUP_SOCK, ok) });
	try("cgroup_sock egress",
	    (struct load){ P(BPF_PROG_TYPE_CGROUP_SOCK, ok), .attach = BPF_CGROUP_INET_EGRESS });
	try("xdp with attach type 1234", (struct load){ P(BPF_PROG_TYPE_XDP, ok), .attach = 1234 });
	try("kprobe", (struct load){ P(BPF_PROG_TYPE_KPROBE, ok) });
	try("tracepoint", (struct load){ P(BPF_PROG_TYPE_TRACEPOINT, ok) });
	try("raw_tracepoint", (struct load){ P(BPF_PROG_TYPE_RAW_TRACEPOINT, ok) });
	try("perf_event", (struct load){ P(BPF_PROG_TYPE_PERF_EVENT, ok) });
	try("sched_act", (struct load){ P(BPF_PROG_TYPE_SCHED_ACT, ok) });
}

static void test_log(void)
{
	struct bpf_insn ok[] = { MOV0, EXIT };
	char small[8];

	try("log level 1 no buf",
	    (struct load){ P(1, ok), .log_level = 1, .log_buf = NULL, .log_size = 0 });
	try("log buf without level",
	    (struct load){ P(1, ok), .log_level = 99, .log_buf = logbuf, .log_size = 100 });
	try("log buf without size",
	    (struct load){ P(1, ok), .log_level = 1, .log_buf = logbuf, .log_size = 0 });
	try("log level 32", (struct load){ P(1, ok), .log_level = 32 });
	try("log size 1<<30",
	    (struct load){ P(1, ok), .log_level = 1, .log_buf = logbuf, .log_size = 1u << 30 });
	try("log too small (rotating)",
	    (struct load){ P(1, ok), .log_level = 1, .log_buf = small, .log_size = sizeof(small) });
	try("log too small (fixed)",
	    (struct load){ P(1, ok), .log_level = 9, .log_buf = small, .log_size = sizeof(small) });
	try("log level 4 (stats)", (struct load){ P(1, ok), .log_level = 4 });
	try("log level 2", (struct load){ P(1, ok), .log_level = 2 });
	struct bpf_insn bad[] = { CALL(999), EXIT };
	try("log too small and bad prog",
	    (struct load){ P(1, bad), .log_level = 1, .log_buf = small,
			   .log_size = sizeof(small) });
}

static void test_structure(void)
{
	struct bpf_insn call_out[] = { PCALL(5), EXIT };
	try("call to invalid destination", (struct load){ P(1, call_out) });
	struct bpf_insn func_out[] = { LD64(2, BPF_PSEUDO_FUNC, 7), LD64B(0), MOV0, EXIT };
	try("pseudo func out of range", (struct load){ P(1, func_out) });
	struct bpf_insn jump_out[] = {
		I(BPF_JMP | BPF_JA, 0, 0, 2, 0), PCALL(1), MOV0, EXIT, MOV0, EXIT
	};
	try("jump out of subprog", (struct load){ P(1, jump_out) });
	struct bpf_insn fall[] = { PCALL(1), MOV0, EXIT, MOV0, MOV0 };
	try("last insn not exit", (struct load){ P(1, fall) });
	struct bpf_insn frames9[27], frames8[24];
	for (int f = 0; f < 9; f++) {
		frames9[3 * f] = f < 8 ? PCALL(2) : MOV0;
		frames9[3 * f + 1] = MOV0;
		frames9[3 * f + 2] = EXIT;
	}
	for (int f = 0; f < 8; f++) {
		frames8[3 * f] = f < 7 ? PCALL(2) : MOV0;
		frames8[3 * f + 1] = MOV0;
		frames8[3 * f + 2] = EXIT;
	}
	try("9 call frames", (struct load){ P(1, frames9) });
	try("8 call frames", (struct load){ P(1, frames8) });
	struct bpf_insn recur[] = { PCALL(1), EXIT, PCALL(-1), EXIT };
	try("recursion", (struct load){ P(1, recur) });
	struct bpf_insn st520[] = { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -520, 1), MOV0, EXIT };
	try("store R10-520", (struct load){ P(1, st520) });
	struct bpf_insn ld520[] = { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -520, 0), EXIT };
	try("load R10-520", (struct load){ P(1, ld520) });
	struct bpf_insn st0[] = { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, 0, 1), MOV0, EXIT };
	try("store R10+0", (struct load){ P(1, st0) });
	struct bpf_insn st512[] = { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -512, 1), MOV0, EXIT };
	try("store R10-512", (struct load){ P(1, st512) });
	struct bpf_insn derived[] = { I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0),
				      I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -600),
				      I(BPF_ST | BPF_MEM | BPF_W, 1, 0, 0, 1), MOV0, EXIT };
	try("store via R1 = R10-600", (struct load){ P(1, derived) });
	struct bpf_insn combined[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -512, 1), PCALL(1), EXIT,
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 1),   MOV0,     EXIT
	};
	try("combined stack 512+8", (struct load){ P(1, combined) });
	struct bpf_insn ldabs[] = { I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
				    I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), EXIT };
	try("ld_abs in socket filter", (struct load){ P(1, ldabs) });
	try("ld_abs in xdp", (struct load){ P(BPF_PROG_TYPE_XDP, ldabs) });
	try("ld_abs in cgroup_skb", (struct load){ P(BPF_PROG_TYPE_CGROUP_SKB, ldabs) });
	struct bpf_insn kf[] = { I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1234), MOV0,
				 EXIT };
	try("kfunc call", (struct load){ P(1, kf) });
	struct bpf_insn btfid[] = { LD64(1, BPF_PSEUDO_BTF_ID, 1), LD64B(0), MOV0, EXIT };
	try("ld_imm64 btf id", (struct load){ P(1, btfid) });
	struct bpf_insn src7[] = { LD64(1, 7, 1), LD64B(0), MOV0, EXIT };
	try("ld_imm64 src 7", (struct load){ P(1, src7) });
	struct bpf_insn half[] = { MOV0, LD64(1, 0, 1) };
	try("ld_imm64 at the end", (struct load){ P(1, half) });
}

static void test_helpers(void)
{
	struct bpf_insn unknown[] = { CALL(999), MOV0, EXIT };
	try("helper 999", (struct load){ P(1, unknown) });
	struct bpf_insn xdp_in_sk[] = { CALL(BPF_FUNC_xdp_adjust_head), MOV0, EXIT };
	try("xdp_adjust_head in socket filter", (struct load){ P(1, xdp_in_sk) });
	struct bpf_insn store_in_sk[] = { CALL(BPF_FUNC_skb_store_bytes), MOV0, EXIT };
	try("skb_store_bytes in socket filter", (struct load){ P(1, store_in_sk) });
	struct bpf_insn printk[] = { I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0),
				     I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8),
				     I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
				     MOVI(2, 8),
				     CALL(BPF_FUNC_trace_printk),
				     MOV0,
				     EXIT };
	try("trace_printk from GPL", (struct load){ P(1, printk) });
	try("trace_printk from MIT", (struct load){ P(1, printk), .license = "MIT" });
	try("trace_printk from Dual MIT/GPL",
	    (struct load){ P(1, printk), .license = "Dual MIT/GPL" });
	struct bpf_insn ktime[] = { CALL(BPF_FUNC_ktime_get_ns), MOV0, EXIT };
	try("ktime_get_ns in xdp", (struct load){ P(BPF_PROG_TYPE_XDP, ktime) });
}

static void test_maps(void)
{
	int arr1 = bpf_map_create(BPF_MAP_TYPE_ARRAY, "one", 4, 16, 1, NULL);
	int arr4 = bpf_map_create(BPF_MAP_TYPE_ARRAY, "four", 4, 16, 4, NULL);
	int hash = bpf_map_create(BPF_MAP_TYPE_HASH, "hash", 4, 16, 4, NULL);
	int pcpu = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "pcpu", 4, 16, 1, NULL);

	struct bpf_insn fd_ok[] = { LD64(1, BPF_PSEUDO_MAP_FD, arr1), LD64B(0), MOV0, EXIT };
	try("map fd", (struct load){ P(1, fd_ok) });
	struct bpf_insn fd_bad[] = { LD64(1, BPF_PSEUDO_MAP_FD, 999), LD64B(0), MOV0, EXIT };
	try("map fd 999", (struct load){ P(1, fd_bad) });
	struct bpf_insn fd_stdin[] = { LD64(1, BPF_PSEUDO_MAP_FD, 0), LD64B(0), MOV0, EXIT };
	try("map fd 0 (not a map)", (struct load){ P(1, fd_stdin) });
	struct bpf_insn fd_imm2[] = { LD64(1, BPF_PSEUDO_MAP_FD, arr1), LD64B(4), MOV0, EXIT };
	try("map fd with offset", (struct load){ P(1, fd_imm2) });
	struct bpf_insn val[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, arr1), LD64B(8),
				  I(BPF_ST | BPF_MEM | BPF_W, 1, 0, 0, 7), MOV0, EXIT };
	try("map value off 8", (struct load){ P(1, val) });
	struct bpf_insn val16[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, arr1), LD64B(16), MOV0, EXIT };
	try("map value off 16", (struct load){ P(1, val16) });
	struct bpf_insn val4[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, arr4), LD64B(0), MOV0, EXIT };
	try("map value of 4-entry array", (struct load){ P(1, val4) });
	struct bpf_insn valh[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, hash), LD64B(0), MOV0, EXIT };
	try("map value of hash", (struct load){ P(1, valh) });
	struct bpf_insn valp[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, pcpu), LD64B(0), MOV0, EXIT };
	try("map value of percpu array", (struct load){ P(1, valp) });
	struct bpf_insn valbig[] = { LD64(1, BPF_PSEUDO_MAP_VALUE, arr1), LD64B(1 << 29), MOV0,
				     EXIT };
	try("map value off 1<<29", (struct load){ P(1, valbig) });
	struct bpf_insn idx[] = { LD64(1, BPF_PSEUDO_MAP_IDX, 1),
				  LD64B(0),
				  LD64(2, BPF_PSEUDO_MAP_IDX_VALUE, 0),
				  LD64B(4),
				  MOV0,
				  EXIT };
	int fds[2] = { arr1, hash };
	try("map idx without fd_array", (struct load){ P(1, idx) });
	struct bpf_insn idx2[] = { LD64(1, BPF_PSEUDO_MAP_IDX, 1),
				   LD64B(0),
				   LD64(2, BPF_PSEUDO_MAP_IDX_VALUE, 0),
				   LD64B(4),
				   MOV0,
				   EXIT };
	try("map idx with fd_array", (struct load){ P(1, idx2), .fd_array = fds });

	/* Info: map ids (deduplicated, in first-use order), xlated length, tag, name. */
	struct bpf_insn two[] = { LD64(1, BPF_PSEUDO_MAP_FD, hash),
				  LD64B(0),
				  LD64(1, BPF_PSEUDO_MAP_VALUE, arr1),
				  LD64B(4),
				  LD64(1, BPF_PSEUDO_MAP_FD, hash),
				  LD64B(0),
				  MOV0,
				  EXIT };
	struct load l = { P(BPF_PROG_TYPE_SCHED_CLS, two), .name = "info_prog" };
	int fd = raw_load(&l);
	struct bpf_prog_info info;
	__u32 ids[4] = { 0 }, len = sizeof(info);
	struct bpf_insn xl[16];
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 4;
	info.map_ids = (unsigned long)ids;
	info.xlated_prog_len = sizeof(xl);
	info.xlated_prog_insns = (unsigned long)xl;
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);
	struct bpf_map_info mi;
	__u32 mlen = sizeof(mi);
	memset(&mi, 0, sizeof(mi));
	bpf_obj_get_info_by_fd(hash, &mi, &mlen);
	out("info: err %d type %u name %s gpl %u nr_map_ids %u first is hash %d xlated %u tag "
	    "%02x%02x%02x%02x%02x%02x%02x%02x",
	    err, info.type, info.name, info.gpl_compatible, info.nr_map_ids, ids[0] == mi.id,
	    info.xlated_prog_len, info.tag[0], info.tag[1], info.tag[2], info.tag[3], info.tag[4],
	    info.tag[5], info.tag[6], info.tag[7]);
	out("xlated ld_imm64: src %u imm is map id %d next imm %d", xl[2].src_reg,
	    xl[0].imm == (int)mi.id, xl[3].imm);
	info.func_info_rec_size = 4;
	out("bad func_info_rec_size: %d", bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ? -errno : 0);
	close(fd);

	/* Tags of simple programs. */
	struct bpf_insn t1[] = { MOVI(0, 1), EXIT };
	struct load lt = { P(1, t1) };
	fd = raw_load(&lt);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	bpf_obj_get_info_by_fd(fd, &info, &len);
	out("tag of r0=1: %02x%02x%02x%02x%02x%02x%02x%02x", info.tag[0], info.tag[1], info.tag[2],
	    info.tag[3], info.tag[4], info.tag[5], info.tag[6], info.tag[7]);
	close(fd);

	close(arr1);
	close(arr4);
	close(hash);
	close(pcpu);
}

static void test_run_errors(void)
{
	struct bpf_insn ok[] = { MOVI(0, 3), EXIT };
	struct load l = { P(BPF_PROG_TYPE_KPROBE, ok) };
	int fd = raw_load(&l);
	__u32 ret = 0;
	out("kprobe test run: %d", run_prog(fd, NULL, 0, &ret));
	close(fd);
	struct bpf_insn zero[] = { MOV0, EXIT };
	struct load l2 = { P(BPF_PROG_TYPE_CGROUP_SOCK, zero) };
	fd = raw_load(&l2);
	out("cgroup_sock load: %s", fd >= 0 ? "ok" : strerror(-fd));
	out("cgroup_sock test run: %d", run_prog(fd, NULL, 0, &ret));
	close(fd);
}

int main(void)
{
	test_attrs();
	test_log();
	test_structure();
	test_helpers();
	test_maps();
	test_run_errors();
	return finish();
}
