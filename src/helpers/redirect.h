/* Redirects (redirect.c): the run-scoped record of the redirect helpers, which a packet
 * test run opens and closes, and the public bpfrun_last_redirect(). */
#ifndef BPFRUN_HELPERS_REDIRECT_H
#define BPFRUN_HELPERS_REDIRECT_H

#include "../lib/common.h"

struct bpf_map;

/* Before a test run's repetitions: forgets the last redirect target (this thread). */
void redirect_run_begin(void);
/* After them: publishes the target for bpfrun_last_redirect() when the program's verdict
 * retval is a redirect (XDP_REDIRECT for xdp, TC_ACT_REDIRECT for tc programs). */
void redirect_run_end(u32 retval, bool xdp);
/* bpf_sk_redirect_map / _hash: the run's target is the socket of cookie at key of map
 * (a SOCKHASH key: its first 4 bytes), published when the verdict is SK_PASS. */
void redirect_set_socket(const struct bpf_map *map, u32 key, u64 cookie, u64 flags);

#endif
