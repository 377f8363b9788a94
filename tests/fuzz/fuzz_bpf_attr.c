/* fuzz_bpf_attr: the bpf() surface, one command after another with attrs the input makes,
 * bpfrun's own commands (bpfrun.h: FIRE, POLL, MMAP) among them.
 *
 * An input is a sequence of operations. Each names a command (or one of a few macros that
 * make valid objects quickly: a map, a program, the special-field BTF, bytes written into
 * the arena), an attr size (the full union, shorter, or longer with a tail that may be
 * non-zero), and the attr's bytes. Then the fields that hold descriptors get descriptors
 * from the input's pool (or bad ones), and every pointer field gets a pointer into fuzzer
 * memory, the edge of an unmapped page, a read-only page, or a kernel address; the info
 * struct of BPF_OBJ_GET_INFO_BY_FD gets the same treatment for its own pointers. Every
 * descriptor a command returns joins the pool; all are closed and the pins removed at the
 * end of the input, so nothing is carried over to the next one.
 */
#include <stddef.h>
#include <string.h>

#include "bpfrun.h"
#include "obj/object.h"
#include "fuzz_common.h"

#define ATTR_BUF 512
#define RESERVED (FUZZ_RW_SIZE - 512) /* rw's last 512 bytes: strings for paths, license */
#define MAX_OPS 64

enum kind { FD, PTR, PATH, INFO, PROG_INSNS, LICENSE, SMALL, HOOK };

struct field {
	int cmd;
	unsigned short off;
	unsigned char kind;
};

#define B(c, type, member, k)                \
	{                                    \
		c, offsetof(type, member), k \
	}
#define F(c, member, k)                                \
	{                                              \
		c, offsetof(union bpf_attr, member), k \
	}
static const struct field fields[] = {
	F(BPF_MAP_CREATE, btf_fd, FD),
	F(BPF_MAP_CREATE, inner_map_fd, FD),
	F(BPF_MAP_CREATE, max_entries, SMALL),
	F(BPF_MAP_LOOKUP_ELEM, map_fd, FD),
	F(BPF_MAP_LOOKUP_ELEM, key, PTR),
	F(BPF_MAP_LOOKUP_ELEM, value, PTR),
	F(BPF_MAP_UPDATE_ELEM, map_fd, FD),
	F(BPF_MAP_UPDATE_ELEM, key, PTR),
	F(BPF_MAP_UPDATE_ELEM, value, PTR),
	F(BPF_MAP_DELETE_ELEM, map_fd, FD),
	F(BPF_MAP_DELETE_ELEM, key, PTR),
	F(BPF_MAP_GET_NEXT_KEY, map_fd, FD),
	F(BPF_MAP_GET_NEXT_KEY, key, PTR),
	F(BPF_MAP_GET_NEXT_KEY, next_key, PTR),
	F(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map_fd, FD),
	F(BPF_MAP_LOOKUP_AND_DELETE_ELEM, key, PTR),
	F(BPF_MAP_LOOKUP_AND_DELETE_ELEM, value, PTR),
	F(BPF_MAP_FREEZE, map_fd, FD),
#define BATCH(c)                                                                       \
	F(c, batch.map_fd, FD), F(c, batch.in_batch, PTR), F(c, batch.out_batch, PTR), \
		F(c, batch.keys, PTR), F(c, batch.values, PTR), F(c, batch.count, SMALL)
	BATCH(BPF_MAP_LOOKUP_BATCH),
	BATCH(BPF_MAP_LOOKUP_AND_DELETE_BATCH),
	BATCH(BPF_MAP_UPDATE_BATCH),
	BATCH(BPF_MAP_DELETE_BATCH),
	F(BPF_PROG_LOAD, insns, PROG_INSNS),
	F(BPF_PROG_LOAD, license, LICENSE),
	F(BPF_PROG_LOAD, log_buf, PTR),
	F(BPF_PROG_LOAD, prog_btf_fd, FD),
	F(BPF_PROG_LOAD, func_info, PTR),
	F(BPF_PROG_LOAD, line_info, PTR),
	F(BPF_PROG_LOAD, attach_prog_fd, FD),
	F(BPF_PROG_LOAD, fd_array, PTR),
	F(BPF_PROG_LOAD, core_relos, PTR),
	F(BPF_PROG_TEST_RUN, test.prog_fd, FD),
	F(BPF_PROG_TEST_RUN, test.data_in, PTR),
	F(BPF_PROG_TEST_RUN, test.data_out, PTR),
	F(BPF_PROG_TEST_RUN, test.ctx_in, PTR),
	F(BPF_PROG_TEST_RUN, test.ctx_out, PTR),
	F(BPF_PROG_TEST_RUN, test.repeat, SMALL),
	F(BPF_OBJ_PIN, pathname, PATH),
	F(BPF_OBJ_PIN, bpf_fd, FD),
	F(BPF_OBJ_GET, pathname, PATH),
	F(BPF_OBJ_GET_INFO_BY_FD, info.bpf_fd, FD),
	F(BPF_OBJ_GET_INFO_BY_FD, info.info, INFO),
	F(BPF_MAP_GET_FD_BY_ID, map_id, SMALL),
	F(BPF_PROG_GET_FD_BY_ID, prog_id, SMALL),
	F(BPF_BTF_GET_FD_BY_ID, btf_id, SMALL),
	F(BPF_BTF_LOAD, btf, PTR),
	F(BPF_BTF_LOAD, btf_log_buf, PTR),
	F(BPF_PROG_ATTACH, target_fd, FD),
	F(BPF_PROG_ATTACH, attach_bpf_fd, FD),
	F(BPF_PROG_DETACH, target_fd, FD),
	F(BPF_PROG_DETACH, attach_bpf_fd, FD),
	F(BPF_PROG_QUERY, query.target_fd, FD),
	F(BPF_PROG_QUERY, query.prog_ids, PTR),
	B(BPFRUN_BPF_FIRE, struct bpfrun_fire_attr, hook, HOOK),
	B(BPFRUN_BPF_FIRE, struct bpfrun_fire_attr, ctx, PTR),
	B(BPFRUN_BPF_FIRE, struct bpfrun_fire_attr, ctx_size, SMALL),
	B(BPFRUN_BPF_FIRE, struct bpfrun_fire_attr, ret, PTR),
	B(BPFRUN_BPF_POLL, struct bpfrun_poll_attr, fd, FD),
	B(BPFRUN_BPF_POLL, struct bpfrun_poll_attr, epfd, FD),
	B(BPFRUN_BPF_POLL, struct bpfrun_poll_attr, evs, PTR),
	B(BPFRUN_BPF_POLL, struct bpfrun_poll_attr, n, SMALL),
	B(BPFRUN_BPF_MMAP, struct bpfrun_mmap_attr, fd, FD),
};
#undef B
#undef F
#undef BATCH

/* Pin names: what the kernel accepts and what it refuses. */
static const char *const paths[] = {
	"/sys/fs/bpf/fz0",
	"/sys/fs/bpf/fz1",
	"/sys/fs/bpf//fz2/",
	"/sys/fs/bpf/../bpf/fz0",
	"/sys/fs/bpf/nodir/fz",
	"/sys/fs/bpf",
	"relative",
	"/tmp/fz",
	"",
};
#define NR_PATHS (sizeof(paths) / sizeof(paths[0]))

/* Hooks for BPFRUN_BPF_FIRE: each kind the trigger API knows, and spellings it refuses. */
static const char *const hooks[] = {
	"raw_tp/sched_switch",
	"tp/syscalls/sys_enter_write",
	"kprobe/do_unlinkat",
	"kretprobe/do_unlinkat",
	"fentry/bpf_fentry_test1",
	"tc/ingress/lo",
	"tc/egress/lo",
	"xdp/lo",
	"uprobe//bin/true:0",
	"lsm/file_open",
	"kprobe/",
	"tc/ingress/nodev",
	"nohook/x",
	"",
};
#define NR_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* The pointer fields of struct bpf_prog_info, bpf_map_info (none) and bpf_btf_info. */
static const unsigned short info_ptrs[] = {
	offsetof(struct bpf_prog_info, jited_prog_insns),
	offsetof(struct bpf_prog_info, xlated_prog_insns),
	offsetof(struct bpf_prog_info, map_ids),
	offsetof(struct bpf_prog_info, jited_ksyms),
	offsetof(struct bpf_prog_info, jited_func_lens),
	offsetof(struct bpf_prog_info, func_info),
	offsetof(struct bpf_prog_info, line_info),
	offsetof(struct bpf_prog_info, jited_line_info),
	offsetof(struct bpf_prog_info, prog_tags),
	offsetof(struct bpf_btf_info, btf),
	offsetof(struct bpf_btf_info, name),
};

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}
static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t small(struct fuzz_in *in)
{
	uint8_t sel = in_u8(in);

	return sel < 240 ? sel % 65 : in_u32(in); /* now and then any value */
}

static void write_reserved(void)
{
	uint8_t *r = arena.rw + RESERVED;

	memset(r, 0, 512);
	memcpy(r, "GPL", 4);
	memcpy(r + 8, "Proprietary", 12);
	for (size_t i = 0; i < NR_PATHS; i++)
		strcpy((char *)r + 32 + 48 * i, paths[i]);
}

static uint64_t path_ptr(struct fuzz_in *in)
{
	uint8_t sel = in_u8(in);

	if (sel >= 2 * NR_PATHS)
		return fuzz_ptr(in);
	return (uintptr_t)(arena.rw + RESERVED + 32 + 48 * (sel % NR_PATHS));
}

/* Fills an info struct in rw (from the input) whose pointers point at fuzzer memory. */
static uint64_t info_ptr(struct fuzz_in *in)
{
	uint8_t *info = arena.rw + 4096 + (in_u8(in) & 0xf8);

	in_bytes(in, info, 256);
	for (size_t i = 0; i < sizeof(info_ptrs) / sizeof(info_ptrs[0]); i++)
		put_u64(info + info_ptrs[i], fuzz_ptr(in));
	return in_u8(in) < 16 ? fuzz_ptr(in) : (uintptr_t)info;
}

/* Instructions for a raw PROG_LOAD: the input's bytes at the start of rw. */
static uint64_t insns_ptr(struct fuzz_in *in, uint8_t *attr)
{
	uint32_t cnt = in_u8(in) % 64;

	in_bytes(in, arena.rw, cnt * 8);
	put_u32(attr + offsetof(union bpf_attr, insn_cnt), cnt);
	return (uintptr_t)arena.rw;
}

static void patch(int cmd, uint8_t *attr, struct fuzz_fds *fds, struct fuzz_in *in)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		uint8_t *at = attr + f->off;
		if (f->cmd != cmd)
			continue;
		switch (f->kind) {
		case FD:
			put_u32(at, (uint32_t)fds_pick(fds, in));
			break;
		case PTR:
			put_u64(at, fuzz_ptr(in));
			break;
		case PATH:
			put_u64(at, path_ptr(in));
			break;
		case INFO:
			put_u64(at, info_ptr(in));
			break;
		case PROG_INSNS:
			put_u64(at, insns_ptr(in, attr));
			break;
		case LICENSE:
			put_u64(at,
				in_u8(in) < 200 ? (uintptr_t)(arena.rw + RESERVED) : fuzz_ptr(in));
			break;
		case SMALL:
			put_u32(at, small(in));
			break;
		case HOOK: {
			uint8_t sel = in_u8(in);
			put_u64(at, sel < 2 * NR_HOOKS ? (uintptr_t)hooks[sel % NR_HOOKS] :
							 fuzz_ptr(in));
			break;
		}
		}
	}
	if (cmd == BPF_PROG_LOAD)
		put_u32(attr + offsetof(union bpf_attr, prog_type), in_u8(in) % 34);
}

/* ---- macros: valid objects for the raw commands to act on ---- */

static const uint32_t map_types[] = {
	BPF_MAP_TYPE_HASH,
	BPF_MAP_TYPE_ARRAY,
	BPF_MAP_TYPE_PROG_ARRAY,
	BPF_MAP_TYPE_PERCPU_HASH,
	BPF_MAP_TYPE_PERCPU_ARRAY,
	BPF_MAP_TYPE_LRU_HASH,
	BPF_MAP_TYPE_LRU_PERCPU_HASH,
	BPF_MAP_TYPE_RINGBUF,
};
static const uint32_t prog_types[] = {
	BPF_PROG_TYPE_SOCKET_FILTER,  BPF_PROG_TYPE_KPROBE,     BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_SCHED_ACT,      BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_PERF_EVENT,     BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_CGROUP_SOCK,
	BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_SYSCALL,
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void macro_map(struct fuzz_fds *fds, struct fuzz_in *in)
{
	union bpf_attr a;
	uint8_t sel = in_u8(in);
	int btf = -1;

	memset(&a, 0, sizeof(a));
	a.map_type = map_types[sel % ARRAY_SIZE(map_types)];
	a.key_size = a.map_type == BPF_MAP_TYPE_PROG_ARRAY || (sel & 0x10) ? 4 : 8;
	a.value_size = a.map_type == BPF_MAP_TYPE_PROG_ARRAY ? 4 : 8 + in_u8(in) % 64;
	a.max_entries = 1 + in_u8(in) % 32;
	if ((sel & 0x60) == 0x60 && a.map_type != BPF_MAP_TYPE_PROG_ARRAY) {
		btf = fuzz_special_btf(&a.btf_value_type_id);
		a.btf_fd = (uint32_t)btf;
		a.btf_key_type_id = 1;
		a.key_size = 4;
		a.value_size = FUZZ_VAL_SIZE;
	}
	if (sel & 0x80)
		a.map_flags = a.map_type == BPF_MAP_TYPE_ARRAY ? BPF_F_MMAPABLE : BPF_F_NO_PREALLOC;
	if (a.map_type == BPF_MAP_TYPE_RINGBUF) /* for BPFRUN_BPF_MMAP and _POLL */
		a = (union bpf_attr){ .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = 4096 };
	fds_add(fds, (int)fuzz_bpf(BPF_MAP_CREATE, &a));
	fds_add(fds, btf);
}

static void macro_prog(struct fuzz_fds *fds, struct fuzz_in *in)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = (int)in_u8(in) % 4 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog_types[in_u8(in) % ARRAY_SIZE(prog_types)];
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	fds_add(fds, (int)fuzz_bpf(BPF_PROG_LOAD, &a));
}

static void macro_btf(struct fuzz_fds *fds)
{
	uint32_t t;

	fds_add(fds, fuzz_special_btf(&t));
}

static void macro_bytes(struct fuzz_in *in)
{
	uint16_t off = in_u16(in) % RESERVED;
	uint16_t len = in_u8(in);

	in_bytes(in, arena.rw + off, len < RESERVED - off ? len : RESERVED - off);
}

/* One operation: a command with an attr of the input's size, or a macro. */
static void one_op(struct fuzz_fds *fds, struct fuzz_in *in)
{
	static uint8_t attr[ATTR_BUF];
	uint8_t c = in_u8(in);

	switch (c >> 5) {
	case 6:
		macro_map(fds, in);
		return;
	case 7:
		switch (c & 3) {
		case 0:
			macro_prog(fds, in);
			return;
		case 1:
			macro_btf(fds);
			return;
		default:
			macro_bytes(in);
			return;
		}
	}
	static const int own_cmds[] = { BPFRUN_BPF_FIRE, BPFRUN_BPF_POLL, BPFRUN_BPF_MMAP };
	int cmd = c % 43 < 40 ? c % 43 : own_cmds[c % 43 - 40];
	uint8_t size_sel = in_u8(in);
	unsigned int size = sizeof(union bpf_attr);
	memset(attr, 0, sizeof(attr));
	in_bytes(in, attr, sizeof(union bpf_attr));
	if (size_sel >= 224)
		size = size_sel - 224 + (size_sel & 1 ? 0 : sizeof(union bpf_attr));
	else if (size_sel >= 192)
		size = (size_sel - 192) * 4;
	if (size > sizeof(union bpf_attr) && (size_sel & 2))
		attr[size - 1] = in_u8(in); /* a non-zero byte past the union */
	patch(cmd, attr, fds, in);
	write_reserved();
	long ret = fuzz_bpf_sized(cmd, (union bpf_attr *)attr, size);
	if (ret > 0 &&
	    (cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD || cmd == BPF_BTF_LOAD ||
	     cmd == BPF_OBJ_GET || cmd == BPF_MAP_GET_FD_BY_ID || cmd == BPF_PROG_GET_FD_BY_ID ||
	     cmd == BPF_BTF_GET_FD_BY_ID || cmd == BPFRUN_BPF_POLL))
		fds_add(fds, (int)ret);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_fds fds = { .n = 0 };

	in_bytes(&in, arena.rw, in_u8(&in) * 8); /* initial contents for keys and values */
	for (int i = 0; i < MAX_OPS && !in_empty(&in); i++)
		one_op(&fds, &in);
	bpfrun_clock_advance(1000000000); /* timers armed by the input's runs fire */
	fds_close_all(&fds);
	for (size_t i = 0; i < NR_PATHS; i++)
		pin_remove(paths[i]);
	return 0;
}
