/* bpf_fib_lookup (skb and XDP) against routing tables the user gives
 * (bpfrun_set_routes, include/bpfrun.h), with the kernel's answers and the order in which
 * it fills the parameters (net/core/filter.c, bpf_ipv4/ipv6_fib_lookup; measured on Linux
 * 6.18 by tests/diff/pkt_fib.c).
 *
 * Without tables the answer is a kernel's with empty tables and forwarding off: every
 * existing device gives BPF_FIB_LKUP_RET_FWD_DISABLED.  With tables, routes and
 * neighbours are the user's (the text `ip route show table all`, `ip -6 route show table
 * all` and `ip neigh show` print), devices the host's as they were when the tables were
 * given (a snapshot, so that a lookup makes no system call): existence, forwarding
 * sysctls, IFF_UP, MTU and MAC address.  The device addresses source selection picks
 * from are the tables' "local" routes.
 *
 * The model, as the kernel without policy rules: IPv4 looks in the main table merged with
 * the local one (DIRECT with TBID: that table alone), IPv6 in the local table then the main
 * one (DIRECT: main, or TBID's).  Longest prefix first, then the lowest metric; with
 * BPF_FIB_LOOKUP_OUTPUT an IPv4 unicast route must leave through the given device.  A
 * route's MTU counts when locked ("mtu lock N"), as ip_mtu_from_fib_result.  Multipath
 * routes use their first next hop; marks, TOS and lightweight tunnels are not modelled.
 *
 * Locking: tables_lock (a read-write lock) guards the tables and their device snapshot:
 * lookups read, setting them writes.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "bpfrun.h"
#include "internal.h"
#include "../lib/ksyms.h"
#include "../lib/sys.h"
#include "../pkt/pkt.h"

#define FIB_LOOKUP_MASK 0x3fu /* DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC, MARK */
#define LOOKUP_TBID (1u << 3)
#define LOOKUP_SRC (1u << 4)
#define DEV_HARD_HEADER_LEN 14
#define VLAN_HLEN 4
#define TABLE_DEFAULT 253
#define TABLE_MAIN 254
#define TABLE_LOCAL 255
#define MAX_WORDS 64

enum fib_ret {
	RET_SUCCESS,
	RET_BLACKHOLE,
	RET_UNREACHABLE,
	RET_PROHIBIT,
	RET_NOT_FWDED,
	RET_FWD_DISABLED,
	RET_UNSUPP_LWT,
	RET_NO_NEIGH,
	RET_FRAG_NEEDED,
	RET_NO_SRC_ADDR,
};

/* Route types as `ip route` names them; only unicast routes forward. */
enum rtype { RT_UNICAST, RT_BLACKHOLE, RT_UNREACHABLE, RT_PROHIBIT, RT_OTHER };

struct fib_route {
	u8 family, type, plen, gw_family;
	bool has_src;
	u8 dst[16], gw[16], src[16];
	u32 table, metric, oif, mtu_lock;
};

struct fib_neigh {
	u8 family;
	bool valid; /* NUD_VALID: PERMANENT, NOARP, REACHABLE, PROBE, STALE, DELAY */
	u8 addr[16], lladdr[6];
	u32 ifindex;
};

/* A device as the host had it when the tables were given. */
struct fib_dev {
	u32 ifindex, mtu;
	bool fwd4, fwd6, up; /* forwarding sysctls, IFF_UP */
	u8 mac[6];
};

struct fib_tables {
	struct fib_route *routes;
	struct fib_neigh *neighs;
	struct fib_dev *devs;
	u32 nr_routes, nr_neighs, nr_devs, cap_routes, cap_neighs, cap_devs;
};

static pthread_rwlock_t tables_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct fib_tables *tables; /* NULL: none given */

/* ---- reading the text ---- */

static int family_of(const char *addr)
{
	return strchr(addr, ':') ? AF_INET6 : AF_INET;
}

static u32 addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* "A.B.C.D/N", "X::/N", a bare address (a host route) or "default" into r->dst/plen. */
static bool parse_prefix(const char *s, int family, u8 *addr, u8 *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;

	memset(addr, 0, 16);
	if (!strcmp(s, "default")) {
		*plen = 0;
		return true;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	*plen = (u8)addr_bits(family);
	if (slash) {
		char *end;
		unsigned long n = strtoul(slash + 1, &end, 10);
		if (*end || n > addr_bits(family))
			return false;
		*plen = (u8)n;
		*slash = 0;
	}
	return family_of(buf) == family && inet_pton(family, buf, addr) == 1;
}

static bool parse_addr(const char *s, int family, u8 *addr)
{
	memset(addr, 0, 16);
	return family_of(s) == family && inet_pton(family, s, addr) == 1;
}

static bool parse_table(const char *s, u32 *table)
{
	static const struct {
		const char *name;
		u32 id;
	} names[] = { { "local", TABLE_LOCAL },
		      { "main", TABLE_MAIN },
		      { "default", TABLE_DEFAULT } };
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name)) {
			*table = names[i].id;
			return true;
		}
	*table = (u32)strtoul(s, &end, 10);
	return !*end && end != s;
}

static u8 route_type(const char *w, bool *known)
{
	static const char *const others[] = { "local", "broadcast", "multicast", "anycast",
					      "throw", "nat",       "unicast" };

	*known = true;
	if (!strcmp(w, "blackhole"))
		return RT_BLACKHOLE;
	if (!strcmp(w, "unreachable"))
		return RT_UNREACHABLE;
	if (!strcmp(w, "prohibit"))
		return RT_PROHIBIT;
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		if (!strcmp(w, others[i]))
			return i + 1 == ARRAY_SIZE(others) ? RT_UNICAST : RT_OTHER;
	*known = false;
	return RT_UNICAST;
}

/* The family of a route line: given ("-6", "inet6"), else its first address, else IPv6
 * when it has ip -6's "pref", else IPv4. */
static int line_family(char **w, int n)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "-6") || !strcmp(w[i], "inet6"))
			return AF_INET6;
		if (!strcmp(w[i], "-4") || !strcmp(w[i], "inet"))
			return AF_INET;
		if (strchr(w[i], ':') || (strchr(w[i], '.') && w[i][0] >= '0' && w[i][0] <= '9'))
			return family_of(w[i]);
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], "pref"))
			return AF_INET6;
	return AF_INET;
}

static bool is_local_route(const char *type_word)
{
	return type_word && !strcmp(type_word, "local");
}

/* One route: [TYPE] PREFIX then "via", "dev", "src", "metric", "table", "mtu [lock]";
 * other words (proto, scope, pref ... and their values) do not change the lookup. */
static bool parse_route(char **w, int n, struct fib_route *r, bool *local)
{
	int family = line_family(w, n), i = 0;
	bool typed = false;

	memset(r, 0, sizeof(*r));
	r->family = (u8)family;
	r->table = TABLE_MAIN;
	r->metric = family == AF_INET6 ? 1024 : 0;
	while (i < n && (!strcmp(w[i], "-4") || !strcmp(w[i], "-6")))
		i++;
	if (i >= n) /* nothing but family words */
		return false;
	r->type = route_type(w[i], &typed);
	*local = typed && is_local_route(w[i]);
	if (typed)
		i++;
	if (i >= n || !parse_prefix(w[i++], family, r->dst, &r->plen))
		return false;
	for (; i < n; i++) {
		const char *k = w[i], *v = i + 1 < n ? w[i + 1] : NULL;
		bool ok = true;
		if (!strcmp(k, "via") && v) {
			if (!strcmp(v, "inet") || !strcmp(v, "inet6"))
				return false; /* a gateway of the other family: not modelled */
			r->gw_family = (u8)family;
			ok = parse_addr(v, family, r->gw);
		} else if (!strcmp(k, "dev") && v) {
			ok = (r->oif = if_nametoindex(v)) != 0;
		} else if (!strcmp(k, "src") && v) {
			ok = r->has_src = parse_addr(v, family, r->src);
		} else if (!strcmp(k, "metric") && v) {
			r->metric = (u32)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "table") && v) {
			ok = parse_table(v, &r->table);
		} else if (!strcmp(k, "mtu") && v && !strcmp(v, "lock") && i + 2 < n) {
			r->mtu_lock = (u32)strtoul(w[i + 2], NULL, 10);
			i++;
		} else {
			continue;
		}
		if (!ok)
			return false;
		i++;
	}
	return true;
}

static bool parse_lladdr(const char *s, u8 *mac)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (u8)b[i];
	return true;
}

/* `ip neigh` state words: which are NUD_VALID; -1 for a word that is no state. */
static int nud_valid(const char *w)
{
	static const char *const valid[] = { "PERMANENT", "NOARP", "REACHABLE",
					     "PROBE",     "STALE", "DELAY" };
	static const char *const invalid[] = { "NONE", "INCOMPLETE", "FAILED" };

	for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
		if (!strcasecmp(w, valid[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++)
		if (!strcasecmp(w, invalid[i]))
			return 0;
	return -1;
}

/* ADDR dev NAME [lladdr MAC] [router] STATE, as `ip neigh show` prints it. */
static bool parse_neigh(char **w, int n, struct fib_neigh *nb)
{
	memset(nb, 0, sizeof(*nb));
	nb->family = (u8)family_of(w[0]);
	if (!parse_addr(w[0], nb->family, nb->addr))
		return false;
	for (int i = 1; i < n; i++) {
		if (!strcmp(w[i], "dev") && i + 1 < n) {
			if (!(nb->ifindex = if_nametoindex(w[++i])))
				return false;
		} else if (!strcmp(w[i], "lladdr") && i + 1 < n) {
			if (!parse_lladdr(w[++i], nb->lladdr))
				return false;
		} else if (nud_valid(w[i]) >= 0) {
			nb->valid = nud_valid(w[i]) == 1;
		}
	}
	return nb->ifindex != 0;
}

/* A neighbour line has a link-layer address or ends with a state word. */
static bool is_neigh_line(char **w, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], "lladdr"))
			return true;
	return n > 1 && nud_valid(w[n - 1]) >= 0;
}

static bool grow(void **arr, u32 *cap, u32 nr, size_t size)
{
	if (nr < *cap)
		return true;
	u32 ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static void tables_free(struct fib_tables *t)
{
	if (t) {
		free(t->routes);
		free(t->neighs);
		free(t->devs);
		free(t);
	}
}

/* One line into t: 0, 1 when it is not readable, -ENOMEM. */
static int add_line(struct fib_tables *t, char *line)
{
	char *w[MAX_WORDS], *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(line, " \t\r", &save); tok && n < MAX_WORDS;
	     tok = strtok_r(NULL, " \t\r", &save))
		w[n++] = tok;
	if (!n || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "nexthop")) { /* a multipath route's next hop: the first one */
		struct fib_route *r = t->nr_routes ? &t->routes[t->nr_routes - 1] : NULL;
		if (r && !r->oif) {
			struct fib_route hop;
			bool local;
			char *dflt[MAX_WORDS + 1] = { "default" };
			memcpy(dflt + 1, w + 1, sizeof(w[0]) * (size_t)(n - 1));
			if (!parse_route(dflt, n, &hop, &local))
				return 1;
			r->oif = hop.oif;
			r->gw_family = hop.gw_family;
			memcpy(r->gw, hop.gw, sizeof(r->gw));
		}
		return 0;
	}
	if (is_neigh_line(w, n)) {
		if (!grow((void **)&t->neighs, &t->cap_neighs, t->nr_neighs, sizeof(*t->neighs)))
			return -ENOMEM;
		return parse_neigh(w, n, &t->neighs[t->nr_neighs]) ? (t->nr_neighs++, 0) : 1;
	}
	if (!grow((void **)&t->routes, &t->cap_routes, t->nr_routes, sizeof(*t->routes)))
		return -ENOMEM;
	bool local;
	struct fib_route *r = &t->routes[t->nr_routes];
	if (!parse_route(w, n, r, &local))
		return 1;
	if (local) /* a device address (source selection) that the lookup treats as "other" */
		r->type = RT_OTHER;
	r->has_src = r->has_src || local;
	if (local)
		memcpy(r->src, r->dst, sizeof(r->src));
	t->nr_routes++;
	return 0;
}

/* ---- the host's devices, as they are when the tables are given ---- */

static int dev_ioctl(int sock, const char *name, unsigned long req, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return sys_ioctl(sock, req, ifr);
}

/* net.ipv4/ipv6.conf.DEV.forwarding of the caller's network namespace. */
static bool dev_forwarding(const char *name, const char *family)
{
	char path[96], c[2];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/forwarding", family, name);
	return read_text_file(path, c, sizeof(c)) == 1 && c[0] == '1';
}

static void dev_read(int sock, const char *name, struct fib_dev *d)
{
	struct ifreq ifr;

	d->fwd4 = dev_forwarding(name, "ipv4");
	d->fwd6 = dev_forwarding(name, "ipv6");
	if (!dev_ioctl(sock, name, SIOCGIFMTU, &ifr))
		d->mtu = (u32)ifr.ifr_mtu;
	if (!dev_ioctl(sock, name, SIOCGIFFLAGS, &ifr))
		d->up = ifr.ifr_flags & IFF_UP;
	if (!dev_ioctl(sock, name, SIOCGIFHWADDR, &ifr))
		memcpy(d->mac, ifr.ifr_hwaddr.sa_data, sizeof(d->mac));
}

/* Every device of the caller's network namespace into t->devs: 0 or -ENOMEM. */
static int devs_snapshot(struct fib_tables *t)
{
	struct if_nameindex *names = if_nameindex();
	int sock = sys_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = names ? 0 : -ENOMEM;

	for (u32 i = 0; !err && names[i].if_index; i++) {
		if (!grow((void **)&t->devs, &t->cap_devs, t->nr_devs, sizeof(*t->devs))) {
			err = -ENOMEM;
			break;
		}
		struct fib_dev *d = &t->devs[t->nr_devs++];
		memset(d, 0, sizeof(*d));
		d->ifindex = names[i].if_index;
		if (sock >= 0)
			dev_read(sock, names[i].if_name, d);
	}
	if (names)
		if_freenameindex(names);
	if (sock >= 0)
		sys_close(sock);
	return err;
}

static const struct fib_dev *dev_find(const struct fib_tables *t, u32 ifindex)
{
	for (u32 i = 0; i < t->nr_devs; i++)
		if (t->devs[i].ifindex == ifindex)
			return &t->devs[i];
	return NULL;
}

static u32 dev_mtu_of(const struct fib_tables *t, u32 ifindex)
{
	const struct fib_dev *d = dev_find(t, ifindex);

	return d ? d->mtu : 0;
}

int bpfrun_set_routes(const char *text)
{
	struct fib_tables *t = NULL, *old;
	int err = 0;

	if (text) {
		char *copy = strdup(text), *save = NULL;
		t = calloc(1, sizeof(*t));
		if (!copy || !t) {
			free(copy);
			free(t);
			return -ENOMEM;
		}
		int line = 0;
		for (char *l = strtok_r(copy, "\n", &save); l && !err;
		     l = strtok_r(NULL, "\n", &save)) {
			line++;
			int r = add_line(t, l);
			err = r < 0 ? r : r ? line : 0;
		}
		free(copy);
		if (!err)
			err = devs_snapshot(t);
		if (err) {
			tables_free(t);
			return err;
		}
	}
	pthread_rwlock_wrlock(&tables_lock);
	old = tables;
	tables = t;
	pthread_rwlock_unlock(&tables_lock);
	tables_free(old);
	return 0;
}

/* ---- the lookup (tables_lock held for reading) ---- */

static bool prefix_match(const u8 *a, const u8 *b, u32 plen)
{
	u32 bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !bits || !((a[bytes] ^ b[bytes]) & (u8)(0xff << (8 - bits)));
}

static bool table_exists(const struct fib_tables *t, u32 table)
{
	if (table == TABLE_MAIN || table == TABLE_LOCAL)
		return true;
	for (u32 i = 0; i < t->nr_routes; i++)
		if (t->routes[i].table == table)
			return true;
	return false;
}

/* The best route for dst in table_a or table_b, NULL when none.  oif, when set, binds
 * IPv4 unicast routes. */
static const struct fib_route *best_route(const struct fib_tables *t, int family, const u8 *dst,
					  u32 table_a, u32 table_b, u32 oif)
{
	const struct fib_route *best = NULL;

	for (u32 i = 0; i < t->nr_routes; i++) {
		const struct fib_route *r = &t->routes[i];
		if (r->family != family || (r->table != table_a && r->table != table_b) ||
		    !prefix_match(r->dst, dst, r->plen))
			continue;
		if (oif && family == AF_INET && r->type == RT_UNICAST && r->oif != oif)
			continue;
		if (!best || r->plen > best->plen ||
		    (r->plen == best->plen && r->metric < best->metric))
			best = r;
	}
	return best;
}

/* The tables the kernel consults without policy rules (see the header comment). */
static const struct fib_route *fib_find(const struct fib_tables *t, int family, const u8 *dst,
					u64 flags, u32 tbid, u32 oif)
{
	if ((flags & BPF_FIB_LOOKUP_DIRECT) && (flags & LOOKUP_TBID)) {
		bool merged = family == AF_INET && tbid == TABLE_MAIN;
		if (!table_exists(t, tbid))
			return NULL;
		return best_route(t, family, dst, tbid, merged ? TABLE_LOCAL : tbid, oif);
	}
	if (family == AF_INET)
		return best_route(t, family, dst, TABLE_MAIN, TABLE_LOCAL, oif);
	if (flags & BPF_FIB_LOOKUP_DIRECT)
		return best_route(t, family, dst, TABLE_MAIN, TABLE_MAIN, oif);
	const struct fib_route *r = best_route(t, family, dst, TABLE_LOCAL, TABLE_LOCAL, oif);
	return r ? r : best_route(t, family, dst, TABLE_MAIN, TABLE_MAIN, oif);
}

static u32 common_bits(const u8 *a, const u8 *b, u32 bits)
{
	u32 n = 0;

	while (n < bits && !((a[n / 8] ^ b[n / 8]) & (0x80 >> (n % 8))))
		n++;
	return n;
}

static bool link_local6(const u8 *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool loopback_addr(int family, const u8 *a)
{
	static const u8 loopback6[16] = { [15] = 1 };

	return family == AF_INET ? a[0] == 127 : !memcmp(a, loopback6, 16);
}

/* A source address for dst leaving through dev: a device address (the tables' local
 * routes) on dev first, then on any device; closest to dst, of its scope for IPv6 and not
 * a loopback one.  False when there is none. */
static bool select_src(const struct fib_tables *t, int family, u32 dev, const u8 *dst, u8 *src)
{
	const struct fib_route *best = NULL;
	u32 best_score = 0, bits = addr_bits(family);

	for (u32 i = 0; i < t->nr_routes; i++) {
		const struct fib_route *r = &t->routes[i];
		if (r->family != family || r->type != RT_OTHER || !r->has_src || r->plen != bits ||
		    loopback_addr(family, r->src))
			continue;
		if (family == AF_INET6 && link_local6(r->src) != link_local6(dst))
			continue;
		u32 score = (r->oif == dev ? 256u : 0) + common_bits(r->src, dst, bits);
		if (!best || score > best_score) {
			best = r;
			best_score = score;
		}
	}
	if (best)
		memcpy(src, best->src, family == AF_INET ? 4 : 16);
	return best != NULL;
}

static const struct fib_neigh *find_neigh(const struct fib_tables *t, int family, u32 dev,
					  const u8 *addr)
{
	for (u32 i = 0; i < t->nr_neighs; i++) {
		const struct fib_neigh *nb = &t->neighs[i];
		if (nb->family == family && nb->ifindex == dev &&
		    !memcmp(nb->addr, addr, family == AF_INET ? 4 : 16))
			return nb;
	}
	return NULL;
}

static long reject_ret(u8 type)
{
	switch (type) {
	case RT_BLACKHOLE:
		return RET_BLACKHOLE;
	case RT_UNREACHABLE:
		return RET_UNREACHABLE;
	case RT_PROHIBIT:
		return RET_PROHIBIT;
	default:
		return RET_NOT_FWDED;
	}
}

/* bpf_ipv4/ipv6_fib_lookup after the device checks: p is the program's parameters. */
static long fib_lookup_tables(const struct fib_tables *t, struct bpf_fib_lookup *p, u64 flags,
			      bool check_mtu)
{
	int family = p->family;
	u32 alen = family == AF_INET ? 4 : 16, tbid = p->tbid;
	u8 dst[16] = { 0 }, *pdst = family == AF_INET ? (u8 *)&p->ipv4_dst : (u8 *)p->ipv6_dst;
	u8 *psrc = family == AF_INET ? (u8 *)&p->ipv4_src : (u8 *)p->ipv6_src;

	memcpy(dst, pdst, alen);
	if ((flags & BPF_FIB_LOOKUP_DIRECT) && (flags & LOOKUP_TBID))
		p->tbid = 0; /* the kernel clears it for the VLAN fields it shares */
	const struct fib_route *r = fib_find(t, family, dst, flags, tbid,
					     flags & BPF_FIB_LOOKUP_OUTPUT ? p->ifindex : 0);
	if (!r || r->type != RT_UNICAST)
		return r ? reject_ret(r->type) : RET_NOT_FWDED;
	u32 mtu = 0;
	if (check_mtu) {
		mtu = r->mtu_lock ? r->mtu_lock : dev_mtu_of(t, r->oif);
		if (p->tot_len > mtu) {
			p->mtu_result = (u16)mtu;
			return RET_FRAG_NEEDED;
		}
	}
	p->rt_metric = r->metric;
	p->ifindex = r->oif;
	if (flags & LOOKUP_SRC) {
		if (r->has_src)
			memcpy(psrc, r->src, alen);
		else if (!select_src(t, family, r->oif, r->gw_family ? r->gw : dst, psrc))
			return RET_NO_SRC_ADDR;
	}
	if (r->gw_family)
		memcpy(pdst, r->gw, alen);
	if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
		const struct fib_neigh *nb = find_neigh(t, family, r->oif, pdst);
		if (!nb || !nb->valid)
			return RET_NO_NEIGH;
		const struct fib_dev *d = dev_find(t, r->oif);
		memcpy(p->dmac, nb->lladdr, 6);
		memcpy(p->smac, d ? d->mac : (const u8[6]){ 0 }, 6);
	}
	p->h_vlan_TCI = 0; /* bpf_fib_set_fwd_params */
	p->h_vlan_proto = 0;
	if (mtu)
		p->mtu_result = (u16)mtu;
	return RET_SUCCESS;
}

/* IPv6 addresses the kernel never forwards (rt6_need_strict): multicast, link-local,
 * loopback. */
static bool ipv6_strict(const u32 *a)
{
	const u8 *b = (const u8 *)a;

	return b[0] == 0xff || link_local6(b) || loopback_addr(AF_INET6, b);
}

/* The skb form without tot_len checks the packet against the chosen device's MTU after a
 * successful lookup (is_skb_forwardable), and reports that MTU. */
static long skb_mtu_check(const struct fib_tables *t, struct bpf_fib_lookup *p, u32 skb_len)
{
	const struct fib_dev *d = dev_find(t, p->ifindex);
	u32 mtu = d ? d->mtu : 0;

	p->mtu_result = (u16)mtu;
	if (!d || !d->up || skb_len > mtu + DEV_HARD_HEADER_LEN + VLAN_HLEN)
		return RET_FRAG_NEEDED;
	return RET_SUCCESS;
}

HELPER(fib_lookup)
{
	struct skb_state *st = pkt_state(x, PKT_SKB);
	struct bpf_fib_lookup p;
	void *params = vm_mem(x, r2, sizeof(p), true);
	char name[IF_NAMESIZE];
	bool check_mtu;

	if ((s32)r3 < (s32)sizeof(p))
		return (u64)-EINVAL;
	if (!params)
		return 0;
	if (r4 & ~(u64)FIB_LOOKUP_MASK)
		return (u64)-EINVAL;
	memcpy(&p, params, sizeof(p));
	if (p.family == AF_INET6 && (ipv6_strict(p.ipv6_dst) || ipv6_strict(p.ipv6_src)))
		return RET_NOT_FWDED;
	if (p.family != AF_INET && p.family != AF_INET6)
		return (u64)-EAFNOSUPPORT;
	check_mtu = !st || p.tot_len; /* XDP always checks */
	pthread_rwlock_rdlock(&tables_lock);
	const struct fib_dev *d = tables ? dev_find(tables, p.ifindex) : NULL;
	long ret = RET_FWD_DISABLED;
	if (tables ? !d : !if_indextoname(p.ifindex, name))
		ret = -ENODEV;
	else if (d && (p.family == AF_INET ? d->fwd4 : d->fwd6))
		ret = fib_lookup_tables(tables, &p, r4, check_mtu);
	if (ret == RET_SUCCESS && !check_mtu)
		ret = skb_mtu_check(tables, &p, st->md.len);
	pthread_rwlock_unlock(&tables_lock);
	memcpy(params, &p, sizeof(p));
	return (u64)ret;
}
