/* BPF_PROG_TEST_RUN's building blocks for the types' test_run (test_run.c), and what the
 * packet types share (prog_pkt.c).  No locking: a test run's state belongs to the
 * thread doing it. */
#ifndef BPFRUN_PROG_TEST_RUN_H
#define BPFRUN_PROG_TEST_RUN_H

#include "../obj/prog.h"
#include "../pkt/pkt.h"

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

/* ---- shared by the packet types (prog_pkt.c) ---- */
#define LOOPBACK_IFINDEX 1u

/* A zeroed TEST_PAGE_SIZE page for the packet, tailroom bytes kept free at its end:
 * 0, -EFAULT without data_in, or -ENOMEM. */
int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom);
/* True when the host has a network device with this index. */
bool netdev_exists(u32 ifindex);

/* ---- data arriving at or leaving a socket of a socket map (sk_skb, sk_msg) ---- */
/* The socket's addresses as __sk_buff and sk_msg_md show them: local_port in host
 * order, remote_port in network order (low 16 bits). */
struct sock_addrs {
	u32 family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;
};
void sock_addrs_of(int sock, struct sock_addrs *a);
#define SOCK_ADDRS_TO(md, a)                                                         \
	do {                                                                         \
		(md)->family = (a)->family;                                          \
		(md)->remote_ip4 = (a)->remote_ip4;                                  \
		(md)->local_ip4 = (a)->local_ip4;                                    \
		memcpy((md)->remote_ip6, (a)->remote_ip6, sizeof((md)->remote_ip6)); \
		memcpy((md)->local_ip6, (a)->local_ip6, sizeof((md)->local_ip6));    \
		(md)->remote_port = (a)->remote_port;                                \
		(md)->local_port = (a)->local_port;                                  \
	} while (0)
/* A page for kind holding len bytes of the caller's data (no headers: every header
 * pointer is data), headroom bytes before: 0, -EINVAL (more than the page), -EFAULT or
 * -ENOMEM.  A NULL data with len 0 is an empty packet. */
int pkt_alloc_payload(struct pkt_buf *pkt, enum pkt_kind kind, const void *data, u32 len,
		      u32 headroom, u32 tailroom);
/* Runs prog on context image md over the packet state that starts with pkt (test_run_repeat
 * on the thread's execution context): 0, -EBUSY or -EFAULT. */
int pkt_test_run(struct bpf_prog *prog, const union bpf_attr *attr, void *md, u32 md_size,
		 struct pkt_buf *pkt, u32 *retval, u32 *duration);

#endif
