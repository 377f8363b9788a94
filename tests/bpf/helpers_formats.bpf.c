/* The printf helpers' format corners, where a parser could lose count of the
 * arguments: %p followed by punctuation, letters or other conversions, the %p
 * extensions that print text prepared in advance (%pks %pus %pI4 %pi6 %pB), unknown
 * extensions, flags and widths, and bpf_snprintf truncating in the middle of them.
 * Return values go to res[n], bpf_snprintf output to text[n]; each program returns the
 * number of results. */
#include "helpers_common.h"

#define NR_TEXT 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_TEXT);
	__type(key, __u32);
	__type(value, char[64]);
} text SEC(".maps");

static __always_inline char *text_slot(__u32 idx)
{
	return bpf_map_lookup_elem(&text, &idx);
}

/* One bpf_trace_printk call with a format on the stack. */
#define P(idx, fmtstr, a, b, c)                                                                   \
	do {                                                                                      \
		char f_[] = fmtstr;                                                               \
		store(idx, bpf_trace_printk(f_, sizeof(f_), (__u64)(a), (__u64)(b), (__u64)(c))); \
	} while (0)

/* A plain %p ends at punctuation, which may start the next conversion. */
SEC("tc")
int ptr_punct(void *ctx)
{
	char s[] = "str";

	P(0, "%p%s%d", 0, s, 7);
	P(1, "%px%s%d", 0x10, s, 7);
	P(2, "%p.%d", 0, 7, 0);
	P(3, "%p,%s", 0, s, 0);
	P(4, "%p%%%d", 0, 7, 0);
	P(5, "%p %d|%p", 0, 7, 0);
	P(6, "%p\t%d", 0, 7, 0);
	P(7, "%p-%c", 0, 'z', 0);
	P(8, "%pK%d", 0, 7, 0);
	P(9, "%pKd%d", 0, 7, 0);
	P(10, "%px%d%s", 0x20, 7, s);
	P(11, "%pxyz9%s", 0x20, s, 0);
	P(12, "%ps%s", 0x30, s, 0);
	P(13, "%pSx%s", 0x30, s, 0);
	P(14, "[%p]", 0, 0, 0);
	P(15, "%p\xc2\xa9%d", 0, 7, 0);
	P(16, "%p_%d", 0, 7, 0);
	P(17, "%p%p%d", 0, 0, 7);
	P(18, "%p%pks%d", 0, s, 7);
	return 19;
}

/* Extensions printed from text prepared before printing, and widths on them. */
SEC("tc")
int ptr_text(void *ctx)
{
	char s[] = "str";
	__u8 ip4[4] = { 10, 0, 1, 200 };
	__u8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	P(0, "%pks|%pus|", s, s, 0);
	P(1, "%pks.%d", s, 7, 0);
	P(2, "%pksx", s, 0, 0);
	P(3, "%pus%d", s, 7, 0);
	P(4, "%pi4|%pI4|%d", ip4, ip4, 7);
	P(5, "%pi6|%d", ip6, 7, 0);
	P(6, "%pI6c|%d", ip6, 7, 0);
	P(7, "%pi4x%d", ip4, 7, 0);
	P(8, "%pB|%pBx%d", 0x1234, 0x1234, 7);
	P(9, "%pB|%ps|%pS", 0, 0, 0);
	P(10, "%10pI4|%-10pks|", ip4, s, 0);
	P(11, "%20p|%-20pK|", 0, 0, 0);
	P(12, "%020px|%-20px|", 0xab, 0xab, 0);
	P(13, "%5ps|%-8pS|", 1, 1, 0);
	P(14, "%pI4%pI6%pi4", ip4, ip6, ip4);
	P(15, "%5s|%-5pks|", s, s, 0);
	return 16;
}

/* Extensions the helpers do not offer. */
SEC("tc")
int ptr_unknown(void *ctx)
{
	P(0, "%pa", 1, 0, 0);
	P(1, "%pM", 1, 0, 0);
	P(2, "%pe", 1, 0, 0);
	P(3, "%pE", 1, 0, 0);
	P(4, "%ph", 1, 0, 0);
	P(5, "%pd", 1, 0, 0);
	P(6, "%pF", 1, 0, 0);
	P(7, "%pR", 1, 0, 0);
	P(8, "%pU", 1, 0, 0);
	P(9, "%pi", 1, 0, 0);
	P(10, "%pI", 1, 0, 0);
	P(11, "%pi5", 1, 0, 0);
	P(12, "%p4", 1, 0, 0);
	P(13, "%pk", 1, 0, 0);
	P(14, "%pu", 1, 0, 0);
	P(15, "%pkx", 1, 0, 0);
	P(16, "%p\xc3\xa9", 1, 0, 0);
	P(17, "%pg", 1, 0, 0);
	P(18, "%pt", 1, 0, 0);
	P(19, "%pV", 1, 0, 0);
	return 20;
}

/* Flags, widths, lengths, '%%' and what is refused near them. */
SEC("tc")
int widths(void *ctx)
{
	P(0, "%%|%-5d|%5c|", 3, 'c', 0);
	P(1, "%+5d|%- 5d|%0-5d|", 3, 3, 3);
	P(2, "%5%", 1, 0, 0);
	P(3, "%-%", 1, 0, 0);
	P(4, "% %", 1, 0, 0);
	P(5, "%+ d|%00005d|%-0+ 8d|", 3, 3, 3);
	P(6, "%lli %llX %lX", -3L, 0xabcL, 0xabcL);
	P(7, "%llc", 1, 0, 0);
	P(8, "%.3s", 0, 0, 0);
	P(9, "a%cb", 0, 0, 0);
	P(10, "%-3c|%03c|", 'a', 'b', 0);
	P(11, "%x %5x %-5X|", -1, 0xab, 0xab);
	P(12, "%08lx|%+ld|% ld", 0xabcL, 5L, -5L);
	P(13, "%%%%%d%%", 4, 0, 0);
	P(14, "%d%%%", 1, 0, 0);
	return 15;
}

/* Widths past what the printing code's width field holds.  The kernel's trace buffer
 * is small until expanded (7 KiB), so these print nowhere: bpf_snprintf measures them. */
#define W(idx, fmtstr, arg)                                    \
	do {                                                   \
		__u64 a_[1] = { (__u64)(arg) };                \
		store(idx, bpf_snprintf(0, 0, fmtstr, a_, 8)); \
	} while (0)

SEC("tc")
int big_widths(void *ctx)
{
	char s[] = "str";
	__u8 ip4[4] = { 10, 0, 1, 200 };

	W(0, "%8388607d", 1);
	W(1, "%8388608d", 1);
	W(2, "%16777215d", 1);
	W(3, "%16777216d", 1);
	W(4, "%16777217d", 1);
	W(5, "%4294967297d", 1);
	W(6, "%2147483648d", 1);
	W(7, "%-8388608d|", 1);
	W(8, "%16777221s|", s);
	W(9, "%16777219c|", 'c');
	W(10, "%16777236px|", 0xab);
	W(11, "%16777226pI4|", ip4);
	W(12, "%016777221d|", 1);
	W(13, "%99999999999999999999d", 1);
	W(14, "%12345678901d", 1);
	W(15, "%-16777221d|", 1);
	W(16, "%16777220p|", 0);
	W(17, "%4294967295px|", 0xab);
	W(18, "%4294967295d|", 1);
	W(19, "%3000000000d|", 1);
	W(20, "%-4294967294c|", 'c');
	return 21;
}

/* Long messages: cut at 1023 bytes. */
SEC("tc")
int big_messages(void *ctx)
{
	P(0, "%016777221d|", 1, 0, 0);
	P(1, "%-16777221d|", 1, 0, 0);
	P(2, "%4294967295px|%12345678901d|", 0xab, 1, 0);
	return 3;
}

/* bpf_trace_vprintk with more arguments than trace_printk takes. */
SEC("tc")
int vprintk_more(void *ctx)
{
	char s[] = "str";
	__u64 a[12] = { 0, (__u64)(long)s, 7, 0, 0x40, (__u64)(long)s, 8, 9, 10, 11, 12, 13 };
	char f1[] = "%p%s%d %p.%px%s%d";
	char f2[] = "%d %d %d %d %d %d %d %d %d %d %d %d %d";
	char f3[] = "%pK%pks%d%p%s";

	store(0, bpf_trace_vprintk(f1, sizeof(f1), a, 7 * 8));
	store(1, bpf_trace_vprintk(f2, sizeof(f2), a, 12 * 8));
	store(2, bpf_trace_vprintk(f3, sizeof(f3), a, 5 * 8));
	store(3, bpf_trace_vprintk(f1, sizeof(f1), a, 6 * 8));
	return 4;
}

/* bpf_snprintf with the same corners (its formats are checked when loading, so only
 * valid ones here). */
SEC("tc")
int snprint_tricky(void *ctx)
{
	char s[] = "str";
	__u8 ip4[4] = { 10, 0, 1, 200 };
	__u64 a[6] = { 0, (__u64)(long)s, 7, (__u64)(long)ip4, 0x1234, 0x55 };
	__u64 b[3] = { 0, 0, (__u64)(long)s };
	char *t;

	if ((t = text_slot(0)))
		store(0, bpf_snprintf(t, 64, "%p%s%d", a, 24));
	if ((t = text_slot(1)))
		store(1, bpf_snprintf(t, 64, "%p.%pks|%d", a, 24));
	if ((t = text_slot(2)))
		store(2, bpf_snprintf(t, 64, "%px%pus%d", a, 24));
	if ((t = text_slot(3)))
		store(3, bpf_snprintf(t, 64, "%d%pI4%px", &a[2], 24));
	if ((t = text_slot(4)))
		store(4, bpf_snprintf(t, 64, "%pB|%c|%%", &a[4], 16));
	if ((t = text_slot(5)))
		store(5, bpf_snprintf(t, 64, "%p%p%s", b, 24));
	return 6;
}

/* bpf_snprintf truncating before or inside text prepared in advance: the kernel skips
 * such text once the output is full, and the conversions after it read its bytes. */
SEC("tc")
int snprint_trunc(void *ctx)
{
	char s[] = "str";
	__u8 ip4[4] = { 10, 0, 1, 200 };
	__u64 a[2] = { (__u64)(long)s, 7 };
	__u64 ip[2] = { (__u64)(long)ip4, 7 };
	__u64 sym[2] = { 0x1234, 7 };
	__u64 two[3] = { (__u64)(long)s, (__u64)(long)s, 7 };
	__u64 chars[5] = { (__u64)(long)s, 'a', 'b', 'c', 'd' };
	char *t;

	if ((t = text_slot(0)))
		store(0, bpf_snprintf(t, 4, "ab%pks%d", a, 16));
	if ((t = text_slot(1)))
		store(1, bpf_snprintf(t, 3, "ab%pks%d", a, 16));
	if ((t = text_slot(2)))
		store(2, bpf_snprintf(t, 2, "ab%pks%d", a, 16));
	if ((t = text_slot(3)))
		store(3, bpf_snprintf(t, 2, "ab%s%d", a, 16));
	if ((t = text_slot(4)))
		store(4, bpf_snprintf(t, 2, "ab%pI4%d", ip, 16));
	if ((t = text_slot(5)))
		store(5, bpf_snprintf(t, 2, "ab%pB|%d", sym, 16));
	store(6, bpf_snprintf(0, 0, "ab%pks%d", a, 16));
	store(7, bpf_snprintf(0, 0, "%pks%pks", two, 16));
	if ((t = text_slot(6)))
		store(8, bpf_snprintf(t, 6, "%pks%pks%d", two, 24));
	if ((t = text_slot(7)))
		store(9, bpf_snprintf(t, 1, "%pks", a, 8));
	if ((t = text_slot(8)))
		store(10, bpf_snprintf(t, 4, "%pks%pks%d", two, 24));
	if ((t = text_slot(9)))
		store(11, bpf_snprintf(t, 2, "xy%pks%c%c%c%c", chars, 40));
	store(12, bpf_snprintf(0, 0, "%pks%c%c%c%c", chars, 40));
	return 13;
}
