/* Link info of kprobe perf links, which this kernel cannot show (it has no kprobes;
 * tests/diff/link_perf_info.c compares the other kinds): after the kernel's
 * bpf_perf_link_fill_kprobe (kernel/bpf/syscall.c) and bpftool's reading of it: the
 * type (BPF_PERF_EVENT_KPROBE 3, KRETPROBE 4), the function's name, the offset, the
 * address (kallsyms of the function plus the offset) and the cookie; and a uprobe's
 * reference counter offset (USDT semaphores), which libbpf passes in config's high half
 * (bpf_perf_link_fill_uprobe). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "difftest.h"

struct kprobe_info { /* bpf_link_info with its perf_event.kprobe member (6.6) */
	__u32 link_type, id, prog_id, pad0;
	__u32 type, pad;
	__u64 func_name;
	__u32 name_len, offset;
	__u64 addr, missed, cookie;
};

static __u64 kallsyms_addr(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");
	__u64 addr = 0;

	while (f && !addr && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name))
			addr = a;
	if (f)
		fclose(f);
	return addr;
}

static void check(const char *what, struct bpf_link *l, __u32 type, __u64 cookie)
{
	struct kprobe_info info;
	__u32 len = sizeof(info);
	char name[64] = "";

	memset(&info, 0, sizeof(info));
	info.func_name = (__u64)(unsigned long)name;
	info.name_len = sizeof(name);
	int err = l ? bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &len) : -1;
	CHECK(!err && info.link_type == BPF_LINK_TYPE_PERF_EVENT && info.type == type &&
		      !strcmp(name, "bpf_fentry_test1") && info.name_len == 17 && !info.offset &&
		      info.addr == kallsyms_addr("bpf_fentry_test1") && info.cookie == cookie,
	      "%s: err %d type %u name '%s' (%u) offset %u addr %llx cookie %llu", what, err,
	      info.type, name, info.name_len, info.offset, (unsigned long long)info.addr,
	      (unsigned long long)info.cookie);
}

struct uprobe_info { /* bpf_link_info with its perf_event.uprobe member (6.6) */
	__u32 link_type, id, prog_id, pad0;
	__u32 type, pad;
	__u64 file_name;
	__u32 name_len, offset;
	__u64 cookie, ref_ctr_offset;
};

static void check_ref_ctr(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .ref_ctr_offset = 0x40, .bpf_cookie = 3);
	struct bpf_link *up = bpf_program__attach_uprobe_opts(find_prog(obj, "up"), -1,
							      "/proc/self/exe", 0x1234, &uo);
	struct uprobe_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	int err = up ? bpf_obj_get_info_by_fd(bpf_link__fd(up), &info, &len) : -1;
	CHECK(!err && info.type == 1 && info.offset == 0x1234 && info.cookie == 3 &&
		      info.ref_ctr_offset == 0x40,
	      "uprobe: err %d type %u offset %#x cookie %llu ref_ctr_offset %#llx", err, info.type,
	      info.offset, (unsigned long long)info.cookie,
	      (unsigned long long)info.ref_ctr_offset);
	bpf_link__destroy(up);
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_probes");
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .bpf_cookie = 99);
	struct bpf_link *kp = bpf_program__attach_kprobe_opts(find_prog(obj, "kp"),
							      "bpf_fentry_test1", &ko);
	ko.retprobe = true;
	ko.bpf_cookie = 5;
	struct bpf_link *krp = bpf_program__attach_kprobe_opts(find_prog(obj, "krp"),
							       "bpf_fentry_test1", &ko);

	check("kprobe", kp, 3, 99);
	check("kretprobe", krp, 4, 5);
	check_ref_ctr(obj);
	bpf_link__destroy(krp);
	bpf_link__destroy(kp);
	bpf_object__close(obj);
	return finish();
}
