/* Load-time bpf_timer rules: each program of prog_timer_rules.bpf.o loaded on its own;
 * the errno of the load is compared. */
#include <errno.h>
#include <string.h>

#include "difftest.h"

static void load_one(const char *name)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path("prog_timer_rules"), NULL);
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), name));
	int err = bpf_object__load(obj);
	out("%-16s %s", name, err ? strerror(-err) : "ok");
	bpf_object__close(obj);
}

int main(void)
{
	libbpf_set_print(NULL);
	load_one("timer_ok");
	load_one("timer_two");
	load_one("timer_in_kprobe");
	load_one("timer_in_raw_tp");
	return finish();
}
