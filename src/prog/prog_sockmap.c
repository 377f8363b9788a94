/* Program types of socket maps (maps/sockmap.h) besides SK_SKB (prog_skb.c): SK_MSG (msg
 * verdict) and SOCK_OPS (which fills the maps with bpf_sock_map_update /
 * bpf_sock_hash_update).  They load and attach (link/sockmap_attach.c); the kernel has no
 * test run for them (ENOTSUPP).  bpfrun does not own the host's sockets, whose traffic
 * would run them, but sk_msg_run gives a msg verdict a socket's outgoing data
 * (bpfrun_fire("sk_msg/MAP/KEY")); sock_ops programs never run.  No state, no locking. */
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "test_run.h"
#include "types.h"
#include "../vm/vm.h"

#define MSG_OFF(f) offsetof(struct sk_msg_md, f)
#define MSG_HEADROOM 0u /* a message's data starts at its page */

/* sk_msg_is_valid_access: reads only; data, data_end and sk 8 bytes, the rest 4. */
static int msg_access(u32 off, u32 size, bool write, u8 *kind)
{
	if (write || off % size)
		return -EACCES;
	if (off == MSG_OFF(data) || off == MSG_OFF(data_end) || off == MSG_OFF(sk)) {
		*kind = off == MSG_OFF(data)     ? CTX_PKT :
			off == MSG_OFF(data_end) ? CTX_PKT_END :
						   CTX_PTR;
		return size == 8 ? 0 : -EACCES;
	}
	*kind = CTX_SCALAR;
	return off >= MSG_OFF(family) && off < MSG_OFF(size) + 4 && size == 4 ? 0 : -EACCES;
}

static int msg_ctx_access(const struct bpf_prog *prog, u32 off, u32 size, bool write, u8 *kind)
{
	return msg_access(off, size, write, kind);
}

static int msg_ctx_load(struct exec_ctx *x, u32 off, u32 size, u64 *val)
{
	struct msg_state *st = pkt_state(x, PKT_MSG);
	u8 kind;

	if (!st || msg_access(off, size, false, &kind))
		return -EACCES;
	if (off == MSG_OFF(data))
		*val = (u64)(uintptr_t)st->pkt.data;
	else if (off == MSG_OFF(data_end))
		*val = (u64)(uintptr_t)st->pkt.data_end;
	else if (off == MSG_OFF(sk))
		*val = 0; /* no socket object to point to */
	else
		*val = ctx_read_bytes(&st->md, off, size);
	return 0;
}

int sk_msg_run(struct bpf_prog *prog, int sock, const void *data, u32 len, u32 *retval)
{
	struct msg_state st = { 0 };
	union bpf_attr attr = { .test.repeat = 1 };
	struct sock_addrs addrs;
	u32 duration = 0;

	int err = pkt_alloc_payload(&st.pkt, PKT_MSG, data, len, MSG_HEADROOM, 0);
	if (!err) {
		st.md.size = len;
		sock_addrs_of(sock, &addrs);
		SOCK_ADDRS_TO(&st.md, &addrs);
		err = pkt_test_run(prog, &attr, &st.md, sizeof(st.md), &st.pkt, retval, &duration);
	}
	free(st.pkt.head);
	return err;
}

const struct prog_type_ops sk_msg_ops = {
	.name = "sk_msg",
	.ctx_size = sizeof(struct sk_msg_md),
	.helpers = &sk_msg_helpers,
	.ctx_load = msg_ctx_load,
	.ctx_access = msg_ctx_access,
};

const struct prog_type_ops sock_ops_ops = {
	.name = "sock_ops",
	.ctx_size = sizeof(struct bpf_sock_ops),
	.helpers = &sock_ops_helpers,
};
