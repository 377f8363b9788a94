/* A loader attaches an XDP program to lo (bpf_program__attach_xdp: an XDP link, recorded
 * by bpfrun, the host's device untouched) and bpfrun_fire("xdp/lo") runs packets through
 * it; after the link is gone nothing is attached (ENOENT). */
#include <errno.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"

int main(void)
{
	struct bpf_object *obj = load_obj("link_xdp");
	unsigned char small[64] = { 0 }, big[200] = { 0 };
	uint64_t ret = 0;

	struct bpf_link *l = bpf_program__attach_xdp(find_prog(obj, "xdp_drop"), 1);
	CHECK(l != NULL, "xdp attaches to lo: %s", strerror(errno));
	CHECK(bpfrun_fire("xdp/lo", small, sizeof(small), &ret) == 0 && ret == XDP_TX,
	      "a small packet: XDP_TX (%llu)", (unsigned long long)ret);
	CHECK(bpfrun_fire("xdp/1", big, sizeof(big), &ret) == 0 && ret == XDP_DROP,
	      "a big packet, the device by index: XDP_DROP (%llu)", (unsigned long long)ret);
	bpf_link__destroy(l);
	CHECK(bpfrun_fire("xdp/lo", small, sizeof(small), &ret) == -1 && errno == ENOENT,
	      "nothing attached any more: ENOENT");
	CHECK(bpfrun_fire("xdp/nosuchdev0", small, sizeof(small), &ret) == -1 && errno == ENODEV,
	      "no such device: ENODEV");
	bpf_object__close(obj);
	return finish();
}
