/* Allocated objects and context casts: bpf_obj_new_impl, bpf_obj_drop_impl (the objects
 * themselves: objheap.c), kptr fields of map values with bpf_kptr_xchg, and
 * bpf_cast_to_kern_ctx.
 *
 * bpf_obj_new_impl(local_type_id, meta): the kernel's verifier rewrites the call to pass
 * the type's size and field record; here the type id arrives as it is and is resolved in
 * the running program's BTF.  bpf_obj_drop_impl(obj, meta): obj must be one the run owns.
 * A kptr field (btf/fields.h) holds an object between runs: bpf_kptr_xchg swaps the
 * field atomically (so two runs never both take one object), and freeing or overwriting
 * the value frees the object it holds (the field kind's destructor).
 *
 * bpf_cast_to_kern_ctx(ctx): the kernel's context behind a program's: for packet programs
 * a per-thread image of the kernel's struct sk_buff or xdp_buff laid out as the kernel's
 * BTF says, which the run may read (the kernel gives a trusted pointer the program reads,
 * CO-RE relocated): each read refills it from the run's packet state (a vm region hook),
 * so that it shows what the program wrote to its context since the cast.  For the other
 * types the context is already the kernel's, and the cast returns it.
 *
 * Locking: the layouts are computed once (pthread_once); each thread owns its images.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "internal.h"
#include "kfunc.h"
#include "objheap.h"
#include "../btf/kernel_btf.h"
#include "../btf/fields.h"
#include "../pkt/pkt.h"

u64 kfunc_bpf_obj_new_impl(struct exec_ctx *x, u64 type_id, u64 meta, u64 r3, u64 r4, u64 r5)
{
	const struct obj_class *c = objheap_class(x, type_id);

	return c ? (u64)(uintptr_t)objheap_new(x, c) : 0;
}

u64 kfunc_bpf_obj_drop_impl(struct exec_ctx *x, u64 obj, u64 meta, u64 r3, u64 r4, u64 r5)
{
	objheap_drop(x, obj, "bpf_obj_drop_impl");
	return 0;
}

/* ---- kptrs: objects held by map values ---- */

/* The kptr field at addr in a value of a map the run may use, or NULL. */
static u64 *kptr_field(struct exec_ctx *x, u64 addr)
{
	for (u32 i = 0, n = vm_nr_maps(x); i < n; i++) {
		const struct bpf_map *map = vm_map_nth(x, i);
		u64 value, off;
		if (!map_value_at(map, addr, &value, &off))
			continue;
		for (u32 f = 0; f < map->fields.cnt; f++)
			if (map->fields.f[f].kind == FIELD_KPTR && map->fields.f[f].off == off)
				return (u64 *)(uintptr_t)addr;
		break;
	}
	return NULL;
}

/* bpf_kptr_xchg(field, obj): obj (NULL, or an object the run owns) goes into the field;
 * the run owns what the field held. */
HELPER(kptr_xchg)
{
	u64 *field = kptr_field(x, r1);

	if (!field) {
		vm_fault(x, "R1 has no valid kptr");
		return 0;
	}
	if (r2 && !objheap_give(x, r2, "bpf_kptr_xchg"))
		return 0;
	u64 old = __atomic_exchange_n(field, r2, __ATOMIC_SEQ_CST);
	objheap_take(x, (void *)(uintptr_t)old);
	return old;
}

/* A map value's kptr field is freed or overwritten: the object it holds goes too. */
static void kptr_destroy(void *map, void *field)
{
	objheap_free((void *)(uintptr_t)__atomic_exchange_n((u64 *)field, 0, __ATOMIC_SEQ_CST));
}

__attribute__((constructor)) static void register_kptr(void)
{
	field_kind_register(FIELD_KPTR, &(struct field_kind_ops){ .destroy = kptr_destroy });
}

/* ---- bpf_cast_to_kern_ctx ---- */

/* What an image field holds (and how its value is found). */
enum src { SRC_ZERO, SRC_MD, SRC_PTR, SRC_PAGE /* the test run's page size */ };
struct image_field {
	const char *name; /* member of the kernel struct (searched in nested anonymous ones) */
	enum src src;
	u32 md_off, size; /* SRC_MD: offset in the state's uAPI context, bytes to copy */
	u32 ptr;          /* SRC_PTR: which pointer (enum below) */
};
enum { P_DATA, P_DATA_END, P_META, P_HEAD };

#define MD(kname, st, field, sz)                          \
	{                                                 \
		kname, SRC_MD, offsetof(st, field), sz, 0 \
	}
#define PTR(kname, p)                   \
	{                               \
		kname, SRC_PTR, 0, 8, p \
	}

static const struct image_field skb_fields[] = {
	MD("len", struct __sk_buff, len, 4),
	{ "data_len", SRC_ZERO, 0, 4, 0 }, /* test packets are linear */
	MD("mark", struct __sk_buff, mark, 4),
	MD("priority", struct __sk_buff, priority, 4),
	MD("protocol", struct __sk_buff, protocol, 2),
	MD("vlan_proto", struct __sk_buff, vlan_proto, 2),
	MD("vlan_tci", struct __sk_buff, vlan_tci, 2),
	MD("queue_mapping", struct __sk_buff, queue_mapping, 2),
	MD("hash", struct __sk_buff, hash, 4),
	MD("tc_index", struct __sk_buff, tc_index, 2),
	MD("skb_iif", struct __sk_buff, ingress_ifindex, 4),
	MD("napi_id", struct __sk_buff, napi_id, 4),
	MD("tstamp", struct __sk_buff, tstamp, 8),
	PTR("data", P_DATA),
	PTR("head", P_HEAD),
};

static const struct image_field xdp_fields[] = {
	PTR("data", P_DATA),
	PTR("data_end", P_DATA_END),
	PTR("data_meta", P_META),
	PTR("data_hard_start", P_HEAD),
	{ "frame_sz", SRC_PAGE, 0, 4, 0 },
};

#define MAX_IMAGE_FIELDS 16
struct image_layout {
	const char *type;
	const struct image_field *fields;
	u32 nr, size;
	s32 off[MAX_IMAGE_FIELDS]; /* -1: the kernel has no such member */
};

static struct image_layout layouts[] = {
	[PKT_SKB] = { "sk_buff", skb_fields, ARRAY_SIZE(skb_fields), 0, { 0 } },
	[PKT_XDP] = { "xdp_buff", xdp_fields, ARRAY_SIZE(xdp_fields), 0, { 0 } },
};
static pthread_once_t layouts_once = PTHREAD_ONCE_INIT;
static pthread_key_t images_key; /* a thread's images, one block (freed at its exit) */
static bool layouts_ready;       /* atomic: images_key exists */

/* The byte offset of member name in struct t, looking into anonymous structs and unions
 * (sk_buff keeps most of its fields there), or -1. */
static s32 member_off(const struct btf *btf, const struct btf_type *t, const char *name, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (u32 i = 0; i < btf_vlen(t) && depth < 8; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		u32 base = btf_member_bit_offset(t, i) / 8;
		if (mn && *mn) {
			if (!strcmp(mn, name) && !(btf_member_bit_offset(t, i) % 8))
				return (s32)base;
			continue;
		}
		const struct btf_type *mt = btf__type_by_id(btf, m->type);
		s32 inner = mt && btf_is_composite(mt) ? member_off(btf, mt, name, depth + 1) : -1;
		if (inner >= 0)
			return (s32)base + inner;
	}
	return -1;
}

static void layouts_read(void)
{
	const struct btf *btf = kernel_btf(NULL);

	pthread_key_create(&images_key, free);
	for (u32 k = 0; k < ARRAY_SIZE(layouts); k++) {
		struct image_layout *l = &layouts[k];
		s32 id = l->type && btf ? kernel_btf_find(l->type, BTF_KIND_STRUCT) : -1;
		const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (u32)id) : NULL;
		if (!t)
			continue;
		l->size = t->size;
		for (u32 i = 0; i < l->nr; i++) {
			s32 off = member_off(btf, t, l->fields[i].name, 0);
			l->off[i] = off >= 0 && (u32)off + l->fields[i].size <= t->size ? off : -1;
		}
	}
	__atomic_store_n(&layouts_ready, true, __ATOMIC_RELEASE);
}

static void image_put(u8 *img, const struct image_layout *l, u32 i, const void *v)
{
	if (l->off[i] >= 0)
		memcpy(img + l->off[i], v, l->fields[i].size);
}

/* Fills the fields of the image of kind that overlap [lo, hi) from the run's packet
 * state (the others keep their zeros). */
static void image_fill(u8 *img, enum pkt_kind kind, const struct pkt_buf *pkt, u64 lo, u64 hi)
{
	const struct image_layout *l = &layouts[kind];
	const void *md = kind == PKT_SKB ? (const void *)&((const struct skb_state *)pkt)->md :
					   (const void *)&((const struct xdp_state *)pkt)->md;
	const u8 *ptrs[] = { [P_DATA] = pkt->data,
			     [P_DATA_END] = pkt->data_end,
			     [P_META] = pkt->meta,
			     [P_HEAD] = pkt->head };

	const u32 page = TEST_PAGE_SIZE;

	for (u32 i = 0; i < l->nr; i++) {
		const struct image_field *f = &l->fields[i];
		if (l->off[i] < 0 || (u64)l->off[i] >= hi || (u64)l->off[i] + f->size <= lo)
			continue;
		if (f->src == SRC_MD)
			image_put(img, l, i, (const u8 *)md + f->md_off);
		else if (f->src == SRC_PTR)
			image_put(img, l, i, &ptrs[f->ptr]);
		else if (f->src == SRC_PAGE)
			image_put(img, l, i, &page);
	}
}

u64 kfunc_bpf_cast_to_kern_ctx(struct exec_ctx *x, u64 ctx, u64 r2, u64 r3, u64 r4, u64 r5)
{
	const struct pkt_buf *pkt = x->type_data;
	enum pkt_kind kind = pkt ? pkt->kind : 0;

	if (kind != PKT_SKB && kind != PKT_XDP)
		return ctx; /* the program's context is the kernel's */
	pthread_once(&layouts_once, layouts_read);
	if (!layouts[kind].size) {
		vm_fault(x, "bpf_cast_to_kern_ctx: no kernel BTF for struct %s",
			 layouts[kind].type);
		return 0;
	}
	u8 *img = pthread_getspecific(images_key);
	if (!img) {
		img = calloc(1, layouts[PKT_SKB].size + layouts[PKT_XDP].size);
		if (!img || pthread_setspecific(images_key, img)) {
			free(img);
			vm_fault(x, "bpf_cast_to_kern_ctx: out of memory");
			return 0;
		}
	}
	return (u64)(uintptr_t)(img + (kind == PKT_XDP ? layouts[PKT_SKB].size : 0));
}

/* A read of the image of the run's packet kind: refills what it reads first. */
static bool image_read(struct exec_ctx *x, u64 addr, u64 size)
{
	const struct pkt_buf *pkt = x->type_data;
	enum pkt_kind kind = pkt ? pkt->kind : 0;

	if ((kind != PKT_SKB && kind != PKT_XDP) ||
	    !__atomic_load_n(&layouts_ready, __ATOMIC_ACQUIRE))
		return false;
	u8 *img = pthread_getspecific(images_key);
	u64 start = (u64)(uintptr_t)img + (kind == PKT_XDP ? layouts[PKT_SKB].size : 0);
	if (!img || addr < start || size > layouts[kind].size ||
	    addr - start > layouts[kind].size - size)
		return false;
	image_fill((u8 *)(uintptr_t)start, kind, pkt, addr - start, addr - start + size);
	return true;
}

/* Programs may read what a kptr field holds (the kernel's verifier types the load as a
 * pointer the program may read through; the object's bytes are checked as any object's),
 * and the kernel contexts' images; they write neither. */
static bool region(struct exec_ctx *x, u64 addr, u64 size, bool write)
{
	if (write)
		return false;
	return (size == 8 && kptr_field(x, addr)) || image_read(x, addr, size);
}

__attribute__((constructor)) static void register_region(void)
{
	vm_on_region_check(region);
}
