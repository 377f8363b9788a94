/* Ring buffer references the kernel's verifier refuses (tests/bpf/maps_ringbuf_refs.bpf.c)
 * fault at run time under bpfrun, and leave the ring usable: a run that ends holding a
 * reservation faults and its record is discarded (without that, the BUSY record would
 * block the consumer forever); a submit of a pointer that is no reservation, a second
 * submit and a write past the record fault. */
#include <errno.h>

#include "difftest.h"

static int count(void *ctx, void *data, size_t size)
{
	(*(int *)ctx)++;
	return 0;
}

static int run(struct bpf_object *obj, const char *prog)
{
	__u32 ret = 0;

	return run_prog(prog_fd(obj, prog), NULL, 0, &ret);
}

int main(void)
{
	struct bpf_object *obj = load_obj("maps_ringbuf_refs");
	int n = 0;
	struct ring_buffer *r = ring_buffer__new(map_fd(obj, "rb"), count, &n, NULL);

	CHECK(r != NULL, "ring_buffer__new");
	if (!r)
		return finish();
	CHECK(run(obj, "leak") == -EFAULT, "a run ending with a reservation faults");
	CHECK(run(obj, "good") == 0, "output after the leak");
	CHECK(ring_buffer__consume(r) == 1 && n == 1, "the leaked record does not block: %d", n);
	CHECK(run(obj, "forged") == -EFAULT, "submit of stack memory faults");
	CHECK(run(obj, "twice") == -EFAULT, "a second submit faults");
	CHECK(run(obj, "overflow") == -EFAULT, "a write past the record faults");
	CHECK(run(obj, "good") == 0, "output after the faults");
	n = 0;
	CHECK(ring_buffer__consume(r) == 2 && n == 2, "records after the faults: %d", n);
	ring_buffer__free(r);
	bpf_object__close(obj);
	return finish();
}
