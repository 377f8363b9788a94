/* Objects held by map values: a kptr field (`struct node __kptr *n`, hand-made BTF since
 * clang 14 emits no type tags) of an array and a hash map, filled and emptied with
 * bpf_kptr_xchg by raw programs.  Each run prints what it took out of the field (the
 * object's key, set from the packet length when stashed); user-space updates and deletes
 * free what the value held, user-space reads see zeros in the field, and programs may read
 * the field and through it.  An object stays in its field when the map's last descriptor
 * closes while programs still hold the map: the kernel frees kptrs with the map, not with
 * its last user reference (only timers and work items go then). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOVI(r, v) I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, v)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDI(r, v) I(BPF_ALU64 | BPF_ADD | BPF_K, r, 0, 0, v)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, v) I(BPF_ST | BPF_MEM | (sz), d, 0, o, v)
#define JEQ0(r, off) I(BPF_JMP | BPF_JEQ | BPF_K, r, 0, off, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define KCALL(id) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDMAP(r, fd) I(BPF_LD | BPF_DW | BPF_IMM, r, BPF_PSEUDO_MAP_FD, 0, fd), I(0, 0, 0, 0, 0)

static struct btf *vmlinux;
static char logbuf[65536];
static int node_id, stash_id, func_id, u32_id;

/* int; long; struct bpfrun_node { long key; } (not "node": the kernel has one of those);
 * struct stash { long pad; struct bpfrun_node __kptr *n; };
 * and the programs' function type. */
static int make_btf(void)
{
	struct btf *b = btf__new_empty();
	int fd;

	u32_id = btf__add_int(b, "unsigned int", 4, 0);
	int lng = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	node_id = btf__add_struct(b, "bpfrun_node", 8);
	btf__add_field(b, "key", lng, 0, 0);
	int tag = btf__add_type_tag(b, "kptr", node_id);
	int ptr = btf__add_ptr(b, tag);
	stash_id = btf__add_struct(b, "stash", 16);
	btf__add_field(b, "pad", lng, 0, 0);
	btf__add_field(b, "n", ptr, 64, 0);
	int proto = btf__add_func_proto(b, u32_id);
	func_id = btf__add_func(b, "prog", BTF_FUNC_STATIC, proto);
	fd = btf__load_into_kernel(b) ? -1 : btf__fd(b);
	fd = fd >= 0 ? dup(fd) : fd;
	btf__free(b);
	return fd;
}

static int load(const char *name, int btf, const struct bpf_insn *insns, unsigned cnt)
{
	struct bpf_func_info fi = { .insn_off = 0, .type_id = (unsigned)func_id };
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = logbuf, .log_size = sizeof(logbuf),
		    .prog_btf_fd = btf, .func_info = &fi, .func_info_cnt = 1,
		    .func_info_rec_size = sizeof(fi));
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, cnt, &o);

	if (fd < 0)
		out("load %s: %s\n%s", name, strerror(errno), logbuf);
	return fd;
}

/* Stashes a new object keyed by the packet's length; returns the old one's key (or 0). */
static int load_stash(int btf, int map)
{
	int new = btf__find_by_name_kind(vmlinux, "bpf_obj_new_impl", BTF_KIND_FUNC);
	int drop = btf__find_by_name_kind(vmlinux, "bpf_obj_drop_impl", BTF_KIND_FUNC);
	const struct bpf_insn insns[] = {
		MOV(6, 1),
		ST(BPF_W, 10, -4, 0),
		MOV(2, 10),
		ADDI(2, -4),
		LDMAP(1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ0(0, 18),
		MOV(7, 0),
		MOVI(1, node_id),
		MOVI(2, 0),
		KCALL(new),
		JEQ0(0, 13),
		LDX(BPF_W, 1, 6, 0),
		STX(BPF_DW, 0, 1, 0),
		MOV(1, 7),
		ADDI(1, 8),
		MOV(2, 0),
		CALL(BPF_FUNC_kptr_xchg),
		JEQ0(0, 5),
		LDX(BPF_DW, 8, 0, 0),
		MOV(1, 0),
		MOVI(2, 0),
		KCALL(drop),
		MOV(0, 8),
		EXIT,
		MOVI(0, 1),
		EXIT,
	};
	return load("stash", btf, insns, sizeof(insns) / sizeof(insns[0]));
}

/* Takes the object out; returns its key (or 0 when the field was empty). */
static int load_take(int btf, int map)
{
	int drop = btf__find_by_name_kind(vmlinux, "bpf_obj_drop_impl", BTF_KIND_FUNC);
	const struct bpf_insn insns[] = {
		ST(BPF_W, 10, -4, 0),
		MOV(2, 10),
		ADDI(2, -4),
		LDMAP(1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ0(0, 11),
		MOV(1, 0),
		ADDI(1, 8),
		MOVI(2, 0),
		CALL(BPF_FUNC_kptr_xchg),
		JEQ0(0, 5),
		LDX(BPF_DW, 8, 0, 0),
		MOV(1, 0),
		MOVI(2, 0),
		KCALL(drop),
		MOV(0, 8),
		EXIT,
		MOVI(0, 1),
		EXIT,
	};
	return load("take", btf, insns, sizeof(insns) / sizeof(insns[0]));
}

/* Reads the field directly: returns the key of the object it holds (or 0). */
static int load_peek(int btf, int map)
{
	const struct bpf_insn insns[] = {
		ST(BPF_W, 10, -4, 0),
		MOV(2, 10),
		ADDI(2, -4),
		LDMAP(1, map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ0(0, 5),
		LDX(BPF_DW, 1, 0, 8),
		MOVI(0, 0),
		JEQ0(1, 1),
		LDX(BPF_DW, 0, 1, 0),
		EXIT,
		MOVI(0, 1),
		EXIT,
	};
	return load("peek", btf, insns, sizeof(insns) / sizeof(insns[0]));
}

static void run(const char *what, int fd, unsigned len)
{
	unsigned char pkt[128] = { 0 };
	uint32_t ret = 0;
	int err = run_prog(fd, pkt, len, &ret);

	out("  %-28s run %d, took %u", what, err, ret);
}

static void show(int map)
{
	uint32_t k = 0;
	long v[2] = { -1, -1 };
	int err = bpf_map_lookup_elem(map, &k, v);

	out("  user lookup: %d, pad %ld, field %ld", err ? -errno : 0, v[0], v[1]);
}

static void scenario(int btf, enum bpf_map_type type)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .btf_fd = btf, .btf_key_type_id = u32_id,
		    .btf_value_type_id = stash_id);
	int map = bpf_map_create(type, "stashes", 4, 16, 2, &mo);
	uint32_t k = 0;
	long v[2] = { 5, 12345 };

	out("%s map: create %s", type == BPF_MAP_TYPE_ARRAY ? "array" : "hash",
	    map >= 0 ? "ok" : strerror(errno));
	if (map < 0)
		return;
	if (type == BPF_MAP_TYPE_HASH)
		out("  insert: %d", bpf_map_update_elem(map, &k, v, BPF_ANY) ? -errno : 0);
	int stash = load_stash(btf, map), take = load_take(btf, map), peek = load_peek(btf, map);
	if (stash >= 0 && take >= 0 && peek >= 0) {
		run("take from the empty field", take, 64);
		run("peek at the empty field", peek, 64);
		run("stash 64", stash, 64);
		run("stash 100", stash, 100);
		run("peek", peek, 64);
		show(map);
		run("take", take, 64);
		run("take again", take, 64);
		run("stash 90", stash, 90);
		out("  user update: %d", bpf_map_update_elem(map, &k, v, BPF_ANY) ? -errno : 0);
		show(map);
		run("take after the update", take, 64);
		run("stash 70", stash, 70);
		if (type == BPF_MAP_TYPE_HASH) {
			out("  user delete: %d", bpf_map_delete_elem(map, &k) ? -errno : 0);
			run("take after the delete", take, 64);
			out("  insert: %d", bpf_map_update_elem(map, &k, v, BPF_ANY) ? -errno : 0);
			run("take from the new element", take, 64);
			run("stash 80", stash, 80);
		}
	}
	/* the last descriptor goes while the programs hold the map: the object stays */
	close(map);
	if (stash >= 0 && take >= 0) {
		run("take after the map's fd closed", take, 64);
		run("stash 60", stash, 60);
	}
	/* the map goes with an object in its field: freed with it */
	close(stash);
	close(take);
	close(peek);
}

int main(void)
{
	vmlinux = btf__load_vmlinux_btf();
	int btf = make_btf();

	if (!vmlinux || btf < 0) {
		out("no BTF: %d", btf);
		return finish();
	}
	scenario(btf, BPF_MAP_TYPE_ARRAY);
	scenario(btf, BPF_MAP_TYPE_HASH);
	close(btf);
	btf__free(vmlinux);
	return finish();
}
