/* bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf with the kernel's rules.
 *
 * As in the kernel, a call has two passes.  The checking pass validates the format
 * (which conversions, how many arguments) and gathers the arguments into a 512-byte
 * area laid out as the kernel's, copying strings and pre-formatting IP addresses
 * there, which bounds how much text a call may print from memory (-ENOSPC beyond).
 * The printing pass prints vsnprintf-style, reading the arguments back in order.
 * One parser (scan_conv) serves both: the checking pass records each conversion it
 * parsed and the printing pass only consumes that list, so the two can never count
 * arguments differently, even if another thread rewrites the format in between; the
 * area starts zeroed, so nothing printed comes from anywhere but the program.
 * Strings and IP addresses are read without faulting: an unreadable pointer prints as
 * an empty string / zeros, as the kernel's *_nofault reads do.  Program memory (the
 * format, strings, arguments) may be a map value other threads write: it is read only
 * with relaxed atomic loads (prog_byte, map_value_memcpy), as the interpreter reads it.
 * No shared state except the %p hashing key.
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

static bool k_isdigit(u8 c)
{
	return c >= '0' && c <= '9';
}
static bool k_isprint_ascii(u8 c)
{
	return c >= 0x20 && c < 0x7f;
}
static bool k_isspace(u8 c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

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

/* ---- conversion specifications: the one parser ---- */

enum conv_kind {
	CONV_BAD,
	CONV_INT,  /* %d %i %u %x %X with l/ll */
	CONV_CHAR, /* %c */
	CONV_STR,  /* %s, and %pks %pus (printed without width): text copied at prepare */
	CONV_IP,   /* %pI4 %pi4 %pI6 %pi6: pre-formatted at prepare */
	CONV_SYMB, /* %pB: pre-formatted at prepare */
	CONV_PTR,  /* %p %pK %px %ps %pS: the pointer value */
};

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ZERO = 8 };

/* One conversion of a validated format.  The checking pass produces these and the
 * printing pass consumes them, so the two can never see different conversions. */
struct conv {
	enum conv_kind kind;
	u8 flags;
	int width; /* -1: none (as the kernel's printf, a width that wraps to -1 is none) */
	u8 size;   /* CONV_INT: 4 or 8 bytes */
	bool is_signed;
	char conv;     /* 'd' 'u' 'x' 'X'; strings: 's' 'k' 'u'; pointers: 'p' 'K' 'x' 's' 'S';
			 * IP: 'I' 'i' */
	u8 ip_version; /* 4 or 6 */
	u32 start;     /* format index of the '%' */
	u32 end;       /* first format index after the conversion */
};

struct fmt {
	const char *s;
	u32 len; /* bytes past len read as NUL */
};

/* A byte of program memory: other threads may be writing it (a map value), so it is
 * read as the interpreter reads, with a relaxed atomic load. */
static u8 prog_byte(const char *p)
{
	return __atomic_load_n((const u8 *)p, __ATOMIC_RELAXED);
}

static u8 at(const struct fmt *f, u32 i)
{
	return i < f->len ? prog_byte(f->s + i) : 0;
}

/* %s (and %pks/%pus) must be followed by the end, a space or punctuation. */
static void check_string_end(const struct fmt *f, u32 last, struct conv *c)
{
	u8 next = at(f, last + 1);

	if (next && !k_isspace(next) && !k_ispunct(next))
		c->kind = CONV_BAD;
}

/* %p at index i.  The kernel's check reads at most two characters after the 'p'; its
 * printer then skips every letter and digit after the 'p'.  Those are printable, so
 * the check would have accepted them as text: ending the conversion after them serves
 * both. */
static void scan_pointer(const struct fmt *f, u32 i, struct conv *c)
{
	u8 e = at(f, i + 1);

	if ((e == 'k' || e == 'u') && at(f, i + 2) == 's') {
		c->kind = CONV_STR;
		c->conv = (char)e;
		check_string_end(f, i + 2, c);
	} else if (!e || k_isspace(e) || k_ispunct(e)) {
		c->kind = CONV_PTR;
		c->conv = 'p';
	} else if (e == 'K' || e == 'x' || e == 's' || e == 'S') {
		c->kind = CONV_PTR;
		c->conv = (char)e;
	} else if (e == 'B') {
		c->kind = CONV_SYMB;
	} else if ((e == 'i' || e == 'I') && (at(f, i + 2) == '4' || at(f, i + 2) == '6')) {
		c->kind = CONV_IP;
		c->conv = (char)e;
		c->ip_version = at(f, i + 2) - '0';
	}
	for (c->end = i + 1; k_isalnum(at(f, c->end)); c->end++)
		;
}

static void scan_integer(const struct fmt *f, u32 i, struct conv *c)
{
	c->size = 4;
	if (at(f, i) == 'l') {
		c->size = 8;
		i++;
	}
	if (at(f, i) == 'l')
		i++;
	c->end = i + 1;
	switch (at(f, i)) {
	case 'd':
	case 'i':
		c->is_signed = true;
		c->conv = 'd';
		break;
	case 'u':
	case 'x':
	case 'X':
		c->conv = (char)at(f, i);
		break;
	default:
		return;
	}
	c->kind = CONV_INT;
}

/* A field width as the kernel's printf reads it: digits accumulate in a 32-bit int
 * (wrapping), then the value is clamped to +-FIELD_WIDTH_MAX; a negative width pads
 * nothing. */
static u32 scan_width(const struct fmt *f, u32 i, struct conv *c)
{
	u32 w = 0;

	if (!k_isdigit(at(f, i)))
		return i;
	for (; k_isdigit(at(f, i)); i++)
		w = w * 10 + (at(f, i) - '0');
	c->width = (s32)w < -FIELD_WIDTH_MAX ? -FIELD_WIDTH_MAX : MIN((s32)w, FIELD_WIDTH_MAX);
	return i;
}

/* Parses the conversion whose '%' is at index pct (CONV_BAD if the kernel refuses it). */
static void scan_conv(const struct fmt *f, u32 pct, struct conv *c)
{
	u32 i = pct + 1;

	*c = (struct conv){ .kind = CONV_BAD, .width = -1, .start = pct, .end = i };
	for (;; i++) {
		u8 ch = at(f, i);
		if (ch == '-')
			c->flags |= F_LEFT;
		else if (ch == '+')
			c->flags |= F_PLUS;
		else if (ch == ' ')
			c->flags |= F_SPACE;
		else if (ch == '0')
			c->flags |= F_ZERO;
		else
			break;
	}
	i = scan_width(f, i, c);
	if (c->flags & F_LEFT)
		c->flags &= ~F_ZERO;

	switch (at(f, i)) {
	case 'p':
		scan_pointer(f, i, c);
		return;
	case 's':
		c->kind = CONV_STR;
		c->conv = 's';
		c->end = i + 1;
		check_string_end(f, i, c);
		return;
	case 'c':
		c->kind = CONV_CHAR;
		c->end = i + 1;
		return;
	default:
		scan_integer(f, i, c);
	}
}

/* ---- the checking pass: validation and argument gathering ---- */

/* The call's conversions, and their arguments laid out as the kernel lays them out
 * in its 512-byte buffer (values 4-byte aligned, characters as one byte, text
 * inline), because its printer reads them back by position.  bin starts zeroed, so
 * whatever the printer reads holds only what the checking pass stored. */
struct bprintf_args {
	struct conv conv[BPRINTF_MAX_ARGS];
	u32 nr;
	int used; /* bytes of bin consumed as the kernel counts them (may pass the end) */
	u8 bin[BPRINTF_BIN_SIZE];
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
		/* The string may end before `room` readable bytes do: then byte by byte. */
		const char *p = helper_probe_mem(x, addr, room);
		for (; n < room - 1; n++) {
			const char *c = p ? p + n : helper_probe_mem(x, addr + n, 1);
			u8 ch = c ? prog_byte(c) : 0;
			if (!ch)
				break;
			dst[n] = (char)ch;
		}
	}
	dst[n] = 0;
	return n + 1;
}

/* An address as the kernel prints one it has no symbol for (%pB %ps %pS). */
static int format_addr(char *out, size_t size, u64 addr)
{
	return snprintf(out, size, "0x%llx", (unsigned long long)addr);
}

static int format_ip(char *out, size_t size, const u8 *ip, const struct conv *c)
{
	if (c->ip_version == 4)
		return snprintf(out, size, c->conv == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u",
				ip[0], ip[1], ip[2], ip[3]);
	int n = 0;
	for (int i = 0; i < 16; i += 2) {
		const char *sep = (c->conv == 'I' && i) ? ":" : "";
		n += snprintf(out + n, size - n, "%s%02x%02x", sep, ip[i], ip[i + 1]);
	}
	return n;
}

/* Pre-formatted text, truncated to what is left; it counts whole, so a long text may
 * carry the count past the end (as the kernel's snprintf into its buffer does). */
static void store_text(struct bprintf_args *a, const char *text, int len)
{
	int room = BPRINTF_BIN_SIZE - a->used;

	if (room > 0) {
		int n = MIN(len, room - 1);
		memcpy(a->bin + a->used, text, n);
		a->bin[a->used + n] = 0;
	}
	a->used += len + 1;
}

/* A value stored as the kernel stores it: 4-byte aligned, size bytes. */
static int store_value(struct bprintf_args *a, u64 v, int size)
{
	u32 v32 = (u32)v;

	a->used = ROUND_UP(a->used, 4);
	if (BPRINTF_BIN_SIZE - a->used < size)
		return -ENOSPC;
	memcpy(a->bin + a->used, size == 4 ? (const void *)&v32 : (const void *)&v, size);
	a->used += size;
	return 0;
}

/* A string or a character needs one free byte; past the end (after a long text) the
 * kernel stores nothing and goes on. */
static int text_room(const struct bprintf_args *a)
{
	if (a->used == BPRINTF_BIN_SIZE)
		return -ENOSPC;
	return a->used < BPRINTF_BIN_SIZE ? BPRINTF_BIN_SIZE - a->used : 0;
}

static int gather_ip(struct exec_ctx *x, struct bprintf_args *a, const struct conv *c, u64 arg)
{
	int size = c->ip_version == 4 ? 4 : 16;
	char text[48];
	u8 ip[16] = { 0 };

	if (BPRINTF_BIN_SIZE - a->used < size)
		return -ENOSPC;
	const void *p = helper_probe_mem(x, arg, size);
	if (p)
		map_value_memcpy(ip, p, size);
	store_text(a, text, format_ip(text, sizeof(text), ip, c));
	return 0;
}

static int gather_arg(struct exec_ctx *x, struct bprintf_args *a, const struct conv *c, u64 arg)
{
	char text[24];
	int room;

	switch (c->kind) {
	case CONV_INT:
		return store_value(a, arg, c->size);
	case CONV_PTR:
		return store_value(a, arg, 8);
	case CONV_CHAR:
		if ((room = text_room(a)) < 0)
			return room;
		if (room)
			a->bin[a->used] = (u8)arg;
		a->used++;
		return 0;
	case CONV_STR:
		if ((room = text_room(a)) < 0)
			return room;
		if (room)
			a->used += copy_string(x, arg, c->conv, (char *)a->bin + a->used, room);
		return 0;
	case CONV_IP:
		return gather_ip(x, a, c, arg);
	case CONV_SYMB:
		/* No kernel symbols here: an address prints as the kernel prints an unknown one. */
		store_text(a, text, format_addr(text, sizeof(text), arg));
		return 0;
	default:
		return -EINVAL;
	}
}

/* The kernel's bpf_bprintf_prepare(): validates the format and records its
 * conversions with their arguments in a.  Returns the format's length or -errno. */
static long prepare(struct exec_ctx *x, struct bprintf_args *a, const struct fmt *f, const u64 *raw,
		    u32 nr_raw)
{
	for (u32 i = 0; i < f->len; i++) {
		u8 c = at(f, i);

		/* UTF-8 text passes; ASCII control characters do not. */
		if (c < 0x80 && !k_isprint_ascii(c) && !k_isspace(c))
			return -EINVAL;
		if (c != '%')
			continue;
		if (at(f, i + 1) == '%') {
			i++;
			continue;
		}
		if (a->nr >= nr_raw || at(f, i + 1) >= 0x80)
			return -EINVAL;
		struct conv *cv = &a->conv[a->nr];
		scan_conv(f, i, cv);
		int err = gather_arg(x, a, cv, raw[a->nr]);
		if (err)
			return err;
		a->nr++;
		i = cv->end - 1;
	}
	return f->len;
}

/* ---- the printing pass: the recorded conversions, arguments read back in order ---- */

/* vsnprintf-style output: len counts everything, buf gets what fits. */
struct sink {
	char *buf;
	u32 size;
	u32 len;
};

static bool sink_full(const struct sink *s)
{
	return s->len >= s->size;
}

static void put_char(struct sink *s, char c)
{
	if (!sink_full(s))
		s->buf[s->len] = c;
	s->len++;
}

static void put_pad(struct sink *s, char c, int n)
{
	if (n <= 0)
		return;
	if (!sink_full(s))
		memset(s->buf + s->len, c, MIN((u32)n, s->size - s->len));
	s->len += n;
}

static void put_text(struct sink *s, const char *t, u32 n)
{
	if (!sink_full(s))
		memcpy(s->buf + s->len, t, MIN(n, s->size - s->len));
	s->len += n;
}

/* Format text between conversions: the check let only "%%" pairs through, each
 * printed as one '%'. */
static void put_literal(struct sink *s, const struct fmt *f, u32 from, u32 to)
{
	for (u32 i = from; i < to; i++) {
		u8 c = at(f, i);
		put_char(s, (char)c);
		if (c == '%')
			i++;
	}
}

static void put_string(struct sink *s, const char *t, u32 n, const struct conv *c)
{
	int pad = c->width - (int)n;

	if (!(c->flags & F_LEFT))
		put_pad(s, ' ', pad);
	put_text(s, t, n);
	if (c->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_number(struct sink *s, u64 num, bool negative, int base, bool upper,
		       const struct conv *c)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	char sign = 0;

	if (c->is_signed)
		sign = negative ? '-' : (c->flags & F_PLUS) ? '+' : (c->flags & F_SPACE) ? ' ' : 0;
	do {
		tmp[n++] = digits[num % base];
		num /= base;
	} while (num);
	int pad = c->width - n - (sign ? 1 : 0);
	if (!(c->flags & (F_LEFT | F_ZERO)))
		put_pad(s, ' ', pad);
	if (sign)
		put_char(s, sign);
	if (c->flags & F_ZERO)
		put_pad(s, '0', pad);
	while (n)
		put_char(s, tmp[--n]);
	if (c->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_integer(struct sink *s, u64 v, const struct conv *c)
{
	if (c->is_signed) {
		s64 sv = c->size == 4 ? (s64)(s32)v : (s64)v;
		put_number(s, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, false, c);
		return;
	}
	if (c->size == 4)
		v = (u32)v;
	put_number(s, v, false, c->conv == 'u' ? 10 : 16, c->conv == 'X', c);
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
		if (!__atomic_compare_exchange_n(&key, &zero, k, false, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			k = zero;
	}
	u64 h = (p ^ k) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (h ^ (h >> 32)) >> 32;
}

/* The kernel's pointer_string(): hex, 16 zero-padded digits unless a width is given. */
static void put_pointer_hex(struct sink *s, u64 v, const struct conv *c)
{
	struct conv hex = *c;

	hex.is_signed = false;
	hex.conv = 'x';
	if (hex.width == -1) {
		hex.width = 16;
		hex.flags |= F_ZERO;
	}
	put_number(s, v, false, 16, false, &hex);
}

static void put_pointer(struct sink *s, u64 v, const struct conv *c)
{
	char text[24];

	switch (c->conv) {
	case 'x':
		put_pointer_hex(s, v, c);
		break;
	case 's':
	case 'S':
		put_string(s, text, format_addr(text, sizeof(text), v), c);
		break;
	default:
		put_pointer_hex(s, v ? hash_pointer(v) : 0, c);
	}
}

/* Reads the gathered arguments back in order, as the kernel's bstr_printf() does:
 * bytes past the end of bin read as zeros. */
struct reader {
	const struct bprintf_args *a;
	u32 pos;
};

static u64 read_value(struct reader *r, u32 size)
{
	u8 b[8] = { 0 };
	u64 v;

	if (size > 1)
		r->pos = ROUND_UP(r->pos, 4);
	if (r->pos < BPRINTF_BIN_SIZE)
		memcpy(b, r->a->bin + r->pos, MIN(size, BPRINTF_BIN_SIZE - r->pos));
	r->pos += size;
	if (size == 8) {
		memcpy(&v, b, 8);
		return v;
	}
	u32 v32;
	memcpy(&v32, b, 4);
	return size == 4 ? v32 : b[0];
}

/* The text at the reader's position (not consumed). */
static const char *peek_text(const struct reader *r, u32 *len)
{
	if (r->pos >= BPRINTF_BIN_SIZE) {
		*len = 0;
		return "";
	}
	const char *t = (const char *)r->a->bin + r->pos;
	*len = strnlen(t, BPRINTF_BIN_SIZE - r->pos);
	return t;
}

/* Text prepared at the checking pass for %pks %pus %pI4 %pB...: the kernel's printer
 * neither prints nor skips it once the output is full, so the conversions after it
 * read its bytes.  That is visible (in bpf_snprintf's return value), so it is kept. */
static void put_prepared(struct sink *s, struct reader *r)
{
	u32 n;
	const char *t = peek_text(r, &n);

	if (sink_full(s))
		return;
	put_text(s, t, n);
	r->pos += n + 1;
}

static void put_conv(struct sink *s, struct reader *r, const struct conv *c)
{
	const char *t;
	u32 n;

	switch (c->kind) {
	case CONV_INT:
		put_integer(s, read_value(r, c->size), c);
		break;
	case CONV_CHAR:
		put_pad(s, ' ', (c->flags & F_LEFT) ? 0 : c->width - 1);
		put_char(s, (char)read_value(r, 1));
		put_pad(s, ' ', (c->flags & F_LEFT) ? c->width - 1 : 0);
		break;
	case CONV_STR:
		if (c->conv != 's') {
			put_prepared(s, r);
			break;
		}
		t = peek_text(r, &n);
		r->pos += n + 1;
		put_string(s, t, n, c);
		break;
	case CONV_IP:
	case CONV_SYMB:
		put_prepared(s, r);
		break;
	default:
		put_pointer(s, read_value(r, 8), c);
	}
}

static u32 print(char *out, u32 size, const struct fmt *f, const struct bprintf_args *a)
{
	struct sink s = { .buf = out, .size = size };
	struct reader r = { .a = a };
	u32 pos = 0;

	for (u32 k = 0; k < a->nr; k++) {
		put_literal(&s, f, pos, a->conv[k].start);
		put_conv(&s, &r, &a->conv[k]);
		pos = a->conv[k].end;
	}
	put_literal(&s, f, pos, f->len);
	if (size)
		out[MIN(s.len, size - 1)] = 0;
	return s.len;
}

long bprintf(struct exec_ctx *x, char *out, u32 size, const char *fmt, u64 fmt_size, const u64 *raw,
	     u32 nr_raw)
{
	u32 max = (u32)MIN(fmt_size, (u64)UINT32_MAX);
	struct fmt f = { fmt, 0 };
	struct bprintf_args a;

	while (f.len < max && prog_byte(fmt + f.len))
		f.len++;
	if (f.len == max) /* no NUL */
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	long err = prepare(x, &a, &f, raw, nr_raw);
	if (err < 0)
		return err;
	return print(out, size, &f, &a);
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
	char out[BPRINTF_OUT_SIZE];

	if (!fmt_size)
		return (u64)-EINVAL;
	const char *fmt = vm_mem(x, fmt_addr, fmt_size, false);
	if (!fmt)
		return 0;
	long len = bprintf(x, out, sizeof(out), fmt, fmt_size, raw, nr);
	if (len < 0)
		return (u64)len;
	trace_emit(x, out, strlen(out));
	return len;
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
		if (!prog_byte(c)) {
			*len = i;
			return vm_mem(x, addr, i + 1, false);
		}
	}
}

HELPER(snprintf)
{
	u32 str_size = (u32)r2, fmt_len;
	u64 raw[BPRINTF_MAX_ARGS];
	int nr = data_args(x, r4, (u32)r5, raw);

	if (nr < 0)
		return nr == -EFAULT ? 0 : (u64)(s64)nr;
	const char *fmt = const_string(x, r3, &fmt_len);
	if (!fmt)
		return 0;
	char *str = NULL;
	if (str_size && !(str = vm_mem(x, r1, str_size, true)))
		return 0;
	long len = bprintf(x, str, str_size, fmt, (u64)fmt_len + 1, raw, nr);

	return len < 0 ? (u64)len : (u64)len + 1;
}
