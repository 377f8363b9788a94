/* BPF_PROG_LOAD: the attribute checks of the kernel's bpf_prog_load() with its errnos,
 * the program object (tag, license, name, descriptor), and the verifier log around the
 * checks of prog_verify.c.
 *
 * No locking: a program under construction belongs to the loading thread; once its
 * descriptor exists it is immutable.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include <bpf/libbpf.h>

#include "load.h"
#include "types.h"
#include "../btf/btf.h"
#include "../lib/sha256.h"
#include "../lib/uaccess.h"
#include "../maps/map.h"
#include "../verifier/caps.h"
#include "../vm/vm.h"
#include "../jit/jit.h"

#define COMPLEXITY_LIMIT_INSNS 1000000u
#define BPF_PROG_TYPE_NETFILTER_ID 32 /* BPF_PROG_TYPE_NETFILTER, newer than our headers */
#define BPF_MAXINSNS_UNPRIV 4096u     /* BPF_MAXINSNS: what a loader without CAP_BPF may load */
#define KNOWN_PROG_FLAGS                                                      \
	(BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_RND_HI32 | \
	 BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS |      \
	 (1u << 6) /* BPF_F_XDP_DEV_BOUND_ONLY */ | (1u << 7) /* BPF_F_TEST_REG_INVARIANTS */)

static bool license_is_gpl_compatible(const char *l)
{
	static const char *const gpl[] = {
		"GPL",          "GPL v2",       "GPL and additional rights",
		"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"
	};
	for (size_t i = 0; i < ARRAY_SIZE(gpl); i++)
		if (!strcmp(l, gpl[i]))
			return true;
	return false;
}

/* The kernel's bpf_prog_calc_tag: SHA-256 of the instructions as loaded, with the
 * descriptor-dependent immediates of map loads zeroed. */
static void prog_calc_tag(const struct bpf_insn *insns, u32 len, u8 tag[BPF_TAG_SIZE])
{
	struct bpf_insn *dst = malloc(sizeof(*dst) * len);
	u8 digest[32];
	bool was_ld_map = false;

	if (!dst)
		return;
	for (u32 i = 0; i < len; i++) {
		dst[i] = insns[i];
		if (!was_ld_map && is_ld_imm64(&dst[i]) &&
		    (dst[i].src_reg == BPF_PSEUDO_MAP_FD ||
		     dst[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
			was_ld_map = true;
			dst[i].imm = 0;
		} else if (was_ld_map && !dst[i].code && !dst[i].dst_reg && !dst[i].src_reg &&
			   !dst[i].off) {
			was_ld_map = false;
			dst[i].imm = 0;
		} else {
			was_ld_map = false;
		}
	}
	sha256_digest(dst, sizeof(*dst) * len, digest);
	memcpy(tag, digest, BPF_TAG_SIZE);
	free(dst);
}

static void log_stats(struct load_env *env, u64 start_ns)
{
	struct bpf_prog *prog = env->prog;
	struct timespec ts;

	if (env->log.level & 4) { /* BPF_LOG_STATS */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		u64 now = (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
		vlog_printf(&env->log, "verification time %llu usec\nstack depth ",
			    (unsigned long long)(now - start_ns) / 1000);
		for (u32 i = 0; i < prog->nr_subprogs; i++)
			vlog_printf(&env->log, "%u%s", prog->subprogs[i].stack_depth,
				    i + 1 < prog->nr_subprogs ? "+" : "");
		vlog_printf(&env->log, "\n");
	}
	const struct verifier_stats *vs = &env->vstats;
	vlog_printf(&env->log,
		    "processed %u insns (limit %u) max_states_per_insn %u total_states %u "
		    "peak_states %u mark_read 0\n",
		    vs->insn_processed ? vs->insn_processed : prog->len, COMPLEXITY_LIMIT_INSNS,
		    vs->max_states_per_insn, vs->total_states, vs->peak_states);
}

/* bpf_check(): log, verification, log out.  A log that does not fit fails a load that
 * would otherwise succeed (ENOSPC). */
static int check_prog(struct load_env *env)
{
	const union bpf_attr *attr = env->attr;
	struct timespec ts;

	int err = vlog_init(&env->log, attr->log_level, attr->log_buf, attr->log_size);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	err = env->prog->tops->load_target ? env->prog->tops->load_target(env) : 0;
	if (!err)
		err = prog_verify(env);
	log_stats(env, (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec);
	int log_err = vlog_finish(&env->log);
	return log_err ? log_err : err; /* a truncated log wins, as in the kernel */
}

int prog_attach_fd_kind(const union bpf_attr *attr)
{
	if (!attr->attach_prog_fd)
		return ATTACH_FD_NONE;
	struct bpf_prog *dst = prog_from_fd((int)attr->attach_prog_fd);
	if (!IS_ERR(dst)) {
		prog_put(dst);
		return ATTACH_FD_PROG;
	}
	struct btf_obj *btf = btf_from_fd((int)attr->attach_btf_obj_fd);
	if (IS_ERR(btf))
		return -EINVAL;
	bool kernel = btf->kernel;
	btf_obj_put(btf);
	return kernel ? ATTACH_FD_VMLINUX : -ENOTSUPP;
}

/* attach_prog_fd / attach_btf_id: only types with a load_target (TRACING, LSM) take
 * them, and check them there; for every other type the kernel answers EINVAL, or
 * ENOTSUPP for a program's own BTF given as attach_btf_obj_fd. */
static int check_attach_target(const union bpf_attr *attr)
{
	const struct prog_type_ops *ops = prog_type_ops_for(attr->prog_type);

	if (ops && ops->load_target)
		return 0;
	int kind = prog_attach_fd_kind(attr);
	if (kind < 0)
		return kind;
	return kind != ATTACH_FD_NONE || attr->attach_btf_id ? -EINVAL : 0;
}

static bool is_net_admin_type(u32 type)
{
	switch (type) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_EXT:
	case BPF_PROG_TYPE_NETFILTER_ID:
		return true;
	default:
		return false;
	}
}

static bool is_perfmon_type(u32 type)
{
	switch (type) {
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_STRUCT_OPS:
	case BPF_PROG_TYPE_EXT:
		return true;
	default:
		return false;
	}
}

/* The caller's capabilities as bpf_prog_load weighs them: without CAP_BPF, nothing when
 * the administrator disabled unprivileged BPF, else socket filters and cgroup_skb
 * programs of at most 4096 instructions; network types need CAP_NET_ADMIN, tracing
 * types CAP_PERFMON (CAP_SYS_ADMIN stands for each).  EPERM or E2BIG. */
static int check_load_caps(const union bpf_attr *attr, const struct caps *c)
{
	if (!c->bpf && caps_unprivileged_bpf_disabled())
		return -EPERM;
	if (attr->insn_cnt == 0 ||
	    attr->insn_cnt > (c->bpf ? COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS_UNPRIV))
		return -E2BIG;
	if (!c->bpf && attr->prog_type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    attr->prog_type != BPF_PROG_TYPE_CGROUP_SKB)
		return -EPERM;
	if ((is_net_admin_type(attr->prog_type) && !c->net_admin) ||
	    (is_perfmon_type(attr->prog_type) && !c->perfmon))
		return -EPERM;
	return 0;
}

static int check_load_attr(const union bpf_attr *attr, const struct caps *caps,
			   const struct prog_type_ops **tops, u32 *attach_type)
{
	if (attr->prog_flags & ~(u32)KNOWN_PROG_FLAGS)
		return -EINVAL;
	int err = check_load_caps(attr, caps);
	if (err)
		return err;
	err = check_attach_target(attr);
	if (err)
		return err;
	*tops = prog_type_ops_for(attr->prog_type);
	if (!*tops)
		return -EINVAL;
	*attach_type = attr->expected_attach_type;
	if ((*tops)->check_attach && (*tops)->check_attach(attach_type))
		return -EINVAL;
	if (attr->prog_ifindex)
		return -EINVAL; /* no device offload or device binding */
	return 0;
}

static void prog_obj_free(struct obj *o);
static const struct obj_ops prog_obj_ops = { .free = prog_obj_free };

static void prog_obj_free(struct obj *o)
{
	struct bpf_prog *prog = prog_of(o);

	jit_release(prog);
	if (prog->vm_code)
		vm_release(prog);
	for (u32 i = 0; i < prog->nr_used_maps; i++)
		map_put(prog->used_maps[i]);
	prog_unbind_maps(prog);
	btf_obj_put(prog->btf);
	free(prog->used_maps);
	free(prog->subprogs);
	free(prog->kfuncs);
	free(prog->func_info);
	free(prog->line_info);
	free(prog->insns);
	free(prog->xlated);
	free(prog);
}

static struct bpf_prog *prog_alloc(const union bpf_attr *attr, const struct prog_type_ops *tops,
				   u32 attach_type)
{
	struct bpf_prog *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return ERR_PTR(-ENOMEM);
	int err = obj_init(&prog->obj, OBJ_PROG, &prog_obj_ops);
	if (err) {
		free(prog);
		return ERR_PTR(err);
	}
	prog->type = attr->prog_type;
	prog->expected_attach_type = attach_type;
	prog->prog_flags = attr->prog_flags;
	prog->tops = tops;
	prog->len = attr->insn_cnt;
	prog->insns = malloc(sizeof(struct bpf_insn) * prog->len);
	prog->xlated = malloc(sizeof(struct bpf_insn) * prog->len);
	prog->used_maps = calloc(MAX_USED_MAPS, sizeof(*prog->used_maps));
	if (!prog->insns || !prog->xlated || !prog->used_maps) {
		obj_put(&prog->obj);
		return ERR_PTR(-ENOMEM);
	}
	return prog;
}

/* Copies what the user gave: instructions, license (its first 127 bytes), name. */
static int prog_copy_user(struct bpf_prog *prog, const union bpf_attr *attr)
{
	char lic[128];

	if (copy_from_user(prog->insns, u64_to_ptr(attr->insns),
			   sizeof(struct bpf_insn) * prog->len))
		return -EFAULT;
	memcpy(prog->xlated, prog->insns, sizeof(struct bpf_insn) * prog->len);
	long n = strncpy_from_user(lic, u64_to_ptr(attr->license), sizeof(lic) - 1);
	if (n < 0)
		return -EFAULT;
	lic[n] = 0;
	prog->gpl_compatible = license_is_gpl_compatible(lic);
	return obj_name_copy(prog->name, attr->prog_name, sizeof(attr->prog_name));
}

/* The kernel's bpf_check_tail_call, after a successful verification (its log is final):
 * every prog array the program uses is bound to it or must already be bound to the
 * same kind of program. */
static int check_tail_call_maps(const struct bpf_prog *prog)
{
	for (u32 i = 0; i < prog->nr_used_maps; i++) {
		struct bpf_map *map = prog->used_maps[i];
		if (map->ops->prog_compatible && !map->ops->prog_compatible(map, prog))
			return -EINVAL;
	}
	return 0;
}

/* A program type the kernel has and bpfrun does not run: said in the log, which the
 * refusal (EINVAL, as for a type the kernel does not know) would otherwise leave empty. */
static void log_unsupported_type(const union bpf_attr *attr)
{
	const char *name = libbpf_bpf_prog_type_str(attr->prog_type);
	struct vlog log;

	if (!name || prog_type_ops_for(attr->prog_type) ||
	    vlog_init(&log, attr->log_level, attr->log_buf, attr->log_size))
		return;
	vlog_printf(&log, "bpfrun: program type %s (%u) is not supported\n", name, attr->prog_type);
	vlog_finish(&log);
}

int prog_load(union bpf_attr *attr, union bpf_attr *uattr, u32 size)
{
	const struct prog_type_ops *tops;
	struct timespec ts;
	u32 attach_type;
	struct caps caps;

	caps_read(&caps); /* once: the checks here and the verifier weigh the same */
	int err = check_load_attr(attr, &caps, &tops, &attach_type);
	if (err == -EINVAL)
		log_unsupported_type(attr);
	if (err)
		return err;
	struct bpf_prog *prog = prog_alloc(attr, tops, attach_type);
	if (IS_ERR(prog))
		return (int)PTR_ERR(prog);
	err = prog_copy_user(prog, attr);
	if (!err) {
		struct load_env env = { .attr = attr, .prog = prog, .caps = &caps };
		prog_calc_tag(prog->insns, prog->len, prog->tag);
		err = check_prog(&env);
	}
	if (!err)
		err = check_tail_call_maps(prog);
	if (err) {
		obj_put(&prog->obj);
		return err;
	}
	clock_gettime(CLOCK_BOOTTIME, &ts);
	prog->load_time_ns = (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
	prog->created_by_uid = (u32)getuid();
	int fd = obj_fd_new(&prog->obj, O_CLOEXEC);
	obj_put(&prog->obj);
	return fd;
}
