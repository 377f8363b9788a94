/* fuzz_prog: instruction streams through BPF_PROG_LOAD, then BPF_PROG_TEST_RUN.
 *
 * Input: an 8-byte header, then up to MAX_PROGS programs (a count, then 8 bytes per
 * instruction), then the bytes of the packet and the context. Unless the header asks for
 * raw instructions, each instruction is made mostly valid: an opcode that does not exist
 * becomes one that does, registers are in range, jumps land inside the program, calls name
 * a helper id (every id up to __BPF_FUNC_MAX_ID), a subprogram or a kfunc, and ld_imm64
 * takes one of its forms: a constant, a map by descriptor or fd_array index, a map value,
 * a BTF id, a function (callbacks for bpf_loop, for_each_map_elem, bpf_timer_set_callback).
 * The maps an input may name are created for each input: arrays and hashes whose value
 * holds a bpf_spin_lock and a bpf_timer, a program array (each program loaded goes in,
 * for tail calls), plain, per-CPU and LRU maps. The last program that loads is test-run
 * with the input's packet and context; then the virtual clock moves on so that the timers
 * the run armed fire, and everything is closed.
 *
 * Backward jumps make loops, which today's runtime bounds only loosely; FUZZ_NO_LOOPS=1
 * turns them into forward jumps (for campaigns that look for other bugs). Hangs show as
 * libFuzzer timeouts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "fuzz_common.h"

#define MAX_PROGS 4
#define MAX_INSNS 512
#define NR_MAPS 7
#define LOG_SIZE 8192

static const uint32_t prog_types[] = {
	BPF_PROG_TYPE_SOCKET_FILTER,  BPF_PROG_TYPE_KPROBE,     BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_SCHED_ACT,      BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_PERF_EVENT,     BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_CGROUP_SOCK,
	BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_SYSCALL,
};
#define NR_TYPES (sizeof(prog_types) / sizeof(prog_types[0]))

struct header {
	uint8_t type;     /* prog_types[type % NR_TYPES] */
	uint8_t flags;    /* H_* */
	uint8_t data_len; /* packet bytes (the rest of the input supplies them) */
	uint8_t ctx_len;  /* context bytes, 0: none */
	uint8_t repeat;
	uint8_t advance; /* the virtual clock moves advance ms after the run */
	uint8_t log_level;
	uint8_t expected_attach_type;
};
enum {
	H_RAW = 1,           /* instructions as they are */
	H_PROPRIETARY = 2,   /* no GPL license */
	H_SLEEPABLE = 4,     /* flips BPF_F_SLEEPABLE (set for syscall programs) */
	H_TYPE_PER_PROG = 8, /* each program's type from its own count byte */
	H_NO_VERIFIER = 16,  /* the verifier off: the run-time checks face what it refuses */
};

static bool valid_code[256];
static uint8_t codes[256];
static unsigned int nr_codes;
static bool no_loops;
static bool debug; /* FUZZ_DEBUG=1: what each load and run gave, on stderr */

/* The opcodes the ISA defines (RFC 9669), whether or not bpfrun accepts each. */
static bool code_exists(uint8_t c)
{
	uint8_t cls = c & 7, op = c & 0xf0, mode = c & 0xe0, size = c & 0x18;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return op <= 0xd0;
	case BPF_JMP:
		return op <= 0xd0 && !((op == BPF_CALL || op == BPF_EXIT) && (c & BPF_X));
	case BPF_JMP32:
		return op <= 0xd0 && op != BPF_CALL && op != BPF_EXIT;
	case BPF_LD:
		return c == (BPF_LD | BPF_IMM | BPF_DW) ||
		       ((mode == BPF_ABS || mode == BPF_IND) && size != BPF_DW);
	case BPF_LDX:
		return mode == BPF_MEM || (mode == 0x80 && size != BPF_DW); /* 0x80: MEMSX */
	case BPF_ST:
		return mode == BPF_MEM;
	default: /* BPF_STX */
		return mode == BPF_MEM || (mode == BPF_ATOMIC && (size == BPF_W || size == BPF_DW));
	}
}

struct input_maps {
	int fd[NR_MAPS];
	int btf;
	int prog_array; /* index in fd[] */
};

static int map_create(uint32_t type, uint32_t key, uint32_t value, uint32_t max, int btf,
		      uint32_t val_type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	if (btf >= 0) {
		a.btf_fd = (uint32_t)btf;
		a.btf_key_type_id = 1;
		a.btf_value_type_id = val_type;
	}
	return (int)fuzz_bpf(BPF_MAP_CREATE, &a);
}

static void maps_create(struct input_maps *m)
{
	uint32_t vt;

	m->btf = fuzz_special_btf(&vt);
	m->fd[0] = map_create(BPF_MAP_TYPE_ARRAY, 4, FUZZ_VAL_SIZE, 4, m->btf, vt);
	m->fd[1] = map_create(BPF_MAP_TYPE_HASH, 4, FUZZ_VAL_SIZE, 8, m->btf, vt);
	m->fd[2] = map_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, MAX_PROGS, -1, 0);
	m->fd[3] = map_create(BPF_MAP_TYPE_HASH, 8, 16, 16, -1, 0);
	m->fd[4] = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 2, -1, 0);
	m->fd[5] = map_create(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, -1, 0);
	m->fd[6] = map_create(BPF_MAP_TYPE_ARRAY, 4, 64, 1, -1, 0);
	m->prog_array = 2;
}

static void maps_close(struct input_maps *m)
{
	for (int i = 0; i < NR_MAPS; i++)
		if (m->fd[i] >= 0)
			bpfrun_close(m->fd[i]);
	if (m->btf >= 0)
		bpfrun_close(m->btf);
}

/* A pc-relative offset from instruction i to a target inside [0, n) chosen by v. */
static int32_t rel_target(uint32_t v, uint32_t i, uint32_t n)
{
	uint32_t target = v % n;

	if (no_loops && target <= i)
		target = i + 1 + (v % (n - i));
	return (int32_t)target - (int32_t)(i + 1);
}

static void fix_ld_imm64(struct bpf_insn *in, uint32_t i, uint32_t n, const struct input_maps *m)
{
	struct bpf_insn *next = &in[i + 1];
	uint32_t v = (uint32_t)in[i].imm;

	in[i].src_reg %= 7;
	switch (in[i].src_reg) {
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		in[i].imm = m->fd[v % NR_MAPS];
		break;
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		in[i].imm = (int32_t)(v % NR_MAPS);
		break;
	case BPF_PSEUDO_FUNC:
		in[i].imm = rel_target(v, i, n);
		break;
	}
	if (in[i].src_reg == BPF_PSEUDO_MAP_VALUE || in[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
		next->imm = (int32_t)((uint32_t)next->imm % 72);
	next->code = 0;
	next->dst_reg = next->src_reg = 0;
	next->off = 0;
}

static void fix_call(struct bpf_insn *in, uint32_t i, uint32_t n)
{
	uint32_t v = (uint32_t)in->imm;

	in->src_reg %= 3;
	in->dst_reg = 0;
	in->off = 0;
	if (in->src_reg == 0)
		in->imm = (int32_t)(v % __BPF_FUNC_MAX_ID);
	else if (in->src_reg == BPF_PSEUDO_CALL)
		in->imm = rel_target(v, i, n);
}

/* The fields an instruction does not use are zero, or the load is refused before the
 * instruction gets a chance; off keeps its meaning where it has one (movsx, sdiv/smod,
 * memory offsets, jumps). */
static void clear_reserved(struct bpf_insn *x)
{
	static const int16_t movsx_off[8] = { 0, 0, 0, 0, 0, 8, 16, 32 };
	uint8_t cls = x->code & 7, op = x->code & 0xf0;
	bool reg_src = x->code & BPF_X;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (reg_src)
			x->imm = 0;
		else
			x->src_reg = 0;
		if (op == BPF_MOV) /* movsx now and then */
			x->off = reg_src ? movsx_off[(uint16_t)x->off % 8] : 0;
		else if (op == BPF_DIV || op == BPF_MOD)
			x->off &= 1;
		else
			x->off = 0;
		break;
	case BPF_LDX:
		x->imm = 0;
		break;
	case BPF_ST:
		x->src_reg = 0;
		break;
	case BPF_STX:
		if ((x->code & 0xe0) == BPF_MEM)
			x->imm = 0;
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT || op == BPF_JA) {
			x->dst_reg = x->src_reg = 0;
			x->imm = 0;
			if (op == BPF_EXIT)
				x->off = 0;
		} else if (op != BPF_CALL) {
			if (reg_src)
				x->imm = 0;
			else
				x->src_reg = 0;
		}
		break;
	}
}

/* Mostly valid: see the header comment. The last instruction is an exit or a jump. */
static void fix_insns(struct bpf_insn *in, uint32_t n, const struct input_maps *m)
{
	uint8_t last = in[n - 1].code;

	if (last != (BPF_JMP | BPF_EXIT) && last != (BPF_JMP | BPF_JA))
		in[n - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_insn *x = &in[i];
		uint8_t cls;

		if (!valid_code[x->code])
			x->code = codes[x->code % nr_codes];
		cls = x->code & 7;
		x->dst_reg %= 11;
		x->src_reg %= 11;
		clear_reserved(x);
		if (x->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (i + 1 < n) {
				fix_ld_imm64(in, i, n, m);
				i++;
			} else {
				x->code = BPF_JMP | BPF_EXIT;
			}
		} else if (x->code == (BPF_JMP | BPF_CALL)) {
			fix_call(x, i, n);
		} else if ((cls == BPF_JMP || cls == BPF_JMP32) &&
			   x->code != (BPF_JMP | BPF_EXIT)) {
			x->off = (int16_t)rel_target((uint16_t)x->off, i, n);
		}
	}
}

/* fd_array as the load reads it: the kernel reads fd_array[i] for any index a program
 * names (a map's, or a kfunc's BTF at insn->off, up to 32767), with no length, so the
 * array covers every such index: the maps first, then -1. */
static int fd_array[32768];

static int prog_load(const struct header *h, uint32_t type, struct bpf_insn *insns, uint32_t n,
		     const struct input_maps *m, char *log)
{
	static bool filled;
	union bpf_attr a;

	if (!filled)
		memset(fd_array, 0xff, sizeof(fd_array));
	filled = true;
	memcpy(fd_array, m->fd, sizeof(m->fd));

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uintptr_t)(h->flags & H_PROPRIETARY ? "Proprietary" : "GPL");
	a.fd_array = (uintptr_t)fd_array;
	a.expected_attach_type = h->expected_attach_type % 8;
	if (!(h->flags & H_SLEEPABLE) != !(type == BPF_PROG_TYPE_SYSCALL)) /* syscall: sleepable */
		a.prog_flags = BPF_F_SLEEPABLE;
	if (h->log_level & 3) {
		a.log_level = h->log_level & 3;
		a.log_buf = (uintptr_t)log;
		a.log_size = (h->log_level & 0x1c) == 0x1c ? 64 : LOG_SIZE; /* now and then short */
	}
	return (int)fuzz_bpf(BPF_PROG_LOAD, &a);
}

static void prog_array_add(const struct input_maps *m, uint32_t slot, int prog)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)m->fd[m->prog_array];
	a.key = (uintptr_t)&slot;
	a.value = (uintptr_t)&prog;
	fuzz_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static void test_run(const struct header *h, int prog, struct fuzz_in *in)
{
	static uint8_t data[256 + 64], data_out[512], ctx[256], ctx_out[256];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	in_bytes(in, data, h->data_len);
	in_bytes(in, ctx, h->ctx_len);
	a.test.prog_fd = (uint32_t)prog;
	if (h->data_len) { /* syscall programs take none */
		a.test.data_in = (uintptr_t)data;
		a.test.data_size_in = h->data_len;
		a.test.data_out = (uintptr_t)data_out;
		a.test.data_size_out = sizeof(data_out);
	}
	if (h->ctx_len) {
		a.test.ctx_in = (uintptr_t)ctx;
		a.test.ctx_size_in = h->ctx_len;
		a.test.ctx_out = (uintptr_t)ctx_out;
		a.test.ctx_size_out = sizeof(ctx_out);
	}
	a.test.repeat = h->repeat % 4;
	long ret = fuzz_bpf(BPF_PROG_TEST_RUN, &a);
	if (debug)
		fprintf(stderr, "test run: %ld (%s), retval %u\n", ret,
			ret ? strerror(errno) : "ok", a.test.retval);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	for (unsigned int c = 0; c < 256; c++)
		if ((valid_code[c] = code_exists((uint8_t)c)))
			codes[nr_codes++] = (uint8_t)c;
	const char *e = getenv("FUZZ_NO_LOOPS");
	no_loops = e && *e == '1';
	e = getenv("FUZZ_DEBUG");
	debug = e && *e == '1';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bpf_insn insns[MAX_INSNS];
	static char log[LOG_SIZE];
	struct fuzz_in in = { data, size };
	struct header h;
	struct input_maps m;
	int progs[MAX_PROGS], nr_progs = 0, last = -1;

	in_bytes(&in, &h, sizeof(h));
	bpfrun_set_verifier(!(h.flags & H_NO_VERIFIER));
	maps_create(&m);
	for (int p = 0; p < MAX_PROGS && !in_empty(&in); p++) {
		uint16_t cnt = in_u16(&in);
		uint32_t n = 1 + cnt % MAX_INSNS;
		uint32_t type =
			prog_types[(h.flags & H_TYPE_PER_PROG ? cnt >> 9 : h.type) % NR_TYPES];
		if (cnt == 0xffff) /* the end of the programs */
			break;
		in_bytes(&in, insns, n * sizeof(insns[0]));
		if (!(h.flags & H_RAW))
			fix_insns(insns, n, &m);
		int fd = prog_load(&h, type, insns, n, &m, log);
		if (debug)
			fprintf(stderr, "prog %d: type %u, %u insns: %d (%s) %s\n", p, type, n, fd,
				fd < 0 ? strerror(errno) : "ok",
				fd < 0 && (h.log_level & 3) ? log : "");
		if (fd < 0)
			continue;
		prog_array_add(&m, (uint32_t)nr_progs, fd);
		progs[nr_progs++] = fd;
		last = fd;
	}
	if (last >= 0)
		test_run(&h, last, &in);
	bpfrun_clock_advance((uint64_t)h.advance * 1000000);
	for (int i = 0; i < nr_progs; i++)
		bpfrun_close(progs[i]);
	maps_close(&m);
	return 0;
}
