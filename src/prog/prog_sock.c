/* CGROUP_SOCK programs: loadable (libbpf probes expected_attach_type support with one),
 * not runnable: the kernel has no test run for them (ENOTSUPP), so no context access
 * either.  No locking. */
#include "types.h"

/* bpf_prog_load_fixup_attach_type + bpf_prog_load_check_attach. */
static int sock_check_attach(u32 *type)
{
	if (!*type)
		*type = BPF_CGROUP_INET_SOCK_CREATE;
	switch (*type) {
	case BPF_CGROUP_INET_SOCK_CREATE:
	case BPF_CGROUP_INET_SOCK_RELEASE:
	case BPF_CGROUP_INET4_POST_BIND:
	case BPF_CGROUP_INET6_POST_BIND:
		return 0;
	default:
		return -EINVAL;
	}
}

const struct prog_type_ops cgroup_sock_ops = {
	.name = "cgroup_sock",
	.ctx_size = sizeof(struct bpf_sock),
	.helpers = &cg_sock_helpers,
	.check_attach = sock_check_attach,
};
