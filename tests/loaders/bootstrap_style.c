/* A libbpf-bootstrap-style loader (minimal, kprobe, fentry, uprobe, tc, bootstrap; argv[1]
 * picks one),
 * an ordinary libbpf program: it opens and loads its object, attaches its program with
 * libbpf's own attach calls, makes the event happen, and prints what the program
 * counted.  Under `bpfrun exec` the event comes from bpfrun's trigger API, looked up at
 * run time (bpfrun_fire, exported by the preloaded libbpfrun.so); elsewhere the loader
 * makes the real event (a write, an unlink, a call of its own function, a packet to lo).
 * The tc mode attaches to lo's ingress through bpf_tc_hook_create and bpf_tc_attach, as
 * libbpf-bootstrap's tc example does: run it under bpfrun only (the host's lo is never
 * touched there).  The bootstrap mode reads its program's records of an exec through
 * libbpf's ring_buffer, as libbpf-bootstrap's bootstrap example does. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/ptrace.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

typedef int (*fire_fn)(const char *hook, void *ctx, size_t size, uint64_t *ret);

__attribute__((noinline)) int uprobed_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

static const struct mode {
	const char *name, *prog, *hook;
	unsigned slot;
} modes[] = {
	{ "minimal", "handle_write", "tp/syscalls/sys_enter_write", 0 },
	{ "kprobe", "unlink_entry", "kprobe/do_unlinkat", 1 },
	{ "fentry", "unlink_fentry", "fentry/do_unlinkat", 2 },
	{ "uprobe", "uprobed_add", NULL, 3 },
	{ "tc", "tc_ingress", "tc/ingress/lo", 4 },
	{ "bootstrap", "handle_exec", "tp/sched/sched_process_exec", 5 },
};

#define TC_PACKET_LEN 64

/* The file offset of a function of this executable, from /proc/self/maps (what the
 * older libbpf-bootstrap uprobe example computed before libbpf resolved names). */
static long uprobe_offset(const void *fn)
{
	unsigned long start, end, off, addr = (unsigned long)fn;
	char line[512], perms[8];
	long found = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perms, &off) == 4 &&
		    perms[2] == 'x' && addr >= start && addr < end)
			found = (long)(addr - start + off);
	if (f)
		fclose(f);
	return found;
}

/* The event, from bpfrun's trigger API when there is one, else for real. */
static void make_event(const struct mode *m, const char *self)
{
	fire_fn fire = (fire_fn)dlsym(RTLD_DEFAULT, "bpfrun_fire");
	uint64_t ret = 0;

	if (m->slot == 4) {
		unsigned char pkt[TC_PACKET_LEN] = { 0 };
		struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(9) };
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fire)
			fire(m->hook, pkt, sizeof(pkt), &ret);
		else if (s >= 0)
			sendto(s, pkt, TC_PACKET_LEN - 42, 0, (struct sockaddr *)&lo, sizeof(lo));
		if (s >= 0)
			close(s);
	} else if (m->slot == 5) {
		/* the exec record: common fields, __data_loc, pid, old_pid, the filename */
		struct {
			uint64_t common;
			uint32_t filename_loc;
			int32_t pid, old_pid;
			char filename[12];
		} rec = { .filename_loc = 10u << 16 | 20, .pid = 4242, .old_pid = 4242 };
		pid_t child;
		memcpy(rec.filename, "/bin/true", 10);
		if (fire)
			fire(m->hook, &rec, sizeof(rec), &ret);
		else if ((child = fork()) == 0)
			_exit(execl("/bin/true", "true", (char *)NULL));
		else if (child > 0)
			waitpid(child, NULL, 0);
	} else if (m->slot == 0) {
		uint64_t rec[6] = { 0, 1, 1, 0, 42 };
		if (fire)
			fire(m->hook, rec, sizeof(rec), &ret);
		else
			write(1, "", 0);
	} else if (m->slot == 3) {
		struct pt_regs regs = { .rdi = 40, .rsi = 2 };
		char hook[4200];
		if (fire) {
			snprintf(hook, sizeof(hook), "uprobe/%s:%ld", self,
				 uprobe_offset(uprobed_add));
			fire(hook, &regs, sizeof(regs), &ret);
		} else {
			uprobed_add(40, 2);
		}
	} else {
		struct pt_regs regs = { .rdi = (unsigned long)AT_FDCWD };
		uint64_t args[2] = { (uint64_t)(int64_t)AT_FDCWD, 0 };
		if (fire && m->slot == 1)
			fire(m->hook, &regs, sizeof(regs), &ret);
		else if (fire)
			fire(m->hook, args, sizeof(args), &ret);
		else
			unlink("/nonexistent/bpfrun-bootstrap-style");
	}
}

/* tc: a clsact qdisc on lo (one that exists is used, as libbpf-bootstrap's tc does), the
 * program on its ingress; detached and removed again by tc_detach. */
static struct bpf_tc_hook tc_hook = {
	.sz = sizeof(tc_hook),
	.ifindex = 1,
	.attach_point = BPF_TC_INGRESS,
};

static int tc_attach(struct bpf_program *p)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .prog_fd = bpf_program__fd(p));
	int err = bpf_tc_hook_create(&tc_hook);

	return err && err != -EEXIST ? err : bpf_tc_attach(&tc_hook, &opts);
}

static void tc_detach(void)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	bpf_tc_detach(&tc_hook, &opts);
	bpf_tc_hook_destroy(&tc_hook);
}

static struct bpf_link *attach(struct bpf_program *p, const struct mode *m, const char *self)
{
	if (m->slot != 3)
		return bpf_program__attach(p);
	return bpf_program__attach_uprobe(p, false, 0 /* this process */, self,
					  (size_t)uprobe_offset(uprobed_add));
}

/* bootstrap: the ring buffer's records */
struct exec_event {
	int pid;
	char filename[60];
};
static unsigned records;
static struct exec_event last_record;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(last_record)) {
		memcpy(&last_record, data, sizeof(last_record));
		last_record.filename[sizeof(last_record.filename) - 1] = 0;
		records++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct mode *m = NULL;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	for (size_t i = 0; argc > 2 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			m = &modes[i];
	if (!m || n <= 0) {
		fprintf(stderr,
			"usage: bootstrap_style minimal|kprobe|fentry|uprobe|tc|bootstrap OBJ.o\n");
		return 2;
	}
	self[n] = 0;
	struct bpf_object *obj = bpf_object__open_file(argv[2], NULL);
	struct bpf_program *p;
	if (!obj)
		return 1;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), m->prog));
	if (bpf_object__load(obj)) {
		fprintf(stderr, "%s: load failed\n", m->name);
		return 1;
	}
	p = bpf_object__find_program_by_name(obj, m->prog);
	struct bpf_link *link = m->slot == 4 ? NULL : attach(p, m, self);
	if (m->slot == 4 ? tc_attach(p) != 0 : !link) {
		fprintf(stderr, "%s: attach failed\n", m->name);
		return 1;
	}
	printf("%s: attached\n", m->name);
	struct ring_buffer *ring = NULL;
	if (m->slot == 5) {
		ring = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "rb")),
					on_record, NULL, NULL);
		if (!ring) {
			fprintf(stderr, "%s: ring_buffer__new: %s\n", m->name, strerror(errno));
			return 1;
		}
	}
	make_event(m, self);
	if (ring) {
		for (int i = 0; i < 50 && !records; i++)
			ring_buffer__poll(ring, 100);
		printf("%s: ring buffer: %u record(s), pid %d, filename %s\n", m->name, records,
		       last_record.pid, last_record.filename);
		ring_buffer__free(ring);
	}
	__u32 slot = m->slot, last = m->slot + 8;
	__u64 count = 0, arg = 0;
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counts"));
	bpf_map_lookup_elem(fd, &slot, &count);
	bpf_map_lookup_elem(fd, &last, &arg);
	printf("%s: %llu event(s), last argument %lld\n", m->name, (unsigned long long)count,
	       (long long)arg);
	if (m->slot == 4)
		tc_detach();
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return count ? 0 : 1;
}
