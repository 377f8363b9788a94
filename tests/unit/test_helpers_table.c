/* The helper table (kernel names, ids, gpl_only, implemented entries) and the trace
 * line format of bpf_printk output. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"
#include "helpers/helpers.h"

static void check_name(u32 id, const char *name)
{
	const char *got = helper_name(id);

	CHECK(got && strcmp(got, name) == 0, "helper %u is %s (got %s)", id, name,
	      got ? got : "NULL");
}

static void check_impl(u32 id, bool gpl_only)
{
	const struct helper_desc *d = helper_get(id);

	CHECK(d && d->fn, "helper %u implemented", id);
	CHECK(d && d->gpl_only == gpl_only, "helper %u gpl_only %d", id, gpl_only);
}

static void test_names(void)
{
	check_name(BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem");
	check_name(BPF_FUNC_tail_call, "bpf_tail_call");
	check_name(BPF_FUNC_trace_printk, "bpf_trace_printk");
	check_name(BPF_FUNC_timer_init, "bpf_timer_init");
	check_name(BPF_FUNC_user_ringbuf_drain, "bpf_user_ringbuf_drain");
	check_name(210, "bpf_cgrp_storage_get");
	check_name(211, "bpf_cgrp_storage_delete");
	CHECK(helper_get(0) == NULL, "id 0 is not a helper");
	CHECK(helper_get(212) == NULL && helper_name(212) == NULL,
	      "ids past the kernel's are unknown");
	CHECK(helper_get(100000) == NULL, "huge id unknown");
	for (u32 id = 1; id < 212; id++)
		CHECK(helper_name(id) && strncmp(helper_name(id), "bpf_", 4) == 0, "id %u named",
		      id);
}

static void test_implemented(void)
{
	check_impl(BPF_FUNC_map_lookup_elem, false);
	check_impl(BPF_FUNC_map_update_elem, false);
	check_impl(BPF_FUNC_map_delete_elem, false);
	check_impl(BPF_FUNC_map_lookup_percpu_elem, false);
	check_impl(BPF_FUNC_tail_call, false);
	check_impl(BPF_FUNC_ktime_get_ns, false);
	check_impl(BPF_FUNC_jiffies64, false);
	check_impl(BPF_FUNC_trace_printk, true);
	check_impl(BPF_FUNC_trace_vprintk, true);
	check_impl(BPF_FUNC_snprintf, true);
	check_impl(BPF_FUNC_loop, false);
	check_impl(BPF_FUNC_for_each_map_elem, false);
	check_impl(BPF_FUNC_spin_lock, false);
	check_impl(BPF_FUNC_timer_init, true);
	check_impl(BPF_FUNC_timer_cancel, true);
	check_impl(BPF_FUNC_skb_load_bytes, false);
	check_impl(BPF_FUNC_get_socket_uid, false);
	const struct helper_desc *d = helper_get(BPF_FUNC_map_push_elem);
	CHECK(d && !d->fn, "queue helpers are known but not implemented");
	d = helper_get(BPF_FUNC_d_path);
	CHECK(d && !d->fn, "d_path not implemented");
}

static char last_line[2048];
static int lines;

static void capture(const char *line, size_t len, void *arg)
{
	snprintf(last_line, sizeof(last_line), "%.*s", (int)len, line);
	lines++;
	(void)arg;
}

static void test_trace_line(void)
{
	char pid[16], prefix[64];

	prctl(PR_SET_NAME, "tracetest");
	bpfrun_set_trace_callback(capture, NULL);
	trace_emit(NULL, "hello world", 11);
	bpfrun_set_trace_callback(NULL, NULL);
	CHECK(lines == 1, "one line delivered");
	snprintf(pid, sizeof(pid), "%-7d", (int)gettid());
	snprintf(prefix, sizeof(prefix), "       tracetest-%s [000] b..11 ", pid);
	CHECK(strncmp(last_line, prefix, strlen(prefix)) == 0, "prefix [%s] of [%s]", prefix,
	      last_line);
	const char *ts = last_line + strlen(prefix);
	size_t tslen = strspn(ts, " 0123456789.");
	CHECK(tslen >= 12 && ts[tslen] == ':' && ts[tslen - 7] == '.', "timestamp field [%s]", ts);
	const char *msg = strstr(last_line, ": bpf_trace_printk: ");
	CHECK(msg && strcmp(msg, ": bpf_trace_printk: hello world") == 0, "message [%s]",
	      last_line);
}

int main(void)
{
	test_names();
	test_implemented();
	test_trace_line();
	return finish();
}
