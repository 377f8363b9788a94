/* Real-world program shapes (tests/bpf/verifier_real.bpf.c): the kernel's verdict, errno
 * and log error line for each, beside bpfrun's. */
#include "difftest.h"

int main(void)
{
	libbpf_set_print(NULL);
	load_alone_verdict("verifier_real", "packet01_as_given");
	load_alone_verdict("verifier_real", "packet01_fixed");
	load_alone_verdict("verifier_real", "softirqs_unbounded");
	load_alone_verdict("verifier_real", "softirqs_bounded");
	return finish();
}
