/* bpf_trace_printk / bpf_trace_vprintk: accepted conversions, rejected formats, the
 * 512-byte argument buffer and the 1024-byte output limit.  Each program stores the
 * return value of its n-th call in res[n] and returns the number of calls. */
#include "helpers_common.h"

/* A long string, filled by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[1024]);
} text SEC(".maps");

/* One bpf_trace_printk call with a format on the stack. */
#define P(idx, fmtstr, a, b, c)                                                                   \
	do {                                                                                      \
		char f_[] = fmtstr;                                                               \
		store(idx, bpf_trace_printk(f_, sizeof(f_), (__u64)(a), (__u64)(b), (__u64)(c))); \
	} while (0)

SEC("tc")
int ints(void *ctx)
{
	P(0, "int %d %i %u", -5, -5, -5);
	P(1, "hex %x %X %lx", 255, 255, -1L);
	P(2, "ll %lld %llu %llx", -1L, -1L, 0x123456789abcdefL);
	P(3, "ld %ld %li %lu", -7L, 7L, -7L);
	P(4, "width |%5d|%-5d|%05d|", 42, 42, -42);
	P(5, "flags |%+d|% d|%+u|", 5, 5, 5);
	P(6, "more |%-05d|%+05d|%12x|", 3, 3, 0xabc);
	P(7, "pct %% %d %%", 1, 0, 0);
	P(8, "no args", 0, 0, 0);
	P(9, "trunc int %d %u", 0x100000005L, 0x1ffffffffL, 0);
	P(10, "neg hex %x %lx %X", -1, -1, -255);
	return 11;
}

SEC("tc")
int chars(void *ctx)
{
	char s[] = "abc";
	char empty[] = "";

	P(0, "char %c%c%c", 'a', 'b', 'c');
	P(1, "cw |%3c|%-3c|%c|", 'x', 'y', 0x141);
	P(2, "str %s|%5s|%-5s|", s, s, s);
	P(3, "zs |%05s|%s|", s, empty, 0);
	P(4, "null [%s]", 0, 0, 0);
	P(5, "kstr [%pks] ustr [%pus]", s, s, 0);
	P(6, "tab\there %s.", s, 0, 0);
	P(7, "nl end\n", 0, 0, 0);
	P(8, "mid\nnext %d", 1, 0, 0);
	P(9, "fmt size larger%d", 9, 0, 0);
	return 10;
}

SEC("tc")
int ptrs(void *ctx)
{
	__u8 ip4[4] = { 10, 0, 1, 200 };
	__u8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	P(0, "px %px|%px", 0x1234, 0, 0);
	P(1, "ip4 %pI4 %pi4", ip4, ip4, 0);
	P(2, "ip6 %pI6", ip6, 0, 0);
	P(3, "ip6 %pi6", ip6, 0, 0);
	P(4, "bad ip %pI4", 0, 0, 0);
	P(5, "sym %ps|%pS|%pB", 0x1234, 0x1234, 0x1234);
	P(6, "swallow %pxabc %d", 1, 2, 0);
	P(7, "null %p %pK", 0, 0, 0);
	P(8, "pw |%20px|", 0xab, 0, 0);
	return 9;
}

/* %p and %pK of a non-NULL pointer print a hashed value: only the length is compared. */
SEC("tc")
int hashed(void *ctx)
{
	P(0, "%p", 0x1234, 0, 0);
	P(1, "%pK", 0x1234, 0, 0);
	return 2;
}

SEC("tc")
int invalid(void *ctx)
{
	P(0, "octal %o", 8, 0, 0);
	P(1, "float %f", 1, 0, 0);
	P(2, "prec %.2d", 1, 0, 0);
	P(3, "short %hd", 1, 0, 0);
	P(4, "lll %lllx", 1, 0, 0);
	P(5, "alt %#x", 1, 0, 0);
	P(6, "s alnum %sa", 0, 0, 0);
	P(7, "bad p %pz", 0, 0, 0);
	P(8, "star %*d", 1, 2, 0);
	P(9, "four %d %d %d %d", 1, 2, 3);
	P(10, "trailing %", 0, 0, 0);
	P(11, "ctl \x01", 0, 0, 0);
	P(12, "ls %ls", 0, 0, 0);
	P(13, "n %n", 0, 0, 0);
	P(14, "high \xc3\xa9", 0, 0, 0);
	P(15, "ip5 %pI5", 0, 0, 0);
	P(16, "lc %lc", 0, 0, 0);
	P(17, "z %zu", 0, 0, 0);
	P(18, "utf8 spec %\xc3", 0, 0, 0);
	P(19, "del \x7f", 0, 0, 0);
	return 20;
}

SEC("tc")
int sizes(void *ctx)
{
	char nonul[4] = { 'a', 'b', 'c', 'd' };
	char s[] = "abc%d";

	store(0, bpf_trace_printk(nonul, sizeof(nonul), 0, 0, 0));
	store(1, bpf_trace_printk(s, 3, 0, 0, 0));
	store(2, bpf_trace_printk(s, 4, 0, 0, 0));
	store(3, bpf_trace_printk(s + 3, 3, 7, 0, 0));
	return 4;
}

SEC("tc")
int limits(void *ctx)
{
	__u32 zero = 0;
	char *t = bpf_map_lookup_elem(&text, &zero);

	if (!t)
		return -1;
	P(0, "%1000d%1000d", 1, 2, 0);
	P(1, "%s", t, 0, 0);
	P(2, "%d%s", 5, t, 0);
	P(3, "%s%s", t, t, 0);
	P(4, "%s%d", t, 1, 0);
	P(5, "%c%s", 'q', t, 0);
	P(6, "%s%c", t, 'q', 0);
	return 7;
}

SEC("tc")
int vprintk(void *ctx)
{
	__u64 a[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	char f12[] = "%d %d %d %d %d %d %d %d %d %d %d %lld";
	char f2[] = "two %d %d";
	char none[] = "none";

	store(0, bpf_trace_vprintk(f12, sizeof(f12), a, 12 * 8));
	store(1, bpf_trace_vprintk(f12, sizeof(f12), a, 13 * 8));
	store(2, bpf_trace_vprintk(f2, sizeof(f2), a, 12));
	store(3, bpf_trace_vprintk(f2, sizeof(f2), a, 8));
	store(4, bpf_trace_vprintk(f2, sizeof(f2), a, 24));
	store(5, bpf_trace_vprintk(none, sizeof(none), 0, 0));
	store(6, bpf_trace_vprintk(f2, sizeof(f2), a, 0));
	bpf_printk("macro %d %d %d %d %s", 1, 2, 3, 4, none);
	return 7;
}
