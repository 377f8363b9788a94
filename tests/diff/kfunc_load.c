/* Kfunc calls at BPF_PROG_LOAD (BPF_PSEUDO_KFUNC_CALL with kernel BTF ids): the refusals
 * (errno compared; bpfrun's log has the kernel's messages), which program types may call
 * each kfunc bpfrun implements, and a libbpf object whose __ksym externs are kfuncs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "helpers_common.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOVI(r, v) I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, v)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define KCALL(off, id) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, off, id)

static struct btf *vmlinux;
static char logbuf[65536];

static int kid(const char *name)
{
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
}

struct load {
	int type;
	const char *license;
	const int *fd_array;
	struct bpf_insn insns[8];
	unsigned cnt;
};

/* Loads and prints "what: ok" or the errno's name. */
static void try(const char *what, const struct load *l)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = logbuf, .log_size = sizeof(logbuf),
		    .log_level = 1, .fd_array = l->fd_array);
	int fd = bpf_prog_load(l->type ? l->type : BPF_PROG_TYPE_SOCKET_FILTER, "k",
			       l->license ? l->license : "GPL", l->insns, l->cnt, &o);

	out("%-44s %s", what, fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* One call of kfunc id (with off), r1 = 0 before it. */
static void try_call(const char *what, int type, const char *license, int off, int id,
		     const int *fd_array)
{
	struct load l = {
		type, license, fd_array, { MOVI(1, 0), KCALL(off, id), MOVI(0, 0), EXIT }, 4
	};
	try(what, &l);
}

static void test_refusals(void)
{
	int fds[2] = { 0, 0 };

	try_call("btf id 1234 (not a function)", 0, NULL, 0, 1234, NULL);
	try_call("btf id of a struct", 0, NULL, 0,
		 btf__find_by_name_kind(vmlinux, "sk_buff", BTF_KIND_STRUCT), NULL);
	try_call("btf id 0", 0, NULL, 0, 0, NULL);
	try_call("btf id -5", 0, NULL, 0, -5, NULL);
	try_call("btf id past the last type", 0, NULL, 0, 0x7fffffff, NULL);
	try_call("a kernel function that is no kfunc", 0, NULL, 0, kid("bpf_fentry_test1"), NULL);
	try_call("kfunc of another type (xdp in tc)", BPF_PROG_TYPE_SCHED_CLS, NULL, 0,
		 kid("bpf_dynptr_from_xdp"), NULL);
	try_call("kfunc from a non-GPL program", 0, "MIT", 0, kid("bpf_rcu_read_lock"), NULL);
	try_call("module slot 1 without fd_array", 0, NULL, 1, kid("bpf_rcu_read_lock"), NULL);
	try_call("module slot -1", 0, NULL, -1, kid("bpf_rcu_read_lock"), NULL);
	try_call("module slot 1 holding stdin", 0, NULL, 1, kid("bpf_rcu_read_lock"), fds);
	struct load dst = { 0,
			    NULL,
			    NULL,
			    { MOVI(1, 0), KCALL(0, kid("bpf_rcu_read_lock")), MOVI(0, 0), EXIT },
			    4 };
	dst.insns[1].dst_reg = 1;
	try("kfunc call with dst_reg 1", &dst);
}

/* Each kfunc bpfrun implements, in each program type bpfrun runs: a program the kernel's
 * verifier accepts wherever the type may call it. */
static void test_types(void)
{
	static const int types[] = { BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_KPROBE,
				     BPF_PROG_TYPE_SCHED_CLS,     BPF_PROG_TYPE_SCHED_ACT,
				     BPF_PROG_TYPE_TRACEPOINT,    BPF_PROG_TYPE_XDP,
				     BPF_PROG_TYPE_PERF_EVENT,    BPF_PROG_TYPE_CGROUP_SKB,
				     BPF_PROG_TYPE_CGROUP_SOCK,   BPF_PROG_TYPE_RAW_TRACEPOINT };
	int task = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
	const struct {
		const char *name;
		struct load l;
	} progs[] = {
		{ "rcu lock/unlock",
		  { 0,
		    NULL,
		    NULL,
		    { KCALL(0, kid("bpf_rcu_read_lock")), KCALL(0, kid("bpf_rcu_read_unlock")),
		      MOVI(0, 0), EXIT },
		    4 } },
		{ "dynptr_from_xdp",
		  { 0,
		    NULL,
		    NULL,
		    { MOVI(2, 0), I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		      I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16),
		      KCALL(0, kid("bpf_dynptr_from_xdp")), MOVI(0, 0), EXIT },
		    6 } },
		{ "rdonly_cast",
		  { 0,
		    NULL,
		    NULL,
		    { MOVI(2, task), KCALL(0, kid("bpf_rdonly_cast")), MOVI(0, 0), EXIT },
		    4 } },
	};
	char what[64];

	for (unsigned p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			struct load l = progs[p].l;
			l.type = types[t];
			snprintf(what, sizeof(what), "%s in type %d", progs[p].name, types[t]);
			try(what, &l);
		}
	}
}

static void test_object(void)
{
	struct bpf_object *obj = load_obj("kfunc_generic");
	uint32_t ret = 0;
	int err;

	res_clear(obj);
	err = run_prog(prog_fd(obj, "rcu"), NULL, 0, &ret);
	out("rcu: run %d, ret %u", err, ret);
	res_print(obj, 2);
	res_clear(obj);
	err = run_prog(prog_fd(obj, "iter_num"), NULL, 0, &ret);
	out("iter_num: run %d, ret %u", err, ret);
	res_print(obj, 21);
	bpf_object__close(obj);
}

int main(void)
{
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		out("no kernel BTF");
		return 1;
	}
	test_refusals();
	test_types();
	test_object();
	btf__free(vmlinux);
	return finish();
}
