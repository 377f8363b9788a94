/* BPF_BTF_LOAD on a corpus of hand-made BTF blobs: well-formed ones beside broken twins
 * (member offsets and bit-fields past the struct's size, type ids out of range or used
 * before they are checked, bad names, encodings, linkages, sections).  Each blob is loaded
 * with raw bpf() and a log buffer at log level 1; the test prints the errno and the log's
 * last line, which the harness compares with the kernel's line by line.  Last, the
 * log of one blob is cut to small buffers, and the kernel's own BTF
 * (/sys/kernel/btf/vmlinux) is loaded the same way.
 * `btf_load -v` prints the whole log of each blob (to study the kernel's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/btf.h>

#include "difftest.h"

/* The shared string section: "int"@1 "s"@5 "a"@7 "b"@9 "f"@11 "bpf_timer"@13 "v"@23
 * ".data"@25; 31 bytes with the last NUL. */
#define STRS "\0int\0s\0a\0b\0f\0bpf_timer\0v\0.data"
enum { S_INT = 1, S_S = 5, S_A = 7, S_B = 9, S_F = 11, S_TIMER = 13, S_V = 23, S_DATA = 25 };

#define INFO(kind, kflag, vlen) ((__u32)(kflag) << 31 | (__u32)BTF_KIND_##kind << 24 | (vlen))
#define BTF_INT_ENC(enc, off, bits) ((__u32)(enc) << 24 | (__u32)(off) << 16 | (bits))
#define INT32 S_INT, INFO(INT, 0, 0), 4, BTF_INT_ENC(BTF_INT_SIGNED, 0, 32)
#define U64 0, INFO(INT, 0, 0), 8, BTF_INT_ENC(0, 0, 64)
#define BITF(bits, off) ((__u32)(bits) << 24 | (off))

struct bcase {
	const char *name;
	const __u32 *types;
	__u32 types_len;
	const char *strs; /* NULL: STRS */
	__u32 strs_len;
	int hdr_fix; /* see fix_header() */
};

enum {
	FIX_NONE,
	FIX_TYPE_OFF_UNALIGNED,
	FIX_STR_UNTERMINATED,
	FIX_STR_NO_LEADING_NUL,
	FIX_TYPES_TRUNCATED,
	FIX_BAD_MAGIC,
	FIX_NO_STRINGS,
	FIX_TRAILING_BYTES,
	FIX_SHORT_HDR,
	FIX_EMPTY_STRS_FIRST
};

#define T(...) \
	.types = (const __u32[]){ __VA_ARGS__ }, .types_len = sizeof((__u32[]){ __VA_ARGS__ })
#define S(lit) .strs = lit, .strs_len = sizeof(lit)

static const struct bcase cases[] = {
	/* ints */
	{ "int ok", T(INT32) },
	{ "int u64 anonymous", T(U64) },
	{ "int nr_bits > size", T(S_INT, INFO(INT, 0, 0), 4, BTF_INT_ENC(0, 0, 33)) },
	{ "int offset+bits > size", T(S_INT, INFO(INT, 0, 0), 4, BTF_INT_ENC(0, 1, 32)) },
	{ "int size 3", T(S_INT, INFO(INT, 0, 0), 3, BTF_INT_ENC(0, 0, 24)) },
	{ "int size 16 bits 128", T(S_INT, INFO(INT, 0, 0), 16, BTF_INT_ENC(0, 0, 128)) },
	{ "int nr_bits 129", T(S_INT, INFO(INT, 0, 0), 32, BTF_INT_ENC(0, 0, 129)) },
	{ "int encoding signed|char", T(S_INT, INFO(INT, 0, 0), 1, BTF_INT_ENC(3, 0, 8)) },
	{ "int encoding bool", T(S_INT, INFO(INT, 0, 0), 1, BTF_INT_ENC(BTF_INT_BOOL, 0, 8)) },
	{ "int encoding 8", T(S_INT, INFO(INT, 0, 0), 1, BTF_INT_ENC(8, 0, 8)) },
	{ "int high bits set", T(S_INT, INFO(INT, 0, 0), 4, 0x10000020) },
	{ "int kind_flag", T(S_INT, INFO(INT, 1, 0), 4, BTF_INT_ENC(0, 0, 32)) },
	{ "int vlen 1", T(S_INT, INFO(INT, 0, 1), 4, BTF_INT_ENC(0, 0, 32)) },
	{ "int name_off past strings", T(100, INFO(INT, 0, 0), 4, BTF_INT_ENC(0, 0, 32)) },
	{ "int name not an identifier", T(S_DATA, INFO(INT, 0, 0), 4, BTF_INT_ENC(0, 0, 32)) },
	{ "int truncated", T(S_INT, INFO(INT, 0, 0), 4) },
	/* kinds */
	{ "kind 0", T(0, 0, 0) },
	{ "kind 31", T(0, INFO(INT, 0, 0) | 31u << 24, 0) },
	{ "info unused bits", T(S_INT, INFO(INT, 0, 0) | 1u << 20, 4, BTF_INT_ENC(0, 0, 32)) },
	/* pointers, modifiers, typedefs, forwards */
	{ "ptr ok", T(INT32, 0, INFO(PTR, 0, 0), 1) },
	{ "ptr to void", T(0, INFO(PTR, 0, 0), 0) },
	{ "ptr to id 9", T(INT32, 0, INFO(PTR, 0, 0), 9) },
	{ "ptr named", T(INT32, S_S, INFO(PTR, 0, 0), 1) },
	{ "const vlen 1", T(INT32, 0, INFO(CONST, 0, 1), 1) },
	{ "typedef ok", T(INT32, S_S, INFO(TYPEDEF, 0, 0), 1) },
	{ "typedef anonymous", T(INT32, 0, INFO(TYPEDEF, 0, 0), 1) },
	{ "typedef to itself", T(S_S, INFO(TYPEDEF, 0, 0), 1) },
	{ "const loop", T(0, INFO(CONST, 0, 0), 2, 0, INFO(VOLATILE, 0, 0), 1) },
	{ "typedef to id 5", T(INT32, S_S, INFO(TYPEDEF, 0, 0), 5) },
	{ "fwd ok", T(S_S, INFO(FWD, 0, 0), 0) },
	{ "fwd anonymous", T(0, INFO(FWD, 0, 0), 0) },
	/* arrays */
	{ "array ok", T(INT32, 0, INFO(ARRAY, 0, 0), 0, 1, 1, 4) },
	{ "array elem id 9", T(INT32, 0, INFO(ARRAY, 0, 0), 0, 9, 1, 4) },
	{ "array elem void", T(INT32, 0, INFO(ARRAY, 0, 0), 0, 0, 1, 4) },
	{ "array index id 9", T(INT32, 0, INFO(ARRAY, 0, 0), 0, 1, 9, 4) },
	{ "array index ptr", T(INT32, 0, INFO(PTR, 0, 0), 1, 0, INFO(ARRAY, 0, 0), 0, 1, 2, 4) },
	{ "array size field set", T(INT32, 0, INFO(ARRAY, 0, 0), 4, 1, 1, 4) },
	{ "array named", T(INT32, S_S, INFO(ARRAY, 0, 0), 0, 1, 1, 4) },
	{ "array of 2^31 ints", T(INT32, 0, INFO(ARRAY, 0, 0), 0, 1, 1, 0x80000000u) },
	/* structs and unions */
	{ "struct ok", T(INT32, S_S, INFO(STRUCT, 0, 2), 8, S_A, 1, 0, S_B, 1, 32) },
	{ "struct member past size", T(INT32, S_S, INFO(STRUCT, 0, 2), 8, S_A, 1, 0, S_B, 1, 64) },
	{ "struct member straddles end", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 48) },
	{ "struct member id 9", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 9, 0) },
	{ "struct member void", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 0, 0) },
	{ "struct member name past strings", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, 100, 1, 0) },
	{ "struct member bad name", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_DATA, 1, 0) },
	{ "struct duplicate member", T(INT32, S_S, INFO(STRUCT, 0, 2), 8, S_A, 1, 0, S_A, 1, 32) },
	{ "struct vlen past section", T(INT32, S_S, INFO(STRUCT, 0, 5), 8, S_A, 1, 0, S_B, 1, 32) },
	{ "struct int member at bit 4", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 4) },
	{ "struct members out of order",
	  T(INT32, S_S, INFO(STRUCT, 0, 2), 8, S_A, 1, 32, S_B, 1, 0) },
	{ "struct bitfields ok",
	  T(INT32, S_S, INFO(STRUCT, 1, 2), 4, S_A, 1, BITF(3, 0), S_B, 1, BITF(5, 3)) },
	{ "struct bitfield past size", T(INT32, S_S, INFO(STRUCT, 1, 1), 4, S_A, 1, BITF(8, 28)) },
	{ "struct bitfield wider than int",
	  T(INT32, S_S, INFO(STRUCT, 1, 1), 8, S_A, 1, BITF(33, 0)) },
	{ "struct bitfield of a struct", T(INT32, S_S, INFO(STRUCT, 0, 1), 4, S_A, 1, 0, S_F,
					   INFO(STRUCT, 1, 1), 8, S_B, 2, BITF(4, 0)) },
	{ "struct kflag byte member", T(INT32, S_S, INFO(STRUCT, 1, 1), 8, S_A, 1, BITF(0, 32)) },
	{ "struct kflag member at bit 4",
	  T(INT32, S_S, INFO(STRUCT, 1, 1), 8, S_A, 1, BITF(0, 4)) },
	{ "struct holds itself", T(S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0) },
	{ "struct nested ok", T(INT32, S_S, INFO(STRUCT, 0, 1), 4, S_A, 1, 0, S_F,
				INFO(STRUCT, 0, 2), 8, S_A, 2, 0, S_B, 1, 32) },
	{ "struct nested past size", T(INT32, S_S, INFO(STRUCT, 0, 2), 8, S_A, 1, 0, S_B, 1, 32,
				       S_F, INFO(STRUCT, 0, 1), 8, S_A, 2, 32) },
	{ "struct timer ok", T(U64, S_TIMER, INFO(STRUCT, 0, 2), 16, S_A, 1, 0, S_B, 1, 64, S_V,
			       INFO(STRUCT, 0, 2), 24, S_A, 1, 0, S_B, 2, 64) },
	{ "struct timer past end", T(U64, S_TIMER, INFO(STRUCT, 0, 2), 16, S_A, 1, 0, S_B, 1, 64,
				     S_V, INFO(STRUCT, 0, 2), 8, S_A, 1, 0, S_B, 2, 64) },
	{ "struct member via typedef past size",
	  T(INT32, S_A, INFO(TYPEDEF, 0, 0), 1, S_S, INFO(STRUCT, 0, 1), 4, S_B, 2, 8) },
	{ "struct array member past size",
	  T(INT32, 0, INFO(ARRAY, 0, 0), 0, 1, 1, 4, S_S, INFO(STRUCT, 0, 1), 8, S_A, 2, 0) },
	{ "struct member offset 2^32-8",
	  T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0xfffffff8u) },
	{ "struct anonymous ok", T(INT32, 0, INFO(STRUCT, 0, 1), 4, S_A, 1, 0) },
	{ "union ok", T(INT32, S_S, INFO(UNION, 0, 2), 4, S_A, 1, 0, S_B, 1, 0) },
	{ "union member at bit 32", T(INT32, S_S, INFO(UNION, 0, 1), 8, S_A, 1, 32) },
	{ "union member past size", T(U64, S_S, INFO(UNION, 0, 1), 4, S_A, 1, 0) },
	{ "struct fwd member", T(S_F, INFO(FWD, 0, 0), 0, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0) },
	{ "struct ptr to itself ok",
	  T(S_S, INFO(STRUCT, 0, 1), 8, S_A, 2, 0, 0, INFO(PTR, 0, 0), 1) },
	/* enums and floats */
	{ "enum ok", T(S_S, INFO(ENUM, 0, 2), 4, S_A, 0, S_B, 1) },
	{ "enum size 3", T(S_S, INFO(ENUM, 0, 1), 3, S_A, 0) },
	{ "enum value name past strings", T(S_S, INFO(ENUM, 0, 1), 4, 100, 0) },
	{ "enum value anonymous", T(S_S, INFO(ENUM, 0, 1), 4, 0, 0) },
	{ "enum64 ok", T(S_S, INFO(ENUM64, 0, 1), 8, S_A, 1, 2) },
	{ "float ok", T(S_F, INFO(FLOAT, 0, 0), 8) },
	{ "float size 3", T(S_F, INFO(FLOAT, 0, 0), 3) },
	/* functions */
	{ "func ok", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, S_A, 1, S_F, INFO(FUNC, 0, 1), 2) },
	{ "func to id 5 (39 bytes)", T(1, INFO(FUNC, 0, 0), 5), S("\0f") },
	{ "func to an int", T(INT32, S_F, INFO(FUNC, 0, 0), 1) },
	{ "func linkage 3", T(INT32, 0, INFO(FUNC_PROTO, 0, 0), 1, S_F, INFO(FUNC, 0, 3), 2) },
	{ "func anonymous", T(INT32, 0, INFO(FUNC_PROTO, 0, 0), 1, 0, INFO(FUNC, 0, 0), 2) },
	{ "func_proto arg id 9", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, S_A, 9) },
	{ "func_proto return id 9", T(INT32, 0, INFO(FUNC_PROTO, 0, 0), 9) },
	{ "func_proto void arg first", T(INT32, 0, INFO(FUNC_PROTO, 0, 2), 1, 0, 0, S_A, 1) },
	{ "func_proto varargs ok", T(INT32, 0, INFO(FUNC_PROTO, 0, 2), 1, S_A, 1, 0, 0) },
	{ "func_proto named", T(INT32, S_F, INFO(FUNC_PROTO, 0, 0), 1) },
	{ "func_proto arg name past strings", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, 100, 1) },
	{ "func arg without name",
	  T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, 0, 1, S_F, INFO(FUNC, 0, 1), 2) },
	/* variables and sections */
	{ "datasec ok",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_DATA, INFO(DATASEC, 0, 1), 4, 2, 0, 4) },
	{ "var linkage 5", T(INT32, S_V, INFO(VAR, 0, 0), 1, 5) },
	{ "var to id 9", T(INT32, S_V, INFO(VAR, 0, 0), 9, 1) },
	{ "var anonymous", T(INT32, 0, INFO(VAR, 0, 0), 1, 1) },
	{ "datasec var past size",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_DATA, INFO(DATASEC, 0, 1), 4, 2, 2, 4) },
	{ "datasec entry not a var", T(INT32, S_DATA, INFO(DATASEC, 0, 1), 4, 1, 0, 4) },
	{ "datasec entry id 9", T(INT32, S_DATA, INFO(DATASEC, 0, 1), 4, 9, 0, 4) },
	{ "datasec size smaller than var",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_DATA, INFO(DATASEC, 0, 1), 4, 2, 0, 2) },
	{ "datasec anonymous",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, 0, INFO(DATASEC, 0, 1), 4, 2, 0, 4) },
	{ "datasec vlen 0", T(S_DATA, INFO(DATASEC, 0, 0), 4) },
	/* tags */
	{ "decl_tag ok",
	  T(INT32, S_S, INFO(STRUCT, 0, 1), 4, S_A, 1, 0, S_F, INFO(DECL_TAG, 0, 0), 2, 0) },
	{ "decl_tag component past vlen",
	  T(INT32, S_S, INFO(STRUCT, 0, 1), 4, S_A, 1, 0, S_F, INFO(DECL_TAG, 0, 0), 2, 1) },
	{ "decl_tag to id 9", T(INT32, S_F, INFO(DECL_TAG, 0, 0), 9, (__u32)-1) },
	{ "type_tag ok", T(INT32, S_F, INFO(TYPE_TAG, 0, 0), 1, 0, INFO(PTR, 0, 0), 2) },
	/* names */
	{ "typedef named .data", T(INT32, S_DATA, INFO(TYPEDEF, 0, 0), 1) },
	{ "struct named .data", T(INT32, S_DATA, INFO(STRUCT, 0, 1), 4, S_A, 1, 0) },
	{ "fwd named .data", T(S_DATA, INFO(FWD, 0, 0), 0) },
	{ "enum value named .data", T(S_S, INFO(ENUM, 0, 1), 4, S_DATA, 0) },
	{ "func named .data", T(INT32, 0, INFO(FUNC_PROTO, 0, 0), 1, S_DATA, INFO(FUNC, 0, 0), 2) },
	{ "func_proto arg named .data", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, S_DATA, 1) },
	{ "var named .data", T(INT32, S_DATA, INFO(VAR, 0, 0), 1, 1) },
	{ "datasec named s",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_S, INFO(DATASEC, 0, 1), 4, 2, 0, 4) },
	{ "type_tag kind_flag", T(INT32, S_F, INFO(TYPE_TAG, 1, 0), 1, 0, INFO(PTR, 0, 0), 2) },
	{ "decl_tag kind_flag",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_F, INFO(DECL_TAG, 1, 0), 2, -1) },
	{ "enum kind_flag", T(S_S, INFO(ENUM, 1, 1), 4, S_A, (__u32)-1) },
	{ "struct size 0 vlen 0", T(S_S, INFO(STRUCT, 0, 0), 0) },
	{ "typedef to void", T(S_S, INFO(TYPEDEF, 0, 0), 0) },
	{ "const to func_proto", T(0, INFO(FUNC_PROTO, 0, 0), 0, 0, INFO(CONST, 0, 0), 1) },
	{ "ptr to var", T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, 0, INFO(PTR, 0, 0), 2) },
	{ "struct member func_proto",
	  T(0, INFO(FUNC_PROTO, 0, 0), 0, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0) },
	{ "struct ptr member to id 9",
	  T(0, INFO(PTR, 0, 0), 9, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0) },
	{ "array of func_proto",
	  T(INT32, 0, INFO(FUNC_PROTO, 0, 0), 0, 0, INFO(ARRAY, 0, 0), 0, 2, 1, 2) },
	{ "array of 2^30 u64", T(U64, 0, INFO(ARRAY, 0, 0), 0, 1, 1, 0x40000000u) },
	{ "array index u64", T(U64, 0, INFO(ARRAY, 0, 0), 0, 1, 1, 4) },
	{ "array index bitfield int",
	  T(S_INT, INFO(INT, 0, 0), 4, BTF_INT_ENC(0, 0, 31), 0, INFO(ARRAY, 0, 0), 0, 1, 1, 4) },
	{ "var of void", T(S_V, INFO(VAR, 0, 0), 0, 1) },
	{ "var of func_proto", T(0, INFO(FUNC_PROTO, 0, 0), 0, S_V, INFO(VAR, 0, 0), 1, 1) },
	{ "datasec entries overlap", T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_A, INFO(VAR, 0, 0), 1,
				       1, S_DATA, INFO(DATASEC, 0, 2), 8, 2, 0, 4, 3, 2, 4) },
	{ "datasec entry size 0",
	  T(INT32, S_V, INFO(VAR, 0, 0), 1, 1, S_DATA, INFO(DATASEC, 0, 1), 4, 2, 0, 0) },
	{ "float member misaligned",
	  T(S_F, INFO(FLOAT, 0, 0), 8, S_S, INFO(STRUCT, 0, 1), 16, S_A, 1, 32) },
	{ "enum member bitfield",
	  T(S_F, INFO(ENUM, 0, 1), 4, S_A, 0, S_S, INFO(STRUCT, 1, 1), 4, S_A, 1, BITF(3, 0)) },
	{ "func_proto vararg named", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, S_A, 0) },
	{ "decl_tag on func arg past", T(INT32, 0, INFO(FUNC_PROTO, 0, 1), 1, S_A, 1, S_F,
					 INFO(FUNC, 0, 0), 2, S_V, INFO(DECL_TAG, 0, 0), 3, 1) },
	{ "decl_tag on int", T(INT32, S_V, INFO(DECL_TAG, 0, 0), 1, -1) },
	/* sections */
	{ "type_off unaligned", T(INT32), .hdr_fix = FIX_TYPE_OFF_UNALIGNED },
	{ "strings unterminated", T(INT32), .hdr_fix = FIX_STR_UNTERMINATED },
	{ "strings without leading NUL", T(INT32), .hdr_fix = FIX_STR_NO_LEADING_NUL },
	{ "bad magic", T(INT32), .hdr_fix = FIX_BAD_MAGIC },
	{ "no strings", T(INT32), .hdr_fix = FIX_NO_STRINGS },
	{ "trailing bytes", T(INT32), .hdr_fix = FIX_TRAILING_BYTES },
	{ "hdr_len 8 in 12 bytes", T(INT32), .hdr_fix = FIX_SHORT_HDR },
	{ "empty strings before types", T(INT32), .hdr_fix = FIX_EMPTY_STRS_FIRST },
	{ "types truncated", T(INT32, S_S, INFO(STRUCT, 0, 1), 8, S_A, 1, 0),
	  .hdr_fix = FIX_TYPES_TRUNCATED },
};

static char blob[4096];
static char log_buf[65536];

/* Lays the blob out: header, types, strings, then applies the case's header fault. */
static __u32 build(const struct bcase *c)
{
	const char *strs = c->strs ? c->strs : STRS;
	__u32 strs_len = c->strs ? c->strs_len : sizeof(STRS);
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(h),
		.type_off = 0,
		.type_len = c->types_len,
		.str_off = c->types_len,
		.str_len = strs_len,
	};
	char *types = blob + sizeof(h);
	__u32 extra = 0;

	memcpy(types, c->types, c->types_len);
	memcpy(types + c->types_len, strs, strs_len);
	switch (c->hdr_fix) {
	case FIX_TYPE_OFF_UNALIGNED: /* two bytes of padding before the types */
		memmove(types + 2, types, c->types_len + strs_len);
		h.type_off = 2;
		h.str_off += 2;
		break;
	case FIX_STR_UNTERMINATED:
		h.str_len--;
		break;
	case FIX_STR_NO_LEADING_NUL:
		types[c->types_len] = 'x';
		break;
	case FIX_TYPES_TRUNCATED:
		h.type_len -= 4;
		break;
	case FIX_BAD_MAGIC:
		h.magic = 0x9feb;
		break;
	case FIX_NO_STRINGS:
		h.str_len = 0;
		break;
	case FIX_EMPTY_STRS_FIRST:
		h.str_off = h.str_len = 0;
		extra = c->types_len;
		break;
	case FIX_TRAILING_BYTES:
		memset(types + c->types_len + strs_len, 0, 4);
		extra = 4;
		break;
	}
	memcpy(blob, &h, sizeof(h));
	if (c->hdr_fix == FIX_SHORT_HDR) { /* a header shorter than struct btf_header */
		h.hdr_len = 8;
		memcpy(blob, &h, 8);
		return 12;
	}
	return h.hdr_len + h.str_off + h.str_len + extra;
}

static const char *last_line(char *log)
{
	size_t n = strlen(log);

	while (n && log[n - 1] == '\n')
		log[--n] = 0;
	char *nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

/* BPF_BTF_LOAD of size bytes at data; with a log (level 1) when log_size is not 0.
 * Returns 0 or -errno. */
static int btf_load(const void *data, __u32 size, __u32 log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.btf = (__u64)(unsigned long)data;
	attr.btf_size = size;
	if (log_size) {
		attr.btf_log_buf = (__u64)(unsigned long)log_buf;
		attr.btf_log_size = log_size;
		attr.btf_log_level = 1;
	}
	int fd = (int)syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr));
	int err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return err;
}

static void load(const struct bcase *c, bool verbose)
{
	__u32 size = build(c);
	int err = btf_load(blob, size, sizeof(log_buf));

	if (verbose)
		printf("==== %s (%u bytes): %d\n%s", c->name, size, err, log_buf);
	out("%-36s %4d  %s", c->name, err, last_line(log_buf));
}

/* The largest real BTF at hand, this kernel's own (every kind the compiler emits): loaded
 * as a program's BTF without a log, then with a log too small for it (ENOSPC, its tail). */
static void load_vmlinux(void)
{
	static char data[16 << 20];
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	size_t n = f ? fread(data, 1, sizeof(data), f) : 0;

	if (f)
		fclose(f);
	if (!n || n == sizeof(data)) {
		out("vmlinux BTF not readable here");
		return;
	}
	out("vmlinux BTF                          %4d", btf_load(data, (__u32)n, 0));
	int err = btf_load(data, (__u32)n, sizeof(log_buf));
	out("vmlinux BTF, 64 KiB log              %4d  %s", err, last_line(log_buf));
}

/* The log cut to small buffers, from its end or (BPF_LOG_FIXED) its start: the errno and
 * the buffer's text, newlines shown as '|'. */
static void load_small_logs(void)
{
	const struct bcase *c = &cases[0]; /* "int ok": a header dump and one type line */
	__u32 size = build(c);

	for (int fixed = 0; fixed < 2; fixed++)
		for (__u32 n = 1; n < 260; n += n < 8 ? 1 : 13) {
			union bpf_attr attr;
			memset(&attr, 0, sizeof(attr));
			memset(log_buf, '#', n + 8);
			attr.btf = (__u64)(unsigned long)blob;
			attr.btf_size = size;
			attr.btf_log_buf = (__u64)(unsigned long)log_buf;
			attr.btf_log_size = n;
			attr.btf_log_level = fixed ? 1 | 8 : 1; /* BPF_LOG_FIXED */
			int fd = (int)syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr));
			int err = fd < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
			for (__u32 i = 0; i < n + 8; i++) {
				char ch = log_buf[i];
				log_buf[i] = ch == '\n' ? '|' : ch ? ch : '0';
			}
			log_buf[n + 8] = 0;
			out("log size %3u%s %4d  %s", n, fixed ? " fixed" : "", err, log_buf);
		}
}

int main(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load(&cases[i], verbose);
	load_small_logs();
	load_vmlinux();
	return finish();
}
