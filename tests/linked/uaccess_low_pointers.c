/* Pointers into low memory the application never mapped, such as a pointer truncated to
 * 32 bits (0x80000000 here), give EFAULT from bpf() in every build.  In AddressSanitizer
 * builds that range is ASan's shadow memory, mapped and readable, whose own interceptors
 * fault on it: uaccess treats it as no memory of the application's (found by fuzzing:
 * BPFRUN_BPF_FIRE's hook string read through memchr crashed). */
#include <errno.h>

#include "bpfrun.h"
#include "difftest.h"

#define LOW 0x80000000ull

static long call(int cmd, void *attr, unsigned int size)
{
	long r = bpfrun_bpf(cmd, (union bpf_attr *)attr, size);
	return r < 0 ? -errno : r;
}

int main(void)
{
	struct bpfrun_fire_attr f = { .hook = LOW };
	CHECK(call(BPFRUN_BPF_FIRE, &f, sizeof(f)) == -EFAULT, "a hook string at 0x80000000");

	int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "m", 4, 8, 1, NULL);
	union bpf_attr a = { .map_fd = (__u32)map, .key = LOW, .value = LOW + 64 };
	CHECK(map >= 0 && call(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == -EFAULT,
	      "a map key at 0x80000000");
	__u32 key = 0;
	a.key = (__u64)(uintptr_t)&key;
	CHECK(call(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) == -EFAULT, "a value at 0x80000040");
	CHECK(call(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == -EFAULT, "a value written to 0x80000040");
	return finish();
}
