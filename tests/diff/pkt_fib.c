/* bpf_fib_lookup against routing tables (tests/bpf/pkt_fib.bpf.c): the test makes a
 * network namespace of its own with two veth pairs, addresses, routes of every type,
 * a second table and neighbours, then asks the helper from tc and XDP programs.  Under
 * bpfrun the same tables are handed to bpfrun_set_routes() as `ip route` and `ip neigh`
 * print them; the devices are the namespace's own on both sides. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

#define TBID (1u << 3) /* BPF_FIB_LOOKUP_TBID, Linux 6.8 */
#define SRC (1u << 4)  /* BPF_FIB_LOOKUP_SRC, Linux 6.7 */

static const char *const setup[] = {
	"ip link set lo up",
	"ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address "
	"02:00:00:00:00:02",
	"ip link add veth2 address 02:00:00:00:00:03 type veth peer name veth3 address "
	"02:00:00:00:00:04",
	"ip link set veth0 up",
	"ip link set veth1 up",
	"ip link set veth2 up",
	"ip link set veth3 up",
	"ip link set veth2 mtu 1300",
	"sysctl -qw net.ipv4.conf.all.forwarding=1",
	"sysctl -qw net.ipv6.conf.all.forwarding=1",
	"sysctl -qw net.ipv4.conf.veth3.forwarding=0",
	"sysctl -qw net.ipv6.conf.veth3.forwarding=0",
	"ip addr add 10.0.1.1/24 dev veth0",
	"ip addr add 10.0.2.1/24 dev veth2",
	"ip -6 addr add 2001:db8:1::1/64 dev veth0 nodad",
	"ip -6 addr add 2001:db8:2::1/64 dev veth2 nodad",
	"ip route add default via 10.0.1.2 dev veth0",
	"ip route add 10.5.0.0/16 via 10.0.2.2 dev veth2 metric 5 mtu 1200",
	"ip route add 10.5.0.0/16 via 10.0.1.2 dev veth0 metric 9",
	"ip route add 10.5.1.0/24 via 10.0.1.2 dev veth0 metric 7",
	"ip route add 10.6.0.0/16 dev veth2 src 10.0.2.1",
	"ip route add blackhole 10.7.0.0/16",
	"ip route add unreachable 10.8.0.0/16",
	"ip route add prohibit 10.9.0.0/16",
	"ip route add 10.10.0.0/16 via 10.0.2.2 dev veth2 table 100",
	"ip -6 route add default via 2001:db8:1::2 dev veth0",
	"ip -6 route add 2001:db8:5::/48 via 2001:db8:2::2 dev veth2 metric 50",
	"ip -6 route add blackhole 2001:db8:7::/48",
	"ip -6 route add unreachable 2001:db8:8::/48",
	"ip -6 route add prohibit 2001:db8:9::/48",
	"ip neigh add 10.0.1.2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent",
	"ip neigh add 10.0.2.2 lladdr 02:00:00:00:00:04 dev veth2 nud stale",
	"ip neigh add 10.6.0.9 lladdr 02:00:00:00:00:09 dev veth2 nud permanent",
	"ip neigh add 10.6.0.8 dev veth2 nud failed",
	"ip -6 neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:02 dev veth0 nud permanent",
};

/* What `ip` prints of the tables, for bpfrun_set_routes. */
static const char dump_cmd[] = "ip route show table all; ip neigh show";

struct fib_case {
	struct bpf_fib_lookup p;
	__u32 flags;
	__s32 plen;
	__s64 ret;
};

static void give_tables_to_bpfrun(void)
{
	static char text[65536];
	FILE *f = popen(dump_cmd, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;

	if (f)
		pclose(f);
	text[n] = 0;
	int (*set_routes)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT,
								       "bpfrun_set_routes");
	int r = set_routes ? set_routes(text) : -1;
	if (r) /* only under bpfrun: printed, so that the comparison fails */
		out("bpfrun_set_routes: %d", r);
}

static const char *dev_name(unsigned ifindex)
{
	static char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) ? name : "?";
}

static void print_result(const struct fib_case *c)
{
	char dst[64], src[64];
	const unsigned char *s = c->p.smac, *d = c->p.dmac;

	inet_ntop(c->p.family, c->p.family == AF_INET ? (void *)&c->p.ipv4_dst : c->p.ipv6_dst, dst,
		  sizeof(dst));
	inet_ntop(c->p.family, c->p.family == AF_INET ? (void *)&c->p.ipv4_src : c->p.ipv6_src, src,
		  sizeof(src));
	out("  ret %lld dev %s dst %s src %s metric %u mtu %u vlan %#x smac %02x%02x dmac %02x%02x",
	    (long long)c->ret, dev_name(c->p.ifindex), dst, src, c->p.rt_metric, c->p.mtu_result,
	    c->p.tbid, s[4], s[5], d[4], d[5]);
}

static void ask(struct bpf_object *obj, const char *what, const char *in_dev, const char *dst,
		const char *src, unsigned flags, unsigned tot_len, unsigned tbid)
{
	struct fib_case c = { .flags = flags };
	int fam = strchr(dst, ':') ? AF_INET6 : AF_INET;
	unsigned k = 0, retval;

	c.p.family = (unsigned char)fam;
	c.p.ifindex = if_nametoindex(in_dev);
	c.p.tot_len = (unsigned short)tot_len;
	c.p.tbid = tbid;
	inet_pton(fam, dst, fam == AF_INET ? (void *)&c.p.ipv4_dst : c.p.ipv6_dst);
	inet_pton(fam, src, fam == AF_INET ? (void *)&c.p.ipv4_src : c.p.ipv6_src);
	for (int xdp = 0; xdp < 2; xdp++) {
		struct fib_case got;
		bpf_map_update_elem(map_fd(obj, "fib_io"), &k, &c, 0);
		int err = run_prog(prog_fd(obj, xdp ? "xdp_fib" : "tc_fib"), NULL, 0, &retval);
		bpf_map_lookup_elem(map_fd(obj, "fib_io"), &k, &got);
		out("%s %s: run %d", xdp ? "xdp" : "tc ", what, err);
		print_result(&got);
	}
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		out("unshare: no new network namespace");
		return 1;
	}
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		CHECK(system(setup[i]) == 0, "%s", setup[i]);
	if (under_bpfrun())
		give_tables_to_bpfrun();
	struct bpf_object *obj = load_obj("pkt_fib");
	const char *d4 = "8.8.8.8", *s4 = "10.0.1.9";

	ask(obj, "default route", "veth1", d4, s4, 0, 0, 0);
	ask(obj, "default, direct", "veth1", d4, s4, BPF_FIB_LOOKUP_DIRECT, 0, 0);
	ask(obj, "default, output", "veth0", d4, s4, BPF_FIB_LOOKUP_OUTPUT, 0, 0);
	ask(obj, "default, output other dev", "veth2", d4, s4, BPF_FIB_LOOKUP_OUTPUT, 0, 0);
	ask(obj, "default, skip neigh", "veth1", d4, s4, BPF_FIB_LOOKUP_SKIP_NEIGH, 0, 0);
	ask(obj, "default, src", "veth1", d4, "0.0.0.0", SRC, 0, 0);
	ask(obj, "default, tot_len 1400", "veth1", d4, s4, 0, 1400, 0);
	ask(obj, "default, tot_len 1501", "veth1", d4, s4, 0, 1501, 0);
	ask(obj, "forwarding off", "veth3", d4, s4, 0, 0, 0);
	ask(obj, "metric 5 mtu 1200", "veth1", "10.5.3.3", s4, 0, 0, 0);
	ask(obj, "metric 5, tot_len 1201", "veth1", "10.5.3.3", s4, 0, 1201, 0);
	ask(obj, "metric 5, tot_len 1000", "veth1", "10.5.3.3", s4, 0, 1000, 0);
	ask(obj, "metric 9 by output dev", "veth0", "10.5.3.3", s4, BPF_FIB_LOOKUP_OUTPUT, 0, 0);
	ask(obj, "longer prefix", "veth1", "10.5.1.3", s4, 0, 0, 0);
	ask(obj, "direct route, neigh", "veth1", "10.6.0.9", s4, 0, 0, 0);
	ask(obj, "direct route, src", "veth1", "10.6.0.9", "0.0.0.0", SRC, 0, 0);
	ask(obj, "direct route, failed neigh", "veth1", "10.6.0.8", s4, 0, 0, 0);
	ask(obj, "direct route, no neigh", "veth1", "10.6.0.7", s4, 0, 0, 0);
	ask(obj, "blackhole", "veth1", "10.7.0.1", s4, 0, 0, 0);
	ask(obj, "unreachable", "veth1", "10.8.0.1", s4, 0, 0, 0);
	ask(obj, "prohibit", "veth1", "10.9.0.1", s4, 0, 0, 0);
	ask(obj, "local address", "veth1", "10.0.1.1", s4, 0, 0, 0);
	ask(obj, "local, direct", "veth1", "10.0.1.1", s4, BPF_FIB_LOOKUP_DIRECT, 0, 0);
	ask(obj, "broadcast", "veth1", "10.0.1.255", s4, 0, 0, 0);
	ask(obj, "loopback", "veth1", "127.0.0.1", s4, 0, 0, 0);
	ask(obj, "connected, neigh", "veth1", "10.0.1.2", s4, 0, 0, 0);
	ask(obj, "connected, no neigh", "veth1", "10.0.1.7", s4, 0, 0, 0);
	ask(obj, "table 100", "veth1", "10.10.0.1", s4, BPF_FIB_LOOKUP_DIRECT | TBID, 0, 100);
	ask(obj, "table 100 not direct", "veth1", "10.10.0.1", s4, TBID, 0, 100);
	ask(obj, "table 200", "veth1", "10.10.0.1", s4, BPF_FIB_LOOKUP_DIRECT | TBID, 0, 200);
	ask(obj, "no such device", "nosuch", d4, s4, 0, 0, 0);

	const char *s6 = "2001:db8:1::9";
	ask(obj, "v6 default", "veth1", "2001:db8:ff::1", s6, 0, 0, 0);
	ask(obj, "v6 default, direct", "veth1", "2001:db8:ff::1", s6, BPF_FIB_LOOKUP_DIRECT, 0, 0);
	ask(obj, "v6 default, src", "veth1", "2001:db8:ff::1", "::", SRC, 0, 0);
	ask(obj, "v6 default, skip neigh", "veth1", "2001:db8:ff::1", s6, BPF_FIB_LOOKUP_SKIP_NEIGH,
	    0, 0);
	ask(obj, "v6 tot_len 1501", "veth1", "2001:db8:ff::1", s6, 0, 1501, 0);
	ask(obj, "v6 metric 50, no neigh", "veth1", "2001:db8:5::1", s6, 0, 0, 0);
	ask(obj, "v6 metric 50, skip neigh", "veth1", "2001:db8:5::1", s6,
	    BPF_FIB_LOOKUP_SKIP_NEIGH, 0, 0);
	ask(obj, "v6 blackhole", "veth1", "2001:db8:7::1", s6, 0, 0, 0);
	ask(obj, "v6 unreachable", "veth1", "2001:db8:8::1", s6, 0, 0, 0);
	ask(obj, "v6 prohibit", "veth1", "2001:db8:9::1", s6, 0, 0, 0);
	ask(obj, "v6 local address", "veth1", "2001:db8:1::1", s6, 0, 0, 0);
	ask(obj, "v6 local, direct", "veth1", "2001:db8:1::1", s6, BPF_FIB_LOOKUP_DIRECT, 0, 0);
	ask(obj, "v6 connected, neigh", "veth1", "2001:db8:1::2", s6, 0, 0, 0);
	ask(obj, "v6 forwarding off", "veth3", "2001:db8:ff::1", s6, 0, 0, 0);
	bpf_object__close(obj);
	return finish();
}
