/* Typed ksyms and the per-CPU pointer helpers (ksym_var.h), with the kernel's checks and
 * log lines (kernel/bpf/verifier.c, __check_pseudo_btf_id) and helper semantics
 * (kernel/bpf/helpers.c, bpf_per_cpu_ptr and bpf_this_cpu_ptr).
 *
 * Locking: ksym_lock serializes making variables; readers scan the published prefix of
 * the table without a lock (ksym_var.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "internal.h"
#include "ksym_var.h"
#include "../btf/btf.h"
#include "../btf/kernel_btf.h"
#include "../lib/ksyms.h"

#define KSYM_VARS_MAX 512            /* vmlinux's BTF has about 350 variables */
#define KSYM_VAR_MAX_SIZE (1u << 20) /* the whole .data..percpu is about 200 KiB */
#define KSYM_NAME_MAX 128
#define KSYM_MADE_UP (1ull << 62) /* tokens of per-CPU variables whose address is hidden */
/* All variables' memory together: a BTF of the loader's own may name any kallsyms
 * symbol as a variable of up to KSYM_VAR_MAX_SIZE bytes (ENOMEM past this). */
#define KSYM_MEM_MAX (64ull << 20)

struct ksym_var {
	char name[KSYM_NAME_MAX];
	bool percpu;
	u64 token;        /* what ld_imm64 loads */
	u8 *mem;          /* zeroed; per-CPU: one area of `stride` bytes per possible CPU */
	u64 stride, size; /* size: all of mem */
};

static pthread_mutex_t ksym_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ksym_var vars[KSYM_VARS_MAX];
static u32 nr_vars;   /* atomic: entries below it are published */
static u64 mem_total; /* under ksym_lock */

/* The published variable named name, or NULL. */
static const struct ksym_var *var_by_name(const char *name)
{
	u32 n = __atomic_load_n(&nr_vars, __ATOMIC_ACQUIRE);

	for (u32 i = 0; i < n; i++)
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	return NULL;
}

/* The per-CPU variable ld_imm64 gave as token, or NULL. */
static const struct ksym_var *percpu_by_token(u64 token)
{
	u32 n = __atomic_load_n(&nr_vars, __ATOMIC_ACQUIRE);

	for (u32 i = 0; i < n; i++)
		if (vars[i].percpu && vars[i].token == token)
			return &vars[i];
	return NULL;
}

/* Makes the variable (once per name: a name is one kernel symbol, whichever BTF named
 * it) with size bytes per area.  Caller holds ksym_lock. */
static const struct ksym_var *var_make(const char *name, bool percpu, u64 addr, u64 size)
{
	u32 n = nr_vars, ncpus = percpu ? (u32)num_possible_cpus() : 1;
	u64 stride = (MAX(size, 1) + 63) & ~63ull; /* areas on their own cache lines */

	if (n == KSYM_VARS_MAX || strlen(name) >= KSYM_NAME_MAX ||
	    mem_total + stride * ncpus > KSYM_MEM_MAX)
		return NULL;
	struct ksym_var *v = &vars[n];
	if (!(v->mem = aligned_alloc(64, stride * ncpus)))
		return NULL;
	memset(v->mem, 0, stride * ncpus);
	v->size = stride * ncpus;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->percpu = percpu;
	v->stride = stride;
	v->token = !percpu ? (u64)(uintptr_t)v->mem : addr ? addr : KSYM_MADE_UP | (u64)n << 16;
	mem_total += stride * ncpus;
	__atomic_store_n(&nr_vars, n + 1, __ATOMIC_RELEASE);
	return v;
}

/* The variable named name, made on first use. */
static const struct ksym_var *var_get(const char *name, bool percpu, u64 addr, u64 size)
{
	const struct ksym_var *v = var_by_name(name);

	if (v)
		return v;
	pthread_mutex_lock(&ksym_lock);
	v = var_by_name(name);
	if (!v)
		v = var_make(name, percpu, addr, size);
	pthread_mutex_unlock(&ksym_lock);
	return v;
}

/* The vm's region hook: runs may read the variables' memory, never write it. */
static bool kmem_region(struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	u32 n = __atomic_load_n(&nr_vars, __ATOMIC_ACQUIRE);

	for (u32 i = 0; i < n && !write; i++) {
		u64 lo = (u64)(uintptr_t)vars[i].mem, hi = lo + vars[i].size;
		if (addr >= lo && addr <= hi && hi - addr >= size)
			return true;
	}
	return false;
}

__attribute__((constructor)) static void ksym_var_init(void)
{
	vm_on_region_check(kmem_region);
}

/* Whether VAR type id is in the BTF's .data..percpu section. */
static bool var_is_percpu(const struct btf *btf, u32 id)
{
	s32 sec = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);

	if (sec <= 0)
		return false;
	const struct btf_type *t = btf__type_by_id(btf, (u32)sec);
	const struct btf_var_secinfo *vsi = btf_var_secinfos(t);
	for (u32 i = 0; i < btf_vlen(t); i++)
		if (vsi[i].type == id)
			return true;
	return false;
}

/* What ld_imm64 loads for the variable or function t (id) of btf at kallsyms addr. */
static int ksym_value(const struct btf *btf, u32 id, const struct btf_type *t, u64 addr, u64 *value,
		      struct vlog *log)
{
	const char *name = btf__name_by_offset(btf, t->name_off);

	if (btf_is_func(t)) {
		*value = addr;
		return 0;
	}
	/* The variable is the kernel's: its own BTF says its size and section, whichever
	 * BTF the program named it by. */
	const struct btf *vmlinux = kernel_btf(NULL);
	s32 kid = vmlinux && vmlinux != btf ? btf__find_by_name_kind(vmlinux, name, BTF_KIND_VAR) :
					      -1;
	if (kid > 0) {
		btf = vmlinux;
		id = (u32)kid;
		t = btf__type_by_id(btf, id);
	}
	s64 size = btf__resolve_size(btf, t->type);
	if (size < 0 || size > KSYM_VAR_MAX_SIZE) {
		vlog_printf(log, "ldimm64 unable to resolve the size of type '%s': %ld\n", name,
			    (long)(size < 0 ? size : -E2BIG));
		return -EINVAL;
	}
	const struct ksym_var *v = var_get(name, var_is_percpu(btf, id), addr, (u64)size);
	if (!v)
		return -ENOMEM;
	*value = v->token;
	return 0;
}

/* The checks of __check_pseudo_btf_id on type id of btf, in the kernel's order. */
static int resolve_in(const struct btf *btf, u32 id, u64 *value, struct vlog *log)
{
	const struct btf_type *t = id < btf__type_cnt(btf) ? btf__type_by_id(btf, id) : NULL;
	u64 addr = 0;

	if (!t) {
		vlog_printf(log, "ldimm64 insn specifies invalid btf_id %d.\n", (s32)id);
		return -ENOENT;
	}
	if (!btf_is_var(t) && !btf_is_func(t)) {
		vlog_printf(log, "pseudo btf_id %d in ldimm64 isn't KIND_VAR or KIND_FUNC\n",
			    (s32)id);
		return -EINVAL;
	}
	const char *name = btf__name_by_offset(btf, t->name_off);
	/* a variable made before was found in kallsyms, which does not change: clang emits
	 * an ld_imm64 per use, and each lookup reads all of kallsyms */
	bool known = name && btf_is_var(t) && var_by_name(name);
	if (!name || (!known && ksym_lookup(name, &addr))) {
		vlog_printf(log, "ldimm64 failed to find the address for kernel symbol '%s'.\n",
			    name ? name : "");
		return -ENOENT;
	}
	return ksym_value(btf, id, t, addr, value, log);
}

int ksym_resolve(u32 btf_id, s32 btf_fd, u64 *value, struct vlog *log)
{
	if (btf_fd) {
		/* the kernel takes any BTF object here, not only a module's */
		struct btf_obj *b = btf_from_fd(btf_fd);
		if (IS_ERR(b)) {
			vlog_printf(log, "invalid module BTF object FD specified.\n");
			return -EINVAL;
		}
		int err = resolve_in(b->btf, btf_id, value, log);
		btf_obj_put(b);
		return err;
	}
	const struct btf *vmlinux = kernel_btf(NULL);
	if (!vmlinux) {
		vlog_printf(log, "kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is "
				 "specified in Kconfig.\n");
		return -EINVAL;
	}
	return resolve_in(vmlinux, btf_id, value, log);
}

/* bpf_per_cpu_ptr(percpu_ptr, cpu): the variable's area of cpu, NULL past the last
 * possible CPU (the kernel's nr_cpu_ids). */
HELPER(per_cpu_ptr)
{
	const struct ksym_var *v = percpu_by_token(r1);

	if (!v) {
		vm_fault(x, "helper argument: 0x%llx is not a per-CPU kernel variable",
			 (unsigned long long)r1);
		return 0;
	}
	u32 cpu = (u32)r2; /* the helper's argument is a u32 */

	if (cpu >= (u32)num_possible_cpus())
		return 0;
	return (u64)(uintptr_t)(v->mem + (u64)cpu * v->stride);
}

/* bpf_this_cpu_ptr(percpu_ptr): the area of the CPU the run is on. */
HELPER(this_cpu_ptr)
{
	return helper_per_cpu_ptr(x, r1, x->cpu, 0, 0, 0);
}
