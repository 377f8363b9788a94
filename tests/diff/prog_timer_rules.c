/* Load-time bpf_timer rules: each program of prog_timer_rules.bpf.o loaded on its own;
 * the errno of the load and the log's error line (the last before "processed") are
 * compared. */
#include <errno.h>
#include <string.h>

#include "difftest.h"

static void load_one(const char *name)
{
	load_alone_verdict("prog_timer_rules", name);
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
