/* The settings a command tree brings to the runtime.  The runtime is started by one
 * `bpfrun exec` and serves many: the environment it inherited is that first command's.
 * What a caller's environment decides for its own calls is sent by each exec with its
 * "join" and applied around each of that tree's bpf() calls:
 *   BPFRUN_JIT=0          programs it loads are interpreted
 *   BPFRUN_RUN_BUDGET=N   the work budget of its test runs and fires
 *   BPFRUN_VERIFIER=0     its loads skip the verifier
 * Unset, each is the default, whatever the runtime's own environment says.  Per runtime
 * (read when it starts): BPFRUN_CLOCK, BPFRUN_TRACE, BPFRUN_TIMER_SPIN_US,
 * BPFRUN_TIMER_RT, BPFRUN_KERNEL_BTF.  Timer callbacks run with the defaults (they belong
 * to no call); a program loaded with BPFRUN_JIT=0 stays interpreted in them too.
 *
 * They are the serving thread's (struct exec_ctx's `call`), not the process's switches,
 * which timer threads read while a call is served.
 *
 * Locking: none; runtime.c applies settings under its serve_lock, one call at a time, on
 * the thread that serves it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "server.h"
#include "../vm/vm.h"

static const char *const names[] = { "BPFRUN_JIT", "BPFRUN_RUN_BUDGET", "BPFRUN_VERIFIER" };

size_t settings_message(char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = getenv(names[i]);
		size_t need = strlen(names[i]) + 1 + (v ? strlen(v) : 0) + 1;
		if (!v || need > len - n)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s=%s", names[i], v) + 1;
	}
	return n;
}

/* One NAME=VALUE of a join message into s. */
static void setting_parse(struct tree_settings *s, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq)
		return;
	const char *v = eq + 1;
	size_t name_len = (size_t)(eq - kv);
	if (name_len == strlen(names[0]) && !strncmp(kv, names[0], name_len)) {
		s->jit = strcmp(v, "0") != 0;
	} else if (name_len == strlen(names[1]) && !strncmp(kv, names[1], name_len)) {
		char *end;
		unsigned long long b = strtoull(v, &end, 0);
		s->budget = *v && *v != '-' && !*end ? b : 0; /* bad: the default, as in process */
	} else if (name_len == strlen(names[2]) && !strncmp(kv, names[2], name_len)) {
		s->verifier = strcmp(v, "0") != 0;
	}
}

void settings_parse(struct tree_settings *s, const char *msg, size_t len)
{
	*s = (struct tree_settings){ .jit = true, .verifier = true, .budget = 0 };
	for (size_t off = 0; off < len;) {
		const char *kv = msg + off;
		size_t n = strnlen(kv, len - off);
		if (n == len - off)
			break; /* not terminated */
		setting_parse(s, kv);
		off += n + 1;
	}
}

void settings_defaults(void)
{
	bpfrun_set_jit(1);
	bpfrun_set_verifier(1);
	bpfrun_set_run_budget(0);
}

void settings_apply(const struct tree_settings *s)
{
	exec_ctx_get()->call = s ? (struct vm_call_settings){ .budget = s->budget,
							      .no_jit = !s->jit,
							      .no_verifier = !s->verifier } :
				   (struct vm_call_settings){ 0 };
}
