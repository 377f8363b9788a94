/* Internals shared by the program module's files and the packet helpers (helpers/packet.c):
 * the verifier log, the packet state of a test run, and small test-run utilities.
 * No locking here: a test run's state belongs to the thread running it. */
#ifndef BPFRUN_PROG_INTERNAL_H
#define BPFRUN_PROG_INTERNAL_H

#include <linux/if_ether.h>

#include "../obj/prog.h"

/* ---- the verifier log (prog_log.c) ---- */
struct vlog {
	u32 level;
	char *ubuf;      /* the user's buffer (may be NULL with level != 0) */
	u32 len_total;   /* its size */
	char *text;      /* everything logged, NUL-terminated */
	size_t len, cap;
};

/* Checks the log attributes as the kernel does (-EINVAL when inconsistent). */
int vlog_init(struct vlog *log, u32 level, u64 ubuf, u32 size);
void vlog(struct vlog *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies the log out (rotating, or first bytes with BPF_LOG_FIXED); -ENOSPC when it did
 * not fit.  Frees the text. */
int vlog_finish(struct vlog *log);

/* ---- loading (prog_load.c, prog_verify.c) ---- */
#define MAX_USED_MAPS 64

struct load_env {
	const union bpf_attr *attr;
	struct bpf_prog *prog;
	struct vlog log;
	struct bpf_map **insn_map;  /* map loaded by the ld_imm64 at each index, or NULL */
	u8 *jump_target;            /* 1 where some jump lands */
};

/* Everything the verifier would check that bpfrun can (0 or -errno, reason logged). */
int prog_verify(struct load_env *env);

static inline bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static inline bool is_pseudo_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
}

/* ---- SHA-256 (sha256.c), for program tags ---- */
void sha256_digest(const void *data, size_t len, u8 out[32]);

/* ---- packet state of a test run (x->type_data) ---- */
enum pkt_kind { PKT_SKB = 1, PKT_XDP };

/* The shared part: a buffer with headroom, the packet between data and data_end. */
struct pkt_buf {
	enum pkt_kind kind;
	u8 *head;        /* start of the allocation */
	u8 *hard_end;    /* end of the room the packet may grow into */
	u8 *meta;        /* XDP data_meta (== data when none) */
	u8 *data;
	u8 *data_end;
};

struct skb_state {
	struct pkt_buf pkt;
	struct __sk_buff md;   /* the fields a program reads; data pointers come from pkt */
	u64 sock_cookie;       /* 0 until bpf_get_socket_cookie asks */
	bool csum_complete;    /* CHECKSUM_COMPLETE (BPF_F_TEST_SKB_CHECKSUM_COMPLETE) */
	u32 csum;              /* then: skb->csum, over the packet from the network header */
};

/* Ones' complement sums as the kernel's csum_partial/csum_fold (helpers/packet.c). */
u32 pkt_csum_partial(const u8 *buf, u32 len, u32 seed);
u16 pkt_csum_fold(u32 sum);

/* Fragments of a multi-buffer packet (XDP frames larger than the page's linear room):
 * page-sized buffers after the linear part, which programs reach only through helpers. */
#define PKT_MAX_FRAGS 17u      /* MAX_SKB_FRAGS */
struct pkt_frags {
	u32 nr;
	u32 total;                 /* bytes in all fragments */
	u32 len[PKT_MAX_FRAGS];
	u8 *page[PKT_MAX_FRAGS];   /* TEST_PAGE_SIZE bytes each */
};

struct xdp_state {
	struct pkt_buf pkt;
	struct xdp_md md;      /* ingress_ifindex, rx_queue_index, egress_ifindex */
	struct pkt_frags frags;
};

/* Publishes pkt's pointers to the run (x->pkt_start/pkt_end/pkt_meta). */
void pkt_sync(struct exec_ctx *x, const struct pkt_buf *pkt);

/* ---- shared by the packet types (prog_pkt.c) ---- */
#define LOOPBACK_IFINDEX 1u

/* The run's skb_state (PKT_SKB) or xdp_state (PKT_XDP), or NULL when it has none. */
void *pkt_state(const struct exec_ctx *x, enum pkt_kind kind);
/* A zeroed TEST_PAGE_SIZE page for the packet, tailroom bytes kept free at its end:
 * 0, -EFAULT without data_in, or -ENOMEM. */
int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom);
/* True when the host has a network device with this index. */
bool netdev_exists(u32 ifindex);
/* Runs prog on context image md over the packet state that starts with pkt (test_run_repeat
 * on the thread's execution context): 0, -EBUSY or -EFAULT. */
int pkt_test_run(struct bpf_prog *prog, const union bpf_attr *attr, void *md, u32 md_size,
		 struct pkt_buf *pkt, u32 *retval, u32 *duration);

/* ---- test-run utilities (test_run.c) ---- */
#define TEST_PAGE_SIZE 4096u

/* Copies a ctx_in of up to max_size bytes into a zeroed buffer (kernel bpf_ctx_init);
 * returns NULL when neither ctx_in nor ctx_out is given, or ERR_PTR. */
void *test_ctx_init(const union bpf_attr *attr, u32 max_size);
/* data_out / data_size_out / retval / duration (kernel bpf_test_finish).  size counts
 * the fragments (frags may be NULL) after the linear data. */
int test_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *data, u32 size,
		const struct pkt_frags *frags, u32 retval, u32 duration);
/* ctx_out / ctx_size_out (kernel bpf_ctx_finish). */
int test_ctx_finish(const union bpf_attr *attr, union bpf_attr *uattr, const void *ctx, u32 size);
/* Runs prog `repeat` times (0 = 1) on ctx; *retval, *duration (mean ns per run).
 * Returns 0, or -EFAULT after a fault (reported on stderr). x must be set up. */
int test_run_repeat(struct exec_ctx *x, struct bpf_prog *prog, u32 repeat, u32 *retval,
		    u32 *duration);
/* Prepares the thread's execution context for a run of prog on ctx. */
struct exec_ctx *test_exec_ctx(const struct bpf_prog *prog, void *ctx, u32 ctx_size,
			       void *type_data);

/* Narrow loads of a context field image: size bytes at off of img (little endian). */
u64 ctx_read_bytes(const void *img, u32 off, u32 size);
void ctx_write_bytes(void *img, u32 off, u32 size, u64 val);

/* ---- helper sets (helper_sets.c; helper_in_set in prog_types.c) ---- */
/* True when id is in the sorted list. */
bool helper_in_set(const u8 *set, size_t n, u32 id);
/* helper_allowed of a type whose set helper_sets.c lists under its BPF_PROG_TYPE_*. */
bool prog_helper_allowed(u32 id, const struct bpf_prog *prog);
#define HELPER_SET(name) extern const u8 name[]; extern const size_t name##_cnt
HELPER_SET(tracing_helpers);
HELPER_SET(perf_event_helpers);
HELPER_SET(syscall_helpers);

/* The program types. */
extern const struct prog_type_ops socket_filter_ops, sched_cls_ops, sched_act_ops, cgroup_skb_ops;
extern const struct prog_type_ops xdp_ops, syscall_ops, cgroup_sock_ops;
extern const struct prog_type_ops kprobe_ops, tracepoint_ops, raw_tracepoint_ops, perf_event_ops;

#endif
