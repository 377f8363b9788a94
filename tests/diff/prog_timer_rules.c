/* Load-time bpf_timer rules: each program of prog_timer_rules.bpf.o loaded on its own;
 * the errno of the load and the log's error line (the last before "processed") are
 * compared. */
#include <errno.h>
#include <string.h>

#include "difftest.h"

static const char *error_line(char *log)
{
	char *end = strstr(log, "\nprocessed ");

	if (!end)
		return "";
	*end = 0;
	char *nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

static void load_one(const char *name)
{
	static char log[1 << 16];
	struct bpf_object *obj = bpf_object__open_file(obj_path("prog_timer_rules"), NULL);
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
	{
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), name));
		bpf_program__set_log_buf(p, log, sizeof(log));
		bpf_program__set_log_level(p, 1);
	}
	log[0] = 0;
	int err = bpf_object__load(obj);
	out("%-16s %s %s", name, err ? strerror(-err) : "ok", err ? error_line(log) : "");
	bpf_object__close(obj);
}

int main(void)
{
	libbpf_set_print(NULL);
	load_one("timer_ok");
	load_one("timer_two");
	load_one("timer_in_kprobe");
	load_one("timer_in_raw_tp");
	load_one("cb_ret_ok");
	load_one("cb_ret_bad");
	load_one("init_other_map");
	load_one("cb_deep_chain");
	load_one("stack_rounding");
	return finish();
}
