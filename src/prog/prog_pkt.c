/* What the packet program types (prog_skb.c, prog_xdp.c) share: the page a test run's
 * packet lives in, and the run itself.
 * No locking: a run's state belongs to its thread. */
#include <stdlib.h>
#include <net/if.h>

#include "test_run.h"
#include "../helpers/redirect.h"
#include "../vm/vm.h"

int pkt_alloc(struct pkt_buf *pkt, enum pkt_kind kind, const union bpf_attr *attr, u32 tailroom)
{
	if (!attr->test.data_in)
		return -EFAULT;
	pkt->kind = kind;
	pkt->head = calloc(1, TEST_PAGE_SIZE);
	if (!pkt->head)
		return -ENOMEM;
	pkt->size = TEST_PAGE_SIZE;
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
	redirect_run_begin();
	int err = test_run_repeat(x, prog, attr->test.repeat, retval, duration);
	redirect_run_end(*retval, pkt->kind == PKT_XDP);
	vm_reset_run(x);
	return err;
}
