/* The outputs of `bpfrun run`: trace lines, the progress line, the summary (text, or
 * members of one JSON document with --json).
 *
 * Threads: trace lines of timer callbacks arrive on the runtime's engine threads.  Printed
 * ones take one stdio call each (stdio locks the stream); kept ones (--json) go into
 * `sink.kept` under `sink.lock`.  progress_shown is atomic: whoever clears it erases the
 * progress line. */
#include <inttypes.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "run.h"

#define NSEC_PER_SEC 1000000000ull
#define PROGRESS_INTERVAL (NSEC_PER_SEC / 2)
#define HEX_OUT_MAX 4096 /* bytes of data/ctx out shown for a single run */

/* Where trace lines go.  Static: timer callbacks may print after a run returns. */
static struct {
	FILE *out;
	bool progress_shown; /* atomic */
	bool keep;           /* --json: kept for the document */
	pthread_mutex_t lock;
	char **kept;
	size_t nr_kept, cap_kept;
} sink = { .lock = PTHREAD_MUTEX_INITIALIZER };

uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void output_progress(struct run_state *s)
{
	struct bpfrun_timer_stats ts;
	uint64_t now = real_now();

	if (now - s->last_progress < PROGRESS_INTERVAL || !isatty(STDERR_FILENO))
		return;
	s->last_progress = now;
	bpfrun_timer_stats(&ts);
	fprintf(stderr,
		"\r\033[K[bpfrun] %.1fs: %" PRIu64 " packets, %" PRIu64
		" runs, timers fired %" PRIu64 ", pending %" PRIu64,
		(double)(now - s->start_real) / NSEC_PER_SEC, s->packets, s->runs, ts.fired,
		ts.pending);
	__atomic_store_n(&sink.progress_shown, true, __ATOMIC_RELAXED);
}

void output_progress_clear(void)
{
	if (__atomic_exchange_n(&sink.progress_shown, false, __ATOMIC_RELAXED))
		fputs("\r\033[K", stderr);
}

static void keep_line(const char *line, size_t len)
{
	pthread_mutex_lock(&sink.lock);
	if (sink.nr_kept == sink.cap_kept) {
		size_t cap = sink.cap_kept ? sink.cap_kept * 2 : 64;
		char **k = realloc(sink.kept, cap * sizeof(*k));
		if (!k)
			goto out;
		sink.kept = k;
		sink.cap_kept = cap;
	}
	sink.kept[sink.nr_kept] = strndup(line, len);
	if (sink.kept[sink.nr_kept])
		sink.nr_kept++;
out:
	pthread_mutex_unlock(&sink.lock);
}

static void trace_line(const char *line, size_t len, void *arg)
{
	(void)arg;
	if (sink.keep) {
		keep_line(line, len);
		return;
	}
	output_progress_clear(); /* the progress line shares the terminal with stdout */
	fprintf(sink.out, "%.*s\n", (int)len, line);
	fflush(sink.out);
}

void output_trace_line(const char *line, size_t len)
{
	trace_line(line, len, NULL);
}

void output_trace_begin(FILE *out, bool keep_for_json)
{
	sink.out = out;
	sink.keep = keep_for_json;
	if (!getenv("BPFRUN_TRACE"))
		bpfrun_set_trace_callback(trace_line, NULL);
}

/* After the runtime stopped or the run's end: the kept lines go. */
void output_trace_end(void)
{
	pthread_mutex_lock(&sink.lock);
	for (size_t k = 0; k < sink.nr_kept; k++)
		free(sink.kept[k]);
	free(sink.kept);
	sink.kept = NULL;
	sink.nr_kept = sink.cap_kept = 0;
	pthread_mutex_unlock(&sink.lock);
}

/* ---- text ---- */

static void hex_out(FILE *out, const char *what, const uint8_t *p, uint32_t len)
{
	fprintf(out, "  %s (%u bytes):", what, len);
	for (uint32_t k = 0; k < len && k < HEX_OUT_MAX; k++)
		fprintf(out, "%s%02x", k % 16 ? " " : "\n    ", p[k]);
	fputs(len > HEX_OUT_MAX ? " ...\n" : "\n", out);
}

/* ---- redirects: where a redirected packet went ---- */

/* What a redirect target is, for both outputs: its kind (the text's words, the JSON's
 * "to"), the device's name when it names one. */
struct redirect_words {
	const char *text, *json;
	char dev[IF_NAMESIZE];
	char map[BPF_OBJ_NAME_LEN]; /* the map's name, "" when it has none or is gone */
};

static void redirect_words(const struct bpfrun_redirect *r, struct redirect_words *w)
{
	static const char *const text[] = { "device", "device ingress", "peer of device",
					    "neighbour via device", "broadcast over map" };
	static const char *const json[] = { "device", "device_ingress", "peer", "neighbour",
					    "broadcast" };
	uint32_t how = r->how <= BPFRUN_REDIRECT_BROADCAST ? r->how : 0;

	w->text = r->cpu >= 0 ? "CPU" : r->xsk >= 0 ? "AF_XDP socket slot" : text[how];
	w->json = r->cpu >= 0 ? "cpu" : r->xsk >= 0 ? "xsk" : json[how];
	if (!if_indextoname(r->ifindex, w->dev))
		snprintf(w->dev, sizeof(w->dev), "%s", "no such device");
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = r->map_id ? bpf_map_get_fd_by_id(r->map_id) : -1;
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		info.name[0] = 0;
	snprintf(w->map, sizeof(w->map), "%s", info.name);
	if (fd >= 0)
		close(fd);
}

static void print_redirect(FILE *out, const struct bpfrun_redirect *r, uint64_t count)
{
	struct redirect_words w;

	redirect_words(r, &w);
	if (r->cpu >= 0 || r->xsk >= 0)
		fprintf(out, " %s %d", w.text, r->cpu >= 0 ? r->cpu : r->xsk);
	else if (r->how == BPFRUN_REDIRECT_BROADCAST)
		fprintf(out, " %s %u (%s)", w.text, r->map_id, w.map);
	else
		fprintf(out, " %s %u (%s)", w.text, r->ifindex, w.dev);
	if (r->map_id && r->how != BPFRUN_REDIRECT_BROADCAST)
		fprintf(out, " via map %u (%s) key %u", r->map_id, w.map, r->key);
	fprintf(out, " x%" PRIu64, count);
}

/* One "redirects" element: {"to", the target's fields, the map entry, "count"}. */
static void json_redirect(struct json *j, const struct bpfrun_redirect *r, uint64_t count)
{
	struct redirect_words w;

	redirect_words(r, &w);
	json_begin_object(j);
	json_string_field(j, "to", w.json);
	if (r->cpu >= 0 || r->xsk >= 0) {
		json_uint_field(j, r->cpu >= 0 ? "cpu" : "xsk_slot",
				(uint64_t)(r->cpu >= 0 ? r->cpu : r->xsk));
	} else if (r->how != BPFRUN_REDIRECT_BROADCAST) {
		json_uint_field(j, "ifindex", r->ifindex);
		json_string_field(j, "device", w.dev);
	}
	if (r->map_id) {
		json_uint_field(j, "map_id", r->map_id);
		json_string_field(j, "map_name", w.map);
		json_uint_field(j, "map_type", r->map_type);
		json_uint_field(j, "key", r->key);
	}
	json_uint_field(j, "flags", r->flags);
	json_uint_field(j, "action", r->action);
	json_uint_field(j, "count", count);
	json_end_object(j);
}

static void text_prog(FILE *out, const struct prog_stats *ps)
{
	fprintf(out, "%s: %" PRIu64 " run%s, return values:", bpf_program__name(ps->prog), ps->runs,
		ps->runs == 1 ? "" : "s");
	for (unsigned int v = 0; v < ps->nr_retvals; v++)
		fprintf(out, " %u x%" PRIu64, ps->retvals[v].value, ps->retvals[v].count);
	if (ps->other_retvals)
		fprintf(out, " others x%" PRIu64, ps->other_retvals);
	if (ps->errors)
		fprintf(out, " errors x%" PRIu64 " (%s)", ps->errors, strerror(ps->first_error));
	fputc('\n', out);
	if (ps->nr_redirects) {
		fprintf(out, "%s: redirected to:", bpf_program__name(ps->prog));
		for (unsigned int v = 0; v < ps->nr_redirects; v++)
			print_redirect(out, &ps->redirects[v].to, ps->redirects[v].count);
		fputc('\n', out);
	}
	if (ps->runs == 1 && !ps->errors && ps->data_out_len)
		hex_out(out, "data out", ps->data_out, ps->data_out_len);
	if (ps->runs == 1 && !ps->errors && ps->ctx_out_len)
		hex_out(out, "ctx out", ps->ctx_out, ps->ctx_out_len);
}

static void text_summary(struct run_state *s, const struct bpfrun_timer_stats *ts, uint64_t elapsed)
{
	FILE *out = s->out;

	fprintf(out, "--- %s: %" PRIu64 " run%s over %" PRIu64 " input%s\n", s->path, s->runs,
		s->runs == 1 ? "" : "s", s->packets, s->packets == 1 ? "" : "s");
	for (unsigned int k = 0; k < s->nr_progs; k++)
		text_prog(out, &s->progs[k]);
	fprintf(out,
		"timers: armed %" PRIu64 ", fired %" PRIu64 ", cancelled %" PRIu64
		", pending %" PRIu64 "\n",
		ts->armed, ts->fired, ts->cancelled, ts->pending);
	for (int k = 0; k < s->o->fails.nr; k++) {
		struct fault_count f;
		if (run_opts_fault_count(s->o, k, &f))
			fprintf(out, "faults: %s failed %" PRIu64 " of %" PRIu64 " call%s\n",
				f.name, f.fails, f.calls, f.calls == 1 ? "" : "s");
	}
	fprintf(out, "elapsed: %.3f s", (double)elapsed / NSEC_PER_SEC);
	if (bpfrun_clock_is_virtual())
		fprintf(out, " (virtual clock: %.3f s)",
			(double)(bpfrun_clock_now(CLOCK_MONOTONIC) - s->virtual_base) /
				NSEC_PER_SEC);
	fputc('\n', out);
	fflush(out);
}

/* ---- JSON ---- */

static void json_prog(struct json *j, const struct prog_stats *ps)
{
	json_begin_object(j);
	json_string_field(j, "name", bpf_program__name(ps->prog));
	json_uint_field(j, "runs", ps->runs);
	json_key(j, "retvals");
	json_begin_array(j);
	for (unsigned int v = 0; v < ps->nr_retvals; v++) {
		json_begin_object(j);
		json_uint_field(j, "value", ps->retvals[v].value);
		json_uint_field(j, "count", ps->retvals[v].count);
		json_end_object(j);
	}
	json_end_array(j);
	json_uint_field(j, "other_retvals", ps->other_retvals);
	json_uint_field(j, "errors", ps->errors);
	if (ps->errors) {
		json_string_field(j, "error", strerror(ps->first_error));
	}
	if (ps->nr_redirects) {
		json_key(j, "redirects");
		json_begin_array(j);
		for (unsigned int v = 0; v < ps->nr_redirects; v++)
			json_redirect(j, &ps->redirects[v].to, ps->redirects[v].count);
		json_end_array(j);
	}
	if (ps->runs == 1 && !ps->errors && ps->data_out_len) {
		json_key(j, "data_out");
		json_hex_bytes(j, ps->data_out, ps->data_out_len);
	}
	if (ps->runs == 1 && !ps->errors && ps->ctx_out_len) {
		json_key(j, "ctx_out");
		json_hex_bytes(j, ps->ctx_out, ps->ctx_out_len);
	}
	json_end_object(j);
}

static void json_summary(struct run_state *s, const struct bpfrun_timer_stats *ts, uint64_t elapsed)
{
	struct json *j = s->j;

	json_string_field(j, "object", s->path);
	json_uint_field(j, "runs", s->runs);
	json_uint_field(j, "inputs", s->packets);
	json_key(j, "programs");
	json_begin_array(j);
	for (unsigned int k = 0; k < s->nr_progs; k++)
		json_prog(j, &s->progs[k]);
	json_end_array(j);
	json_key(j, "timers");
	json_begin_object(j);
	json_uint_field(j, "armed", ts->armed);
	json_uint_field(j, "fired", ts->fired);
	json_uint_field(j, "cancelled", ts->cancelled);
	json_uint_field(j, "pending", ts->pending);
	json_end_object(j);
	json_key(j, "faults");
	json_begin_array(j);
	for (int k = 0; k < s->o->fails.nr; k++) {
		struct fault_count f;
		if (!run_opts_fault_count(s->o, k, &f))
			continue;
		json_begin_object(j);
		json_string_field(j, "name", f.name);
		json_uint_field(j, "calls", f.calls);
		json_uint_field(j, "failed", f.fails);
		json_end_object(j);
	}
	json_end_array(j);
	json_uint_field(j, "elapsed_ns", elapsed);
	if (bpfrun_clock_is_virtual()) {
		json_uint_field(j, "virtual_ns",
				bpfrun_clock_now(CLOCK_MONOTONIC) - s->virtual_base);
	}
	json_key(j, "trace");
	json_begin_array(j);
	pthread_mutex_lock(&sink.lock);
	for (size_t k = 0; k < sink.nr_kept; k++)
		json_string(j, sink.kept[k]);
	pthread_mutex_unlock(&sink.lock);
	json_end_array(j);
}

void output_summary(struct run_state *s, uint64_t elapsed)
{
	struct bpfrun_timer_stats ts;

	bpfrun_timer_stats(&ts);
	if (s->j)
		json_summary(s, &ts, elapsed);
	else
		text_summary(s, &ts, elapsed);
}
