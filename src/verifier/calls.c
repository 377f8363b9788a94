/* Calls and exits at load time: helper arguments checked against the prototypes of
 * protos.c, their return values typed (map values with NULL-check ids), packet pointers
 * invalidated by helpers that change the packet, bpf-to-bpf calls in frames of their
 * own, timer callbacks verified as async entry points, and the return ranges the program
 * type (or the callback) allows.  No locking (one verification). */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>

#include "env.h"
#include "protos.h"
#include "../lib/bpf_newer.h"
#include "../btf/btf.h"
#include "../helpers/helpers.h"
#include "../maps/map.h"

struct call_meta {
	const struct bpf_map *map;       /* from ARG_MAP, or the timer's map */
	const struct bpf_map *timer_map; /* the map of an ARG_TIMER value */
	u32 func;                        /* ARG_FUNC's subprogram */
	bool key_in_array;               /* ARG_KEY: a constant key below an array's max_entries */
};

static int type_error(struct venv *env, u32 regno, const char *expected)
{
	const struct vreg *r = &cur_regs(env)[regno];

	return vfail(env, r, -EACCES, "R%u type=%s expected=%s", regno, reg_type_str(r), expected);
}

static bool is_null(const struct vreg *r)
{
	return reg_is_const(r) && !r->var_off.value;
}

/* The kernel knows that an array lookup with a constant key below max_entries (zeroed
 * stack bytes, or a spilled constant) cannot fail. */
static bool const_array_key(struct venv *env, const struct vreg *r, const struct bpf_map *map)
{
	u64 key = 0;

	if ((map->map_type != BPF_MAP_TYPE_ARRAY && map->map_type != BPF_MAP_TYPE_PERCPU_ARRAY) ||
	    r->type != PTR_STACK || !tnum_is_const(r->var_off) || map->key_size != 4)
		return false;
	const struct vframe *fr = env->cur.fr[r->frame];
	s64 at = (s64)r->off + (s64)r->var_off.value + MAX_BPF_STACK;
	if (fr->slot[at] == SLOT_SPILL) {
		const struct vreg *sp = &fr->spill[at / 8];
		if (at % 8 || !reg_is_const(sp))
			return false;
		key = (u32)sp->var_off.value;
	} else {
		for (u32 i = 0; i < 4; i++)
			if (fr->slot[at + i] != SLOT_ZERO)
				return false;
	}
	return key < map->max_entries;
}

/* Argument regno of map memory (key or value) of the map of ARG_MAP. */
static int check_map_arg_mem(struct venv *env, u32 regno, struct call_meta *m, bool key)
{
	const struct vreg *r = &cur_regs(env)[regno];

	if (!m->map)
		return vgiveup(env, "map memory argument without a known map");
	if (r->maybe_null ||
	    (r->type != PTR_STACK && r->type != PTR_PKT && r->type != PTR_PKT_META &&
	     r->type != PTR_MAP_KEY && r->type != PTR_MAP_VALUE))
		return type_error(env, regno,
				  "fp, pkt, pkt_meta, map_key, map_value, mem, "
				  "ringbuf_mem, buf, trusted_ptr_");
	int err = check_helper_mem(env, regno, key ? m->map->key_size : m->map->value_size, false,
				   false);
	if (!err && key)
		m->key_in_array = const_array_key(env, r, m->map);
	return err;
}

/* ARG_MEM-like argument regno with its size in regno + 1. */
static int check_mem_size_pair(struct venv *env, u32 regno, u8 arg, u8 size_arg)
{
	struct vreg *r = &cur_regs(env)[regno], *sz = &cur_regs(env)[regno + 1];
	bool zero_ok = size_arg == ARG_SIZE_OR_ZERO;
	int err = check_reg_init(env, regno + 1);

	if (err)
		return err;
	if (arg == ARG_MEM_OR_NULL && is_null(r))
		return 0;
	if (r->type == SCALAR || r->maybe_null)
		return type_error(env, regno,
				  "fp, pkt, pkt_meta, map_key, map_value, mem, "
				  "ringbuf_mem, buf, trusted_ptr_");
	if (sz->type != SCALAR)
		return type_error(env, regno + 1, "scalar");
	if (sz->smin < 0)
		return vfail(env, sz, -EACCES,
			     "R%u min value is negative, either use unsigned or 'var &= const'",
			     regno + 1);
	if (!sz->umin && !zero_ok)
		return vfail(env, sz, -EACCES, "R%u invalid zero-sized read: u64=[%llu,%llu]",
			     regno + 1, (unsigned long long)sz->umin, (unsigned long long)sz->umax);
	if (sz->umax >= (1ull << 29))
		return vfail(
			env, sz, -EACCES,
			"R%u unbounded memory access, use 'var &= const' or 'if (var < const)'",
			regno + 1);
	return check_helper_mem(env, regno, (u32)sz->umax, arg == ARG_MEM_UNINIT, zero_ok);
}

static int check_timer_arg(struct venv *env, u32 regno, struct call_meta *m)
{
	const struct vreg *r = &cur_regs(env)[regno];

	if (r->type != PTR_MAP_VALUE || r->maybe_null)
		return type_error(env, regno, "map_value");
	if (!tnum_is_const(r->var_off))
		return vfail(
			env, r, -EINVAL,
			"R%u doesn't have constant offset. bpf_timer has to be at the constant "
			"offset",
			regno);
	s32 f = map_field_off(r->map, FIELD_TIMER);
	if (f == FIELD_NONE)
		return vfail(env, NULL, -EINVAL, "map '%s' has no valid bpf_timer", r->map->name);
	s64 at = (s64)r->off + (s64)r->var_off.value;
	if (at != f)
		return vfail(env, NULL, -EINVAL,
			     "off %lld doesn't point to 'struct bpf_timer' that is at %d",
			     (long long)at, f);
	m->timer_map = r->map;
	return 0;
}

static int check_map_ptr_arg(struct venv *env, u32 regno, struct call_meta *m)
{
	const struct vreg *r = &cur_regs(env)[regno];

	if (r->type != CONST_MAP)
		return type_error(env, regno, "map_ptr");
	if (m->timer_map && m->timer_map != r->map)
		return vfail(env, NULL, -EINVAL,
			     "timer pointer in R1 map_uid=0 doesn't match map pointer in R%u "
			     "map_uid=0",
			     regno);
	m->map = r->map;
	return 0;
}

static int check_arg(struct venv *env, const struct helper_proto *p, u32 i, struct call_meta *m)
{
	u32 regno = i + 1;
	const struct vreg *r = &cur_regs(env)[regno];
	int err = check_reg_init(env, regno);

	if (err)
		return err;
	switch (p->args[i]) {
	case ARG_MAP:
		return check_map_ptr_arg(env, regno, m);
	case ARG_KEY:
	case ARG_VALUE:
		return check_map_arg_mem(env, regno, m, p->args[i] == ARG_KEY);
	case ARG_MEM:
	case ARG_MEM_OR_NULL:
	case ARG_MEM_UNINIT:
		return i + 1 < 5 ? check_mem_size_pair(env, regno, p->args[i], p->args[i + 1]) :
				   vgiveup(env, "memory argument without a size");
	case ARG_CTX:
		if (r->type != PTR_CTX)
			return type_error(env, regno, "ctx");
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value)
			return vfail(env, r, -EACCES,
				     "dereference of modified ctx ptr R%u off=%d disallowed", regno,
				     r->off);
		return 0;
	case ARG_TIMER:
		return check_timer_arg(env, regno, m);
	case ARG_FUNC:
		if (r->type != PTR_FUNC)
			return type_error(env, regno, "func");
		m->func = r->subprog;
		return 0;
	case ARG_CONST_STR:
		return r->type == PTR_MAP_VALUE && !r->maybe_null ?
			       0 :
			       vgiveup(env, "constant string argument");
	default: /* ARG_ANY, and sizes checked with their memory */
		return 0;
	}
}

/* After a helper that may move the packet. */
static void clear_pkt_one(struct vreg *r, void *arg)
{
	(void)arg;
	if (r->type >= PTR_PKT && r->type <= PTR_PKT_END)
		reg_mark_unknown(r);
}

/* A timer callback: verified later as an entry of its own, (map, key, value) in R1-R3. */
static int push_timer_callback(struct venv *env, const struct call_meta *m)
{
	struct vstate st = { .nframes = 1, .in_async = 1 };
	const struct bpf_map *map = m->timer_map;

	for (u32 i = 0; i < env->nasync; i++)
		if (env->async_seen[i].subprog == m->func && env->async_seen[i].map == map)
			return 0;
	if (env->nasync == ARRAY_SIZE(env->async_seen))
		return vgiveup(env, "too many timer callbacks");
	env->async_seen[env->nasync].subprog = m->func;
	env->async_seen[env->nasync++].map = map;
	st.fr[0] = frame_new(m->func, env->insn, 0);
	if (!st.fr[0])
		return -ENOMEM;
	st.fr[0]->is_callback = true;
	struct vreg *regs = st.fr[0]->regs;
	regs[BPF_REG_1] = (struct vreg){ .type = CONST_MAP, .map = map };
	regs[BPF_REG_2] = (struct vreg){ .type = PTR_MAP_KEY, .map = map };
	regs[BPF_REG_3] = (struct vreg){ .type = PTR_MAP_VALUE, .map = map };
	for (u32 i = BPF_REG_1; i <= BPF_REG_3; i++)
		regs[i].var_off = tnum_const(0);
	int err = push_branch(env, &st, env->prog->subprogs[m->func].start);
	state_free(&st);
	return err;
}

/* A lookup in map returns a pointer to its value bytes (not to an object). */
static bool lookup_gives_value(const struct bpf_map *map)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_TASK_STORAGE: /* the *_storage_get helpers */
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return true;
	default:
		return false;
	}
}

int check_helper_call(struct venv *env, const struct bpf_insn *insn)
{
	const struct helper_proto *p = helper_proto((u32)insn->imm);
	struct call_meta m = { 0 };
	int err = 0;

	if (!p && !helper_name((u32)insn->imm))
		return vfail(env, NULL, -EINVAL, "invalid func unknown#%d", insn->imm);
	if (!p)
		return vgiveup(env, "helper without a prototype");
	if (p->might_sleep && (!(env->prog->prog_flags & BPF_F_SLEEPABLE) || env->cur.in_async))
		return vfail(env, NULL, -EINVAL, "helper call might sleep in a non-sleepable prog");
	for (u32 i = 0; i < 5 && p->args[i] != ARG_NONE && !err; i++) {
		err = check_arg(env, p, i, &m);
		if (p->args[i] == ARG_MEM || p->args[i] == ARG_MEM_OR_NULL ||
		    p->args[i] == ARG_MEM_UNINIT)
			i++;
	}
	if (!err && p->cb == CB_TIMER)
		err = push_timer_callback(env, &m);
	if (err)
		return err;
	if (p->pkt_changes) /* every packet pointer is stale */
		for_each_reg(&env->cur, clear_pkt_one, NULL);
	struct vreg *regs = cur_regs(env);
	for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
		regs[i] = (struct vreg){ .type = NOT_INIT };
	struct vreg *r0 = &regs[BPF_REG_0];
	if (p->ret == RET_VOID) {
		*r0 = (struct vreg){ .type = NOT_INIT };
	} else if (p->ret == RET_MAP_VALUE_OR_NULL && m.map && !lookup_gives_value(m.map)) {
		/* The kernel's result is the inner map (CONST_PTR_TO_MAP after the NULL check)
		 * for maps of maps, a socket for xskmap, sockmap ...: not modelled yet. */
		return vgiveup(env, "lookup in a map whose elements are not plain values");
	} else if (p->ret == RET_MAP_VALUE_OR_NULL) {
		bool null = !m.key_in_array;
		*r0 = (struct vreg){ .type = PTR_MAP_VALUE,
				     .maybe_null = null,
				     .map = m.map,
				     .id = null ? ++env->id_gen : 0,
				     .var_off = tnum_const(0) };
	} else {
		r0->fuzzy = false;
		reg_mark_unknown(r0);
		/* The kernel bounds some results (the CPU id by nr_cpu_ids, a stack's bytes by
		 * the buffer's size). */
		r0->fuzzy = insn->imm == BPF_FUNC_get_smp_processor_id ||
			    insn->imm == BPF_FUNC_get_stack || insn->imm == BPF_FUNC_get_task_stack;
	}
	return 0;
}

static bool subprog_is_global(const struct bpf_prog *prog, u32 sp)
{
	const struct bpf_func_info *fi = prog->func_info;

	if (!fi || !prog->btf || sp >= prog->func_info_cnt)
		return false;
	const struct btf_type *t = btf__type_by_id(prog->btf->btf, fi[sp].type_id);
	return t && btf_vlen(t) == BTF_FUNC_GLOBAL; /* a FUNC's vlen is its linkage */
}

int check_subprog_call(struct venv *env, const struct bpf_insn *insn)
{
	u32 target = env->insn + (u32)insn->imm + 1, sp = subprog_of(env->prog, target);
	u32 n = env->cur.nframes;

	if (subprog_is_global(env->prog, sp))
		return vgiveup(env, "global function");
	if (n >= MAX_CALL_FRAMES)
		return vfail(env, NULL, -E2BIG, "the call stack of %u frames is too deep !", n + 1);
	struct vframe *fr = frame_new(sp, env->insn, n);
	if (!fr)
		return -ENOMEM;
	struct vreg *caller = cur_regs(env);
	for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
		fr->regs[i] = caller[i];
	env->cur.fr[n] = fr;
	env->cur.nframes = n + 1;
	env->insn = target;
	return 0;
}

static int log_invalid_scalar(struct venv *env, const struct vreg *r, const char *ctx, s32 lo,
			      s32 hi)
{
	char buf[96] = "";
	int n = 0;

	if (r->smin > INT64_MIN)
		n += snprintf(buf + n, sizeof(buf) - n, " smin=%lld", (long long)r->smin);
	if (r->smax < INT64_MAX)
		n += snprintf(buf + n, sizeof(buf) - n, " smax=%lld", (long long)r->smax);
	return vfail(env, r, -EINVAL, "%s the register R0 has%s should have been in [%d, %d]", ctx,
		     n ? buf : " unknown scalar value", lo, hi);
}

/* The range R0 must be in at the exit of the main program: 0 when any. */
static bool prog_ret_range(const struct bpf_prog *prog, s32 *lo, s32 *hi)
{
	*lo = 0;
	switch (prog->type) {
	case BPF_PROG_TYPE_CGROUP_SKB:
		*hi = prog->expected_attach_type == BPF_CGROUP_INET_EGRESS ? 3 : 1;
		return true;
	case BPF_PROG_TYPE_CGROUP_SOCK:
		*hi = 1;
		return true;
	default:
		return false;
	}
}

static int check_return_range(struct venv *env, const char *ctx, s32 lo, s32 hi)
{
	const struct vreg *r0 = &cur_regs(env)[BPF_REG_0];

	if (r0->type != SCALAR)
		return vfail(env, NULL, -EINVAL, "%s the register R0 is not a known value (%s)",
			     ctx, reg_type_str(r0));
	if (r0->smin < lo || r0->smax > hi)
		return log_invalid_scalar(env, r0, ctx, lo, hi);
	return 0;
}

int check_exit(struct venv *env)
{
	u32 n = env->cur.nframes;
	struct vframe *fr = cur_frame(env);
	int err;
	s32 lo, hi;

	/* A function may return nothing: only a caller that reads R0 fails. */
	if (n > 1) {
		struct vframe *caller = env->cur.fr[n - 2];
		const struct vreg *r0 = &fr->regs[BPF_REG_0];
		if (r0->type == PTR_STACK && r0->frame == n - 1)
			return vfail(env, NULL, -EINVAL,
				     "cannot return stack pointer to the caller");
		caller->regs[BPF_REG_0] = *r0;
		for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
			caller->regs[i] = (struct vreg){ .type = NOT_INIT };
		env->insn = fr->callsite; /* the loop steps past the call */
		free(fr);
		env->cur.fr[n - 1] = NULL;
		env->cur.nframes = n - 1;
		return 0;
	}
	err = check_reg_init(env, BPF_REG_0);
	if (err)
		return err;
	if (fr->is_callback)
		err = check_return_range(env, "At async callback return", 0, 0);
	else if (prog_ret_range(env->prog, &lo, &hi))
		err = check_return_range(env, "At program exit", lo, hi);
	return err ? err : 1;
}
