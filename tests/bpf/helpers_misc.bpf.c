/* bpf_loop, bpf_strncmp, bpf_snprintf, clocks, random numbers and the calling thread's
 * identity.  Results go to res[n]; bpf_snprintf output to text[n]. */
#include "helpers_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, char[64]);
} text SEC(".maps");

/* A 600-character string, filled by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[1024]);
} longstr SEC(".maps");

static __always_inline char *text_slot(__u32 idx)
{
	return bpf_map_lookup_elem(&text, &idx);
}

/* ---- bpf_loop ---- */

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
};

static long add_index(__u32 i, struct loop_ctx *c)
{
	c->sum += i;
	return i == c->stop_at;
}

static long inner(__u32 i, struct loop_ctx *c)
{
	struct loop_ctx in = { .stop_at = 100 };

	c->sum += bpf_loop(3, add_index, &in, 0);
	return 0;
}

SEC("tc")
int loop(void *ctx)
{
	struct loop_ctx c = { .stop_at = 1000000 };

	store(0, bpf_loop(10, add_index, &c, 0));
	store(1, c.sum);
	c = (struct loop_ctx){ .stop_at = 4 };
	store(2, bpf_loop(10, add_index, &c, 0));
	store(3, c.sum);
	store(4, bpf_loop(0, add_index, &c, 0));
	store(5, bpf_loop((1 << 23) + 1, add_index, &c, 0));
	store(6, bpf_loop(5, add_index, &c, 1));
	c = (struct loop_ctx){};
	store(7, bpf_loop(4, inner, &c, 0));
	store(8, c.sum);
	c = (struct loop_ctx){ .stop_at = 0xffffffff };
	store(9, bpf_loop(100000, add_index, &c, 0));
	store(10, c.sum);
	return 11;
}

/* ---- bpf_strncmp ---- */

SEC("tc")
int str_cmp(void *ctx)
{
	char abc[] = "abc";
	char abd[] = "abd";
	char ab[] = "ab";
	char hi[4] = { 0xc3, 'a', 0, 0 };

	store(0, bpf_strncmp(abc, sizeof(abc), "abc"));
	store(1, bpf_strncmp(abc, sizeof(abc), "abd"));
	store(2, bpf_strncmp(abd, sizeof(abd), "abc"));
	store(3, bpf_strncmp(abd, 2, "abc"));
	store(4, bpf_strncmp(ab, sizeof(ab), "abc"));
	store(5, bpf_strncmp(abc, sizeof(abc), "ab"));
	store(6, bpf_strncmp(abc, 3, "abcdef"));
	store(7, bpf_strncmp(abc, 4, "abcdef"));
	store(8, bpf_strncmp(hi, 2, "a"));
	store(9, bpf_strncmp(abc, 1, ""));
	return 10;
}

/* ---- bpf_snprintf ---- */

SEC("tc")
int snprint(void *ctx)
{
	__u64 args[13] = { 42, 0, 0xff, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	__u8 ip[4] = { 192, 168, 0, 1 };
	char str[] = "str";
	__u32 zero = 0;
	char *t, *big = bpf_map_lookup_elem(&longstr, &zero);

	if (!big)
		return 0;
	args[1] = (__u64)(long)str;
	if ((t = text_slot(0)))
		store(0, bpf_snprintf(t, 64, "%d-%s-%x", args, 24));
	if ((t = text_slot(1)))
		store(1, bpf_snprintf(t, 8, "%d-%s-%x", args, 24));
	store(2, bpf_snprintf(0, 0, "%d-%s-%x", args, 24));
	args[1] = 0x4f;
	if ((t = text_slot(2)))
		store(3, bpf_snprintf(t, 0, "%d", args, 8));
	if ((t = text_slot(3)))
		store(4, bpf_snprintf(t, 64, "|%5d|%-5x|%05lld|%%", args, 24));
	if ((t = text_slot(4)))
		store(5, bpf_snprintf(t, 64, "%d %d %d %d %d %d %d %d %d %d %d %d", args, 96));
	args[0] = (__u64)(long)big;
	if ((t = text_slot(5)))
		store(6, bpf_snprintf(t, 64, "%s", args, 8));
	args[1] = (__u64)(long)big;
	if ((t = text_slot(6)))
		store(7, bpf_snprintf(t, 64, "%s%s", args, 16));
	args[0] = (__u64)(long)ip;
	args[1] = (__u64)(long)str;
	args[2] = 'Z';
	if ((t = text_slot(7)))
		store(8, bpf_snprintf(t, 64, "%pI4 %5s|%-3c|", args, 24));
	if ((t = text_slot(2)))
		store(9, bpf_snprintf(t, 1, "abc", 0, 0));
	return 10;
}

/* ---- clocks, random numbers, CPU ---- */

SEC("tc")
int clocks(void *ctx)
{
	__u64 mono1 = bpf_ktime_get_ns();
	__u64 boot = bpf_ktime_get_boot_ns();
	__u64 coarse = bpf_ktime_get_coarse_ns();
	__u64 tai = bpf_ktime_get_tai_ns();
	__u64 jiffies = bpf_jiffies64();
	__u64 mono2 = bpf_ktime_get_ns();
	__u32 r1 = bpf_get_prandom_u32(), r2 = bpf_get_prandom_u32(), r3 = bpf_get_prandom_u32();

	store(0, mono2 >= mono1);
	store(1, boot >= mono1);
	store(2, coarse <= mono2 && coarse + 100000000 > mono1);
	store(3, tai > boot);
	store(4, mono1);
	store(5, jiffies);
	store(6, r1 != r2 || r2 != r3);
	store(7, bpf_get_smp_processor_id());
	store(8, bpf_get_numa_node_id());
	return 9;
}

/* ---- who is calling (syscall programs run in the caller's thread) ---- */

SEC("syscall")
int ids(void *ctx)
{
	char comm[16], small[4];

	store(0, bpf_get_current_pid_tgid());
	store(1, bpf_get_current_uid_gid());
	store(2, bpf_get_current_comm(comm, sizeof(comm)));
	store(3, bpf_get_current_comm(small, sizeof(small)));
	char *t = text_slot(0);
	if (t) {
		__builtin_memcpy(t, comm, sizeof(comm));
		__builtin_memcpy(t + 16, small, sizeof(small));
	}
	return 4;
}
