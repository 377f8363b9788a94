/* An application whose own functions bear the names of bpfrun internals (map_create,
 * prog_load, copy_to_user, vlog): linked with -lbpfrun, bpfrun must not call them, and they
 * must keep working for the application (libbpfrun.so exports only its API and the
 * interposers: CMakeLists.txt, src/bridge/exports.map). */
#include <stdio.h>
#include <stdlib.h>

#include "difftest.h"

static int app_calls;

int map_create(void)
{
	return ++app_calls;
}
int prog_load(void)
{
	return ++app_calls;
}
int copy_to_user(void)
{
	return ++app_calls;
}
void vlog(void)
{
	app_calls++;
}

int main(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "app_names", 4, 8, 1, NULL);
	CHECK(fd >= 0 && app_calls == 0, "bpfrun's map_create, not the application's (%d calls)",
	      app_calls);
	unsigned key = 0;
	unsigned long long value = 7;
	CHECK(bpf_map_update_elem(fd, &key, &value, BPF_ANY) == 0, "update");
	value = 0;
	CHECK(bpf_map_lookup_elem(fd, &key, &value) == 0 && value == 7 && app_calls == 0,
	      "bpfrun's copy_to_user (%d calls)", app_calls);

	struct bpf_object *obj = load_obj("prog_refusals");
	CHECK(app_calls == 0, "bpfrun's prog_load and vlog (%d calls)", app_calls);
	bpf_object__close(obj);

	map_create();
	prog_load();
	copy_to_user();
	vlog();
	CHECK(app_calls == 4, "the application's own functions answer it (%d calls)", app_calls);
	return finish();
}
