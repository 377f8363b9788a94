/* The documentation's timer example, unmodified. */
#include "../../examples/seed_timer.bpf.c" /* verbatim copy of ../shared/examples (checked by tests/cli) */
