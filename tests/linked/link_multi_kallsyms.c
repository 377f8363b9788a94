/* A kprobe.multi link by kernel addresses names its functions through /proc/kallsyms,
 * and reads the file once for the whole link, not once or twice per address (the link
 * may name 2^20 of them; each read parses 100,000 lines).  The test's own open()
 * counts the opens of /proc/kallsyms while the link is made; the functions fire by
 * name, and an address without a symbol is EINVAL.  Link info after the kernel's
 * bpf_kprobe_multi_link_fill_link_info (this kernel has no kprobes): the count and
 * flags, the addresses in ascending order with their cookies, EINVAL for an array
 * without a length, ENOSPC for a short one. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/ptrace.h>

#include "bpfrun.h"
#include "difftest.h"

static int kallsyms_opens;

static int open_counted(const char *sym, const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
										     sym);
	mode_t mode = flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;

	if (!strcmp(path, "/proc/kallsyms"))
		__atomic_add_fetch(&kallsyms_opens, 1, __ATOMIC_RELAXED);
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;

	va_start(ap, flags);
	int fd = open_counted("open", path, flags, ap);
	va_end(ap);
	return fd;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;

	va_start(ap, flags);
	int fd = open_counted("open64", path, flags, ap);
	va_end(ap);
	return fd;
}

#define NFUNCS 8

/* The addresses of bpf_fentry_test1..8, read here before counting. */
static int func_addrs(__u64 *addrs)
{
	char line[512], sym[256], type;
	unsigned long long a;
	int found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 &&
		    !strncmp(sym, "bpf_fentry_test", 15) && sym[15] >= '1' && sym[15] <= '8' &&
		    !sym[16]) {
			addrs[sym[15] - '1'] = a;
			found++;
		}
	fclose(f);
	return found;
}

struct multi_info { /* bpf_link_info with its kprobe_multi member (6.6) */
	__u32 type, id, prog_id, pad;
	__u64 addrs;
	__u32 count, flags;
	__u64 missed, cookies;
};

static int multi_info(int link, struct multi_info *mi, __u64 *addrs, __u64 *cookies, __u32 n)
{
	__u32 len = sizeof(*mi);

	memset(mi, 0, sizeof(*mi));
	mi->addrs = (__u64)(unsigned long)addrs;
	mi->cookies = (__u64)(unsigned long)cookies;
	mi->count = n;
	return bpf_obj_get_info_by_fd(link, mi, &len) ? -errno : 0;
}

static void check_info(int link, const __u64 *want)
{
	struct multi_info mi;
	__u64 addrs[NFUNCS], cookies[NFUNCS];
	bool sorted = true;

	int err = multi_info(link, &mi, NULL, NULL, 0);
	CHECK(!err && mi.count == NFUNCS && !mi.flags, "count only: %u", mi.count);
	err = multi_info(link, &mi, addrs, cookies, NFUNCS);
	for (int i = 0; i < NFUNCS; i++) {
		int k = 0; /* the input index of addrs[i]: its cookie is 100 + k */
		while (k < NFUNCS && want[k] != addrs[i])
			k++;
		sorted = sorted && k < NFUNCS && cookies[i] == 100u + (unsigned)k &&
			 (!i || addrs[i - 1] < addrs[i]);
	}
	CHECK(!err && sorted, "addresses ascending with their cookies: %d", err);
	CHECK(multi_info(link, &mi, addrs, NULL, 0) == -EINVAL, "an array without a length");
	CHECK(multi_info(link, &mi, NULL, NULL, 2) == -EINVAL, "a length without an array");
	CHECK(multi_info(link, &mi, addrs, NULL, 2) == -ENOSPC, "a short array: ENOSPC");
}

static unsigned long long hit(struct bpf_object *obj)
{
	__u32 slot = 5;
	__u64 v = 0;

	bpf_map_lookup_elem(map_fd(obj, "hits"), &slot, &v);
	return v;
}

int main(void)
{
	struct bpf_object *obj = load_obj("link_probes");
	__u64 addrs[NFUNCS] = { 0 };
	uint64_t ret;

	if (func_addrs(addrs) != NFUNCS || !addrs[0] || !addrs[NFUNCS - 1]) {
		out("SKIP: kallsyms hides the test functions' addresses");
		return finish();
	}
	__u64 cookies[NFUNCS], want[NFUNCS];
	for (int i = 0; i < NFUNCS; i++)
		cookies[i] = 100u + (unsigned)i;
	/* out of order, as a loader may give them */
	__u64 t = addrs[0];
	addrs[0] = addrs[NFUNCS - 1];
	addrs[NFUNCS - 1] = t;
	memcpy(want, addrs, sizeof(want));
	LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.addrs = (const unsigned long *)addrs,
		    .kprobe_multi.cnt = NFUNCS, .kprobe_multi.cookies = cookies);
	kallsyms_opens = 0;
	int link = bpf_link_create(prog_fd(obj, "kpm"), 0, BPF_TRACE_KPROBE_MULTI, &o);
	CHECK(link >= 0, "kprobe.multi by address attaches: %s", strerror(errno));
	CHECK(kallsyms_opens == 1, "kallsyms read once for %d addresses: %d reads", NFUNCS,
	      kallsyms_opens);
	check_info(link, want);
	struct pt_regs regs = { .rdi = 3 };
	CHECK(bpfrun_fire("kprobe/bpf_fentry_test1", &regs, sizeof(regs), &ret) == 0 &&
		      bpfrun_fire("kprobe/bpf_fentry_test8", &regs, sizeof(regs), &ret) == 0 &&
		      hit(obj) == 6,
	      "the named functions fire: %llu", hit(obj));
	close(link);

	addrs[3] = 1; /* no symbol there */
	o.kprobe_multi.cookies = NULL;
	link = bpf_link_create(prog_fd(obj, "kpm"), 0, BPF_TRACE_KPROBE_MULTI, &o);
	CHECK(link == -EINVAL, "an address without a symbol: %s", strerror(-link));
	bpf_object__close(obj);
	return finish();
}
