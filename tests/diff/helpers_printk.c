/* bpf_trace_printk / bpf_trace_vprintk: return values and the trace messages. */
#include <stdio.h>
#include <string.h>

#include "helpers_common.h"

static void print_messages(bool lengths_only)
{
	const char *m = trace_messages();

	while (*m) {
		const char *nl = strchr(m, '\n');
		int len = nl ? (int)(nl - m) : (int)strlen(m);

		if (lengths_only)
			out("  msg len=%d", len);
		else if (len > 60)
			out("  msg len=%d [%.20s...%.20s]", len, m, m + len - 20);
		else
			out("  msg [%.*s]", len, m);
		m += len + (nl ? 1 : 0);
	}
}

static void run_case(struct bpf_object *obj, const char *name, bool lengths_only)
{
	res_clear(obj);
	trace_clear();
	res_print(obj, res_run(obj, name, "calls"));
	print_messages(lengths_only);
}

int main(void)
{
	struct bpf_object *obj = load_obj("helpers_printk");
	char text[1024];
	uint32_t zero = 0;

	for (int i = 0; i < 600; i++)
		text[i] = 'a' + i % 26;
	memset(text + 600, 0, sizeof(text) - 600);
	CHECK(bpf_map_update_elem(map_fd(obj, "text"), &zero, text, BPF_ANY) == 0, "fill text");

	run_case(obj, "ints", false);
	run_case(obj, "chars", false);
	run_case(obj, "ptrs", false);
	run_case(obj, "hashed", true);
	run_case(obj, "invalid", false);
	run_case(obj, "sizes", false);
	run_case(obj, "limits", false);
	run_case(obj, "vprintk", false);
	bpf_object__close(obj);
	return finish();
}
