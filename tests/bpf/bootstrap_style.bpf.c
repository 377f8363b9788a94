/* The programs of libbpf-bootstrap's example loaders (minimal, kprobe, fentry, uprobe, tc,
 * bootstrap),
 * written anew for tests/loaders/bootstrap_style.c: each counts its events in `counts`
 * and keeps the last argument it saw. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* bootstrap: one record per exec, read by the loader through libbpf's ring_buffer */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

struct exec_event {
	int pid;
	char filename[60];
};

/* sched_process_exec's record: 8 bytes of common fields, the filename's __data_loc (its
 * offset in the low 16 bits), pid, old_pid */
struct exec_record {
	__u64 common;
	__u32 filename_loc;
	int pid;
	int old_pid;
};

static void count(__u32 slot, __u64 arg)
{
	__u32 last = slot + 8;
	__u64 *c = bpf_map_lookup_elem(&counts, &slot), *l = bpf_map_lookup_elem(&counts, &last);

	if (c)
		__sync_fetch_and_add(c, 1);
	if (l)
		*l = arg;
}

/* minimal: the write system call's tracepoint (its record: 8 bytes of common fields, the
 * syscall number, then fd, buf, count) */
SEC("tp/syscalls/sys_enter_write")
int handle_write(__u64 *ctx)
{
	count(0, ctx[2]);
	return 0;
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(unlink_entry, int dfd)
{
	count(1, dfd);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_fentry, int dfd)
{
	count(2, dfd);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobed_add, int a, int b)
{
	count(3, a + b);
	return 0;
}

/* tc: every packet on the ingress of the device it is attached to */
SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	count(4, skb->len);
	return 0; /* TC_ACT_OK */
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct exec_record *ctx)
{
	struct exec_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = ctx->pid;
	bpf_probe_read_str(e->filename, sizeof(e->filename),
			   (char *)ctx + (ctx->filename_loc & 0xffff));
	bpf_ringbuf_submit(e, 0);
	count(5, ctx->pid);
	return 0;
}

char _license[] SEC("license") = "GPL";
