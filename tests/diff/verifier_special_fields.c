/* Direct loads and stores to a map value's special fields: bpf_timer, bpf_wq and
 * bpf_task_work are refused at load ("... cannot be accessed directly by load/store"),
 * the plain fields beside them are not.  Each program of verifier_special_fields.bpf.o is
 * loaded alone; the errno and the log's error line are compared. */
#include "difftest.h"

int main(void)
{
	libbpf_set_print(NULL);
	load_alone_verdict("verifier_special_fields", "plain_fields");
	load_alone_verdict("verifier_special_fields", "read_timer");
	load_alone_verdict("verifier_special_fields", "read_wq");
	load_alone_verdict("verifier_special_fields", "write_task_work");
	return finish();
}
