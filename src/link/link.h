/* Links: the objects BPF_LINK_CREATE and BPF_RAW_TRACEPOINT_OPEN return.  A link owns
 * one attachment (prog/attach.h) or one perf event's program; closing its last user
 * reference (descriptors and pins) detaches it, as in the kernel.
 *
 * Locking: a link's `lock` guards its attachment and program pointers (update and
 * detach against each other and GET_INFO); it is never held while a program runs. */
#ifndef BPFRUN_LINK_H
#define BPFRUN_LINK_H

#include <pthread.h>

#include "../obj/prog.h"

struct attachment;
struct bpf_map;
struct perf_event;

struct bpf_link {
	struct obj obj;
	u32 type;        /* BPF_LINK_TYPE_* */
	u32 attach_type; /* BPF_TRACE_FENTRY, BPF_PERF_EVENT ... */
	pthread_mutex_t lock;
	struct bpf_prog *prog;     /* referenced; NULL once detached */
	struct attachment *att;    /* NULL once detached, or for perf links */
	struct attachment **multi; /* kprobe.multi links: one per function */
	u32 nr_multi;
	struct perf_event *perf_event; /* perf links: referenced, the event holds the prog */
	char *tp_name;                 /* raw tracepoint links */
	u32 target_btf_id;             /* tracing links */
	u32 ifindex;                   /* XDP links */
	struct bpf_map *map;           /* sockmap links: user-referenced; NULL once detached */
};

static inline struct bpf_link *link_of(struct obj *o)
{
	return container_of(o, struct bpf_link, obj);
}

#endif
