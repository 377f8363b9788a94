/* The documentation's timer example without its bpf_timer_cancel line: the helper is
 * replaced by a no-op before the example is compiled, the file itself is unmodified. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define bpf_timer_cancel(timer) ((void)(timer), 0L)
/* examples/: a verbatim copy of ../shared/examples (checked by tests/cli) */
#include "../../examples/seed_timer.bpf.c"
