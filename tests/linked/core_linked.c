/* The core's libbpf program (tests/diff/core_libbpf_object.c) linked with -lbpfrun: the
 * bridge's first form.  Its bpf() calls must be served by bpfrun (map descriptors are
 * bpfrun's memfds), and the results must be those the kernel gives (the diff test
 * compares them with the kernel). */
#define CORE_LINKED
#include "../diff/core_libbpf_object.c"

static void served_by_bpfrun(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "core_linked", 4, 8, 1, NULL);
	char link[64], target[256] = "";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	CHECK(fd >= 0 && readlink(link, target, sizeof(target) - 1) > 0 &&
		      strstr(target, "memfd:bpf-map"),
	      "map fd is bpfrun's: %s", target);
	close(fd);
}

int main(void)
{
	served_by_bpfrun();
	run_all();
	return finish();
}
