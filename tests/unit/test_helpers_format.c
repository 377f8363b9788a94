/* The printf engine of bpf_trace_printk / bpf_snprintf (validation and formatting),
 * with integer arguments only (strings need program memory: see the diff tests). */
#include <stdio.h>
#include <string.h>

#include "difftest.h"
#include "helpers/internal.h"

static struct exec_ctx ctx;

/* Formats like bpf_snprintf into a buffer of `size`; returns prepare's error or the
 * full length. */
static long fmt3(char *out, u32 size, const char *fmt, u64 a, u64 b, u64 c, u32 nr)
{
	u64 raw[3] = { a, b, c };

	return bprintf(&ctx, out, size, fmt, strlen(fmt) + 1, raw, nr);
}

static void ok(const char *fmt, u64 a, u64 b, u64 c, const char *want)
{
	char out[256];
	long n = fmt3(out, sizeof(out), fmt, a, b, c, 3);

	CHECK(n == (long)strlen(want) && strcmp(out, want) == 0, "\"%s\" -> [%s] (%ld), want [%s]",
	      fmt, n >= 0 ? out : "", n, want);
}

static void bad(const char *fmt, long err)
{
	char out[64];
	long n = fmt3(out, sizeof(out), fmt, 1, 2, 3, 3);

	CHECK(n == err, "\"%s\" -> %ld, want %ld", fmt, n, err);
}

static void test_integers(void)
{
	ok("int %d %i %u", -5, -5, -5, "int -5 -5 4294967291");
	ok("%x %X %lx", 255, 255, -1, "ff FF ffffffffffffffff");
	ok("%lld %llu %llx", -1, -1, 0x123456789abcdefULL,
	   "-1 18446744073709551615 123456789abcdef");
	ok("|%5d|%-5d|%05d|", 42, 42, (u64)-42, "|   42|42   |-0042|");
	ok("|%+d|% d|%+u|", 5, 5, 5, "|+5| 5|5|");
	ok("|%-05d|%+05d|%12x|", 3, 3, 0xabc, "|3    |+0003|         abc|");
	ok("%% %d %%", 1, 0, 0, "% 1 %");
	ok("%d %u", 0x100000005ULL, 0x1ffffffffULL, 0, "5 4294967295");
	ok("%c%3c%-3c|", 'a', 'b', 0x141, "a  bA  |");
	ok("%px|%px", 0x1234, 0, 0, "0000000000001234|0000000000000000");
	ok("|%20px|", 0xab, 0, 0, "|                  ab|");
	ok("%ps %pS %pB", 0x1234, 0x1234, 0x1234, "0x1234 0x1234 0x1234");
	ok("%pxabc %d", 1, 2, 0, "0000000000000001 2");
	ok("%p %pK", 0, 0, 0, "0000000000000000 0000000000000000");
	ok("utf8 \xc3\xa9", 0, 0, 0, "utf8 \xc3\xa9");
}

static void test_hashed_pointer(void)
{
	char a[64], b[64];

	CHECK(fmt3(a, sizeof(a), "%p", 0x1234, 0, 0, 3) == 16, "hashed %%p is 16 digits");
	fmt3(b, sizeof(b), "%pK", 0x1234, 0, 0, 3);
	CHECK(strcmp(a, b) == 0 && strncmp(a, "00000000", 8) == 0 &&
		      strcmp(a, "0000000000001234") != 0,
	      "%%p and %%pK hash alike [%s] [%s]", a, b);
}

/* Fills the stack below the caller with 'H', so that reading uninitialised helper
 * stack shows. */
static __attribute__((noinline)) void pollute_stack(void)
{
	volatile char junk[16384];

	for (unsigned i = 0; i < sizeof(junk); i++)
		junk[i] = 'H';
}

/* Regression (issue 8): after a plain %p followed by punctuation, the checking pass
 * resumed one character late, so "%p%s%d" was checked as %p %d but printed as
 * %p %s %d: the %d's value became an offset into the helper's uninitialised argument
 * area (host stack bytes), and %d printed an argument nobody passed. */
static void test_pointer_then_conversion(void)
{
	pollute_stack();
	ok("%p%s%d", 0, 100, 7, "00000000000000007");
	pollute_stack();
	ok("%p%%%d", 0, 7, 0, "0000000000000000%7");
	pollute_stack();
	ok("%p%c%d|", 0, 'x', 7, "0000000000000000x7|");
	pollute_stack();
	ok("%p.%s.%d", 0, 200, 7, "0000000000000000..7");
	bad("%p%d%d%d", -EINVAL);
}

static void test_invalid(void)
{
	const char *fmts[] = { "%o",         "%f",       "%.2d",     "%hd",   "%lllx",
			       "%#x",        "%sa",      "%pz",      "%*d",   "%d %d %d %d",
			       "trailing %", "ctl \x01", "del \x7f", "%ls",   "%n",
			       "%pI5",       "%lc",      "%zu",      "%\xc3", "%--------" };

	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		bad(fmts[i], -EINVAL);
	char nonul[3] = { 'a', 'b', 'c' };
	CHECK(bprintf(&ctx, NULL, 0, nonul, sizeof(nonul), NULL, 0) == -EINVAL, "no NUL");
	CHECK(fmt3(NULL, 0, "%d", 1, 0, 0, 0) == -EINVAL, "more conversions than arguments");
	CHECK(fmt3(NULL, 0, "%d", 1, 0, 0, 1) == 1, "fewer conversions than arguments is fine");
}

static void test_truncation(void)
{
	char out[8];

	memset(out, 'z', sizeof(out));
	CHECK(fmt3(out, 5, "%d-%d", 123, 456, 0, 3) == 7 && strcmp(out, "123-") == 0 &&
		      out[5] == 'z',
	      "truncated to size [%s]", out);
	CHECK(fmt3(NULL, 0, "%1000d%1000d", 1, 2, 0, 3) == 2000, "size 0 measures");
	CHECK(fmt3(out, 1, "abc", 0, 0, 0, 3) == 3 && out[0] == 0, "size 1 is the NUL only");
	char big[1024];
	CHECK(fmt3(big, sizeof(big), "%1000d%1000d", 1, 2, 0, 3) == 2000 && strlen(big) == 1023,
	      "trace_printk output limit");
}

int main(void)
{
	test_integers();
	test_hashed_pointer();
	test_pointer_then_conversion();
	test_invalid();
	test_truncation();
	return finish();
}
