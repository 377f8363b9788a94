/* Run-time refusals of what the kernel's verifier refuses at load:
 * - a helper call while holding a bpf_spin_lock faults the run (EFAULT), the lock is
 *   released, and user space's BPF_F_LOCK accesses to the value go on;
 * - bpf_map_delete_elem on a program array faults, and the slot keeps its program. */
#include <errno.h>

#include "difftest.h"

int main(void)
{
	struct bpf_object *obj = load_obj("prog_refusals");
	int fd = map_fd(obj, "hash");
	unsigned long long value[2] = { 0, 7 };
	unsigned key = 1, retval;

	CHECK(bpf_map_update_elem(fd, &key, value, BPF_ANY) == 0, "insert");
	for (int i = 0; i < 3; i++)
		CHECK(run_prog(prog_fd(obj, "lookup_under_lock"), NULL, 0, &retval) == -EFAULT,
		      "helper call under the lock faults (run %d)", i);
	CHECK(bpf_map_lookup_elem_flags(fd, &key, value, BPF_F_LOCK) == 0 && value[1] == 7,
	      "the lock was released; the value is untouched: %llu", value[1]);

	int jmp = map_fd(obj, "jmp"), target = prog_fd(obj, "delete_in_prog_array"), id;
	key = 0;
	CHECK(bpf_map_update_elem(jmp, &key, &target, BPF_ANY) == 0, "fill the slot");
	CHECK(run_prog(target, NULL, 0, &retval) == -EFAULT, "delete in a program array faults");
	CHECK(bpf_map_lookup_elem(jmp, &key, &id) == 0, "the slot keeps its program");
	bpf_object__close(obj);
	return finish();
}
