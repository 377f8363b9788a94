/* TCX attachment (kernel/bpf/tcx.c, mprog.c), compared with the kernel on a veth pair in
 * a network namespace of the test's own: links and BPF_PROG_ATTACH/DETACH with the mprog
 * flags (BPF_F_BEFORE/AFTER, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, expected_revision),
 * BPF_PROG_QUERY (revision, program and link ids), link info, update and detach, the
 * 64-program limit, and the chain's order and TCX verdicts on a packet: against the
 * kernel one sent over the veth peer (ingress) or out of the device (egress), under
 * bpfrun one given to bpfrun_fire.  libbpf 1.1 and the installed header lack TCX: raw
 * bpf() with the 6.18 attribute layout, defined here. */
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "difftest.h"

#define TCX_INGRESS 46
#define TCX_EGRESS 47
#define LINK_TYPE_TCX 11
#define F_REPLACE (1u << 2)
#define F_BEFORE (1u << 3)
#define F_AFTER (1u << 4)
#define F_ID (1u << 5)
#define F_LINK (1u << 13)
#define NEXT (-1)
#define PASS 0
#define DROP 2

struct attach_attr { /* BPF_PROG_ATTACH, BPF_PROG_DETACH */
	__u32 ifindex, prog_fd, type, flags, replace_fd, relative;
	__u64 revision;
};

struct query_attr { /* BPF_PROG_QUERY */
	__u32 ifindex, type, query_flags, attach_flags;
	__u64 prog_ids;
	__u32 count, pad;
	__u64 prog_attach_flags, link_ids, link_attach_flags, revision;
};

struct link_attr { /* BPF_LINK_CREATE, link_create.tcx */
	__u32 prog_fd, ifindex, type, flags, relative, pad;
	__u64 revision;
};

static int ifindex;

static long sys(int cmd, void *a, size_t n)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, a, n);
	long r = syscall(__NR_bpf, cmd, &attr, sizeof(attr));
	memcpy(a, &attr, n);
	return r < 0 ? -errno : r;
}

static const char *res(long err)
{
	return err < 0 ? strerror((int)-err) : "ok";
}

/* The test's programs by id, for printing: letters A..E, then '#' for the copies. */
static __u32 prog_ids[8];

static char letter(__u32 id)
{
	for (int i = 1; i < 8; i++)
		if (prog_ids[i] == id)
			return (char)('A' + i - 1);
	return '#';
}

static __u32 link_ids[4];

static int link_no(__u32 id)
{
	for (int i = 0; i < 4; i++)
		if (id && link_ids[i] == id)
			return i + 1;
	return 0;
}

static void query(const char *what, __u32 type, __u32 count)
{
	__u32 ids[80] = { 0 }, lids[80] = { 0 };
	struct query_attr q = { .ifindex = (__u32)ifindex,
				.type = type,
				.count = count,
				.prog_ids = (__u64)(unsigned long)ids,
				.link_ids = (__u64)(unsigned long)lids,
				.attach_flags = 0 };
	long err = sys(BPF_PROG_QUERY, &q, sizeof(q));
	char list[512] = "";
	size_t len = 0;

	for (__u32 i = 0; i < q.count && i < count && ids[i]; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, " %c%s%d", letter(ids[i]),
					lids[i] ? "/link" : "", link_no(lids[i]));
	out("%-28s %s: revision %llu, count %u, attach_flags %u:%s", what, res(err),
	    (unsigned long long)q.revision, q.count, q.attach_flags, list);
}

static long prog_attach(int cmd, int fd, __u32 flags, __u32 relative, __u64 revision, int replace)
{
	struct attach_attr a = { (__u32)ifindex, (__u32)fd, TCX_INGRESS, flags,
				 (__u32)replace, relative,  revision };

	return sys(cmd, &a, sizeof(a));
}

static long link_create(int fd, __u32 type, __u32 flags, __u32 relative)
{
	struct link_attr l = { (__u32)fd, (__u32)ifindex, type, flags, relative, 0, 0 };

	return sys(BPF_LINK_CREATE, &l, sizeof(l));
}

static void link_info(const char *what, int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);
	__u32 *tcx = (__u32 *)&info.raw_tracepoint; /* the union: tcx.ifindex, attach_type */
	out("%-28s %s: type %u, program %c, on the device %d, attach_type %u", what,
	    res(err ? -errno : 0), info.type, letter(info.prog_id), tcx[0] == (__u32)ifindex,
	    tcx[1]);
}

/* ---- packets ---- */

struct state {
	int n;
	int order[16];
	int verdict[8];
};

static int bss;

static void set_verdicts(const int *v)
{
	struct state s = { 0 };
	__u32 zero = 0;

	memcpy(s.verdict, v, sizeof(s.verdict));
	bpf_map_update_elem(bss, &zero, &s, 0);
}

static void send_packet(const char *dev, const char *hook)
{
	unsigned char frame[60] = { 0 };

	memset(frame, 0xff, 6); /* broadcast */
	frame[6] = 0x02;
	frame[12] = 0x88;
	frame[13] = 0xb5;
	if (under_bpfrun()) {
		int (*fire)(const char *, void *, size_t, __u64 *) = (int (*)(
			const char *, void *, size_t, __u64 *))dlsym(RTLD_DEFAULT, "bpfrun_fire");
		__u64 ret;
		if (fire)
			fire(hook, frame, sizeof(frame), &ret);
		return;
	}
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)if_nametoindex(dev),
				   .sll_halen = 6 };
	sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll));
	close(s);
	usleep(50000); /* the receiving softirq */
}

static void packet(const char *what, const int *verdicts, const char *dev, const char *hook)
{
	struct state s = { 0 };
	__u32 zero = 0;
	char list[64] = "";

	set_verdicts(verdicts);
	send_packet(dev, hook);
	bpf_map_lookup_elem(bss, &zero, &s);
	for (int i = 0; i < s.n && i < 16; i++)
		list[i] = (char)('A' + s.order[i] - 1);
	out("%-28s ran %s", what, list);
}

/* A copy of program p (the same instructions), for the 64-program limit. */
static int load_copy(struct bpf_program *p)
{
	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "copy", "GPL", bpf_program__insns(p),
			     bpf_program__insn_cnt(p), NULL);
}

static void limit(struct bpf_program *p)
{
	int copies[64], n = 0;
	long err = 0;

	while (n < 64 && !err) {
		copies[n] = load_copy(p);
		err = prog_attach(BPF_PROG_ATTACH, copies[n++], 0, 0, 0, 0);
	}
	out("attached copies before an error: %d, %s", n - (err < 0), res(err));
	query("the full chain", TCX_INGRESS, 80);
	for (int i = 0; i < n; i++) {
		prog_attach(BPF_PROG_DETACH, copies[i], 0, 0, 0, 0);
		close(copies[i]);
	}
}

int main(void)
{
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add bpfrun0 type veth peer name bpfrun1 && ip link set bpfrun0 up && "
		   "ip link set bpfrun1 up")) {
		out("SKIP: no network namespace with a veth pair");
		return finish();
	}
	ifindex = (int)if_nametoindex("bpfrun0");
	struct bpf_object *obj = load_obj("link_tcx");
	int fd[8] = { 0 };
	const char *names[] = { NULL, "tcx_a", "tcx_b", "tcx_c", "tcx_d", "tcx_e" };
	for (int i = 1; i <= 5; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		fd[i] = prog_fd(obj, names[i]);
		bpf_obj_get_info_by_fd(fd[i], &info, &len);
		prog_ids[i] = info.id;
	}
	int A = fd[1], B = fd[2], C = fd[3], D = fd[4], E = fd[5];
	bss = bpf_map__fd(bpf_object__find_map_by_name(obj, ".bss"));

	query("nothing attached", TCX_INGRESS, 8);
	int saved = ifindex;
	ifindex = 4242;
	query("no such device", TCX_INGRESS, 8);
	out("%-28s %s", "link on no such device", res(link_create(A, TCX_INGRESS, 0, 0)));
	ifindex = saved;
	out("%-28s %s", "xdp program",
	    res(link_create(prog_fd(obj, "tcx_xdp"), TCX_INGRESS, 0, 0)));
	out("%-28s %s", "attach an xdp program",
	    res(prog_attach(BPF_PROG_ATTACH, prog_fd(obj, "tcx_xdp"), 0, 0, 0, 0)));

	long la = link_create(A, TCX_INGRESS, 0, 0);
	out("%-28s %s", "link A", res(la));
	struct bpf_link_info li;
	__u32 lilen = sizeof(li);
	memset(&li, 0, sizeof(li));
	bpf_obj_get_info_by_fd((int)la, &li, &lilen);
	link_ids[0] = li.id;
	link_info("link A info", (int)la);
	query("after link A", TCX_INGRESS, 8);
	out("%-28s %s", "link A again", res(link_create(A, TCX_INGRESS, 0, 0)));
	out("%-28s %s", "attach B", res(prog_attach(BPF_PROG_ATTACH, B, 0, 0, 0, 0)));
	out("%-28s %s", "attach B again", res(prog_attach(BPF_PROG_ATTACH, B, 0, 0, 0, 0)));
	out("%-28s %s", "attach C before A",
	    res(prog_attach(BPF_PROG_ATTACH, C, F_BEFORE, (__u32)A, 0, 0)));
	out("%-28s %s", "attach D after link A",
	    res(prog_attach(BPF_PROG_ATTACH, D, F_AFTER | F_LINK, (__u32)la, 0, 0)));
	out("%-28s %s", "attach E first", res(prog_attach(BPF_PROG_ATTACH, E, F_BEFORE, 0, 0, 0)));
	query("five attached", TCX_INGRESS, 8);
	query("room for two", TCX_INGRESS, 2);
	out("%-28s %s", "detach E", res(prog_attach(BPF_PROG_DETACH, E, 0, 0, 0, 0)));
	out("%-28s %s", "attach E, stale revision",
	    res(prog_attach(BPF_PROG_ATTACH, E, 0, 0, 1, 0)));
	query("before the revision", TCX_INGRESS, 8);
	struct query_attr q = { .ifindex = (__u32)ifindex, .type = TCX_INGRESS };
	sys(BPF_PROG_QUERY, &q, sizeof(q));
	out("%-28s %s", "attach E, this revision",
	    res(prog_attach(BPF_PROG_ATTACH, E, 0, 0, q.revision, 0)));
	prog_attach(BPF_PROG_DETACH, E, 0, 0, 0, 0);
	out("%-28s %s", "replace B with E",
	    res(prog_attach(BPF_PROG_ATTACH, E, F_REPLACE, 0, 0, B)));
	out("%-28s %s", "replace link A's program",
	    res(prog_attach(BPF_PROG_ATTACH, B, F_REPLACE, 0, 0, A)));
	out("%-28s %s", "replace, B not attached",
	    res(prog_attach(BPF_PROG_ATTACH, B, F_REPLACE, 0, 0, B)));
	out("%-28s %s", "detach link A's program",
	    res(prog_attach(BPF_PROG_DETACH, A, 0, 0, 0, 0)));
	out("%-28s %s", "detach B, not attached", res(prog_attach(BPF_PROG_DETACH, B, 0, 0, 0, 0)));
	out("%-28s %s", "B before and after D",
	    res(prog_attach(BPF_PROG_ATTACH, B, F_BEFORE | F_AFTER, (__u32)D, 0, 0)));
	out("%-28s %s", "an unknown flag", res(prog_attach(BPF_PROG_ATTACH, B, 1u << 10, 0, 0, 0)));
	out("%-28s %s", "F_ID alone", res(prog_attach(BPF_PROG_ATTACH, B, F_ID, 0, 0, 0)));
	out("%-28s %s", "relative without a flag",
	    res(prog_attach(BPF_PROG_ATTACH, B, 0, (__u32)D, 0, 0)));
	out("%-28s %s", "after a missing program",
	    res(prog_attach(BPF_PROG_ATTACH, B, F_AFTER, (__u32)B, 0, 0)));
	out("%-28s %s", "B before id of A",
	    res(prog_attach(BPF_PROG_ATTACH, B, F_BEFORE | F_ID, prog_ids[1], 0, 0)));
	query("after the refusals", TCX_INGRESS, 8);
	struct query_attr qf = { .ifindex = (__u32)ifindex, .type = TCX_INGRESS, .query_flags = 1 };
	out("%-28s %s", "query with a flag", res(sys(BPF_PROG_QUERY, &qf, sizeof(qf))));

	int all_next[8] = { 0, NEXT, NEXT, NEXT, NEXT, NEXT, NEXT, NEXT };
	packet("packet, every one NEXT", all_next, "bpfrun1", "tc/ingress/bpfrun0");
	int a_drops[8] = { 0, DROP, NEXT, NEXT, NEXT, NEXT, NEXT, NEXT };
	packet("packet, A drops", a_drops, "bpfrun1", "tc/ingress/bpfrun0");
	int c_passes[8] = { 0, NEXT, NEXT, PASS, NEXT, NEXT, NEXT, NEXT };
	packet("packet, C passes", c_passes, "bpfrun1", "tc/ingress/bpfrun0");

	prog_attach(BPF_PROG_DETACH, E, 0, 0, 0, 0);
	union bpf_attr ua;
	memset(&ua, 0, sizeof(ua));
	ua.link_update.link_fd = (__u32)la;
	ua.link_update.new_prog_fd = (__u32)E;
	ua.link_update.flags = BPF_F_REPLACE;
	ua.link_update.old_prog_fd = (__u32)B;
	out("%-28s %s", "update link A, wrong old", res(sys(BPF_LINK_UPDATE, &ua, sizeof(ua))));
	ua.link_update.flags = 0;
	ua.link_update.old_prog_fd = 0;
	ua.link_update.new_prog_fd = (__u32)D;
	out("%-28s %s", "update link A to attached D", res(sys(BPF_LINK_UPDATE, &ua, sizeof(ua))));
	ua.link_update.new_prog_fd = (__u32)E;
	out("%-28s %s", "update link A to E", res(sys(BPF_LINK_UPDATE, &ua, sizeof(ua))));
	link_info("link A info", (int)la);
	query("after the update", TCX_INGRESS, 8);
	packet("packet after the update", all_next, "bpfrun1", "tc/ingress/bpfrun0");

	long le = link_create(A, TCX_EGRESS, F_BEFORE, 0);
	out("%-28s %s", "egress link A", res(le));
	memset(&li, 0, sizeof(li));
	bpf_obj_get_info_by_fd((int)le, &li, &lilen);
	link_ids[1] = li.id;
	link_info("egress link info", (int)le);
	query("egress", TCX_EGRESS, 8);
	packet("packet out", all_next, "bpfrun0", "tc/egress/bpfrun0");

	memset(&ua, 0, sizeof(ua));
	ua.link_detach.link_fd = (__u32)la;
	out("%-28s %s", "detach link A", res(sys(BPF_LINK_DETACH, &ua, sizeof(ua))));
	link_info("detached link info", (int)la);
	ua.link_update.link_fd = (__u32)la;
	ua.link_update.new_prog_fd = (__u32)A;
	out("%-28s %s", "update a detached link", res(sys(BPF_LINK_UPDATE, &ua, sizeof(ua))));
	query("after the link's detach", TCX_INGRESS, 8);
	limit(find_prog(obj, "tcx_a"));
	out("%-28s %s", "detach the first",
	    res(prog_attach(BPF_PROG_DETACH, 0, F_BEFORE, 0, 0, 0)));
	query("two left", TCX_INGRESS, 8);
	out("%-28s %s", "detach the last", res(prog_attach(BPF_PROG_DETACH, 0, F_AFTER, 0, 0, 0)));
	query("one left", TCX_INGRESS, 8);
	out("%-28s %s", "detach B", res(prog_attach(BPF_PROG_DETACH, B, 0, 0, 0, 0)));
	query("none left", TCX_INGRESS, 8);
	out("%-28s %s", "detach from nothing", res(prog_attach(BPF_PROG_DETACH, B, 0, 0, 0, 0)));
	out("%-28s %s", "attach A anew", res(prog_attach(BPF_PROG_ATTACH, A, 0, 0, 0, 0)));
	query("anew", TCX_INGRESS, 8);
	close((int)la);
	close((int)le);
	bpf_object__close(obj);
	return finish();
}
