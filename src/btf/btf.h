/* BTF objects (BPF_BTF_LOAD): the blob is parsed and validated with libbpf's btf API and
 * kept to describe map keys and values and programs' functions. */
#ifndef BPFRUN_BTF_H
#define BPFRUN_BTF_H

#include "../lib/common.h"
#include "../obj/object.h"

struct btf;

struct btf_obj {
	struct obj obj;
	struct btf *btf;  /* libbpf's parsed form */
	void *data;       /* the raw blob as loaded */
	u32 size;
};

/* BPF_BTF_LOAD, a bpf() command handler (syscall/syscall.c). */
int btf_load(union bpf_attr *attr, union bpf_attr *uattr, u32 size);
/* +1 refcnt or ERR_PTR */
struct btf_obj *btf_from_fd(int fd);
static inline void btf_obj_put(struct btf_obj *b) { if (b) obj_put(&b->obj); }
int btf_get_info(struct btf_obj *b, struct bpf_btf_info *info);

#define MAP_NO_FIELD (-1)      /* no such special field */
#define MAP_INVALID_FIELD (-2) /* present but unusable (two timers, array of timers) */

/* Finds a member of type `struct <struct_name>` (of byte size `size`) inside type_id,
 * nested structs included, at an `align`-aligned offset.  Returns its byte offset,
 * MAP_NO_FIELD (-1) when absent, MAP_INVALID_FIELD (-2) when it appears more than once or
 * in an array. */
int btf_find_special_field(const struct btf_obj *b, u32 type_id, const char *struct_name,
			   u32 size, u32 align);
/* Size of a type id (resolving typedefs/modifiers), or -EINVAL. */
long btf_type_size(const struct btf_obj *b, u32 type_id);

#endif
