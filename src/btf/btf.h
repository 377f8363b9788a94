/* BTF objects (BPF_BTF_LOAD): the blob is parsed and validated with libbpf's btf API and
 * kept to describe map keys and values and programs' functions. */
#ifndef BPFRUN_BTF_H
#define BPFRUN_BTF_H

#include "../lib/common.h"
#include "../obj/object.h"
#include "fields.h"

struct btf;

struct btf_obj {
	struct obj obj;
	struct btf *btf; /* libbpf's parsed form */
	void *data;      /* the raw blob as loaded */
	u32 size;
	bool kernel; /* the vmlinux BTF (btf_vmlinux) */
};

/* BPF_BTF_LOAD, a bpf() command handler (syscall/syscall.c). */
int btf_load(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
/* +1 refcnt or ERR_PTR */
struct btf_obj *btf_from_fd(int fd);
/* BTF object 1, the kernel's own BTF (kernel_btf.h) as the kernel lists it, made on first
 * use and kept for the process's life: +1 refcnt, or NULL without a kernel BTF. */
struct btf_obj *btf_vmlinux(void);
static inline void btf_obj_put(struct btf_obj *b)
{
	if (b)
		obj_put(&b->obj);
}
int btf_get_info(struct btf_obj *b, struct bpf_btf_info *info);

/* The special fields (fields.h) of value type type_id, found once at map create: each
 * kind's struct as a member (nested structs included) at an aligned offset, at most once
 * and not in an array (else it is ordinary bytes).  -EINVAL when a field does not lie in
 * value_size bytes. */
int btf_find_fields(const struct btf_obj *b, u32 type_id, u32 value_size, struct field_table *out);
/* Size of a type id (resolving typedefs/modifiers), or -EINVAL. */
long btf_type_size(const struct btf_obj *b, u32 type_id);

#endif
