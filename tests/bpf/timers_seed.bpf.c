/* The documentation's timer example, unmodified. */
/* examples/: a verbatim copy of ../shared/examples (checked by tests/cli) */
#include "../../examples/seed_timer.bpf.c"
