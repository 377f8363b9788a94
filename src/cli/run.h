/* What a `bpfrun run` collects while it runs (run.c) and what its outputs print
 * (output.c: the summary, as text or JSON; pcapout.c: the packets as the programs left
 * them).  Owned by the run loop's thread. */
#ifndef BPFRUN_CLI_RUN_H
#define BPFRUN_CLI_RUN_H

#include "bpfrun.h"
#include "cli.h"

#define MAX_RETVALS 8 /* distinct return values counted per program */

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
	/* The last run's data and context out (shown for a single run). */
	uint8_t *data_out, *ctx_out;
	uint32_t data_out_len, ctx_out_len;
};

struct pcap_writer;

struct run_state {
	const struct run_opts *o;
	const char *path;
	FILE *out;
	struct json *j; /* --json: the document the summary goes into */
	struct prog_stats *progs;
	unsigned int nr_progs;
	uint64_t runs, packets;
	uint64_t start_real, last_progress;
	uint64_t virtual_base, first_ts;
	bool have_first_ts;
	struct pcap_writer *pcap_out;
};

/* ---- output.c ---- */
/* Trace lines: printed to out as they come, or kept for the JSON document. */
void output_trace_begin(FILE *out, bool keep_for_json);
void output_trace_end(void);
/* One more line among the trace lines (the --timeline lines). */
void output_trace_line(const char *line, size_t len);
/* The progress line on stderr (a terminal only), and its removal. */
void output_progress(struct run_state *s);
void output_progress_clear(void);
/* The summary, as text to s->out or as members of the JSON document s->j. */
void output_summary(struct run_state *s, uint64_t elapsed_ns);

/* ---- pcapout.c: a pcapng file of the packets out, each with a comment ---- */
struct pcap_writer *pcap_writer_open(const char *path);
/* 0, or -1 after reporting. */
int pcap_writer_add(struct pcap_writer *w, const uint8_t *data, uint32_t len, uint64_t ts_ns,
		    const char *comment);
int pcap_writer_close(struct pcap_writer *w);

uint64_t real_now(void);

#endif
