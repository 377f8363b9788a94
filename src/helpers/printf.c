/* bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf with the kernel's rules.
 *
 * As in the kernel, a call has two passes.  bprintf_prepare() validates the format
 * (which conversions, how many arguments) and gathers the arguments into a 512-byte
 * area, copying strings and pre-formatting IP addresses there, which bounds how much
 * text a call may print from memory (-ENOSPC beyond).  bprintf_format() then prints
 * the format with those arguments, vsnprintf-style.  Strings and IP addresses are
 * read without faulting: an unreadable pointer prints as an empty string / zeros, as
 * the kernel's *_nofault reads do.  Program memory other threads may write is copied
 * with map_value_memcpy().  No shared state except the %p hashing key.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"
#include "../maps/map.h"
#include "../timers/clock.h"

#define MAX_TRACE_PRINTK_ARGS 3
#define FIELD_WIDTH_MAX ((1 << 23) - 1)

/* ---- the kernel's character classes (ASCII, and Latin-1 above 0x7f) ---- */

static bool k_isdigit(u8 c) { return c >= '0' && c <= '9'; }
static bool k_isprint_ascii(u8 c) { return c >= 0x20 && c < 0x7f; }
static bool k_isspace(u8 c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0; }

static bool k_isalnum(u8 c)
{
	if (c >= 0x80)
		return c >= 0xc0 && c != 0xd7 && c != 0xf7;
	return k_isdigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool k_ispunct(u8 c)
{
	if (c >= 0x80)
		return (c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7;
	return k_isprint_ascii(c) && c != ' ' && !k_isalnum(c);
}

/* ---- conversion specifications ---- */

enum conv_kind {
	CONV_BAD,
	CONV_INT,   /* %d %i %u %x %X with l/ll */
	CONV_CHAR,  /* %c */
	CONV_STR,   /* %s %pks %pus: text copied at prepare */
	CONV_IP,    /* %pI4 %pi4 %pI6 %pi6: pre-formatted at prepare */
	CONV_SYMB,  /* %pB: pre-formatted at prepare */
	CONV_PTR,   /* %p %pK %px %ps %pS: the pointer value */
};

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ZERO = 8 };

struct spec {
	enum conv_kind kind;
	u8 flags;
	int width;      /* -1: none */
	u8 size;        /* CONV_INT: 4 or 8 bytes */
	bool is_signed;
	char conv;      /* 'd' 'u' 'x' 'X'; 's' 'k' 'u' for strings; pointer: 'p' 'K' 'x' 's' 'S'; IP: 'I' 'i' */
	u8 ip_version;  /* 4 or 6 */
	u32 prep_end;   /* last format index the kernel's validation consumes */
	u32 fmt_end;    /* first format index after the conversion when printing */
};

struct fmt {
	const char *s;
	u32 len;        /* bytes past len read as NUL */
};

static u8 at(const struct fmt *f, u32 i) { return i < f->len ? (u8)f->s[i] : 0; }

/* %s (and %pks/%pus) must be followed by the end, a space or punctuation. */
static void check_string_end(const struct fmt *f, struct spec *sp)
{
	u8 next = at(f, sp->prep_end + 1);

	if (next && !k_isspace(next) && !k_ispunct(next))
		sp->kind = CONV_BAD;
}

static void scan_pointer(const struct fmt *f, u32 i, struct spec *sp)
{
	u8 e = at(f, i + 1);

	sp->prep_end = i + 1;
	if ((e == 'k' || e == 'u') && at(f, i + 2) == 's') {
		sp->kind = CONV_STR;
		sp->conv = (char)e;
		sp->prep_end = i + 2;
		check_string_end(f, sp);
	} else if (!e || k_isspace(e) || k_ispunct(e)) {
		sp->kind = CONV_PTR;
		sp->conv = 'p';
	} else if (e == 'K' || e == 'x' || e == 's' || e == 'S') {
		sp->kind = CONV_PTR;
		sp->conv = (char)e;
	} else if (e == 'B') {
		sp->kind = CONV_SYMB;
	} else if ((e == 'i' || e == 'I') && (at(f, i + 2) == '4' || at(f, i + 2) == '6')) {
		sp->kind = CONV_IP;
		sp->conv = (char)e;
		sp->ip_version = at(f, i + 2) - '0';
		sp->prep_end = i + 2;
	}
	/* When printing, every letter and digit after 'p' belongs to the conversion. */
	for (sp->fmt_end = i + 1; k_isalnum(at(f, sp->fmt_end)); sp->fmt_end++)
		;
}

static void scan_integer(const struct fmt *f, u32 i, struct spec *sp)
{
	sp->size = 4;
	if (at(f, i) == 'l') {
		sp->size = 8;
		i++;
	}
	if (at(f, i) == 'l')
		i++;
	sp->prep_end = i;
	sp->fmt_end = i + 1;
	switch (at(f, i)) {
	case 'd':
	case 'i':
		sp->is_signed = true;
		sp->conv = 'd';
		break;
	case 'u':
	case 'x':
	case 'X':
		sp->conv = (char)at(f, i);
		break;
	default:
		return;
	}
	sp->kind = CONV_INT;
}

/* Parses the conversion whose '%' is at index i-1. */
static void scan_spec(const struct fmt *f, u32 i, struct spec *sp)
{
	*sp = (struct spec){ .kind = CONV_BAD, .width = -1 };
	for (;; i++) {
		u8 c = at(f, i);
		if (c == '-')
			sp->flags |= F_LEFT;
		else if (c == '+')
			sp->flags |= F_PLUS;
		else if (c == ' ')
			sp->flags |= F_SPACE;
		else if (c == '0')
			sp->flags |= F_ZERO;
		else
			break;
	}
	if (k_isdigit(at(f, i))) {
		int w = 0;
		for (; k_isdigit(at(f, i)); i++)
			w = MIN(w * 10 + (at(f, i) - '0'), FIELD_WIDTH_MAX);
		sp->width = w;
	}
	if (sp->flags & F_LEFT)
		sp->flags &= ~F_ZERO;

	switch (at(f, i)) {
	case 'p':
		scan_pointer(f, i, sp);
		return;
	case 's':
		sp->kind = CONV_STR;
		sp->conv = 's';
		sp->prep_end = i;
		sp->fmt_end = i + 1;
		check_string_end(f, sp);
		return;
	case 'c':
		sp->kind = CONV_CHAR;
		sp->prep_end = i;
		sp->fmt_end = i + 1;
		return;
	default:
		scan_integer(f, i, sp);
	}
}

/* ---- prepare: validation and argument gathering ---- */

struct gather {
	struct exec_ctx *x;
	struct bprintf_args *a;
	int used;       /* bytes of a->bin consumed, as the kernel counts them (may pass the end) */
};

const void *helper_probe_mem(struct exec_ctx *x, u64 addr, u64 size)
{
	if (x->fault)
		return NULL;
	const void *p = vm_mem(x, addr, size, false);
	if (!p) {
		x->fault = 0;
		x->fault_msg[0] = 0;
	}
	return p;
}

/* Copies a NUL-terminated string of program memory into dst (room bytes, room > 0),
 * truncating; an unreadable pointer gives "".  Returns bytes used, NUL included. */
static u32 copy_string(struct exec_ctx *x, u64 addr, char kind, char *dst, u32 room)
{
	u32 n = 0;

	/* bpfrun programs have no user memory: %pus reads nothing, as in the kernel for a
	 * pointer that is not a user address. */
	if (kind != 'u') {
		const char *p = helper_probe_mem(x, addr, room);
		if (p) {
			n = strnlen(p, room - 1);
			memcpy(dst, p, n);
		} else {
			/* The string may end before `room` readable bytes do. */
			for (; n < room - 1; n++) {
				const char *c = helper_probe_mem(x, addr + n, 1);
				if (!c || !*c)
					break;
				dst[n] = *c;
			}
		}
	}
	dst[n] = 0;
	return n + 1;
}

static int format_ip(char *out, size_t size, const u8 *ip, const struct spec *sp)
{
	if (sp->ip_version == 4)
		return snprintf(out, size, sp->conv == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u",
				ip[0], ip[1], ip[2], ip[3]);
	int n = 0;
	for (int i = 0; i < 16; i += 2) {
		const char *sep = (sp->conv == 'I' && i) ? ":" : "";
		n += snprintf(out + n, size - n, "%s%02x%02x", sep, ip[i], ip[i + 1]);
	}
	return n;
}

/* Stores pre-formatted text in the argument area (truncated to what is left). */
static void store_text(struct gather *g, const char *text, int len)
{
	int room = BPRINTF_BIN_SIZE - g->used;

	if (room > 0) {
		int n = MIN(len, room - 1);
		memcpy(g->a->bin + g->used, text, n);
		g->a->bin[g->used + n] = 0;
	}
	g->a->val[g->a->nr] = g->used;
	g->used += len + 1;
}

/* A value stored as the kernel stores it: 4-byte aligned, size bytes. */
static int store_value(struct gather *g, u64 v, int size)
{
	g->used = ROUND_UP(g->used, 4);
	if (BPRINTF_BIN_SIZE - g->used < size)
		return -ENOSPC;
	g->used += size;
	g->a->val[g->a->nr] = v;
	return 0;
}

static int gather_arg(struct gather *g, const struct spec *sp, u64 arg)
{
	char text[48];
	u8 ip[16];

	switch (sp->kind) {
	case CONV_INT:
		return store_value(g, arg, sp->size);
	case CONV_PTR:
		return store_value(g, arg, 8);
	case CONV_CHAR:
		if (g->used >= BPRINTF_BIN_SIZE)
			return -ENOSPC;
		g->a->val[g->a->nr] = (u8)arg;
		g->used++;
		return 0;
	case CONV_STR:
		if (g->used >= BPRINTF_BIN_SIZE)
			return -ENOSPC;
		g->a->val[g->a->nr] = g->used;
		g->used += copy_string(g->x, arg, sp->conv, g->a->bin + g->used,
				       BPRINTF_BIN_SIZE - g->used);
		return 0;
	case CONV_IP: {
		int size = sp->ip_version == 4 ? 4 : 16;
		if (BPRINTF_BIN_SIZE - g->used < size)
			return -ENOSPC;
		const void *p = helper_probe_mem(g->x, arg, size);
		memset(ip, 0, sizeof(ip));
		if (p)
			map_value_memcpy(ip, p, size);
		store_text(g, text, format_ip(text, sizeof(text), ip, sp));
		return 0;
	}
	case CONV_SYMB:
		/* No kernel symbols here: an address prints as the kernel prints an unknown one. */
		store_text(g, text, snprintf(text, sizeof(text), "0x%llx", (unsigned long long)arg));
		return 0;
	default:
		return -EINVAL;
	}
}

long bprintf_prepare(struct exec_ctx *x, const char *fmt, u64 fmt_size, const u64 *raw,
		     u32 nr_raw, struct bprintf_args *a)
{
	const char *nul = memchr(fmt, 0, fmt_size);
	struct gather g = { .x = x, .a = a };

	if (!nul)
		return -EINVAL;
	struct fmt f = { fmt, (u32)(nul - fmt) };
	a->nr = 0;
	for (u32 i = 0; i < f.len; i++) {
		u8 c = at(&f, i);
		struct spec sp;

		/* UTF-8 text passes; ASCII control characters do not. */
		if (c < 0x80 && !k_isprint_ascii(c) && !k_isspace(c))
			return -EINVAL;
		if (c != '%')
			continue;
		if (at(&f, i + 1) == '%') {
			i++;
			continue;
		}
		if (a->nr >= nr_raw || at(&f, i + 1) >= 0x80)
			return -EINVAL;
		scan_spec(&f, i + 1, &sp);
		int err = gather_arg(&g, &sp, raw[a->nr]);
		if (err)
			return err;
		a->nr++;
		i = sp.prep_end;
	}
	return f.len;
}

/* ---- format: printing with gathered arguments ---- */

/* vsnprintf-style output: len counts everything, buf gets what fits. */
struct sink {
	char *buf;
	u32 size;
	u32 len;
};

static void put_char(struct sink *s, char c)
{
	if (s->len < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_pad(struct sink *s, char c, int n)
{
	if (n <= 0)
		return;
	if (s->len < s->size)
		memset(s->buf + s->len, c, MIN((u32)n, s->size - s->len));
	s->len += n;
}

static void put_text(struct sink *s, const char *t, u32 n)
{
	if (s->len < s->size)
		memcpy(s->buf + s->len, t, MIN(n, s->size - s->len));
	s->len += n;
}

static void put_string(struct sink *s, const char *t, u32 n, const struct spec *sp)
{
	int pad = sp->width - (int)n;

	if (!(sp->flags & F_LEFT))
		put_pad(s, ' ', pad);
	put_text(s, t, n);
	if (sp->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_number(struct sink *s, u64 num, bool negative, int base, bool upper,
		       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	char sign = 0;

	if (sp->is_signed)
		sign = negative ? '-' : (sp->flags & F_PLUS) ? '+' : (sp->flags & F_SPACE) ? ' ' : 0;
	do {
		tmp[n++] = digits[num % base];
		num /= base;
	} while (num);
	int pad = sp->width - n - (sign ? 1 : 0);
	if (!(sp->flags & (F_LEFT | F_ZERO)))
		put_pad(s, ' ', pad);
	if (sign)
		put_char(s, sign);
	if (sp->flags & F_ZERO)
		put_pad(s, '0', pad);
	while (n)
		put_char(s, tmp[--n]);
	if (sp->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_integer(struct sink *s, u64 v, const struct spec *sp)
{
	if (sp->is_signed) {
		s64 sv = sp->size == 4 ? (s64)(s32)v : (s64)v;
		put_number(s, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, false, sp);
		return;
	}
	if (sp->size == 4)
		v = (u32)v;
	put_number(s, v, false, sp->conv == 'u' ? 10 : 16, sp->conv == 'X', sp);
}

/* %p and %pK print a hash of the pointer, never the pointer (as the kernel's default). */
static u64 hash_pointer(u64 p)
{
	static u64 key;
	u64 k = __atomic_load_n(&key, __ATOMIC_RELAXED);

	if (!k) {
		if (getrandom(&k, sizeof(k), GRND_NONBLOCK) != sizeof(k))
			k = clock_now(CLOCK_MONOTONIC);
		k |= 1;
		u64 zero = 0;
		if (!__atomic_compare_exchange_n(&key, &zero, k, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			k = zero;
	}
	u64 h = (p ^ k) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (h ^ (h >> 32)) >> 32;
}

/* The kernel's pointer_string(): hex, 16 zero-padded digits unless a width is given. */
static void put_pointer_hex(struct sink *s, u64 v, const struct spec *sp)
{
	struct spec hex = *sp;

	hex.is_signed = false;
	hex.conv = 'x';
	if (hex.width == -1) {
		hex.width = 16;
		hex.flags |= F_ZERO;
	}
	put_number(s, v, false, 16, false, &hex);
}

static void put_pointer(struct sink *s, u64 v, const struct spec *sp)
{
	char text[24];

	switch (sp->conv) {
	case 'x':
		put_pointer_hex(s, v, sp);
		break;
	case 's':
	case 'S':
		put_string(s, text, snprintf(text, sizeof(text), "0x%llx", (unsigned long long)v), sp);
		break;
	default:
		put_pointer_hex(s, v ? hash_pointer(v) : 0, sp);
	}
}

/* Text stored at offset off of the argument area (bounded). */
static const char *bin_text(const struct bprintf_args *a, u64 off, u32 *len)
{
	if (off >= BPRINTF_BIN_SIZE) {
		*len = 0;
		return "";
	}
	*len = strnlen(a->bin + off, BPRINTF_BIN_SIZE - off);
	return a->bin + off;
}

u32 bprintf_format(char *out, u32 size, const char *fmt, u32 fmt_len, const struct bprintf_args *a)
{
	struct sink s = { .buf = out, .size = size };
	struct fmt f = { fmt, fmt_len };
	u32 argi = 0, i = 0;

	while (i < f.len) {
		struct spec sp;
		const char *t;
		u32 n;

		if (at(&f, i) != '%') {
			put_char(&s, at(&f, i++));
			continue;
		}
		if (at(&f, i + 1) == '%') {
			put_char(&s, '%');
			i += 2;
			continue;
		}
		scan_spec(&f, i + 1, &sp);
		/* A conversion the validation did not see (hidden after a plain %p) has no
		 * argument: it prints as zero, as an empty string. */
		u64 arg = argi < a->nr ? a->val[argi] : 0;
		argi++;
		switch (sp.kind) {
		case CONV_INT:
			put_integer(&s, arg, &sp);
			break;
		case CONV_CHAR:
			put_pad(&s, ' ', (sp.flags & F_LEFT) ? 0 : sp.width - 1);
			put_char(&s, (char)arg);
			put_pad(&s, ' ', (sp.flags & F_LEFT) ? sp.width - 1 : 0);
			break;
		case CONV_STR:
			t = bin_text(a, arg, &n);
			if (sp.conv == 's')
				put_string(&s, t, n, &sp);
			else
				put_text(&s, t, n);
			break;
		case CONV_IP:
		case CONV_SYMB:
			t = bin_text(a, arg, &n);
			put_text(&s, t, n);
			break;
		case CONV_PTR:
			put_pointer(&s, arg, &sp);
			break;
		default:
			goto out;  /* the kernel's printf stops at an invalid conversion */
		}
		i = sp.fmt_end;
	}
out:
	if (size)
		out[MIN(s.len, size - 1)] = 0;
	return s.len;
}

/* ---- the helpers ---- */

/* Copies the data array of bpf_trace_vprintk / bpf_snprintf.  Returns the number of
 * arguments, -EINVAL, or -EFAULT after a fault. */
static int data_args(struct exec_ctx *x, u64 data, u32 data_len, u64 *raw)
{
	if (data_len % 8 || data_len > BPRINTF_MAX_ARGS * 8 || (data_len && !data))
		return -EINVAL;
	if (data_len) {
		const void *p = vm_mem(x, data, data_len, false);
		if (!p)
			return -EFAULT;
		map_value_memcpy(raw, p, data_len);
	}
	return data_len / 8;
}

static u64 trace_printf(struct exec_ctx *x, u64 fmt_addr, u32 fmt_size, const u64 *raw, u32 nr)
{
	struct bprintf_args a;
	char out[BPRINTF_OUT_SIZE];

	if (!fmt_size)
		return (u64)-EINVAL;
	const char *fmt = vm_mem(x, fmt_addr, fmt_size, false);
	if (!fmt)
		return 0;
	long len = bprintf_prepare(x, fmt, fmt_size, raw, nr, &a);
	if (len < 0)
		return (u64)len;
	u32 total = bprintf_format(out, sizeof(out), fmt, (u32)len, &a);
	trace_emit(x, out, strlen(out));
	return total;
}

HELPER(trace_printk)
{
	u64 raw[MAX_TRACE_PRINTK_ARGS] = { r3, r4, r5 };

	return trace_printf(x, r1, (u32)r2, raw, MAX_TRACE_PRINTK_ARGS);
}

HELPER(trace_vprintk)
{
	u64 raw[BPRINTF_MAX_ARGS];
	int nr = data_args(x, r3, (u32)r4, raw);

	if (nr < 0)
		return nr == -EFAULT ? 0 : (u64)(s64)nr;
	return trace_printf(x, r1, (u32)r2, raw, nr);
}

/* Length of the constant string at addr (ARG_PTR_TO_CONST_STR: the kernel's verifier
 * proves it is NUL-terminated; here running off readable memory faults). */
static const char *const_string(struct exec_ctx *x, u64 addr, u32 *len)
{
	for (u32 i = 0;; i++) {
		const char *c = vm_mem(x, addr + i, 1, false);
		if (!c)
			return NULL;
		if (!*c) {
			*len = i;
			return vm_mem(x, addr, i + 1, false);
		}
	}
}

HELPER(snprintf)
{
	u32 str_size = (u32)r2, fmt_len;
	u64 raw[BPRINTF_MAX_ARGS];
	struct bprintf_args a;
	int nr = data_args(x, r4, (u32)r5, raw);

	if (nr < 0)
		return nr == -EFAULT ? 0 : (u64)(s64)nr;
	const char *fmt = const_string(x, r3, &fmt_len);
	if (!fmt)
		return 0;
	char *str = NULL;
	if (str_size && !(str = vm_mem(x, r1, str_size, true)))
		return 0;
	long err = bprintf_prepare(x, fmt, (u64)fmt_len + 1, raw, nr, &a);
	if (err < 0)
		return (u64)err;
	return (u64)bprintf_format(str, str_size, fmt, fmt_len, &a) + 1;
}
