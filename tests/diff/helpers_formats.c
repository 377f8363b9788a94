/* The printf helpers' format corners (tests/bpf/helpers_formats.bpf.c): return values,
 * trace messages and bpf_snprintf output, byte for byte. */
#include <stdio.h>
#include <string.h>

#include "helpers_common.h"

#define NR_TEXT 16
#define TEXT_SIZE 64

static struct bpf_object *obj;

/* Text with every byte outside printable ASCII shown as \xNN. */
static const char *escaped(const char *s, size_t len)
{
	static char buf[4 * 1024 + 1];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[n++] = (char)c;
		else
			n += snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
	}
	buf[n] = 0;
	return buf;
}

static void print_messages(void)
{
	const char *m = trace_messages();

	while (*m) {
		const char *nl = strchr(m, '\n');
		size_t len = nl ? (size_t)(nl - m) : strlen(m);

		if (len > 80)
			out("  msg len=%zu [%s...]", len, escaped(m, 40));
		else
			out("  msg [%s]", escaped(m, len));
		m += len + (nl ? 1 : 0);
	}
}

/* Fills every text slot with '#', so that what bpf_snprintf wrote shows. */
static void texts_fill(void)
{
	char t[TEXT_SIZE];

	memset(t, '#', sizeof(t));
	for (uint32_t i = 0; i < NR_TEXT; i++)
		bpf_map_update_elem(map_fd(obj, "text"), &i, t, BPF_ANY);
}

static void texts_print(void)
{
	char t[TEXT_SIZE];

	for (uint32_t i = 0; i < NR_TEXT; i++) {
		if (bpf_map_lookup_elem(map_fd(obj, "text"), &i, t))
			continue;
		size_t len = 0;
		while (len < sizeof(t) && t[len] != '#')
			len++;
		if (len)
			out("  text[%u] [%s]", i, escaped(t, len));
	}
}

static void run_case(const char *name)
{
	res_clear(obj);
	texts_fill();
	trace_clear();
	res_print(obj, res_run(obj, name, "calls"));
	print_messages();
	texts_print();
}

int main(void)
{
	obj = load_obj("helpers_formats");
	run_case("ptr_punct");
	run_case("ptr_text");
	run_case("ptr_unknown");
	run_case("widths");
	run_case("big_widths");
	run_case("big_messages");
	run_case("vprintk_more");
	run_case("snprint_tricky");
	run_case("snprint_trunc");
	bpf_object__close(obj);
	return finish();
}
