/* What the packet program types (prog_skb.c, prog_xdp.c) and the packet helpers share: the
 * page a test run's packet lives in, finding the run's packet state, and the run itself.
 * No locking: a run's state belongs to its thread. */
#include <stdlib.h>
#include <net/if.h>

#include "prog_internal.h"
#include "../vm/vm.h"

/* x->type_data is a struct skb_state or xdp_state: both start with their pkt_buf. */
_Static_assert(offsetof(struct skb_state, pkt) == 0, "skb_state must start with its pkt_buf");
_Static_assert(offsetof(struct xdp_state, pkt) == 0, "xdp_state must start with its pkt_buf");

void *pkt_state(const struct exec_ctx *x, enum pkt_kind kind)
{
	struct pkt_buf *pkt = x->type_data;

	return pkt && pkt->kind == kind ? pkt : NULL;
}

int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom)
{
	if (!attr->test.data_in)
		return -EFAULT;
	pkt->kind = kind;
	pkt->head = calloc(1, TEST_PAGE_SIZE);
	if (!pkt->head)
		return -ENOMEM;
	pkt->hard_end = pkt->head + TEST_PAGE_SIZE - tailroom;
	return 0;
}

bool netdev_exists(u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

int pkt_test_run(struct bpf_prog *prog, const union bpf_attr *attr, void *md, u32 md_size,
		 struct pkt_buf *pkt, u32 *retval, u32 *duration)
{
	struct exec_ctx *x = test_exec_ctx(prog, md, md_size, pkt);

	if (!x)
		return -EBUSY;
	pkt_sync(x, pkt);
	int err = test_run_repeat(x, prog, attr->test.repeat, retval, duration);
	vm_reset_run(x);
	return err;
}
