/* What a run of a tracing program knows about the event that fired it, for the helpers
 * that ask (bpf_get_func_ip, bpf_get_attach_cookie, bpf_get_func_arg/ret/arg_cnt,
 * bpf_override_return).  The firing code (prog/attach.c) puts one in the run's
 * exec_ctx.type_data for program types whose ops set trace_info; helpers read it only
 * then, and treat a NULL one (a BPF_PROG_TEST_RUN of a raw tracepoint) as "nothing
 * known".  No locking: it belongs to the run. */
#ifndef BPFRUN_HELPERS_TRACE_INFO_H
#define BPFRUN_HELPERS_TRACE_INFO_H

#include "../lib/common.h"

struct exec_ctx;

struct trace_info {
	u64 func_ip;   /* the traced function's address (kallsyms), 0 when unknown */
	u64 cookie;    /* the attachment's BPF cookie */
	u64 *args;     /* trampolines: the context's u64 argument slots */
	u32 nr_args;   /* how many of them are arguments */
	bool has_ret;  /* args[nr_args] holds the return value (fexit, fmod_ret) */
	bool override; /* kprobes: bpf_override_return was called with override_ret */
	u64 override_ret;
};

/* The run's trace_info, or NULL (the program type carries none, or nothing fired it). */
struct trace_info *trace_info_of(struct exec_ctx *x);

#endif
