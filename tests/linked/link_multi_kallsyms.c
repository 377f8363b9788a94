/* A kprobe.multi link by kernel addresses names its functions through /proc/kallsyms,
 * and reads the file once for the whole link, not once or twice per address (the link
 * may name 2^20 of them; each read parses 100,000 lines).  The test's own open()
 * counts the opens of /proc/kallsyms while the link is made; the functions fire by
 * name, and an address without a symbol is EINVAL. */
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

	if (func_addrs(addrs) != NFUNCS || !addrs[0]) {
		out("SKIP: kallsyms hides the test functions' addresses");
		return finish();
	}
	LIBBPF_OPTS(bpf_link_create_opts, o, .kprobe_multi.addrs = (const unsigned long *)addrs,
		    .kprobe_multi.cnt = NFUNCS);
	kallsyms_opens = 0;
	int link = bpf_link_create(prog_fd(obj, "kpm"), 0, BPF_TRACE_KPROBE_MULTI, &o);
	CHECK(link >= 0, "kprobe.multi by address attaches: %s", strerror(errno));
	CHECK(kallsyms_opens == 1, "kallsyms read once for %d addresses: %d reads", NFUNCS,
	      kallsyms_opens);
	struct pt_regs regs = { .rdi = 3 };
	CHECK(bpfrun_fire("kprobe/bpf_fentry_test1", &regs, sizeof(regs), &ret) == 0 &&
		      bpfrun_fire("kprobe/bpf_fentry_test8", &regs, sizeof(regs), &ret) == 0 &&
		      hit(obj) == 6,
	      "the named functions fire: %llu", hit(obj));
	close(link);

	addrs[3] = 1; /* no symbol there */
	link = bpf_link_create(prog_fd(obj, "kpm"), 0, BPF_TRACE_KPROBE_MULTI, &o);
	CHECK(link == -EINVAL, "an address without a symbol: %s", strerror(-link));
	bpf_object__close(obj);
	return finish();
}
