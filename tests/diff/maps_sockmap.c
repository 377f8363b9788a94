/* Socket maps (SOCKMAP, SOCKHASH): their create rules, which sockets an update accepts
 * (TCP established or listening, UDP, unix; the errnos of everything else), lookups that
 * give the socket's cookie, delete and get_next_key; the sk_skb, sk_msg and sock_ops
 * programs that use them (tests/bpf/maps_sockmap.bpf.c): load, BPF_PROG_ATTACH / DETACH /
 * QUERY against a map, links, and test runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "difftest.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
#define LINK_TYPE_SOCKMAP 14 /* BPF_LINK_TYPE_SOCKMAP (Linux 6.10) */

static int create(const char *what, int type, unsigned key, unsigned val, unsigned max,
		  unsigned flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, NULL, key, val, max, &o);

	if (what) {
		out("create %-40s %s", what, result_text(fd));
		if (fd >= 0)
			close(fd);
	}
	return fd;
}

static void test_create(void)
{
	out("---- create");
	create("sockmap 4/4", BPF_MAP_TYPE_SOCKMAP, 4, 4, 2, 0);
	create("sockmap 4/8", BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, 0);
	create("sockmap key 8", BPF_MAP_TYPE_SOCKMAP, 8, 8, 2, 0);
	create("sockmap value 2", BPF_MAP_TYPE_SOCKMAP, 4, 2, 2, 0);
	create("sockmap no entries", BPF_MAP_TYPE_SOCKMAP, 4, 8, 0, 0);
	create("sockmap rdonly", BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, BPF_F_RDONLY);
	create("sockmap no_prealloc", BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, BPF_F_NO_PREALLOC);
	create("sockmap mmapable", BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, BPF_F_MMAPABLE);
	create("sockhash 4/8", BPF_MAP_TYPE_SOCKHASH, 4, 8, 2, 0);
	create("sockhash 1/4", BPF_MAP_TYPE_SOCKHASH, 1, 4, 2, 0);
	create("sockhash key 0", BPF_MAP_TYPE_SOCKHASH, 0, 8, 2, 0);
	create("sockhash key 512", BPF_MAP_TYPE_SOCKHASH, 512, 8, 2, 0);
	create("sockhash key 513", BPF_MAP_TYPE_SOCKHASH, 513, 8, 2, 0);
	create("sockhash value 16", BPF_MAP_TYPE_SOCKHASH, 4, 16, 2, 0);
	create("sockhash no entries", BPF_MAP_TYPE_SOCKHASH, 4, 8, 0, 0);
	create("sockhash zero_seed", BPF_MAP_TYPE_SOCKHASH, 4, 8, 2, BPF_F_ZERO_SEED);
	create("sockhash numa", BPF_MAP_TYPE_SOCKHASH, 4, 8, 2, BPF_F_NUMA_NODE);
	/* more buckets than 4 GiB holds: refused before anything is allocated */
	create("sockhash 2^27 + 1 entries", BPF_MAP_TYPE_SOCKHASH, 4, 8, (1u << 27) + 1, 0);
	create("sockhash 2^31 + 1 entries", BPF_MAP_TYPE_SOCKHASH, 4, 8, (1u << 31) + 1, 0);
}

/* The sockets an update is tried with, and the names they are printed with. */
enum {
	TCP_NEW,
	TCP_LISTEN,
	TCP_CLIENT,
	TCP_SERVER,
	TCP6_LISTEN,
	UDP_NEW,
	UDP_BOUND,
	UNIX_PAIR,
	UNIX_NEW,
	UNIX_LISTEN,
	UNIX_DGRAM,
	UNIX_SEQPACKET,
	RAW,
	PIPE,
	CLOSED,
	NSOCK
};
static const char *const sock_names[NSOCK] = {
	"tcp, new",         "tcp, listening",
	"tcp, connected",   "tcp, accepted",
	"tcp6, listening",  "udp, new",
	"udp, bound",       "unix stream pair",
	"unix stream, new", "unix stream, listening",
	"unix dgram",       "unix seqpacket pair",
	"raw ip",           "a pipe",
	"a closed fd",
};
static int socks[NSOCK];

static void open_sockets(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(a);
	int pair[2], p[2];

	socks[TCP_NEW] = socket(AF_INET, SOCK_STREAM, 0);
	socks[TCP_LISTEN] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(!bind(socks[TCP_LISTEN], (void *)&a, sizeof(a)), "bind");
	CHECK(!listen(socks[TCP_LISTEN], 4), "listen");
	getsockname(socks[TCP_LISTEN], (void *)&a, &len);
	socks[TCP_CLIENT] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(!connect(socks[TCP_CLIENT], (void *)&a, sizeof(a)), "connect");
	socks[TCP_SERVER] = accept(socks[TCP_LISTEN], NULL, NULL);
	socks[TCP6_LISTEN] = socket(AF_INET6, SOCK_STREAM, 0);
	bind(socks[TCP6_LISTEN], (void *)&a6, sizeof(a6));
	listen(socks[TCP6_LISTEN], 1);
	socks[UDP_NEW] = socket(AF_INET, SOCK_DGRAM, 0);
	socks[UDP_BOUND] = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	bind(socks[UDP_BOUND], (void *)&a, sizeof(a));
	socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	socks[UNIX_PAIR] = pair[0];
	socks[UNIX_NEW] = socket(AF_UNIX, SOCK_STREAM, 0);
	socks[UNIX_LISTEN] = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "bpfrun-sockmap-%d", getpid());
	bind(socks[UNIX_LISTEN], (void *)&un, sizeof(un));
	listen(socks[UNIX_LISTEN], 1);
	socks[UNIX_DGRAM] = socket(AF_UNIX, SOCK_DGRAM, 0);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair);
	socks[UNIX_SEQPACKET] = pair[0];
	socks[RAW] = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	CHECK(!pipe(p), "pipe");
	socks[PIPE] = p[0];
	socks[CLOSED] = 900; /* far above what the test opens */
	close(socks[CLOSED]);
}

static unsigned long long cookie_of(int fd)
{
	unsigned long long c = 0;
	socklen_t len = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len);
	return c;
}

/* Every socket kind into a map of value size vsize: what the update says, and whether a
 * lookup then gives its cookie (ENOSPC with 4-byte values). */
static void test_socket_kinds(int type, unsigned vsize)
{
	int fd = create(NULL, type, 4, vsize, NSOCK, 0);

	out("---- %s value %u: socket kinds", type == BPF_MAP_TYPE_SOCKMAP ? "sockmap" : "sockhash",
	    vsize);
	for (unsigned k = 0; k < NSOCK; k++) {
		unsigned long long v = (unsigned)socks[k], got = 0;
		int r = bpf_map_update_elem(fd, &k, &v, BPF_ANY);
		out("update %-28s %s", sock_names[k], result_text(r));
		if (r)
			continue;
		r = bpf_map_lookup_elem(fd, &k, &got);
		out("  lookup %s%s", result_text(r),
		    !r && got == cookie_of(socks[k]) ? ", its cookie" : "");
	}
	unsigned k = CLOSED;
	unsigned long long got;
	out("lookup an empty slot               %s",
	    result_text(bpf_map_lookup_elem(fd, &k, &got)));
	k = 0;
	unsigned long long big = 1ull << 32 | (unsigned)socks[TCP_LISTEN];
	if (vsize == 8)
		out("update fd past S32_MAX             %s",
		    result_text(bpf_map_update_elem(fd, &k, &big, 0)));
	close(fd);
}

static void next_key(int fd, const char *what, const unsigned *key)
{
	unsigned next = 12345;
	int r = bpf_map_get_next_key(fd, key, &next);

	out("%-27s %s %u", what, result_text(r), r ? 0 : next);
}

static void test_sockmap_ops(void)
{
	int fd = create(NULL, BPF_MAP_TYPE_SOCKMAP, 4, 8, 3, 0);
	unsigned long long v = (unsigned)socks[TCP_LISTEN], got;
	unsigned k;

	out("---- sockmap flags, delete, next key");
	k = 1;
	out("update empty, BPF_EXIST     %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("update empty, BPF_NOEXIST   %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update full, BPF_NOEXIST    %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update full, BPF_EXIST      %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("update flags 4              %s", result_text(bpf_map_update_elem(fd, &k, &v, 4)));
	k = 3;
	out("update key 3 of 3           %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 2;
	v = (unsigned)socks[UNIX_PAIR];
	out("update same socket twice    %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 0;
	out("lookup empty                %s", result_text(bpf_map_lookup_elem(fd, &k, &got)));
	k = 7;
	out("lookup key 7                %s", result_text(bpf_map_lookup_elem(fd, &k, &got)));
	out("lookup BPF_F_LOCK           %s",
	    result_text(bpf_map_lookup_elem_flags(fd, &k, &got, BPF_F_LOCK)));
	next_key(fd, "next of NULL", NULL);
	next_key(fd, "next of 1", &(unsigned){ 1 });
	next_key(fd, "next of 2", &(unsigned){ 2 });
	next_key(fd, "next of 9", &(unsigned){ 9 });
	k = 0;
	out("delete empty                %s", result_text(bpf_map_delete_elem(fd, &k)));
	k = 1;
	out("delete 1                    %s", result_text(bpf_map_delete_elem(fd, &k)));
	out("delete 1 again              %s", result_text(bpf_map_delete_elem(fd, &k)));
	k = 3;
	out("delete key 3 of 3           %s", result_text(bpf_map_delete_elem(fd, &k)));
	k = 2;
	out("lookup_and_delete           %s",
	    result_text(bpf_map_lookup_and_delete_elem(fd, &k, &got)));
	close(fd);
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void test_sockhash_ops(void)
{
	int fd = create(NULL, BPF_MAP_TYPE_SOCKHASH, 8, 8, 3, 0);
	unsigned long long v = (unsigned)socks[TCP_CLIENT], got, k, keys[8];
	unsigned n = 0;

	out("---- sockhash flags, delete, next key");
	k = 10;
	out("update new, BPF_EXIST       %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("update new, BPF_NOEXIST     %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update old, BPF_NOEXIST     %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)));
	out("update old, BPF_EXIST       %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_EXIST)));
	out("update flags 4              %s", result_text(bpf_map_update_elem(fd, &k, &v, 4)));
	k = 20;
	out("update 20                   %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 30;
	out("update 30                   %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 40;
	out("update 40 (full)            %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	k = 30;
	out("update 30 again (full)      %s",
	    result_text(bpf_map_update_elem(fd, &k, &v, BPF_ANY)));
	int r = bpf_map_lookup_elem(fd, &k, &got);
	out("lookup 30                   %s%s", result_text(r),
	    !r && got == cookie_of(socks[TCP_CLIENT]) ? ", its cookie" : "");
	k = 40;
	out("lookup 40                   %s", result_text(bpf_map_lookup_elem(fd, &k, &got)));
	void *prev = NULL;
	while (n < 8 && !bpf_map_get_next_key(fd, prev, &keys[n]))
		prev = &keys[n++];
	out("next: %s after %u keys", strerror(errno), n);
	qsort(keys, n, sizeof(keys[0]), cmp_u64);
	for (unsigned i = 0; i < n; i++)
		out("  key %llu", keys[i]);
	k = 99;
	out("next of absent key          %s", result_text(bpf_map_get_next_key(fd, &k, &got)));
	out("delete 99                   %s", result_text(bpf_map_delete_elem(fd, &k)));
	k = 20;
	out("delete 20                   %s", result_text(bpf_map_delete_elem(fd, &k)));
	out("lookup 20                   %s", result_text(bpf_map_lookup_elem(fd, &k, &got)));
	close(fd);
}

static int link_map_id(int link)
{
	struct {
		struct bpf_link_info info;
	} li = { 0 };
	unsigned len = sizeof(li);

	if (bpf_obj_get_info_by_fd(link, &li.info, &len))
		return -1;
	unsigned *u = (unsigned *)&li.info.raw_tracepoint; /* the union: map id, attach type */
	return li.info.type == LINK_TYPE_SOCKMAP ? (int)u[0] : -2;
}

static void query(const char *what, int map, int type)
{
	unsigned ids[4] = { 0 }, cnt = 4, flags = 0;
	int r = bpf_prog_query(map, type, 0, &flags, ids, &cnt);

	out("query %-30s %s count %u", what, result_text(r), r ? 0 : cnt);
}

static void test_programs(void)
{
	struct bpf_object *obj = load_obj("maps_sockmap");
	int map = map_fd(obj, "sock_map"), hash = map_fd(obj, "sock_hash");
	int parser = prog_fd(obj, "parser"), verdict = prog_fd(obj, "verdict_map");
	int verdict2 = prog_fd(obj, "verdict_hash"), msg = prog_fd(obj, "msg_map");
	int ops = prog_fd(obj, "sock_ops");
	unsigned retval = 7;

	out("---- programs");
	out("test run parser             %s", result_text(run_prog(parser, NULL, 0, &retval)));
	out("test run verdict            %s", result_text(run_prog(verdict, NULL, 0, &retval)));
	out("test run msg                %s", result_text(run_prog(msg, NULL, 0, &retval)));
	out("test run sockops            %s", result_text(run_prog(ops, NULL, 0, &retval)));
	query("stream verdict, none", map, BPF_SK_SKB_STREAM_VERDICT);
	out("attach verdict              %s",
	    result_text(bpf_prog_attach(verdict, map, BPF_SK_SKB_STREAM_VERDICT, 0)));
	query("stream verdict, one", map, BPF_SK_SKB_STREAM_VERDICT);
	out("attach another verdict      %s",
	    result_text(bpf_prog_attach(verdict2, map, BPF_SK_SKB_STREAM_VERDICT, 0)));
	out("attach skb verdict too      %s",
	    result_text(bpf_prog_attach(verdict2, map, BPF_SK_SKB_VERDICT, 0)));
	out("attach parser               %s",
	    result_text(bpf_prog_attach(parser, map, BPF_SK_SKB_STREAM_PARSER, 0)));
	out("attach msg                  %s",
	    result_text(bpf_prog_attach(msg, hash, BPF_SK_MSG_VERDICT, 0)));
	out("attach msg as skb verdict   %s",
	    result_text(bpf_prog_attach(msg, hash, BPF_SK_SKB_STREAM_VERDICT, 0)));
	out("attach verdict as msg       %s",
	    result_text(bpf_prog_attach(verdict, hash, BPF_SK_MSG_VERDICT, 0)));
	int arr = create(NULL, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	out("attach verdict to an array  %s",
	    result_text(bpf_prog_attach(verdict, arr, BPF_SK_SKB_STREAM_VERDICT, 0)));
	out("detach from an array        %s",
	    result_text(bpf_prog_detach2(verdict, arr, BPF_SK_SKB_STREAM_VERDICT)));
	close(arr);
	out("detach other verdict        %s",
	    result_text(bpf_prog_detach2(verdict, map, BPF_SK_SKB_STREAM_VERDICT)));
	out("detach verdict              %s",
	    result_text(bpf_prog_detach2(verdict2, map, BPF_SK_SKB_STREAM_VERDICT)));
	out("detach verdict again        %s",
	    result_text(bpf_prog_detach2(verdict2, map, BPF_SK_SKB_STREAM_VERDICT)));
	out("detach parser               %s",
	    result_text(bpf_prog_detach2(parser, map, BPF_SK_SKB_STREAM_PARSER)));
	out("detach msg                  %s",
	    result_text(bpf_prog_detach2(msg, hash, BPF_SK_MSG_VERDICT)));

	int l = bpf_link_create(verdict, map, BPF_SK_SKB_STREAM_VERDICT, NULL);
	out("link verdict                %s", result_text(l));
	struct bpf_map_info mi = { 0 };
	unsigned mlen = sizeof(mi);
	bpf_obj_get_info_by_fd(map, &mi, &mlen);
	out("  link names the map        %s", link_map_id(l) == (int)mi.id ? "yes" : "no");
	query("stream verdict, link", map, BPF_SK_SKB_STREAM_VERDICT);
	out("attach over the link        %s",
	    result_text(bpf_prog_attach(verdict2, map, BPF_SK_SKB_STREAM_VERDICT, 0)));
	out("second link                 %s",
	    result_text(bpf_link_create(verdict2, map, BPF_SK_SKB_STREAM_VERDICT, NULL)));
	out("link msg to sockhash        %s",
	    result_text(bpf_link_create(msg, hash, BPF_SK_MSG_VERDICT, NULL)));
	out("link with a wrong type      %s",
	    result_text(bpf_link_create(msg, hash, BPF_SK_SKB_STREAM_PARSER, NULL)));
	out("link update                 %s", result_text(bpf_link_update(l, verdict2, NULL)));
	out("link update, wrong type     %s", result_text(bpf_link_update(l, msg, NULL)));
	out("link detach                 %s", result_text(bpf_link_detach(l)));
	query("stream verdict, detached", map, BPF_SK_SKB_STREAM_VERDICT);
	close(l);
	bpf_object__close(obj);
}

int main(void)
{
	open_sockets();
	test_create();
	test_socket_kinds(BPF_MAP_TYPE_SOCKMAP, 8);
	test_socket_kinds(BPF_MAP_TYPE_SOCKMAP, 4);
	test_socket_kinds(BPF_MAP_TYPE_SOCKHASH, 8);
	test_sockmap_ops();
	test_sockhash_ops();
	test_programs();
	return finish();
}
