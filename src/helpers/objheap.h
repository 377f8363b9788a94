/* The objects programs allocate with bpf_obj_new (the kernel's bpf_global_ma), and who
 * holds each one: the run that allocated it or took it out of a map (its owner), or a
 * map's kptr field.
 *
 * Objects live in one arena reserved at first use (OBJHEAP_ARENA bytes: the cap on what
 * programs may allocate, whatever they do; an allocation past it returns NULL as the
 * kernel's does when memory runs out) and never unmapped, carved into chunks that each
 * hold the objects of one class (size and special-field layout), so the bytes the runtime
 * owns (slot headers, spin locks, list nodes) stay at the same places whoever uses a slot:
 * a stale pointer can reach only a live object's program bytes.  Programs may load, store and
 * use atomics on the program bytes of any live object (a registered vm region check).
 *
 * Locking: one spin lock word guards allocation, freeing and the chunks' setup; the
 * region check reads a chunk's class (published with release) and a slot's live word
 * (atomic) without it.  An object's owner changes only by its holder (the owning run,
 * or whoever exchanged it out of a map field atomically).
 */
#ifndef BPFRUN_OBJHEAP_H
#define BPFRUN_OBJHEAP_H

#include "../btf/fields.h"
#include "../vm/vm.h"

#define OBJHEAP_ARENA (64u << 20) /* bytes of objects and their headers, at most */
/* The largest object: bpf_mem_alloc's 4096-byte cache less its 8-byte list node
 * (measured: 4089 bytes give NULL). */
#define OBJHEAP_MAX_SIZE 4088u
/* The special fields an object may hold (the others are plain bytes in objects). */
#define OBJ_FIELD_KINDS \
	(FIELD_BIT(FIELD_SPIN_LOCK) | FIELD_BIT(FIELD_LIST_NODE) | FIELD_BIT(FIELD_RB_NODE))

struct obj_class;

/* The class of type_id of the running program's BTF, or NULL: with a fault (no BTF, not a
 * struct), or without one for a type larger than OBJHEAP_MAX_SIZE (or empty), whose
 * allocation returns NULL. */
const struct obj_class *objheap_class(struct exec_ctx *x, u64 type_id);
/* An object of class c owned by x's run, or NULL when the arena is full.  Zeroed: the
 * kernel's bytes are whatever its allocator reused (measured), zeros among them. */
void *objheap_new(struct exec_ctx *x, const struct obj_class *c);
/* Frees the object at addr, which x's run must own (else a fault naming fn). */
void objheap_drop(struct exec_ctx *x, u64 addr, const char *fn);
/* Gives x's object at addr to a map field (x's run no longer owns it): false with a
 * fault when addr is not an object x's run owns. */
bool objheap_give(struct exec_ctx *x, u64 addr, const char *fn);
/* x's run takes the object a map field held (obj may be NULL). */
void objheap_take(struct exec_ctx *x, void *obj);
/* Frees an object a map field held, with the field. */
void objheap_free(void *obj);
/* The live object whose special field of kind (its first) is at addr, and which owner's
 * run owns unless owner is NULL; else NULL. */
void *objheap_field_at(u64 addr, enum field_kind kind, struct exec_ctx *owner);

#endif
