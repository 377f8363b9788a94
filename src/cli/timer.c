/* bpfrun timer list: every armed BPF timer (map, key, program and callback, clock,
 * expiry absolute and remaining, start flags, CPU), for an object this command loads and
 * runs, or for a process started with `bpfrun exec` (--pid).  The runtime walks its
 * queues (bpfrun_timer_walk, bpfrun_timer_walk_process); this file only prints.  Also
 * the timeline lines of `bpfrun run --timeline` (timer_print_firing). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>

#include "bpfrun.h"
#include "bpfrun_runtime.h"
#include "cli.h"

#ifndef BPF_F_TIMER_ABS
#define BPF_F_TIMER_ABS (1U << 0)
#endif
#ifndef BPF_F_TIMER_CPU_PIN
#define BPF_F_TIMER_CPU_PIN (1U << 1)
#endif

static const char timer_help[] =
	"Usage: bpfrun timer list OBJ.o [RUN OPTIONS]\n"
	"       bpfrun timer list --pid PID|--runtime [--json]\n"
	"Lists every armed BPF timer: its map and key, the program and callback that will run,\n"
	"its clock, its expiry (absolute, on that clock, and remaining), the flags of its start\n"
	"and the CPU it fires on; a timer whose callback runs right now shows as running, one\n"
	"armed by a run still in progress as held.  With OBJ.o: loads the object, runs it when\n"
	"run options ask for it (give --for to stop while timers are armed) and lists what is\n"
	"armed then.  With --pid: asks a process started with `bpfrun exec --in-process`;\n"
	"with --runtime: the per-user runtime that serves `bpfrun exec` commands.\n\n"
	"Run options (see bpfrun run --help):\n";

static const char *clock_name(int32_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
		return "realtime";
	case CLOCK_MONOTONIC:
		return "monotonic";
	case CLOCK_BOOTTIME:
		return "boottime";
	default:
		return "?";
	}
}

static const char *state_name(uint32_t s)
{
	return s == BPFRUN_TIMER_RUNNING ? "running" : s == BPFRUN_TIMER_HELD ? "held" : "armed";
}

static uint32_t key_len(const struct bpfrun_timer_info *t)
{
	return t->key_size < BPFRUN_TIMER_KEY_MAX ? t->key_size : BPFRUN_TIMER_KEY_MAX;
}

static void print_plain(const struct bpfrun_timer_info *t, FILE *out)
{
	int64_t r = t->remaining_ns;

	fprintf(out, "timer  map %u \"%s\"  key", t->map_id, t->map_name);
	for (uint32_t i = 0; i < key_len(t); i++)
		fprintf(out, " %02x", t->key[i]);
	if (t->key_size > key_len(t))
		fputs(" ...", out);
	fprintf(out, "  prog %u \"%s\"  callback %s\n", t->prog_id, t->prog_name, t->callback);
	uint64_t left = (uint64_t)(r < 0 ? -r : r);

	fprintf(out, "       clock %s  expires %" PRIu64 ".%09" PRIu64, clock_name(t->clockid),
		t->expires_ns / 1000000000, t->expires_ns % 1000000000);
	fprintf(out, " (%s %" PRIu64 ".%09" PRIu64 " s)", r > 0 ? "in" : "due since",
		left / 1000000000, left % 1000000000);
	fprintf(out, "  flags%s%s%s  cpu %u  %s\n", t->flags ? "" : " 0",
		t->flags & BPF_F_TIMER_ABS ? " abs" : "",
		t->flags & BPF_F_TIMER_CPU_PIN ? " pin" : "", t->cpu, state_name(t->state));
}

static void print_json(const struct bpfrun_timer_info *t, struct json *j)
{
	json_begin_object(j);
	json_string_field(j, "kind", "timer");
	json_string_field(j, "state", state_name(t->state));
	json_key(j, "map");
	json_begin_object(j);
	json_uint_field(j, "id", t->map_id);
	json_string_field(j, "name", t->map_name);
	json_end_object(j);
	json_key(j, "key");
	json_hex_bytes(j, t->key, key_len(t));
	json_key(j, "prog");
	json_begin_object(j);
	json_uint_field(j, "id", t->prog_id);
	json_string_field(j, "name", t->prog_name);
	json_end_object(j);
	json_string_field(j, "callback", t->callback);
	json_string_field(j, "clock", clock_name(t->clockid));
	json_uint_field(j, "expires_ns", t->expires_ns);
	json_key(j, "remaining_ns");
	json_int(j, t->remaining_ns);
	json_key(j, "flags");
	json_begin_array(j);
	if (t->flags & BPF_F_TIMER_ABS)
		json_string(j, "abs");
	if (t->flags & BPF_F_TIMER_CPU_PIN)
		json_string(j, "pin");
	json_end_array(j);
	json_uint_field(j, "cpu", t->cpu);
	json_end_object(j);
}

struct printer {
	struct json *j;
	unsigned count;
};

static int print_one(const struct bpfrun_timer_info *t, void *arg)
{
	struct printer *p = arg;

	if (p->j)
		print_json(t, p->j);
	else
		print_plain(t, stdout);
	p->count++;
	return 0;
}

/* Lists through walk (local or remote); 0, or 1 after reporting. */
static int list(struct json *j, int (*walk)(struct printer *p, void *arg), void *arg)
{
	struct printer p = { j, 0 };
	int err;

	if (j)
		json_begin_array(j);
	err = walk(&p, arg);
	if (j)
		json_end_array(j); /* and the newline that ends the document */
	else if (!err && !p.count)
		puts("no timer armed");
	return err;
}

static int walk_here(struct printer *p, void *unused)
{
	(void)unused;
	if (bpfrun_timer_walk(print_one, p) < 0) {
		cli_error("timer list: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int walk_pid(struct printer *p, void *arg)
{
	int pid = *(int *)arg;

	if (bpfrun_timer_walk_process(pid, print_one, p) < 0) {
		int err = errno;

		cli_error("timer list: process %d %s", pid,
			  err == ECONNREFUSED || err == ENOENT ?
				  "does not answer (not started with `bpfrun exec`?)" :
			  err == EACCES ? "refuses: it belongs to another user" :
					  strerror(err));
		return 1;
	}
	return 0;
}

static int timer_inspect(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
			 struct json *j)
{
	(void)obj;
	(void)sub;
	if (a->nr_words) {
		cli_error("timer list: unexpected argument '%s'", a->words[0]);
		return 1;
	}
	return list(j, walk_here, NULL);
}

/* The pid of the user's runtime (its status says it), or 0 after reporting. */
static int runtime_pid(void)
{
	char buf[4096];
	int pid = 0;

	if (bpfrun_runtime_request("status", buf, sizeof(buf)) < 0) {
		cli_error("timer list: %s",
			  errno == ESRCH ? "no runtime running" : strerror(errno));
		return 0;
	}
	buf[sizeof(buf) - 1] = 0;
	if (sscanf(buf, "runtime: pid %d", &pid) != 1 || pid <= 0)
		cli_error("timer list: the runtime's status names no process");
	return pid > 0 ? pid : 0;
}

/* bpfrun timer list --pid PID|--runtime [--json] */
static int list_pid(int argc, char **argv)
{
	struct json js, *j = NULL;
	int pid = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_init(&js, stdout);
			j = &js;
		} else if (!strcmp(argv[i], "--runtime")) {
			if ((pid = runtime_pid()) <= 0)
				return 1;
		} else if (!strcmp(argv[i], "--pid") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v <= 0 || v > INT32_MAX) {
				cli_error("timer list: --pid: '%s' is not a process id", argv[i]);
				return 2;
			}
			pid = (int)v;
		} else {
			cli_error("timer list: with --pid or --runtime, only --json may follow "
				  "('%s')",
				  argv[i]);
			return 2;
		}
	}
	if (!pid) {
		cli_error("timer list: --pid needs a process id");
		return 2;
	}
	return list(j, walk_pid, &pid);
}

int cmd_timer(int argc, char **argv)
{
	static const char *const subs[] = { "list", NULL };
	static const struct inspect_cmd cmd = {
		.name = "timer",
		.help = timer_help,
		.subs = subs,
		.subs_text = "list",
		.run = timer_inspect,
	};

	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[1], "list") &&
		    (!strcmp(argv[i], "--pid") || !strcmp(argv[i], "--runtime")))
			return list_pid(argc, argv);
	return inspect_main(&cmd, argc, argv);
}

int timer_format_firing(const struct bpfrun_timer_info *t, uint64_t since_ns, char *buf, size_t len)
{
	uint64_t late = (uint64_t)(t->remaining_ns < 0 ? -t->remaining_ns : 0);
	char key[3 * BPFRUN_TIMER_KEY_MAX + 1] = "", late_text[40] = "";

	for (uint32_t i = 0; i < key_len(t); i++)
		snprintf(key + 3 * i, sizeof(key) - 3 * i, " %02x", t->key[i]);
	if (late)
		snprintf(late_text, sizeof(late_text), "  late %" PRIu64 " ns", late);
	return snprintf(buf, len,
			"timeline +%" PRIu64 ".%09" PRIu64 " s  cpu %u  map \"%s\" key%s  %s/%s%s",
			since_ns / 1000000000, since_ns % 1000000000, t->cpu, t->map_name, key,
			t->prog_name, t->callback, late_text);
}
