/* Helper ids of the running kernel (6.18) that the installed <linux/bpf.h> (Debian 12's
 * 6.1) does not name, and the TCX attachment ABI it lacks (below).  Headers from 6.2 on number helpers explicitly (___BPF_FUNC_MAPPER)
 * and name these themselves.  Used by the helper table, the helper sets and the tool
 * that measures them (so no bpfrun header beyond this one). */
#ifndef BPFRUN_BPF_NEWER_H
#define BPFRUN_BPF_NEWER_H

#include <linux/bpf.h>

#ifndef ___BPF_FUNC_MAPPER
#define BPF_NEWER_FUNC_MAPPER(FN) FN(cgrp_storage_get, 210) FN(cgrp_storage_delete, 211)
#define BPF_FUNC_cgrp_storage_get 210
#define BPF_FUNC_cgrp_storage_delete 211
#define BPF_MAP_TYPE_CGRP_STORAGE 32 /* the map type those helpers take */
#else
#define BPF_NEWER_FUNC_MAPPER(FN)
#endif

/* ---- TCX (6.6): attach types, link type, flags, verdicts ---- */
#define BPFRUN_TCX_INGRESS 46 /* enum bpf_attach_type BPF_TCX_INGRESS */
#define BPFRUN_TCX_EGRESS 47
#define BPFRUN_LINK_TYPE_TCX 11 /* enum bpf_link_type BPF_LINK_TYPE_TCX */
#define BPFRUN_F_BEFORE (1u << 3)
#define BPFRUN_F_AFTER (1u << 4)
#define BPFRUN_F_ID (1u << 5)
#define BPFRUN_F_LINK (1u << 13) /* as BPF_F_LINK of BPF_OBJ_PIN */
#define BPFRUN_TCX_NEXT (-1)
#define BPFRUN_TCX_PASS 0
#define BPFRUN_TCX_DROP 2
#define BPFRUN_TCX_REDIRECT 7

/* The 6.18 layouts of the attr members the 6.1 header has shorter, read from the start of
 * union bpf_attr. */
struct bpf_attr_prog_attach { /* BPF_PROG_ATTACH, BPF_PROG_DETACH */
	__u32 target_ifindex; /* or target_fd */
	__u32 attach_bpf_fd;
	__u32 attach_type;
	__u32 attach_flags;
	__u32 replace_bpf_fd;
	__u32 relative_fd; /* or relative_id */
	__u64 expected_revision;
};

struct bpf_attr_prog_query {  /* BPF_PROG_QUERY */
	__u32 target_ifindex; /* or target_fd */
	__u32 attach_type;
	__u32 query_flags;
	__u32 attach_flags;
	__u64 prog_ids;
	__u32 count; /* or prog_cnt */
	__u32 pad;
	__u64 prog_attach_flags;
	__u64 link_ids;
	__u64 link_attach_flags;
	__u64 revision;
};

struct bpf_attr_link_tcx { /* BPF_LINK_CREATE: link_create.tcx */
	__u32 prog_fd;
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 flags;
	__u32 relative_fd; /* or relative_id */
	__u32 pad;
	__u64 expected_revision;
};

struct bpf_link_info_tcx { /* bpf_link_info.tcx, in the union after prog_id */
	__u32 ifindex;
	__u32 attach_type;
};

/* ---- perf-event link info (6.6): bpf_link_info.perf_event ---- */
#define BPFRUN_PERF_EVENT_UPROBE 1 /* enum bpf_perf_event_type */
#define BPFRUN_PERF_EVENT_URETPROBE 2
#define BPFRUN_PERF_EVENT_KPROBE 3
#define BPFRUN_PERF_EVENT_KRETPROBE 4
#define BPFRUN_PERF_EVENT_TRACEPOINT 5

struct bpf_link_info_perf_event { /* in the union after prog_id */
	__u32 type;
	__u32 pad;
	__u64 name; /* uprobe.file_name, kprobe.func_name, tracepoint.tp_name */
	__u32 name_len;
	__u32 offset; /* uprobes and kprobes */
	union {
		struct {
			__u64 cookie, ref_ctr_offset;
		} uprobe;
		struct {
			__u64 addr, missed, cookie;
		} kprobe;
		struct {
			__u64 cookie;
		} tracepoint;
	};
};

struct bpf_link_info_kprobe_multi { /* 6.1 has the first three fields */
	__u64 addrs;
	__u32 count;
	__u32 flags;
	__u64 missed;
	__u64 cookies;
};

/* The kernel's struct bpf_link_info is 64 bytes (6.1's: 48). */
#define BPFRUN_LINK_INFO_SIZE 64

#endif
