/* Local storage helpers: bpf_task_storage_get/delete, bpf_sk_storage_get/delete,
 * bpf_inode_storage_get/delete and bpf_cgrp_storage_get/delete, on the maps of
 * maps/local_storage.h, with the kernel's answers to flags and NULL owners.
 *
 * The owners a program can name: the running task, as bpf_get_current_task_btf gives it
 * (the thread that runs the program, or the caller the shared runtime serves).  bpfrun
 * gives programs no socket, inode or cgroup object: a NULL one gets the kernel's answer
 * (NULL, -EINVAL); any other pointer faults the run, named, rather than guess an owner.
 * User space reaches all four kinds by descriptor (local_storage.c).
 *
 * No state of its own; the maps lock. */
#include "internal.h"
#include "../lib/bpf_newer.h"
#include "../lib/task.h"
#include "../maps/local_storage.h"

/* The map argument, which must be of the helper's type (the kernel's verifier refuses
 * another); NULL after a fault. */
static struct bpf_map *storage_map(struct exec_ctx *x, u64 reg, u32 type, const char *fn)
{
	struct bpf_map *m = vm_map_arg(x, reg);

	if (m && m->map_type != type) {
		vm_fault(x, "cannot pass map_type %u into func %s", m->map_type, fn);
		return NULL;
	}
	if (m && x->held_lock) {
		vm_fault(x, "function calls are not allowed while holding a lock");
		return NULL;
	}
	return m;
}

/* The running task's identity: its thread id. */
static void current_task_ident(struct ls_ident *id)
{
	const struct task_ident *remote = task_remote();

	id->id = remote ? remote->pid : task_tid();
	id->dev = id->born = 0;
}

/* The owner a program passed: 1 (found, in *id), 0 (a NULL owner) or -1 after a fault. */
static int owner_arg(struct exec_ctx *x, u32 type, u64 ptr, struct ls_ident *id, const char *fn)
{
	if (!ptr)
		return 0;
	if (type == BPF_MAP_TYPE_TASK_STORAGE && task_is_current(ptr)) {
		current_task_ident(id);
		return 1;
	}
	vm_fault(x, "bpfrun: %s: no %s bpfrun models at 0x%llx", fn,
		 type == BPF_MAP_TYPE_TASK_STORAGE ? "task but the current one" : "such object",
		 (unsigned long long)ptr);
	return -1;
}

/* bpf_<kind>_storage_get(map, owner, value, flags). */
static u64 storage_get(struct exec_ctx *x, u32 type, const char *fn, u64 r1, u64 r2, u64 r3, u64 r4)
{
	struct bpf_map *m = storage_map(x, r1, type, fn);
	struct ls_ident id;

	if (!m || (r4 & ~(u64)BPF_LOCAL_STORAGE_GET_F_CREATE) ||
	    owner_arg(x, type, r2, &id, fn) <= 0)
		return 0;
	const void *init = r3 ? vm_mem(x, r3, m->value_size, false) : NULL;
	if (r3 && !init)
		return 0;
	return (u64)(uintptr_t)local_storage_get(m, &id, init, r4 & BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* bpf_<kind>_storage_delete(map, owner). */
static u64 storage_delete(struct exec_ctx *x, u32 type, const char *fn, u64 r1, u64 r2)
{
	struct bpf_map *m = storage_map(x, r1, type, fn);
	struct ls_ident id;

	if (!m)
		return 0;
	int found = owner_arg(x, type, r2, &id, fn);
	if (found < 0)
		return 0;
	return (u64)(found ? local_storage_delete(m, &id) : -EINVAL);
}

HELPER(task_storage_get)
{
	return storage_get(x, BPF_MAP_TYPE_TASK_STORAGE, "bpf_task_storage_get", r1, r2, r3, r4);
}

HELPER(task_storage_delete)
{
	return storage_delete(x, BPF_MAP_TYPE_TASK_STORAGE, "bpf_task_storage_delete", r1, r2);
}

HELPER(sk_storage_get)
{
	return storage_get(x, BPF_MAP_TYPE_SK_STORAGE, "bpf_sk_storage_get", r1, r2, r3, r4);
}

HELPER(sk_storage_delete)
{
	return storage_delete(x, BPF_MAP_TYPE_SK_STORAGE, "bpf_sk_storage_delete", r1, r2);
}

HELPER(inode_storage_get)
{
	return storage_get(x, BPF_MAP_TYPE_INODE_STORAGE, "bpf_inode_storage_get", r1, r2, r3, r4);
}

HELPER(inode_storage_delete)
{
	return storage_delete(x, BPF_MAP_TYPE_INODE_STORAGE, "bpf_inode_storage_delete", r1, r2);
}

HELPER(cgrp_storage_get)
{
	return storage_get(x, BPF_MAP_TYPE_CGRP_STORAGE, "bpf_cgrp_storage_get", r1, r2, r3, r4);
}

HELPER(cgrp_storage_delete)
{
	return storage_delete(x, BPF_MAP_TYPE_CGRP_STORAGE, "bpf_cgrp_storage_delete", r1, r2);
}
