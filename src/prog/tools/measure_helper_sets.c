/* Measures which helpers each program type offers on the running kernel, and prints
 * src/prog/helper_sets.c, the table bpfrun uses (the check tests/check/helper_sets.sh
 * compares the two).
 *
 * For every program type bpfrun knows and every helper id of <linux/bpf.h>, it loads
 * "r1..r5 = 0; call id; r0 = 0; exit" (GPL, as root).  The kernel's verifier looks the
 * helper up in the type's func_proto set before it checks any argument, so a refusal that
 * says "cannot use helper" (or "unknown func") means the type lacks it; any other outcome,
 * a load or a refusal of the arguments, means the type has it.
 *
 * Usage: measure_helper_sets > src/prog/helper_sets.c   (needs bpf() permitted)
 * Not part of the runtime: it talks to the kernel, never to bpfrun. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "../../lib/bpf_newer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* BPF_FUNC_<name> of every id: the header's own list, then the newer ones. */
#define HELPER_NAME(x) #x
#define NEWER_NAME(x, id) [id] = #x,
static const char *const helper_names[] = { __BPF_FUNC_MAPPER(HELPER_NAME)
						    BPF_NEWER_FUNC_MAPPER(NEWER_NAME) };

/* The types, in BPF_PROG_TYPE_* order; types that share a set name must measure alike. */
struct type {
	const char *type_name; /* BPF_PROG_TYPE_<type_name> */
	unsigned int type;
	unsigned int prog_flags;
	const char *set; /* name of its set in helper_sets.c */
};

static const struct type types[] = {
	{ "SOCKET_FILTER", BPF_PROG_TYPE_SOCKET_FILTER, 0, "sk_filter_helpers" },
	{ "KPROBE", BPF_PROG_TYPE_KPROBE, 0, "tracing_helpers" },
	{ "SCHED_CLS", BPF_PROG_TYPE_SCHED_CLS, 0, "tc_helpers" },
	{ "SCHED_ACT", BPF_PROG_TYPE_SCHED_ACT, 0, "tc_helpers" },
	{ "TRACEPOINT", BPF_PROG_TYPE_TRACEPOINT, 0, "tracing_helpers" },
	{ "XDP", BPF_PROG_TYPE_XDP, 0, "xdp_helpers" },
	{ "PERF_EVENT", BPF_PROG_TYPE_PERF_EVENT, 0, "perf_event_helpers" },
	{ "CGROUP_SKB", BPF_PROG_TYPE_CGROUP_SKB, 0, "cg_skb_helpers" },
	{ "CGROUP_SOCK", BPF_PROG_TYPE_CGROUP_SOCK, 0, "cg_sock_helpers" },
	{ "RAW_TRACEPOINT", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "tracing_helpers" },
	{ "SOCK_OPS", BPF_PROG_TYPE_SOCK_OPS, 0, "sock_ops_helpers" },
	{ "SK_SKB", BPF_PROG_TYPE_SK_SKB, 0, "sk_skb_helpers" },
	{ "SK_MSG", BPF_PROG_TYPE_SK_MSG, 0, "sk_msg_helpers" },
	{ "SYSCALL", BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE, "syscall_helpers" },
};

static char log_buf[65536];

/* 1 when type t offers helper id, 0 when not, -1 when the kernel could not tell. */
static int type_has_helper(const struct type *t, int id)
{
	struct bpf_insn insns[8] = { 0 };
	union bpf_attr attr;

	for (int r = 1; r <= 5; r++)
		insns[r - 1] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
						  .dst_reg = r };
	insns[5] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = id };
	insns[6] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0 };
	insns[7] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = t->type;
	attr.prog_flags = t->prog_flags;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	log_buf[0] = 0;
	int fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno == EPERM)
		return -1;
	return !strstr(log_buf, "cannot use helper") && !strstr(log_buf, "unknown func");
}

struct set {
	const char *name;
	unsigned char has[ARRAY_SIZE(helper_names)];
	const char *types[4];
	int nr_types;
};

/* Measures t into its set (sets[] in first-use order): 0, or -1 on a mismatch. */
static int measure(const struct type *t, struct set *sets, int *nr_sets)
{
	struct set *s = NULL, fresh = { .name = t->set };

	for (int i = 0; i < *nr_sets; i++)
		if (!strcmp(sets[i].name, t->set))
			s = &sets[i];
	for (size_t id = 1; id < ARRAY_SIZE(helper_names); id++) {
		int has = type_has_helper(t, (int)id);
		if (has < 0) {
			fprintf(stderr, "bpf() is not permitted here\n");
			exit(2);
		}
		fresh.has[id] = (unsigned char)has;
	}
	if (!s) {
		s = &sets[(*nr_sets)++];
		*s = fresh;
	} else if (memcmp(s->has, fresh.has, sizeof(fresh.has))) {
		fprintf(stderr, "%s differs from the other types of %s\n", t->type_name, t->set);
		return -1;
	}
	s->types[s->nr_types++] = t->type_name;
	return 0;
}

static void print_set(const struct set *s)
{
	printf("\n/*");
	for (int i = 0; i < s->nr_types; i++)
		printf(" %s", s->types[i]);
	printf(" */\nstatic const u16 %s_ids[] = {\n", s->name);
	for (size_t id = 1; id < ARRAY_SIZE(helper_names); id++)
		if (s->has[id])
			printf("\tBPF_FUNC_%s,\n", helper_names[id]);
	printf("};\nconst struct helper_set %s = {\n\t%s_ids, ARRAY_SIZE(%s_ids)\n};\n", s->name,
	       s->name, s->name);
}

int main(void)
{
	static struct set sets[ARRAY_SIZE(types)];
	int nr_sets = 0, err = 0;
	struct utsname u;
	int major = 0, minor = 0;

	if (!uname(&u))
		sscanf(u.release, "%d.%d", &major, &minor); /* the build suffix would churn */
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		err |= measure(&types[i], sets, &nr_sets);
	if (err)
		return 1;
	printf("/* Which helpers each program type offers: the kernel's get_func_proto sets for a\n"
	       " * privileged loader, GENERATED by src/prog/tools/measure_helper_sets.c on Linux\n"
	       " * %d.%d (do not edit; tests/check/helper_sets.sh compares them with the kernel).\n"
	       " * Sorted ids; each type's ops point at its set.  No state, no locking. */\n"
	       "/* clang-format off */\n"
	       "#include \"types.h\"\n",
	       major, minor);
	for (int i = 0; i < nr_sets; i++)
		print_set(&sets[i]);
	return 0;
}
