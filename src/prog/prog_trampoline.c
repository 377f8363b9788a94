/* Program types attached through the kernel's BTF: TRACING (fentry, fexit, fmod_ret,
 * tp_btf, iter) and LSM.  At load, attach_btf_id is resolved against the kernel's BTF
 * (btf/kernel_btf.h) with the kernel's checks and log messages (bpf_check_attach_target);
 * the context is the target's arguments as u64 slots, with the return value after them
 * for fexit and fmod_ret.  BPF_PROG_TEST_RUN is the kernel's bpf_prog_test_run_tracing:
 * it calls our versions of the kernel's test functions (test_funcs.c), firing what is
 * attached to them, and reports their results.
 *
 * Locking: the helper set is built once by a constructor and read-only afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "attach.h"
#include "load.h"
#include "test_funcs.h"
#include "types.h"
#include "../btf/kernel_btf.h"
#include "../vm/vm.h"

#define MAX_BPF_FUNC_ARGS 12
#define BTF_TRACE_PREFIX "btf_trace_"
#define LSM_PREFIX "bpf_lsm_"

/* ---- the helper set: the kprobe family's plus what trampolines add ---- */

static const u16 trampoline_extra_ids[] = {
	BPF_FUNC_get_func_ip,       BPF_FUNC_get_attach_cookie, BPF_FUNC_get_func_arg,
	BPF_FUNC_get_func_ret,      BPF_FUNC_get_func_arg_cnt,  BPF_FUNC_d_path,
	BPF_FUNC_skb_output,        BPF_FUNC_xdp_output,        BPF_FUNC_sk_storage_get,
	BPF_FUNC_sk_storage_delete,
};
static u16 trampoline_ids[256];
static struct helper_set trampoline_helpers = { trampoline_ids, 0 };

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const u16 *)a - (int)*(const u16 *)b;
}

__attribute__((constructor)) static void trampoline_helpers_build(void)
{
	u32 n = 0;

	for (u32 i = 0; i < tracing_helpers.cnt && n < ARRAY_SIZE(trampoline_ids); i++)
		trampoline_ids[n++] = tracing_helpers.ids[i];
	for (u32 i = 0; i < ARRAY_SIZE(trampoline_extra_ids); i++)
		if (!helper_in_set(&tracing_helpers, trampoline_extra_ids[i]) &&
		    n < ARRAY_SIZE(trampoline_ids))
			trampoline_ids[n++] = trampoline_extra_ids[i];
	qsort(trampoline_ids, n, sizeof(u16), cmp_u16);
	trampoline_helpers.cnt = n;
}

/* ---- load: the attach target ---- */

/* fmod_ret targets: the kernel's error-injection list (ALLOW_ERROR_INJECTION: its own
 * test functions, system calls) and security_* hooks. */
static bool modifiable(const char *name)
{
	static const char *const prefixes[] = { "security_", "bpf_modify_return_test", "__x64_sys_",
						"__ia32_sys_" };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The FUNC_PROTO behind a tp_btf typedef (btf_trace_<name> -> pointer -> proto), whose
 * first parameter (void *) the kernel drops. */
static const struct btf_type *raw_tp_proto(const struct btf *btf, const struct btf_type *t)
{
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

static int resolve_raw_tp(struct load_env *env, const struct btf *btf, u32 id,
			  const struct btf_type *t, const char *tname)
{
	struct bpf_prog *prog = env->prog;

	if (!btf_is_typedef(t)) {
		vlog_printf(&env->log, "attach_btf_id %u is not a typedef\n", id);
		return -EINVAL;
	}
	if (strncmp(tname, BTF_TRACE_PREFIX, strlen(BTF_TRACE_PREFIX))) {
		vlog_printf(&env->log, "attach_btf_id %u points to wrong type name %s\n", id,
			    tname);
		return -EINVAL;
	}
	const struct btf_type *proto = raw_tp_proto(btf, t);
	if (!proto)
		return -EINVAL;
	snprintf(prog->attach_func, sizeof(prog->attach_func), "%s",
		 tname + strlen(BTF_TRACE_PREFIX));
	prog->attach_nr_args = btf_vlen(proto) ? btf_vlen(proto) - 1 : 0;
	return 0;
}

/* fentry, fexit, fmod_ret, LSM and iter targets: functions. */
static int resolve_func(struct load_env *env, const struct btf *btf, u32 id,
			const struct btf_type *t, const char *tname)
{
	struct bpf_prog *prog = env->prog;
	u32 type = prog->expected_attach_type;

	if (!btf_is_func(t)) {
		vlog_printf(&env->log, "attach_btf_id %u is not a function\n", id);
		return -EINVAL;
	}
	const struct btf_type *proto = btf__type_by_id(btf, t->type);
	if (!proto || !btf_is_func_proto(proto))
		return -EINVAL;
	if (btf_vlen(proto) > MAX_BPF_FUNC_ARGS) {
		vlog_printf(&env->log, "The function %s has %u arguments. Too many.\n", tname,
			    btf_vlen(proto));
		return -EINVAL;
	}
	snprintf(prog->attach_func, sizeof(prog->attach_func), "%s", tname);
	prog->attach_nr_args = btf_vlen(proto);
	if (type == BPF_TRACE_ITER)
		return 0;
	if (type == BPF_MODIFY_RETURN && !modifiable(tname)) {
		vlog_printf(&env->log, "%s() is not modifiable\n", tname);
		return -EINVAL;
	}
	if (prog->type == BPF_PROG_TYPE_LSM) {
		if (!prog->gpl_compatible) {
			vlog_printf(&env->log, "LSM programs must have a GPL compatible license\n");
			return -EINVAL;
		}
		if (strncmp(tname, LSM_PREFIX, strlen(LSM_PREFIX))) {
			vlog_printf(&env->log, "attach_btf_id %u points to wrong type name %s\n",
				    id, tname);
			return -EINVAL;
		}
	}
	return 0;
}

/* The kernel's check_attach_btf_id / bpf_check_attach_target for programs whose target
 * is in vmlinux's BTF. */
static int trampoline_load_target(struct load_env *env)
{
	const union bpf_attr *attr = env->attr;
	u32 id = attr->attach_btf_id;
	int err;

	int kind = prog_attach_fd_kind(attr); /* vmlinux's BTF by descriptor: as by default */
	if (kind < 0)
		return kind;
	if (kind == ATTACH_FD_PROG)
		return -EINVAL; /* freplace and attaching to programs: not modelled */
	if (!id) {
		vlog_printf(&env->log, "Tracing programs must provide btf_id\n");
		return -EINVAL;
	}
	const struct btf *btf = kernel_btf(&err);
	if (!btf) {
		vlog_printf(&env->log, "Tracing program can only be attached to another program "
				       "annotated with BTF\n");
		return -EINVAL;
	}
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || id > btf__type_cnt(btf)) {
		vlog_printf(&env->log, "attach_btf_id %u is invalid\n", id);
		return -EINVAL;
	}
	const char *tname = btf__name_by_offset(btf, t->name_off);
	if (!tname || !*tname) {
		vlog_printf(&env->log, "attach_btf_id %u doesn't have a name\n", id);
		return -EINVAL;
	}
	env->prog->attach_btf_id = id;
	if (env->prog->expected_attach_type == BPF_TRACE_RAW_TP)
		return resolve_raw_tp(env, btf, id, t, tname);
	return resolve_func(env, btf, id, t, tname);
}

static int tracing_check_attach(u32 *type)
{
	switch (*type) {
	case BPF_TRACE_RAW_TP:
	case BPF_TRACE_FENTRY:
	case BPF_TRACE_FEXIT:
	case BPF_MODIFY_RETURN:
	case BPF_TRACE_ITER:
		return 0;
	default:
		return -EINVAL;
	}
}

static int lsm_check_attach(u32 *type)
{
	return *type == BPF_LSM_MAC ? 0 : -EINVAL;
}

/* ---- run ---- */

/* The context: the u64 argument slots the trampoline built (read-only; fexit and
 * fmod_ret also see the return value after the arguments). */
static int trampoline_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	if (!x->ctx || off % 8 || size > 8 || (u64)off + size > x->ctx_size)
		return -EACCES;
	*val = ctx_read_bytes(x->ctx, off, size);
	return 0;
}

static int trampoline_ctx_store(struct exec_ctx *x, u32 off, u32 size, u64 val)
{
	return -EACCES;
}

/* bpf_prog_test_run_tracing. */
static int trampoline_test_run(struct bpf_prog *prog, const union bpf_attr *attr,
			       union bpf_attr *uattr)
{
	u32 retval;

	if (attr->test.flags || attr->test.cpu || attr->test.batch_size)
		return -EINVAL;
	int err = test_funcs_run(prog->expected_attach_type, &retval);
	if (!err)
		uattr->test.retval = retval;
	return err;
}

/* LSM programs have no test run (ENOTSUPP), as in the kernel. */
#define TRAMPOLINE_TYPE(var, tname, check, run)        \
	const struct prog_type_ops var = {             \
		.name = tname,                         \
		.helpers = &trampoline_helpers,        \
		.ctx_load = trampoline_ctx_load,       \
		.ctx_store = trampoline_ctx_store,     \
		.test_run = run,                       \
		.check_attach = check,                 \
		.load_target = trampoline_load_target, \
		.trace_info = true,                    \
	}

TRAMPOLINE_TYPE(tracing_ops, "tracing", tracing_check_attach, trampoline_test_run);
TRAMPOLINE_TYPE(lsm_ops, "lsm", lsm_check_attach, NULL);
