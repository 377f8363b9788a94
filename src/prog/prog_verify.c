/* The checks of BPF_PROG_LOAD: subprograms and the jumps within them, BTF func/line info,
 * ld_imm64 relocation (maps, map values, callbacks), helper availability, static stack
 * bounds and call chains; then the interpreter's own instruction checks (vm_prepare);
 * then the verifier (src/verifier), which follows every path.  Whatever it does not
 * prove is checked at run time.  No locking: the program under construction belongs to
 * the loading thread.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "load.h"
#include "types.h"
#include "../lib/uaccess.h"
#include "../btf/btf.h"
#include "../maps/map.h"
#include "../vm/vm.h"
#include "../jit/jit.h"
#include "../helpers/helpers.h"
#include "../helpers/ksym_var.h"
#include "../verifier/verifier.h"

#define MAX_SUBPROGS 256
/* The call libbpf writes over an instruction whose CO-RE relocation failed (its
 * "poisoned" instruction): the kernel refuses it only on a path its verifier explores. */
#define LIBBPF_POISON_CALL 0xbad2310u
#define MAX_VAR_OFF (1u << 29)
#define MIN_FUNCINFO_SIZE 8u
#define MIN_LINEINFO_SIZE 16u
#define MAX_INFO_REC_SIZE 252u

/* ---- subprograms ---- */

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	return x < y ? -1 : x > y;
}

static int add_subprog_start(struct load_env *env, u32 *starts, u32 *n, s64 target)
{
	struct bpf_prog *prog = env->prog;

	if (target < 0 || target >= prog->len ||
	    (target > 0 && is_ld_imm64(&prog->insns[target - 1]) &&
	     !is_ld_imm64(&prog->insns[target]) && !prog->insns[target].code)) {
		vlog_printf(&env->log, "call to invalid destination\n");
		return -EINVAL;
	}
	for (u32 i = 0; i < *n; i++)
		if (starts[i] == target)
			return 0;
	if (*n >= MAX_SUBPROGS) {
		vlog_printf(&env->log, "too many subprograms\n");
		return -E2BIG;
	}
	starts[(*n)++] = (u32)target;
	return 0;
}

static int find_subprogs(struct load_env *env)
{
	struct bpf_prog *prog = env->prog;
	u32 starts[MAX_SUBPROGS], n = 0;
	int err = add_subprog_start(env, starts, &n, 0);

	for (u32 i = 0; i < prog->len && !err; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		if (is_pseudo_call(insn)) {
			err = add_subprog_start(env, starts, &n, (s64)i + insn->imm + 1);
		} else if (is_kfunc_call(insn)) {
			err = prog_kfunc_add(env, i);
		} else if (is_ld_imm64(insn)) {
			if (insn->src_reg == BPF_PSEUDO_FUNC)
				err = add_subprog_start(env, starts, &n, (s64)i + insn->imm + 1);
			i++;
		}
	}
	if (err)
		return err;
	qsort(starts, n, sizeof(starts[0]), cmp_u32);
	prog->subprogs = calloc(n, sizeof(*prog->subprogs));
	if (!prog->subprogs)
		return -ENOMEM;
	prog->nr_subprogs = n;
	for (u32 i = 0; i < n; i++) {
		prog->subprogs[i].start = starts[i];
		prog->subprogs[i].end = i + 1 < n ? starts[i + 1] : prog->len;
	}
	return 0;
}

/* Jumps stay inside their subprogram, and no subprogram falls into the next. */
/* GET_INFO shows a bpf-to-bpf call as the kernel does after its fixups: the offset in
 * off, the callee's subprogram index in imm. */
static void xlate_pseudo_calls(struct bpf_prog *prog)
{
	for (u32 i = 0; i < prog->len; i++) {
		struct bpf_insn *xl = &prog->xlated[i];
		if (!is_pseudo_call(xl))
			continue;
		const struct subprog *callee = prog_subprog_at(prog, i + xl->imm + 1);
		xl->off = (s16)xl->imm;
		xl->imm = (s32)(callee - prog->subprogs);
	}
}

static int check_subprog_jumps(struct load_env *env)
{
	struct bpf_prog *prog = env->prog;

	for (u32 s = 0; s < prog->nr_subprogs; s++) {
		const struct subprog *sp = &prog->subprogs[s];
		for (u32 i = sp->start; i < sp->end; i++) {
			const struct bpf_insn *insn = &prog->insns[i];
			u8 cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
			if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL &&
			    op != BPF_EXIT) {
				s64 to = (s64)i + 1 +
					 (insn->code == (BPF_JMP32 | BPF_JA) ? insn->imm :
									       insn->off);
				if (to < sp->start || to >= sp->end) {
					vlog_printf(&env->log,
						    "jump out of range from insn %u to %lld\n", i,
						    (long long)to);
					return -EINVAL;
				}
				env->jump_target[to] = 1;
			}
			if (i == sp->end - 1 && insn->code != (BPF_JMP | BPF_EXIT) &&
			    insn->code != (BPF_JMP | BPF_JA) &&
			    insn->code != (BPF_JMP32 | BPF_JA)) {
				vlog_printf(&env->log, "last insn is not an exit or jmp\n");
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- BTF func_info / line_info ---- */

/* Copies cnt records of rec_size bytes into records of ksize bytes; the bytes of larger
 * user records past ksize must be zero. */
static void *copy_info_records(u64 uptr, u32 cnt, u32 rec_size, u32 ksize, int *err)
{
	u8 *dst = calloc(cnt, ksize);

	*err = dst ? 0 : -ENOMEM;
	for (u32 i = 0; !*err && i < cnt; i++) {
		void *rec = u64_to_ptr(uptr + (u64)i * rec_size);
		*err = check_uarg_tail_zero(rec, ksize, rec_size);
		if (!*err)
			*err = copy_from_user(dst + (size_t)i * ksize, rec, MIN(rec_size, ksize));
	}
	if (*err) {
		free(dst);
		return NULL;
	}
	return dst;
}

static int check_func_info(struct load_env *env, struct btf_obj *btf)
{
	const union bpf_attr *attr = env->attr;
	struct bpf_prog *prog = env->prog;
	u32 rec = attr->func_info_rec_size;
	int err;

	if (rec < MIN_FUNCINFO_SIZE || rec > MAX_INFO_REC_SIZE || rec % 4) {
		vlog_printf(&env->log, "invalid func info rec size %u\n", rec);
		return -EINVAL;
	}
	if (attr->func_info_cnt != prog->nr_subprogs) {
		vlog_printf(&env->log,
			    "number of funcs in func_info doesn't match number of subprogs\n");
		return -EINVAL;
	}
	struct bpf_func_info *fi = copy_info_records(attr->func_info, attr->func_info_cnt, rec,
						     sizeof(*fi), &err);
	if (!fi)
		return err;
	prog->func_info = fi;
	prog->func_info_cnt = attr->func_info_cnt;
	prog->func_info_rec_size = sizeof(*fi);
	for (u32 i = 0; i < prog->func_info_cnt; i++) {
		if (!i && fi[i].insn_off) {
			vlog_printf(&env->log,
				    "nonzero insn_off %u for the first func info record\n",
				    fi[i].insn_off);
			return -EINVAL;
		}
		if (i && fi[i].insn_off <= fi[i - 1].insn_off) {
			vlog_printf(&env->log,
				    "same or smaller insn offset (%u) than previous func info "
				    "record (%u)",
				    fi[i].insn_off, fi[i - 1].insn_off);
			return -EINVAL;
		}
		if (prog->subprogs[i].start != fi[i].insn_off) {
			vlog_printf(&env->log, "func_info BTF section doesn't match subprog layout "
					       "in BPF program\n");
			return -EINVAL;
		}
		const struct btf_type *t = btf__type_by_id(btf->btf, fi[i].type_id);
		if (!t || !btf_is_func(t)) {
			vlog_printf(&env->log, "invalid type id %d\n", fi[i].type_id);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_line_info(struct load_env *env)
{
	const union bpf_attr *attr = env->attr;
	struct bpf_prog *prog = env->prog;
	u32 rec = attr->line_info_rec_size, s = 0;
	int err;

	if (rec < MIN_LINEINFO_SIZE || rec > MAX_INFO_REC_SIZE || rec % 4)
		return -EINVAL;
	struct bpf_line_info *li = copy_info_records(attr->line_info, attr->line_info_cnt, rec,
						     sizeof(*li), &err);
	if (!li)
		return err;
	prog->line_info = li;
	prog->line_info_cnt = attr->line_info_cnt;
	prog->line_info_rec_size = sizeof(*li);
	for (u32 i = 0; i < prog->line_info_cnt; i++) {
		if ((i && li[i].insn_off <= li[i - 1].insn_off) || li[i].insn_off >= prog->len) {
			vlog_printf(
				&env->log,
				"Invalid line_info[%u].insn_off:%u (prev_offset:%u prog->len:%u)\n",
				i, li[i].insn_off, i ? li[i - 1].insn_off : 0, prog->len);
			return -EINVAL;
		}
		if (s < prog->nr_subprogs && prog->subprogs[s].start == li[i].insn_off)
			s++;
	}
	if (s != prog->nr_subprogs) {
		vlog_printf(&env->log, "missing bpf_line_info for func#%u\n", s);
		return -EINVAL;
	}
	return 0;
}

static int check_btf_info(struct load_env *env)
{
	const union bpf_attr *attr = env->attr;
	int err = 0;

	if (!attr->func_info_cnt && !attr->line_info_cnt)
		return 0;
	struct btf_obj *btf = btf_from_fd((int)attr->prog_btf_fd);
	if (IS_ERR(btf))
		return (int)PTR_ERR(btf);
	env->prog->btf = btf;
	if (attr->func_info_cnt)
		err = check_func_info(env, btf);
	if (!err && attr->line_info_cnt)
		err = check_line_info(env);
	return err;
}

/* ---- ld_imm64 relocation ---- */

/* The kernel's check_map_prog_compatibility on special fields: the field a map's values
 * hold that prog's type may not use ("bpf_spin_lock" in tracing programs and socket
 * filters, "bpf_timer" in tracing programs), checked in the kernel's order, or NULL. */
static const char *map_refused_field(const struct bpf_prog *prog, const struct bpf_map *map)
{
	bool tracing = prog->tops->tracing;

	if (map_field_off(map, FIELD_SPIN_LOCK) != FIELD_NONE &&
	    (tracing || prog->type == BPF_PROG_TYPE_SOCKET_FILTER))
		return "bpf_spin_lock";
	if (tracing && map_field_off(map, FIELD_TIMER) != FIELD_NONE)
		return "bpf_timer";
	return NULL;
}

static int add_used_map(struct load_env *env, struct bpf_map *map)
{
	struct bpf_prog *prog = env->prog;

	for (u32 i = 0; i < prog->nr_used_maps; i++) {
		if (prog->used_maps[i] == map) {
			map_put(map);
			return 0;
		}
	}
	const char *refused = map_refused_field(prog, map);
	if (refused) {
		vlog_printf(&env->log, "%s progs cannot use %s yet\n",
			    prog->tops->tracing ? "tracing" : "socket filter", refused);
		map_put(map);
		return -EINVAL;
	}
	if (prog->nr_used_maps >= MAX_USED_MAPS) {
		vlog_printf(&env->log,
			    "The total number of maps per program has reached the limit of %u\n",
			    MAX_USED_MAPS);
		map_put(map);
		return -E2BIG;
	}
	prog->used_maps[prog->nr_used_maps++] = map; /* takes over the reference */
	return 0;
}

/* Address of the value at off of a map that allows direct value access (the kernel's
 * array_map_direct_value_addr): single-element arrays only. */
static int map_direct_value_addr(struct load_env *env, struct bpf_map *map, u32 off, u64 *addr)
{
	if (off >= MAX_VAR_OFF) {
		vlog_printf(&env->log, "direct value offset of %u is not allowed\n", off);
		return -EINVAL;
	}
	if (map->map_type != BPF_MAP_TYPE_ARRAY) {
		vlog_printf(&env->log, "no direct value access support for this map type\n");
		return -EINVAL;
	}
	int err = map->max_entries != 1 ? -ENOTSUPP : off >= map->value_size ? -EINVAL : 0;
	if (err) {
		vlog_printf(&env->log,
			    "invalid access to map value pointer, value_size=%u off=%u\n",
			    map->value_size, off);
		return err;
	}
	*addr = (u64)(uintptr_t)(map->region.base + map->region.value_off) + off;
	return 0;
}

static int ld_imm64_map_fd(struct load_env *env, const struct bpf_insn *insn, int *fd)
{
	u64 fd_array = env->attr->fd_array;

	if (insn->src_reg != BPF_PSEUDO_MAP_IDX && insn->src_reg != BPF_PSEUDO_MAP_IDX_VALUE) {
		*fd = insn->imm;
		return 0;
	}
	if (!fd_array) {
		vlog_printf(&env->log, "fd_idx without fd_array is invalid\n");
		return -EPROTO;
	}
	return copy_from_user(fd, u64_to_ptr(fd_array + (u64)(u32)insn->imm * sizeof(*fd)),
			      sizeof(*fd));
}

static int relocate_map_load(struct load_env *env, u32 i)
{
	struct bpf_prog *prog = env->prog;
	struct bpf_insn *insn = &prog->insns[i], *xl = &prog->xlated[i];
	bool value = insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
		     insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE;
	int fd, err;
	u64 addr;

	if (!value && insn[1].imm) {
		vlog_printf(&env->log, "unrecognized bpf_ld_imm64 insn\n");
		return -EINVAL;
	}
	err = ld_imm64_map_fd(env, insn, &fd);
	if (err)
		return err;
	struct bpf_map *map = map_from_fd(fd, NULL);
	if (IS_ERR(map)) {
		vlog_printf(&env->log, "fd %d is not pointing to valid bpf_map\n", fd);
		return (int)PTR_ERR(map);
	}
	err = add_used_map(env, map); /* consumes the reference */
	if (err)
		return err;
	if (value) {
		err = map_direct_value_addr(env, map, (u32)insn[1].imm, &addr);
		if (err)
			return err;
	} else {
		addr = (u64)(uintptr_t)map;
	}
	env->insn_map[i] = map;
	xl[0].src_reg = value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD;
	xl[0].imm = (s32)map->obj.id;
	insn[0].src_reg = 0;
	insn[0].imm = (s32)(u32)addr;
	insn[1].imm = (s32)(u32)(addr >> 32);
	return 0;
}

/* A typed ksym (helpers/ksym_var.h): the instruction loads its value.  The xlated
 * copy keeps BPF_PSEUDO_BTF_ID until the verifier has seen it (xlate_ksyms). */
static int relocate_ksym(struct load_env *env, struct bpf_insn *insn)
{
	u64 value;
	int err = ksym_resolve((u32)insn[0].imm, insn[1].imm, &value, &env->log);

	if (err)
		return err;
	insn[0].src_reg = 0;
	insn[0].imm = (s32)(u32)value;
	insn[1].imm = (s32)(u32)(value >> 32);
	return 0;
}

/* The kernel shows a typed ksym's ld_imm64 as the plain load of its value. */
static void xlate_ksyms(struct bpf_prog *prog)
{
	for (u32 i = 0; i + 1 < prog->len; i++) {
		struct bpf_insn *xl = &prog->xlated[i];
		if (!is_ld_imm64(xl))
			continue;
		if (xl->src_reg == BPF_PSEUDO_BTF_ID)
			memcpy(xl, &prog->insns[i], 2 * sizeof(*xl));
		i++;
	}
}

static int relocate_ld_imm64(struct load_env *env)
{
	struct bpf_prog *prog = env->prog;
	int err = 0;

	for (u32 i = 0; i < prog->len && !err; i++) {
		struct bpf_insn *insn = &prog->insns[i];
		if (!is_ld_imm64(insn))
			continue;
		if (i == prog->len - 1 || insn[1].code || insn[1].dst_reg || insn[1].src_reg ||
		    insn[1].off) {
			vlog_printf(&env->log, "invalid bpf_ld_imm64 insn\n");
			return -EINVAL;
		}
		switch (insn->src_reg) {
		case 0:
			break;
		case BPF_PSEUDO_FUNC:
			/* vm_prepare resolves callback addresses (and counts them as
			 * reachable entry points): leave the relative form. */
			break;
		case BPF_PSEUDO_BTF_ID:
			err = relocate_ksym(env, insn);
			break;
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			err = relocate_map_load(env, i);
			break;
		default:
			vlog_printf(&env->log, "unrecognized bpf_ld_imm64 insn\n");
			return -EINVAL;
		}
		i++;
	}
	return err;
}

/* ---- helpers, LD_ABS, stack ---- */

/* Registers known to hold R10 + constant, or a map loaded by ld_imm64, tracked through
 * straight-line code (reset at jump targets). */
struct fp_track {
	bool ctx[MAX_BPF_REG]; /* holds the entry's context pointer */
	bool known[MAX_BPF_REG];
	s64 off[MAX_BPF_REG];
	struct bpf_map *map[MAX_BPF_REG];
};

static int check_helper_call(struct load_env *env, const struct fp_track *t, u32 i)
{
	struct bpf_prog *prog = env->prog;
	u32 id = (u32)prog->insns[i].imm;
	const struct helper_desc *h = helper_get(id);

	if (id == LIBBPF_POISON_CALL)
		return 0; /* the verifier refuses it where a path reaches it; the vm faults */
	if (!h) {
		vlog_printf(&env->log, "invalid func unknown#%d\n", prog->insns[i].imm);
		return -EINVAL;
	}
	if (!prog->tops->helpers || !helper_in_set(prog->tops->helpers, id)) {
		vlog_printf(&env->log, "program of this type cannot use helper %s#%u\n", h->name,
			    id);
		return -EINVAL;
	}
	if (h->gpl_only && !prog->gpl_compatible) {
		vlog_printf(
			&env->log,
			"cannot call GPL-restricted function from non-GPL compatible program\n");
		return -EINVAL;
	}
	if (!h->fn) {
		vlog_printf(&env->log, "bpfrun: helper %s#%u is not supported\n", h->name, id);
		return -EINVAL;
	}
	if (id == BPF_FUNC_timer_init) {
		struct bpf_map *map = t->map[BPF_REG_2];
		if (map && map_field_off(map, FIELD_TIMER) == FIELD_NONE) {
			vlog_printf(&env->log, "map '%s' has no valid bpf_timer\n", map->name);
			return -EINVAL;
		}
	}
	return 0;
}

static void fp_reset(struct fp_track *t)
{
	memset(t, 0, sizeof(*t));
	t->known[BPF_REG_10] = true;
}

static void fp_write(struct fp_track *t, u32 reg)
{
	if (reg < BPF_REG_10) {
		t->ctx[reg] = false;
		t->known[reg] = false;
		t->map[reg] = NULL;
	}
}

static void fp_clobber_call(struct fp_track *t)
{
	for (u32 r = BPF_REG_0; r <= BPF_REG_5; r++)
		fp_write(t, r);
}

static int check_stack_access(struct load_env *env, struct fp_track *t, u32 reg, s16 off, u32 size,
			      bool write, u32 *depth)
{
	if (reg >= MAX_BPF_REG || !t->known[reg])
		return 0;
	s64 at = t->off[reg] + off;
	if (at < -MAX_BPF_STACK || at + size > 0) {
		vlog_printf(&env->log, "invalid %s stack R%u off=%lld size=%u\n",
			    write ? "write to" : "read from", reg, (long long)at, size);
		return -EACCES;
	}
	*depth = MAX(*depth, (u32)-at);
	return 0;
}

static void track_alu64(struct fp_track *t, const struct bpf_insn *insn)
{
	u8 d = insn->dst_reg;

	if (d >= BPF_REG_10)
		return;
	t->map[d] = NULL;
	t->ctx[d] = insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) && !insn->off &&
		    insn->src_reg < MAX_BPF_REG && t->ctx[insn->src_reg];
	if (insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) && !insn->off &&
	    insn->src_reg < MAX_BPF_REG && t->known[insn->src_reg]) {
		t->known[d] = true;
		t->off[d] = t->off[insn->src_reg];
	} else if (insn->code == (BPF_ALU64 | BPF_ADD | BPF_K) && t->known[d]) {
		t->off[d] += insn->imm;
	} else if (insn->code == (BPF_ALU64 | BPF_SUB | BPF_K) && t->known[d]) {
		t->off[d] -= insn->imm;
	} else {
		t->known[d] = false;
	}
}

static void note_ctx_access(struct load_env *env, const struct fp_track *t, u32 reg, s16 off,
			    u32 size)
{
	if (reg < MAX_BPF_REG && t->ctx[reg] && off >= 0)
		env->prog->max_ctx_offset = MAX(env->prog->max_ctx_offset, (u32)off + size);
}

static u32 size_of(u8 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static int check_insn(struct load_env *env, u32 i, struct fp_track *t, u32 *depth)
{
	const struct bpf_insn *insn = &env->prog->insns[i];
	u8 cls = BPF_CLASS(insn->code);

	switch (cls) {
	case BPF_LD:
		if (BPF_MODE(insn->code) == BPF_ABS || BPF_MODE(insn->code) == BPF_IND) {
			if (!env->prog->tops->ld_abs) {
				vlog_printf(&env->log, "BPF_LD_[ABS|IND] instructions not allowed "
						       "for this program type\n");
				return -EINVAL;
			}
			fp_clobber_call(t);
		} else {
			fp_write(t, insn->dst_reg);
			if (is_ld_imm64(insn) && insn->dst_reg < BPF_REG_10)
				t->map[insn->dst_reg] = env->insn_map[i];
		}
		return 0;
	case BPF_LDX: {
		note_ctx_access(env, t, insn->src_reg, insn->off, size_of(insn->code));
		int err = check_stack_access(env, t, insn->src_reg, insn->off, size_of(insn->code),
					     false, depth);
		fp_write(t, insn->dst_reg);
		return err;
	}
	case BPF_ST:
	case BPF_STX: {
		note_ctx_access(env, t, insn->dst_reg, insn->off, size_of(insn->code));
		int err = check_stack_access(env, t, insn->dst_reg, insn->off, size_of(insn->code),
					     true, depth);
		if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC) {
			fp_write(t, insn->src_reg);
			fp_write(t, BPF_REG_0);
		}
		return err;
	}
	case BPF_ALU64:
		track_alu64(t, insn);
		return 0;
	case BPF_ALU:
		fp_write(t, insn->dst_reg);
		return 0;
	default:
		if (insn->code != (BPF_JMP | BPF_CALL))
			return 0;
		int err = 0;
		if (insn->src_reg == 0)
			err = check_helper_call(env, t, i);
		else if (is_kfunc_call(insn))
			err = prog_kfunc_check_call(env, i);
		fp_clobber_call(t);
		return err;
	}
}

static int check_subprog_body(struct load_env *env, struct subprog *sp)
{
	struct fp_track t;
	u32 depth = 0;

	fp_reset(&t);
	t.ctx[BPF_REG_1] = sp->start == 0;
	for (u32 i = sp->start; i < sp->end; i++) {
		if (env->jump_target[i])
			fp_reset(&t);
		int err = check_insn(env, i, &t, &depth);
		if (err)
			return err;
		if (is_ld_imm64(&env->prog->insns[i]))
			i++;
	}
	sp->stack_depth = ROUND_UP(depth, 8);
	return 0;
}

/* Frames and combined stack along every call chain (the kernel's check_max_stack_depth):
 * at most MAX_CALL_FRAMES frames, at most MAX_BPF_STACK bytes of stack with each frame
 * rounded up to 32 bytes.  Per subprogram, the deepest chain below it is computed once;
 * recursion counts as a chain too deep, as the kernel finds it. */
struct chain {
	u32 frames, stack;
	u8 state; /* 0 unvisited, 1 on the current path, 2 done */
};

static void chain_of(const struct bpf_prog *prog, u32 s, struct chain *ch)
{
	const struct subprog *sp = &prog->subprogs[s];
	u32 frames = 0, stack = 0;

	ch[s].state = 1;
	for (u32 i = sp->start; i < sp->end; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		if (!is_pseudo_call(insn))
			continue;
		u32 c = (u32)(prog_subprog_at(prog, i + insn->imm + 1) - prog->subprogs);
		if (ch[c].state == 1) {
			frames = MAX_CALL_FRAMES + 1; /* recursion */
			continue;
		}
		if (!ch[c].state)
			chain_of(prog, c, ch);
		frames = MAX(frames, ch[c].frames);
		stack = MAX(stack, ch[c].stack);
	}
	ch[s].frames = MIN(frames + 1, MAX_CALL_FRAMES + 1);
	/* the kernel rounds each frame to 16 bytes when the program is JITed (always, on
	 * the kernels bpfrun follows): a frame without stack counts nothing */
	ch[s].stack = stack + ROUND_UP(sp->stack_depth, 16);
	ch[s].state = 2;
}

static int check_chain(struct load_env *env, struct chain *ch, u32 root, u32 caller_frames)
{
	if (!ch[root].state)
		chain_of(env->prog, root, ch);
	u32 frames = ch[root].frames + caller_frames;
	if (frames > MAX_CALL_FRAMES) {
		vlog_printf(&env->log, "the call stack of %u frames is too deep !\n",
			    MAX_CALL_FRAMES + 1);
		return -E2BIG;
	}
	if (ch[root].stack > MAX_BPF_STACK) {
		vlog_printf(&env->log, "combined stack size of %u calls is %u. Too large\n", frames,
			    ch[root].stack);
		return -EACCES;
	}
	env->prog->max_stack_depth = MAX(env->prog->max_stack_depth, ch[root].stack);
	return 0;
}

/* The callback loaded at insn i goes to bpf_timer_set_callback: its R2, loaded in the
 * same straight-line stretch of code (as compilers emit it). */
static bool is_async_callback_ref(const struct load_env *env, u32 i)
{
	const struct bpf_prog *prog = env->prog;
	u8 reg = prog->insns[i].dst_reg;

	for (u32 j = i + 2; j < prog->len && !env->jump_target[j]; j++) {
		const struct bpf_insn *insn = &prog->insns[j];
		u8 cls = BPF_CLASS(insn->code);
		if (insn->code == (BPF_JMP | BPF_CALL))
			return !insn->src_reg && insn->imm == BPF_FUNC_timer_set_callback &&
			       reg == BPF_REG_2;
		if (cls == BPF_JMP || cls == BPF_JMP32)
			return false;
		if (insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) && insn->src_reg == reg)
			reg = insn->dst_reg; /* the copy is what goes on */
		else if (insn->dst_reg == reg && cls != BPF_ST && cls != BPF_STX)
			return false; /* overwritten */
	}
	return false;
}

static int check_call_depth(struct load_env *env)
{
	struct bpf_prog *prog = env->prog;
	struct chain *ch = calloc(prog->nr_subprogs, sizeof(*ch));

	if (!ch)
		return -ENOMEM;
	int err = check_chain(env, ch, 0, 0);
	/* Callbacks (ld_imm64 BPF_PSEUDO_FUNC targets) start chains of their own: one frame
	 * below their caller for synchronous ones (bpf_loop ...), a fresh root for the
	 * asynchronous ones (timer callbacks), as the kernel counts them. */
	for (u32 i = 0; i < prog->len && !err; i++) {
		const struct bpf_insn *xl = &prog->xlated[i];
		if (is_ld_imm64(xl) && xl->src_reg == BPF_PSEUDO_FUNC) {
			const struct subprog *cb = prog_subprog_at(prog, i + xl->imm + 1);
			err = check_chain(env, ch, (u32)(cb - prog->subprogs),
					  is_async_callback_ref(env, i) ? 0 : 1);
		}
	}
	free(ch);
	return err;
}

static int check_sleepable(struct load_env *env)
{
	bool sleepable = env->prog->prog_flags & BPF_F_SLEEPABLE;
	const struct prog_type_ops *tops = env->prog->tops;

	if (tops->sleepable_only && !sleepable) {
		vlog_printf(&env->log, "Syscall programs can only be sleepable\n");
		return -EINVAL;
	}
	if (sleepable && !tops->sleepable_only) {
		vlog_printf(&env->log, "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and "
				       "struct_ops programs can be sleepable\n");
		return -EINVAL;
	}
	return 0;
}

static int verify_steps(struct load_env *env)
{
	struct bpf_prog *prog = env->prog;
	char msg[256] = "";
	int err = find_subprogs(env);

	if (!err) {
		xlate_pseudo_calls(prog);
		err = check_subprog_jumps(env);
	}
	if (!err)
		err = check_btf_info(env);
	/* ld_imm64 before the sleepable check, as the kernel (measured: a typed ksym
	 * missing from kallsyms is ENOENT in a non-sleepable syscall program) */
	if (!err)
		err = relocate_ld_imm64(env);
	if (!err)
		err = check_sleepable(env);
	for (u32 s = 0; s < prog->nr_subprogs && !err; s++)
		err = check_subprog_body(env, &prog->subprogs[s]);
	if (!err)
		err = check_call_depth(env);
	if (!err) {
		err = vm_prepare(prog, helper_get, msg, sizeof(msg));
		if (err)
			vlog_printf(&env->log, "%s\n", msg);
	}
	/* After vm_prepare, which checks the instructions' form (registers, opcodes,
	 * reachability): the verifier judges well-formed programs only.  Before the JIT,
	 * which so compiles only the programs that load. */
	const struct vm_call_settings *call = &exec_ctx_get()->call; /* the loader's */
	if (!err && verifier_enabled() && !call->no_verifier)
		err = verifier_run(prog, env->insn_map, env->caps, &env->log, &env->vstats);
	if (!err)
		xlate_ksyms(prog);
	if (!err && vm_native_enabled() && !call->no_jit)
		jit_compile(prog); /* or the interpreter runs it */
	return err;
}

int prog_verify(struct load_env *env)
{
	u32 len = env->prog->len;
	int err = -ENOMEM;

	env->insn_map = calloc(len, sizeof(*env->insn_map));
	env->jump_target = calloc(len + 1, 1);
	if (env->insn_map && env->jump_target)
		err = verify_steps(env);
	free(env->insn_map);
	free(env->jump_target);
	env->insn_map = NULL;
	env->jump_target = NULL;
	return err;
}
