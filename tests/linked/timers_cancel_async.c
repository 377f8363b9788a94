/* The bpf_timer_cancel_async kfunc (Linux 7.0; this machine's 6.18 lacks it), from the
 * kernel's semantics (hrtimer_try_to_cancel): it never waits and keeps the callback;
 * -EINVAL on a timer never initialized, 0 when not pending, 1 when it stopped a pending
 * timer, -1 when the callback is running (called from that callback here).  The kernel
 * BTF bpfrun reads is this machine's plus the kfunc's FUNC, so that the call has an id;
 * programs are raw instructions, on the virtual clock (exact and deterministic). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "bpfrun.h"
#include "difftest.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOVI(r, v) I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, v)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define KCALL(id) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define MS 1000000

enum op { INIT, SETCB, START, CANCEL, CANCEL_ASYNC };

struct prog {
	struct bpf_insn i[128];
	int n;
};

static int map_fd_, kfunc_id;

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->i[p->n++] = insn;
}

static void ld_imm64(struct prog *p, int reg, int src, int imm)
{
	emit(p, I(BPF_LD | BPF_DW | BPF_IMM, reg, src, 0, imm));
	emit(p, I(0, 0, 0, 0, 0));
}

/* r6 = &value[0] of the map, or return 1000 */
static void prologue(struct prog *p)
{
	emit(p, I(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0));
	ld_imm64(p, 1, BPF_PSEUDO_MAP_FD, map_fd_);
	emit(p, MOVR(2, 10));
	emit(p, I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4));
	emit(p, CALL(BPF_FUNC_map_lookup_elem));
	emit(p, I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0));
	emit(p, MOVI(0, 1000));
	emit(p, EXIT);
	emit(p, MOVR(6, 0));
}

/* The callback, at the end: cancel_async on its own timer, the result in value->n. */
static void callback(struct prog *p)
{
	emit(p, MOVR(6, 3));
	emit(p, MOVR(1, 3));
	emit(p, KCALL(kfunc_id));
	emit(p, I(BPF_STX | BPF_MEM | BPF_DW, 6, 0, 16, 0));
	emit(p, MOVI(0, 0));
	emit(p, EXIT);
}

/* Runs the ops in order (the program returns the last one's result); with SETCB, the
 * callback follows the main part, whose length then gives the function's offset. */
static int run_ops(const enum op *ops, int nops)
{
	struct prog p = { .n = 0 };
	int func_ld = -1;

	prologue(&p);
	for (int k = 0; k < nops; k++) {
		emit(&p, MOVR(1, 6));
		switch (ops[k]) {
		case INIT:
			ld_imm64(&p, 2, BPF_PSEUDO_MAP_FD, map_fd_);
			emit(&p, MOVI(3, CLOCK_MONOTONIC));
			emit(&p, CALL(BPF_FUNC_timer_init));
			break;
		case SETCB:
			func_ld = p.n;
			ld_imm64(&p, 2, BPF_PSEUDO_FUNC, 0);
			emit(&p, CALL(BPF_FUNC_timer_set_callback));
			break;
		case START:
			emit(&p, MOVI(2, MS));
			emit(&p, MOVI(3, 0));
			emit(&p, CALL(BPF_FUNC_timer_start));
			break;
		case CANCEL:
			emit(&p, CALL(BPF_FUNC_timer_cancel));
			break;
		case CANCEL_ASYNC:
			emit(&p, KCALL(kfunc_id));
			break;
		}
	}
	emit(&p, EXIT);
	if (func_ld >= 0) {
		p.i[func_ld].imm = p.n - func_ld - 1;
		callback(&p);
	}

	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ca", "GPL", p.i, (size_t)p.n, &o);
	if (fd < 0) {
		out("load failed: %s\n%s", strerror(errno), log);
		return -100000;
	}
	__u32 ret = 0;
	int err = run_prog(fd, NULL, 0, &ret);
	close(fd);
	return err ? -100000 + err : (int)ret;
}

/* This machine's kernel BTF plus FUNC bpf_timer_cancel_async(struct bpf_timer *), written
 * to a file bpfrun reads as the kernel's.  The new id, or -1. */
static int kernel_btf_with_kfunc(const char *path)
{
	struct btf *k = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (!k)
		return -1;
	int timer = btf__find_by_name_kind(k, "bpf_timer", BTF_KIND_STRUCT);
	int int_id = btf__find_by_name_kind(k, "int", BTF_KIND_INT);
	int ptr = timer > 0 ? btf__add_ptr(k, timer) : -1;
	int proto = btf__add_func_proto(k, int_id); /* its parameters must follow it */
	if (ptr < 0 || int_id < 0 || proto < 0 || btf__add_func_param(k, "timer", ptr))
		return -1;
	int id = btf__add_func(k, "bpf_timer_cancel_async", BTF_FUNC_GLOBAL, proto);
	__u32 size;
	const void *raw = btf__raw_data(k, &size);
	FILE *f = fopen(path, "w");
	if (id < 0 || !raw || !f || fwrite(raw, 1, size, f) != size)
		id = -1;
	if (f)
		fclose(f);
	btf__free(k);
	return id;
}

/* An array of one { struct bpf_timer t; __u64 n; } with BTF. */
static int timer_map(void)
{
	struct btf *b = btf__new_empty();
	int u64 = btf__add_int(b, "unsigned long long", 8, 0);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int arr = btf__add_array(b, u32, u64, 2);
	int timer = btf__add_struct(b, "bpf_timer", 16);
	btf__add_field(b, "__opaque", arr, 0, 0);
	int val = btf__add_struct(b, "val", 24);
	btf__add_field(b, "t", timer, 0, 0);
	btf__add_field(b, "n", u64, 128, 0);
	if (btf__load_into_kernel(b))
		return -1;
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b), .btf_key_type_id = (__u32)u32,
		    .btf_value_type_id = (__u32)val);
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "ca", 4, 24, 1, &o);
}

static __u64 value_n(void)
{
	__u64 v[3] = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(map_fd_, &zero, v);
	return v[2];
}

int main(void)
{
	char path[] = "/tmp/bpfrun-kbtf-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("SKIP: no kernel BTF to extend\n");
		return finish();
	}
	close(fd);
	kfunc_id = kernel_btf_with_kfunc(path);
	CHECK(kfunc_id > 0, "kernel BTF with the kfunc");
	CHECK(bpfrun_set_kernel_btf(path) == 0 && bpfrun_clock_set_virtual() == 0, "setup");
	map_fd_ = timer_map();
	CHECK(map_fd_ >= 0, "timer map");

	const enum op never_init[] = { CANCEL_ASYNC };
	CHECK(run_ops(never_init, 1) == -EINVAL, "not initialized: -EINVAL");
	const enum op init[] = { INIT, CANCEL_ASYNC };
	CHECK(run_ops(init, 2) == 0, "initialized, not pending: 0");
	const enum op pending[] = { SETCB, START, CANCEL_ASYNC };
	CHECK(run_ops(pending, 3) == 1, "pending: 1");
	CHECK(bpfrun_clock_advance(2 * MS) == 0 && value_n() == 0, "stopped: nothing fires");
	const enum op again[] = { START };
	CHECK(run_ops(again, 1) == 0, "the callback stays: start works without set_callback");
	CHECK(bpfrun_clock_advance(2 * MS) == 0 && value_n() == (__u64)-1,
	      "from its own running callback: -1 (%lld)", (long long)value_n());
	const enum op sync[] = { CANCEL, START };
	CHECK(run_ops(sync, 2) == -EINVAL, "bpf_timer_cancel, by contrast, drops the callback");
	unlink(path);
	bpfrun_shutdown();
	return finish();
}
