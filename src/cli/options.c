/* The run options that `run`, `test` and the inspection commands share: one table row per
 * option (its name, its values, its help, its parser), so adding an option is adding a row.
 * The help text is printed from the same table.  Single-threaded (argument parsing). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

struct run_opt {
	const char *name;  /* "--data" */
	const char *alias; /* "-v", or NULL */
	const char *args;  /* the values it takes, for the help ("FILE"); NULL: a flag */
	int nargs;         /* how many values (the words of args) */
	const char *help;  /* one line or more, joined with "\n" */
	/* v: its nargs values.  0, or -1 after reporting. */
	int (*parse)(struct run_opts *o, const char *name, char **v);
	bool runs; /* giving it asks for a run (the inspection commands run first then) */
};

int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		cli_error("%s: '%s' is not a number from %" PRIu64 " to %" PRIu64, opt, s, min,
			  max);
		return -1;
	}
	*out = v;
	return 0;
}

int64_t parse_duration(const char *s)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 },   { "s", 1e9 },
		{ "", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double ns = v * units[i].ns;
			return ns < 9e18 ? (int64_t)ns : -1;
		}
	return -1;
}

/* ---- parsers ---- */

/* The string options: where each one's value goes, by option name. */
static const char **string_slot(struct run_opts *o, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} slots[] = {
		{ "--prog", offsetof(struct run_opts, prog_name) },
		{ "--section", offsetof(struct run_opts, section) },
		{ "--data", offsetof(struct run_opts, data_path) },
		{ "--ctx", offsetof(struct run_opts, ctx_path) },
		{ "--pcap", offsetof(struct run_opts, pcap_path) },
		{ "--pin-maps", offsetof(struct run_opts, pin_dir) },
		{ "--pin-root", offsetof(struct run_opts, pin_root) },
		{ "--btf", offsetof(struct run_opts, btf_path) },
		{ "--pcap-out", offsetof(struct run_opts, pcap_out) },
		{ "--coverage", offsetof(struct run_opts, coverage) },
		{ "--fire", offsetof(struct run_opts, fire_hook) },
	};

	for (size_t k = 0; k < sizeof(slots) / sizeof(slots[0]); k++)
		if (!strcmp(slots[k].name, name))
			return (const char **)((char *)o + slots[k].off);
	return NULL;
}

static int parse_string(struct run_opts *o, const char *name, char **v)
{
	*string_slot(o, name) = v[0];
	return 0;
}

static int list_add(struct opt_list *l, int width, char **v, int n)
{
	const char **nv = realloc(l->v, (size_t)(l->nr + 1) * (size_t)width * sizeof(*nv));

	if (!nv) {
		cli_error("out of memory");
		return -1;
	}
	l->v = nv;
	l->width = width;
	for (int k = 0; k < width; k++)
		nv[l->nr * width + k] = k < n ? v[k] : NULL;
	l->nr++;
	return 0;
}

static int parse_set(struct run_opts *o, const char *name, char **v)
{
	if (!strchr(v[0], '=') || v[0][0] == '=') {
		cli_error("%s: '%s' is not NAME=VALUE", name, v[0]);
		return -1;
	}
	return list_add(&o->sets, 1, v, 1);
}

static int parse_fail(struct run_opts *o, const char *name, char **v)
{
	if (!strchr(v[0], '=') || v[0][0] == '=') {
		cli_error("%s: '%s' is not WHAT=ERR[@N] (e.g. bpf_timer_init=ENOMEM)", name, v[0]);
		return -1;
	}
	return list_add(&o->fails, 1, v, 1);
}

static int parse_map(struct run_opts *o, const char *name, char **v)
{
	(void)name;
	return list_add(&o->maps, 3, v, v[2] ? 3 : 2);
}

static int parse_packet_size(struct run_opts *o, const char *name, char **v)
{
	uint64_t n;

	if (parse_u64(name, v[0], 1, 65535, &n))
		return -1;
	o->packet_size = (uint32_t)n;
	return 0;
}

static int parse_repeat(struct run_opts *o, const char *name, char **v)
{
	return parse_u64(name, v[0], 1, UINT32_MAX, &o->repeat);
}

/* --routes FILE: bpf_fib_lookup's routing tables and neighbours (bpfrun_set_routes), given
 * to the runtime here, before anything loads. */
static int parse_routes(struct run_opts *o, const char *name, char **v)
{
	uint32_t len = 0;
	uint8_t *raw = cli_read_file(v[0], &len);
	char *text = raw ? realloc(raw, (size_t)len + 1) : NULL;

	(void)o;
	if (!text) {
		free(raw);
		return -1;
	}
	text[len] = 0;
	int r = bpfrun_set_routes(text);
	free(text);
	if (r > 0)
		cli_error("%s: %s line %d is neither a route nor a neighbour", name, v[0], r);
	else if (r < 0)
		cli_error("%s: %s: %s", name, v[0], strerror(-r));
	return r ? -1 : 0;
}

static int parse_seed(struct run_opts *o, const char *name, char **v)
{
	o->has_seed = true;
	return parse_u64(name, v[0], 0, UINT64_MAX, &o->seed);
}

static int parse_cpu(struct run_opts *o, const char *name, char **v)
{
	uint64_t n;
	int cpus = libbpf_num_possible_cpus();

	if (parse_u64(name, v[0], 0, cpus > 0 ? (uint64_t)cpus - 1 : 0, &n))
		return -1;
	o->cpu = (int)n;
	return 0;
}

static int parse_for(struct run_opts *o, const char *name, char **v)
{
	o->for_ns = parse_duration(v[0]);
	if (o->for_ns < 0) {
		cli_error("%s: '%s' is not a duration (e.g. 10s, 250ms, 2m)", name, v[0]);
		return -1;
	}
	return 0;
}

static int parse_clock(struct run_opts *o, const char *name, char **v)
{
	if (strcmp(v[0], "real") && strcmp(v[0], "virtual")) {
		cli_error("%s: '%s' is neither real nor virtual", name, v[0]);
		return -1;
	}
	o->clock = strcmp(v[0], "real") ? RUN_CLOCK_VIRTUAL : RUN_CLOCK_REAL;
	return 0;
}

/* A type by libbpf's name of it ("sched_cls", "raw_tracepoint") or by a section prefix
 * libbpf knows ("tc", "raw_tp", "xdp"). */
static int parse_type(struct run_opts *o, const char *name, char **v)
{
	enum bpf_attach_type attach;
	enum bpf_prog_type t;

	for (int k = 1; libbpf_bpf_prog_type_str(k); k++)
		if (!strcmp(libbpf_bpf_prog_type_str(k), v[0])) {
			o->prog_type = k;
			return 0;
		}
	if (libbpf_prog_type_by_name(v[0], &t, &attach) == 0) {
		o->prog_type = (int)t;
		return 0;
	}
	cli_error("%s: '%s' is not a program type (e.g. xdp, sched_cls, raw_tp, syscall)", name,
		  v[0]);
	return -1;
}

static int set_flag(struct run_opts *o, const char *name, char **v)
{
	(void)v;
	if (!strcmp(name, "--keep"))
		o->keep = true;
	else if (!strcmp(name, "--json"))
		o->json = true;
	else if (!strcmp(name, "--timeline"))
		o->timeline = true;
	else
		o->verbose = true;
	return 0;
}

/* ---- the table ---- */

static const struct run_opt table[] = {
	{ "--prog", NULL, "NAME", 1, "run only the program NAME", parse_string, true },
	{ "--section", NULL, "SEC", 1,
	  "run only the program(s) in ELF section SEC\n"
	  "(default: every program of a test-runnable type, in order)",
	  parse_string, true },
	{ "--type", NULL, "TYPE", 1,
	  "program type for sections libbpf does not know (xdp, sched_cls, raw_tp...)", parse_type,
	  false },
	{ "--data", NULL, "FILE", 1,
	  "input: the bytes of FILE (one run); the context of raw_tp and syscall programs",
	  parse_string, true },
	{ "--ctx", NULL, "FILE", 1, "the context (ctx_in) beside the packet, for every run",
	  parse_string, true },
	{ "--pcap", NULL, "FILE", 1, "input: the packets of a capture, one run per packet",
	  parse_string, true },
	{ "--packet-size", NULL, "N", 1,
	  "input: a generated Ethernet/IPv4/UDP packet of N bytes (64)", parse_packet_size, true },
	{ "--repeat", NULL, "N", 1, "run each input N times (1)", parse_repeat, true },
	{ "--for", NULL, "DURATION", 1,
	  "stay DURATION after the input (10s, 250ms, 1m...) so timers\n"
	  "fire; default: until no timer is armed",
	  parse_for, true },
	{ "--clock", NULL, "real|virtual", 1,
	  "the runtime's clock (default real, or $BPFRUN_CLOCK). Virtual\n"
	  "with --pcap: the packets' timestamps drive it",
	  parse_clock, false },
	{ "--map", NULL, "NAME KEY VALUE", 3,
	  "before the run, set an element: KEY and VALUE as bpftool's words\n"
	  "(\"hex 0a 0b\", \"1 0 0 0\"); VALUE may name a program (program\n"
	  "arrays); or --map NAME FILE: the elements of a bpftool JSON dump",
	  parse_map, false },
	{ "--set", NULL, "NAME=VALUE", 1,
	  "before the run, set a global variable (a number, or bpftool's\n"
	  "bytes words) in .rodata, .data or .bss",
	  parse_set, false },
	{ "--fail", NULL, "WHAT=ERR[@N]", 1,
	  "helper or kfunc WHAT returns -ERR (ENOMEM, 12; NULL for pointers)\n"
	  "on its Nth call, or on every call without @N",
	  parse_fail, false },
	{ "--seed", NULL, "N", 1, "seed bpf_get_prandom_u32 (the same numbers every time)",
	  parse_seed, false },
	{ "--routes", NULL, "FILE", 1,
	  "bpf_fib_lookup's routes and neighbours, lines as `ip route show\n"
	  "table all` and `ip neigh show` print them (devices: the host's)",
	  parse_routes, false },
	{ "--cpu", NULL, "N", 1, "run as CPU N (bpf_get_smp_processor_id, per-CPU maps)", parse_cpu,
	  false },
	{ "--btf", NULL, "FILE", 1,
	  "kernel BTF for CO-RE relocations (instead of\n"
	  "/sys/kernel/btf/vmlinux)",
	  parse_string, false },
	{ "--pin-maps", NULL, "DIR", 1, "pin the object's maps under DIR (this process's pins)",
	  parse_string, false },
	{ "--pin-root", NULL, "DIR", 1,
	  "where maps with a pinning attribute pin (default /sys/fs/bpf)", parse_string, false },
	{ "--pcap-out", NULL, "FILE", 1,
	  "write every packet as the program left it, the verdict in a\n"
	  "comment (pcapng)",
	  parse_string, true },
	{ "--coverage", NULL, "FILE", 1,
	  "write line coverage of the BPF C sources (lcov tracefile;\n"
	  "genhtml renders it)",
	  parse_string, true },
	{ "--fire", NULL, "HOOK", 1,
	  "attach the programs and fire HOOK (kprobe/FUNC, tp/CAT/NAME,\n"
	  "raw_tp/NAME, fentry/FUNC, lsm/HOOK...) with --ctx or --data\n"
	  "as the context",
	  parse_string, true },
	{ "--keep", NULL, NULL, 0, "dump every map after the run", set_flag, false },
	{ "--timeline", NULL, NULL, 0,
	  "print each timer callback as it fires (time since the start,\n"
	  "CPU, map, key, program/callback); exact on the virtual clock",
	  set_flag, false },
	{ "--json", "-j", NULL, 0, "JSON output: one document", set_flag, false },
	{ "--verbose", "-v", NULL, 0, "show libbpf's messages", set_flag, false },
};

void run_opts_print_help(FILE *out)
{
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		const struct run_opt *t = &table[k];
		char head[64];
		const char *h = t->help;

		snprintf(head, sizeof(head), "%s%s%s%s%s", t->alias ? t->alias : "",
			 t->alias ? ", " : "", t->name, t->args ? " " : "", t->args ? t->args : "");
		fprintf(out, "  %-20s ", head);
		if (strlen(head) > 20)
			fprintf(out, "\n  %-20s ", "");
		for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(out, "%.*s\n  %-20s ", (int)(nl - h), h, "");
		fprintf(out, "%s\n", h);
	}
}

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->packet_size = 64;
	o->repeat = 1;
	o->for_ns = -1;
	o->cpu = -1;
}

void run_opts_free(struct run_opts *o)
{
	free(o->maps.v);
	free(o->sets.v);
	free(o->fails.v);
	o->maps.v = o->sets.v = o->fails.v = NULL;
}

/* --map NAME FILE takes two values: the second (argv[second]) names a readable file. */
static int map_arity(int argc, char **argv, int second)
{
	return second < argc && access(argv[second], R_OK) == 0 ? 2 : 3;
}

int run_opts_parse(struct run_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		const struct run_opt *t = &table[k];
		size_t n = strlen(t->name);
		char *vals[3] = { NULL, NULL, NULL };
		int nargs = t->nargs;

		if (t->alias && !strcmp(a, t->alias))
			n = strlen(a);
		else if (strncmp(a, t->name, n) || (a[n] && (a[n] != '=' || !nargs)))
			continue;
		int first = *i + 1, left = argc - first;
		if (a[n] == '=') { /* --opt=VALUE: the first value is here */
			vals[0] = (char *)a + n + 1;
			first--;
			left++;
		}
		if (t->parse == parse_map)
			nargs = map_arity(argc, argv, first + 1);
		if (left < nargs) {
			if (nargs == 1)
				cli_error("%s needs a value", t->name);
			else
				cli_error("%s needs %s", t->name, t->args);
			return -1;
		}
		for (int v = vals[0] ? 1 : 0; v < nargs; v++)
			vals[v] = argv[first + v];
		*i = first + nargs - 1;
		if (t->parse(o, t->name, vals))
			return -1;
		o->run_requested = o->run_requested || t->runs;
		return 1;
	}
	return 0;
}

int run_opts_check(const struct run_opts *o)
{
	if (o->data_path && o->pcap_path) {
		cli_error("--data and --pcap are exclusive");
		return -1;
	}
	if (o->prog_name && o->section) {
		cli_error("--prog and --section are exclusive");
		return -1;
	}
	return 0;
}

int run_opts_parse_command(struct run_opts *o, int argc, char **argv, const char *help,
			   const char **path)
{
	const char *cmd = argv[0];

	*path = NULL;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(help, stdout);
			run_opts_print_help(stdout);
			return 1;
		}
		int r = run_opts_parse(o, argc, argv, &i);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (argv[i][0] == '-' || *path) {
			cli_error("%s: unexpected argument '%s' (see bpfrun %s --help)", cmd,
				  argv[i], cmd);
			return -1;
		}
		*path = argv[i];
	}
	if (!*path) {
		cli_error("%s: which object? usage: bpfrun %s OBJ.o [OPTIONS]", cmd, cmd);
		return -1;
	}
	return run_opts_check(o);
}

bool run_opts_fault_count(const struct run_opts *o, int k, struct fault_count *f)
{
	const char *rule = o->fails.v[k];

	snprintf(f->name, sizeof(f->name), "%.*s", (int)strcspn(rule, "="), rule);
	return bpfrun_fail_stats(f->name, &f->calls, &f->fails) == 0;
}
