/* bpfrun run OBJ.o: test-runs the object's programs over an input (a file, a capture, or
 * a generated packet), keeps the runtime alive while timers are armed (or for a given
 * time), and hands what it saw to the outputs (output.c, pcapout.c).
 *
 * Threads: the run loop is this thread.  `stop_requested` is set by SIGINT and by a timer
 * storm on the virtual clock (this thread). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "run.h"

#define NSEC_PER_SEC 1000000000ull
#define VIRTUAL_STAY_LIMIT (3600 * NSEC_PER_SEC) /* waiting for timers on the virtual clock */
#define VIRTUAL_STEP (NSEC_PER_SEC / 1000)
#define DATA_OUT_ROOM 4096 /* a packet may grow by this much (XDP adjust_tail, skb) */

static volatile sig_atomic_t stop_requested;
static bool timer_storm; /* the virtual clock met a timer storm: the run stops, fails */

static void on_sigint(int sig)
{
	(void)sig;
	stop_requested = 1;
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

uint8_t *cli_read_file(const char *path, uint32_t *len)
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

bool prog_type_test_runnable(int t)
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

/* Types whose test run takes packet data (the others take only a context). */
bool prog_type_takes_packet(int t)
{
	return t != BPF_PROG_TYPE_RAW_TRACEPOINT && t != BPF_PROG_TYPE_SYSCALL &&
	       t != BPF_PROG_TYPE_SK_LOOKUP;
}

/* `bpfrun test`'s programs are not run by `run` unless named. */
static bool selected(const struct bpf_program *p, const struct run_opts *o)
{
	if (o->prog_name || o->section)
		return prog_named(p, o);
	return prog_type_test_runnable(bpf_program__type(p)) && !prog_is_test(p);
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

/* Two redirects went to the same place: the same helper form, target and map entry. */
static bool same_target(const struct bpfrun_redirect *a, const struct bpfrun_redirect *b)
{
	return a->how == b->how && a->ifindex == b->ifindex && a->cpu == b->cpu &&
	       a->xsk == b->xsk && a->map_id == b->map_id && a->key == b->key &&
	       a->flags == b->flags;
}

/* Counts the run's redirect target, if it redirected (targets beyond MAX_RETVALS are
 * counted with the last one). */
static void count_redirect(struct prog_stats *ps)
{
	struct bpfrun_redirect r;

	if (bpfrun_last_redirect(&r))
		return;
	for (unsigned int k = 0; k < ps->nr_redirects; k++)
		if (same_target(&ps->redirects[k].to, &r)) {
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

/* The buffers a run's results come back in: the program's own, grown as needed. */
static int out_buffers(struct prog_stats *ps, uint32_t data_len, uint32_t ctx_len)
{
	uint8_t *d = realloc(ps->data_out, (size_t)data_len + DATA_OUT_ROOM);
	if (d)
		ps->data_out = d;
	uint8_t *c = ctx_len ? realloc(ps->ctx_out, ctx_len) : NULL;
	if (c)
		ps->ctx_out = c;
	return d && (c || !ctx_len) ? 0 : -1;
}

/* One input for one program.  Packet types take the input as data_in and --ctx as
 * ctx_in; raw_tp and syscall programs take the input file (or --ctx) as their context,
 * and refuse repeat and data (the kernel's rules for them). */
struct run_input {
	const uint8_t *data, *ctx;
	uint32_t len, ctx_len;
	uint64_t ts_ns;
	bool user_data; /* data from --data or --pcap (not the generated packet) */
};

static void test_run_one(struct run_state *s, struct prog_stats *ps, const struct run_input *in)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	enum bpf_prog_type t = bpf_program__type(ps->prog);
	bool packet = prog_type_takes_packet(t);
	/* raw_tp and syscall: --ctx, else the input the user gave, else no context */
	const uint8_t *ctx = packet || in->ctx ? in->ctx : in->user_data ? in->data : NULL;
	uint32_t ctx_len = packet || in->ctx ? in->ctx_len : in->user_data ? in->len : 0;

	if (out_buffers(ps, packet ? in->len : 0, ctx_len)) {
		cli_error("out of memory");
		stop_requested = 1;
		return;
	}
	if (packet) {
		opts.repeat = 1;
		opts.data_in = in->data;
		opts.data_size_in = in->len;
		opts.data_out = ps->data_out;
		opts.data_size_out = in->len + DATA_OUT_ROOM;
	}
	if (ctx_len) {
		/* syscall programs write back into ctx_in: give them a copy */
		memcpy(ps->ctx_out, ctx, ctx_len);
		opts.ctx_in = packet ? ctx : ps->ctx_out;
		opts.ctx_size_in = ctx_len;
		if (packet) {
			opts.ctx_out = ps->ctx_out;
			opts.ctx_size_out = ctx_len;
		}
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
	ps->data_out_len = packet ? opts.data_size_out : 0;
	if (ps->data_out_len > in->len + DATA_OUT_ROOM)
		ps->data_out_len = in->len + DATA_OUT_ROOM;
	/* packet types report the context's size; syscall and raw_tp keep theirs */
	ps->ctx_out_len = packet ? (opts.ctx_size_out < ctx_len ? opts.ctx_size_out : ctx_len) :
				   ctx_len;
	if (s->pcap_out && packet) {
		char note[64];
		snprintf(note, sizeof(note), "%s: verdict %u", bpf_program__name(ps->prog),
			 opts.retval);
		if (pcap_writer_add(s->pcap_out, ps->data_out, ps->data_out_len, in->ts_ns, note))
			stop_requested = 1;
	}
}

/* ---- the run ---- */

static void run_one_input(struct run_state *s, const struct run_input *in)
{
	s->packets++;
	for (uint64_t r = 0; r < s->o->repeat && !stop_requested; r++) {
		for (unsigned int k = 0; k < s->nr_progs; k++)
			test_run_one(s, &s->progs[k], in);
		output_progress(s);
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

static int run_pcap(struct run_state *s, struct run_input *in)
{
	char why[512];
	int ret = 0;
	struct pcap_reader *r = pcap_reader_open(s->o->pcap_path, why, sizeof(why));

	if (!r) {
		cli_error("%s: not a readable capture: %s", s->o->pcap_path, why);
		return -1;
	}
	while (!stop_requested && (ret = pcap_reader_next(r, &in->data, &in->len, &in->ts_ns, why,
							  sizeof(why))) == 1) {
		follow_capture_time(s, in->ts_ns);
		run_one_input(s, in);
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
	struct run_input in = { .len = s->o->packet_size,
				.ts_ns = bpfrun_clock_now(CLOCK_REALTIME),
				.user_data = s->o->data_path || s->o->pcap_path };
	uint8_t *data = NULL, *ctx = NULL;
	int ret = -1;

	if (s->o->ctx_path && !(ctx = cli_read_file(s->o->ctx_path, &in.ctx_len)))
		return -1;
	in.ctx = ctx;
	if (s->o->pcap_path) {
		ret = run_pcap(s, &in);
		goto out;
	}
	data = s->o->data_path ? cli_read_file(s->o->data_path, &in.len) : generated_packet(in.len);
	if (data) {
		in.data = data;
		run_one_input(s, &in);
		ret = 0;
	}
out:
	free(data);
	free(ctx);
	return ret;
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
		output_progress(s);
	}
}

static void free_stats(struct run_state *s)
{
	for (unsigned int k = 0; k < s->nr_progs; k++) {
		free(s->progs[k].data_out);
		free(s->progs[k].ctx_out);
	}
	free(s->progs);
}

/* A timer callback about to run (bpfrun_set_timer_fire_callback), for --timeline. */
static void timeline_line(const struct bpfrun_timer_info *t, uint64_t now_ns, void *arg)
{
	uint64_t base = *(const uint64_t *)arg;
	char line[512];
	int n = timer_format_firing(t, now_ns > base ? now_ns - base : 0, line, sizeof(line));

	if (n > 0)
		output_trace_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int session_run(struct bpf_object *obj, const char *path, const struct run_opts *o, FILE *out,
		struct json *j)
{
	struct run_state s = { .o = o, .path = path, .out = out, .j = j };
	struct sigaction sa = { .sa_handler = on_sigint };
	int ret = 1;

	if (o->fire_hook)
		return fire_session(obj, path, o, out);
	if (select_programs(&s, obj))
		goto out;
	if (o->pcap_out && !(s.pcap_out = pcap_writer_open(o->pcap_out)))
		goto out;
	output_trace_begin(out, j != NULL);
	stop_requested = 0;
	timer_storm = false;
	sigaction(SIGINT, &sa, NULL);
	s.start_real = s.last_progress = real_now();
	s.virtual_base = bpfrun_clock_now(CLOCK_MONOTONIC);
	static uint64_t timeline_base; /* read by engine threads until the runtime stops */
	timeline_base = s.virtual_base;
	if (o->timeline)
		bpfrun_set_timer_fire_callback(timeline_line, &timeline_base);
	if (run_inputs(&s) == 0) {
		stay(&s);
		ret = 0;
	}
	output_progress_clear();
	output_summary(&s, real_now() - s.start_real);
	for (unsigned int k = 0; k < s.nr_progs; k++)
		if (s.progs[k].errors)
			ret = 1;
	if (timer_storm || (s.pcap_out && pcap_writer_close(s.pcap_out)))
		ret = 1;
	if (o->coverage && coverage_write(obj, o->coverage))
		ret = 1;
out:
	free_stats(&s);
	return ret;
}

static const char run_help[] =
	"Usage: bpfrun run OBJ.o [OPTIONS]\n"
	"Loads OBJ.o, test-runs its programs, keeps the runtime alive while timers\n"
	"are armed, prints bpf_printk lines (as trace_pipe does) and a summary.\n\n"
	"Options:\n";

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct json js, *j = NULL;
	const char *path = NULL;
	int ret = 2;

	run_opts_init(&o);
	int r = run_opts_parse_command(&o, argc, argv, run_help, &path);
	if (r) {
		ret = r > 0 ? 0 : 2;
		goto out;
	}
	ret = 1;
	struct bpf_object *obj = session_load(path, &o);
	if (!obj)
		goto out;
	if (o.json) {
		j = &js;
		json_init(j, stdout);
		json_begin_object(j);
	}
	ret = session_run(obj, path, &o, stdout, j);
	if (o.keep) {
		if (j)
			json_key(j, "maps");
		if (map_dump_all(obj, j))
			ret = 1;
	}
	if (j)
		json_end_object(j);
	fflush(stdout);
	session_close(obj);
	output_trace_end();
out:
	run_opts_free(&o);
	return ret;
}
