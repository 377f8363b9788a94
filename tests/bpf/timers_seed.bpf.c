/* The documentation's timer example, unmodified. */
#include "../../../shared/examples/seed_timer.bpf.c"
