/* bpfrun run OBJ.o: test-runs the object's programs over an input (a file, a capture, or
 * a generated packet), keeps the runtime alive while timers are armed (or for a given
 * time), and prints the trace lines and a summary.
 *
 * Threads: the run loop is this thread; trace lines of timer callbacks arrive on the
 * runtime's engine threads and are printed with one stdio call each (stdio locks the
 * stream).  Shared with them: `sink` (progress_shown is atomic; whoever clears it erases the
 * progress line).  `stop_requested` is set by SIGINT and by a timer storm on the
 * virtual clock (this thread). */
#include <errno.h>
#include <net/if.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

#define NSEC_PER_SEC 1000000000ull
#define MAX_RETVALS 8                            /* distinct return values counted per program */
#define VIRTUAL_STAY_LIMIT (3600 * NSEC_PER_SEC) /* waiting for timers on the virtual clock */
#define VIRTUAL_STEP (NSEC_PER_SEC / 1000)
#define PROGRESS_INTERVAL (NSEC_PER_SEC / 2)

const char run_opts_help[] =
	"  --prog NAME          run only the program NAME\n"
	"  --section SEC        run only the program(s) in ELF section SEC\n"
	"                       (default: every program of a test-runnable type, in order)\n"
	"  --data FILE          input: the bytes of FILE (one run)\n"
	"  --pcap FILE          input: the packets of a capture, one run per packet\n"
	"  --packet-size N      input: a generated Ethernet/IPv4/UDP packet of N bytes (64)\n"
	"  --repeat N           run each input N times (1)\n"
	"  --for DURATION       stay DURATION after the input (10s, 250ms, 1m...) so timers\n"
	"                       fire; default: until no timer is armed\n"
	"  --clock real|virtual the runtime's clock (default real, or $BPFRUN_CLOCK). Virtual\n"
	"                       with --pcap: the packets' timestamps drive it\n"
	"  --pin-maps DIR       pin the object's maps under DIR (this process's pins)\n"
	"  --keep               dump every map after the run\n"
	"  --json               JSON output (bpftool's shape)\n"
	"  -v, --verbose        show libbpf's messages\n";

struct prog_stats {
	struct bpf_program *prog;
	uint64_t runs, errors;
	int first_error;
	struct {
		uint32_t value;
		uint64_t count;
	} retvals[MAX_RETVALS];
	unsigned int nr_retvals;
	uint64_t other_retvals;
	struct { /* where redirected packets went (bpfrun_last_redirect) */
		struct bpfrun_redirect to;
		uint64_t count;
	} redirects[MAX_RETVALS];
	unsigned int nr_redirects;
};

struct run_state {
	const struct run_opts *o;
	const char *path;
	FILE *out;
	struct prog_stats *progs;
	unsigned int nr_progs;
	uint64_t runs, packets;
	uint64_t start_real, last_progress;
	uint64_t virtual_base, first_ts;
	bool have_first_ts;
};

/* Where trace lines go.  Static: timer callbacks may print after a run returns. */
static struct {
	FILE *out;
	bool progress_shown; /* atomic */
} sink;

static volatile sig_atomic_t stop_requested;
static bool timer_storm; /* the virtual clock met a timer storm: the run stops, fails */

static void on_sigint(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
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

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
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

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->packet_size = 64;
	o->repeat = 1;
	o->for_ns = -1;
}

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *i past it; NULL if missing. */
static const char *opt_value(const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc) {
		cli_error("%s needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

static bool opt_is(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_valued(struct run_opts *o, const char *name, const char *v)
{
	uint64_t n;

	if (!strcmp(name, "--prog"))
		o->prog_name = v;
	else if (!strcmp(name, "--section"))
		o->section = v;
	else if (!strcmp(name, "--data"))
		o->data_path = v;
	else if (!strcmp(name, "--pcap"))
		o->pcap_path = v;
	else if (!strcmp(name, "--pin-maps"))
		o->pin_dir = v;
	else if (!strcmp(name, "--packet-size")) {
		if (parse_u64(name, v, 1, 65535, &n))
			return -1;
		o->packet_size = (uint32_t)n;
	} else if (!strcmp(name, "--repeat")) {
		if (parse_u64(name, v, 1, UINT32_MAX, &o->repeat))
			return -1;
	} else if (!strcmp(name, "--for")) {
		o->for_ns = parse_duration(v);
		if (o->for_ns < 0) {
			cli_error("--for: '%s' is not a duration (e.g. 10s, 250ms, 2m)", v);
			return -1;
		}
	} else if (!strcmp(name, "--clock")) {
		if (strcmp(v, "real") && strcmp(v, "virtual")) {
			cli_error("--clock: '%s' is neither real nor virtual", v);
			return -1;
		}
		o->clock = strcmp(v, "real") ? RUN_CLOCK_VIRTUAL : RUN_CLOCK_REAL;
		return 1; /* the clock alone does not ask for a run */
	}
	o->run_requested = o->run_requested || strcmp(name, "--pin-maps");
	return 1;
}

int run_opts_parse(struct run_opts *o, int argc, char **argv, int *i)
{
	static const char *const valued[] = {
		"--prog",   "--section", "--data",  "--pcap",     "--packet-size",
		"--repeat", "--for",     "--clock", "--pin-maps",
	};
	const char *a = argv[*i];

	for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if (!opt_is(a, valued[k]))
			continue;
		const char *v = opt_value(valued[k], argc, argv, i);
		return v ? parse_valued(o, valued[k], v) : -1;
	}
	if (!strcmp(a, "--keep"))
		o->keep = true;
	else if (!strcmp(a, "--json") || !strcmp(a, "-j"))
		o->json = true;
	else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
		o->verbose = true;
	else
		return 0;
	return 1;
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

/* ---- inputs ---- */

/* Ethernet + IPv4 + UDP (10.0.0.1:1024 -> 10.0.0.2:80), zero payload, cut or padded to
 * `size` bytes; the IPv4 header checksum is valid. */
static uint8_t *generated_packet(uint32_t size)
{
	static const uint8_t headers[] = {
		0x02, 0, 0,  0, 0, 0x02, 0x02, 0,    0,    0,    0, 0x01, 0x08, 0x00,
		0x45, 0, 0,  0, 0, 0,    0x40, 0,    64,   17,   0, 0,    10,   0,
		0,    1, 10, 0, 0, 2,    0x04, 0x00, 0x00, 0x50, 0, 0,    0,    0,
	};
	uint8_t *p = calloc(1, size > sizeof(headers) ? size : sizeof(headers));

	if (!p)
		return NULL;
	memcpy(p, headers, sizeof(headers));
	uint32_t ip_len = size > 14 ? size - 14 : 0, udp_len = size > 34 ? size - 34 : 0;
	p[16] = (uint8_t)(ip_len >> 8);
	p[17] = (uint8_t)ip_len;
	p[38] = (uint8_t)(udp_len >> 8);
	p[39] = (uint8_t)udp_len;
	uint32_t sum = 0;
	for (int k = 14; k < 34; k += 2)
		sum += (uint32_t)(p[k] << 8 | p[k + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[24] = (uint8_t)(~sum >> 8);
	p[25] = (uint8_t)~sum;
	return p;
}

static uint8_t *read_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		cli_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *b = cap <= UINT32_MAX ? realloc(buf, cap) : NULL;
			if (!b) {
				cli_error("%s: too large", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cli_error("%s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (uint32_t)n;
	return buf;
}

/* ---- programs ---- */

static bool test_runnable(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_SK_LOOKUP:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_SYSCALL:
		return true;
	default:
		return false;
	}
}

/* Types whose test run takes a context rather than packet data. */
static bool takes_packet(enum bpf_prog_type t)
{
	return t != BPF_PROG_TYPE_RAW_TRACEPOINT && t != BPF_PROG_TYPE_SYSCALL &&
	       t != BPF_PROG_TYPE_SK_LOOKUP;
}

static bool selected(const struct bpf_program *p, const struct run_opts *o)
{
	if (o->prog_name)
		return !strcmp(bpf_program__name(p), o->prog_name);
	if (o->section)
		return !strcmp(bpf_program__section_name(p), o->section);
	return test_runnable(bpf_program__type(p));
}

static int select_programs(struct run_state *s, struct bpf_object *obj)
{
	struct bpf_program *p;
	unsigned int n = 0;

	bpf_object__for_each_program(p, obj) n++;
	s->progs = calloc(n ? n : 1, sizeof(*s->progs));
	if (!s->progs) {
		cli_error("out of memory");
		return -1;
	}
	bpf_object__for_each_program(p, obj) if (selected(p, s->o)) s->progs[s->nr_progs++].prog = p;
	if (!s->nr_progs) {
		cli_error("%s: no program of a test-runnable type (use --prog NAME)", s->path);
		return -1;
	}
	return 0;
}

static void count_retval(struct prog_stats *ps, uint32_t v)
{
	for (unsigned int k = 0; k < ps->nr_retvals; k++)
		if (ps->retvals[k].value == v) {
			ps->retvals[k].count++;
			return;
		}
	if (ps->nr_retvals == MAX_RETVALS) {
		ps->other_retvals++;
		return;
	}
	ps->retvals[ps->nr_retvals].value = v;
	ps->retvals[ps->nr_retvals++].count = 1;
}

/* Advances the virtual clock by ns (to the instant ns with `absolute`).  A timer storm
 * (callbacks due faster than a CPU could run them) stops the run instead of spinning. */
static void virtual_advance(uint64_t ns, bool absolute)
{
	int r = absolute ? bpfrun_clock_advance_to(ns) : bpfrun_clock_advance(ns);

	if (r && errno == ELOOP && !timer_storm) {
		timer_storm = true;
		stop_requested = 1;
		cli_error("timer storm on the virtual clock: more than 2^20 callbacks due within"
			  " 1 ms of virtual time (a timer re-armed 0 ns ahead?): stopping");
	}
}

/* Counts the run's redirect target, if it redirected (targets beyond MAX_RETVALS are
 * counted with the last one). */
static void count_redirect(struct prog_stats *ps)
{
	struct bpfrun_redirect r;

	if (bpfrun_last_redirect(&r))
		return;
	for (unsigned int k = 0; k < ps->nr_redirects; k++)
		if (ps->redirects[k].to.how == r.how && ps->redirects[k].to.ifindex == r.ifindex &&
		    ps->redirects[k].to.cpu == r.cpu && ps->redirects[k].to.xsk == r.xsk) {
			ps->redirects[k].count++;
			return;
		}
	if (ps->nr_redirects == MAX_RETVALS) {
		ps->redirects[MAX_RETVALS - 1].count++;
		return;
	}
	ps->redirects[ps->nr_redirects].to = r;
	ps->redirects[ps->nr_redirects++].count = 1;
}

static void print_redirect(FILE *out, const struct bpfrun_redirect *r, uint64_t count)
{
	static const char *const how[] = { "device", "device ingress", "peer of device",
					   "neighbour via device", "broadcast over map" };
	char name[IF_NAMESIZE] = "?";

	if (r->cpu >= 0)
		fprintf(out, " CPU %d", r->cpu);
	else if (r->xsk >= 0)
		fprintf(out, " AF_XDP socket slot %d", r->xsk);
	else if (r->how == BPFRUN_REDIRECT_BROADCAST)
		fprintf(out, " %s %u", how[r->how], r->map_id);
	else
		fprintf(out, " %s %u (%s)", how[r->how < 4 ? r->how : 0], r->ifindex,
			if_indextoname(r->ifindex, name) ? name : "no such device");
	fprintf(out, " x%" PRIu64, count);
}

static void test_run_one(struct run_state *s, struct prog_stats *ps, const uint8_t *data,
			 uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	enum bpf_prog_type t = bpf_program__type(ps->prog);

	if (takes_packet(t)) {
		opts.data_in = data;
		opts.data_size_in = len;
	}
	int err = bpf_prog_test_run_opts(bpf_program__fd(ps->prog), &opts);
	ps->runs++;
	s->runs++;
	/* Timers due now fire before the next run, as the kernel's softirqs do when the
	 * test-run system call returns; the virtual clock only fires them when told. */
	if (bpfrun_clock_is_virtual())
		virtual_advance(0, false);
	if (err) {
		if (!ps->errors++) {
			ps->first_error = -err;
			cli_error("%s: test run of '%s' failed: %s", s->path,
				  bpf_program__name(ps->prog), strerror(-err));
		}
		return;
	}
	count_retval(ps, opts.retval);
	count_redirect(ps);
}

/* ---- progress (stderr, only on a terminal) ---- */

static void progress(struct run_state *s)
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

static void progress_clear(void)
{
	if (__atomic_exchange_n(&sink.progress_shown, false, __ATOMIC_RELAXED))
		fputs("\r\033[K", stderr);
}

static void trace_line(const char *line, size_t len, void *arg)
{
	progress_clear(); /* the progress line shares the terminal with stdout */
	fprintf(sink.out, "%.*s\n", (int)len, line);
	fflush(sink.out);
}

/* ---- the run ---- */

static void run_input(struct run_state *s, const uint8_t *data, uint32_t len)
{
	s->packets++;
	for (uint64_t r = 0; r < s->o->repeat && !stop_requested; r++) {
		for (unsigned int k = 0; k < s->nr_progs; k++)
			test_run_one(s, &s->progs[k], data, len);
		progress(s);
	}
}

/* On the virtual clock a packet's capture time becomes the clock's time: first packet at
 * the clock's start, the others as far after it as in the capture. */
static void follow_capture_time(struct run_state *s, uint64_t ts)
{
	if (!bpfrun_clock_is_virtual())
		return;
	if (!s->have_first_ts) {
		s->first_ts = ts;
		s->have_first_ts = true;
	}
	uint64_t target = s->virtual_base + (ts > s->first_ts ? ts - s->first_ts : 0);
	if (target > bpfrun_clock_now(CLOCK_MONOTONIC))
		virtual_advance(target, true);
}

static int run_pcap(struct run_state *s)
{
	char why[512];
	const uint8_t *data;
	uint32_t len;
	uint64_t ts;
	int ret = 0;
	struct pcap_reader *r = pcap_reader_open(s->o->pcap_path, why, sizeof(why));

	if (!r) {
		cli_error("%s: not a readable capture: %s", s->o->pcap_path, why);
		return -1;
	}
	while (!stop_requested &&
	       (ret = pcap_reader_next(r, &data, &len, &ts, why, sizeof(why))) == 1) {
		follow_capture_time(s, ts);
		run_input(s, data, len);
	}
	pcap_reader_close(r);
	if (!stop_requested && ret < 0) {
		cli_error("%s: %s", s->o->pcap_path, why);
		return -1;
	}
	return 0;
}

static int run_inputs(struct run_state *s)
{
	uint8_t *data;
	uint32_t len = s->o->packet_size;

	if (s->o->pcap_path)
		return run_pcap(s);
	data = s->o->data_path ? read_file(s->o->data_path, &len) : generated_packet(len);
	if (!data)
		return -1;
	run_input(s, data, len);
	free(data);
	return 0;
}

/* After the input: let timers fire for --for, or until none is armed. */
static void stay(struct run_state *s)
{
	struct bpfrun_timer_stats ts;
	int64_t for_ns = s->o->for_ns;

	if (bpfrun_clock_is_virtual()) {
		if (for_ns >= 0) {
			virtual_advance((uint64_t)for_ns, false);
			return;
		}
		for (uint64_t waited = 0; !stop_requested; waited += VIRTUAL_STEP) {
			bpfrun_timer_stats(&ts);
			if (!ts.pending)
				return;
			if (waited >= VIRTUAL_STAY_LIMIT) {
				cli_error("timers still armed after 1h of virtual time: stopping "
					  "(use --for)");
				return;
			}
			virtual_advance(VIRTUAL_STEP, false);
		}
		return;
	}
	uint64_t deadline = for_ns >= 0 ? real_now() + (uint64_t)for_ns : UINT64_MAX;
	unsigned int idle_polls = 0;
	while (!stop_requested && real_now() < deadline) {
		bpfrun_timer_stats(&ts);
		/* a timer is not pending while its callback runs: wait for a second quiet
		 * poll, 2 ms later, so that a callback about to re-arm is not cut short */
		idle_polls = ts.pending ? 0 : idle_polls + 1;
		if (for_ns < 0 && idle_polls >= 2)
			return;
		struct timespec nap = { 0, 2000000 };
		nanosleep(&nap, NULL);
		progress(s);
	}
}

static void print_summary(struct run_state *s, uint64_t elapsed)
{
	struct bpfrun_timer_stats ts;
	FILE *out = s->out;

	bpfrun_timer_stats(&ts);
	fprintf(out, "--- %s: %" PRIu64 " run%s over %" PRIu64 " input%s\n", s->path, s->runs,
		s->runs == 1 ? "" : "s", s->packets, s->packets == 1 ? "" : "s");
	for (unsigned int k = 0; k < s->nr_progs; k++) {
		struct prog_stats *ps = &s->progs[k];
		fprintf(out, "%s: %" PRIu64 " run%s, return values:", bpf_program__name(ps->prog),
			ps->runs, ps->runs == 1 ? "" : "s");
		for (unsigned int v = 0; v < ps->nr_retvals; v++)
			fprintf(out, " %u x%" PRIu64, ps->retvals[v].value, ps->retvals[v].count);
		if (ps->other_retvals)
			fprintf(out, " others x%" PRIu64, ps->other_retvals);
		if (ps->errors)
			fprintf(out, " errors x%" PRIu64 " (%s)", ps->errors,
				strerror(ps->first_error));
		fputc('\n', out);
		if (ps->nr_redirects)
			fprintf(out, "%s: redirected to:", bpf_program__name(ps->prog));
		for (unsigned int v = 0; v < ps->nr_redirects; v++)
			print_redirect(out, &ps->redirects[v].to, ps->redirects[v].count);
		if (ps->nr_redirects)
			fputc('\n', out);
	}
	fprintf(out,
		"timers: armed %" PRIu64 ", fired %" PRIu64 ", cancelled %" PRIu64
		", pending %" PRIu64 "\n",
		ts.armed, ts.fired, ts.cancelled, ts.pending);
	fprintf(out, "elapsed: %.3f s", (double)elapsed / NSEC_PER_SEC);
	if (bpfrun_clock_is_virtual())
		fprintf(out, " (virtual clock: %.3f s)",
			(double)(bpfrun_clock_now(CLOCK_MONOTONIC) - s->virtual_base) /
				NSEC_PER_SEC);
	fputc('\n', out);
	fflush(out);
}

int session_run(struct bpf_object *obj, const char *path, const struct run_opts *o, FILE *out)
{
	struct run_state s = { .o = o, .path = path, .out = out };
	struct sigaction sa = { .sa_handler = on_sigint };
	int ret = 1;

	if (select_programs(&s, obj))
		goto out;
	sink.out = out;
	if (!getenv("BPFRUN_TRACE"))
		bpfrun_set_trace_callback(trace_line, NULL);
	stop_requested = 0;
	timer_storm = false;
	sigaction(SIGINT, &sa, NULL);
	s.start_real = s.last_progress = real_now();
	s.virtual_base = bpfrun_clock_now(CLOCK_MONOTONIC);
	if (run_inputs(&s) == 0) {
		stay(&s);
		ret = 0;
	}
	progress_clear();
	print_summary(&s, real_now() - s.start_real);
	for (unsigned int k = 0; k < s.nr_progs; k++)
		if (s.progs[k].errors)
			ret = 1;
	if (timer_storm)
		ret = 1;
out:
	free(s.progs);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	const char *path = NULL;

	run_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			printf("Usage: bpfrun run OBJ.o [OPTIONS]\n"
			       "Loads OBJ.o, test-runs its programs, keeps the runtime alive while "
			       "timers\n"
			       "are armed, prints bpf_printk lines (as trace_pipe does) and a "
			       "summary.\n\n"
			       "Options:\n%s",
			       run_opts_help);
			return 0;
		}
		int r = run_opts_parse(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r)
			continue;
		if (argv[i][0] == '-' || path) {
			cli_error("run: unexpected argument '%s' (see bpfrun run --help)", argv[i]);
			return 2;
		}
		path = argv[i];
	}
	if (!path) {
		cli_error("run: which object? usage: bpfrun run OBJ.o [OPTIONS]");
		return 2;
	}
	if (run_opts_check(&o))
		return 2;
	struct bpf_object *obj = session_load(path, &o);
	if (!obj)
		return 1;
	int ret = session_run(obj, path, &o, stdout);
	if (o.keep && map_dump_all(obj, o.json))
		ret = 1;
	session_close(obj);
	return ret;
}
