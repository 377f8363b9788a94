/* bpfrun_fire("sk_skb/MAP/KEY"): data arriving at a socket of a SOCKMAP runs through the
 * map's stream verdict (tests/bpf/sockmap_fire.bpf.c), whose context shows the socket's
 * addresses; a redirect moves nothing but bpfrun_last_redirect names the target socket
 * by cookie, map and key.  The kernel cannot run sk_skb programs on demand (its test run
 * is ENOTSUPP): this is bpfrun's own way in. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "bpfrun.h"
#include "difftest.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

struct seen {
	__u32 len, family, local_port, remote_port, local_ip4, remote_ip4;
};

static unsigned long long cookie_of(int fd)
{
	unsigned long long c = 0;
	socklen_t len = sizeof(c);

	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len);
	return c;
}

int main(void)
{
	struct bpf_object *obj = load_obj("sockmap_fire");
	int map = map_fd(obj, "socks");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lst = socket(AF_INET, SOCK_STREAM, 0), cli = socket(AF_INET, SOCK_STREAM, 0);
	uint64_t ret = 99;
	struct bpfrun_redirect r;

	CHECK(!bind(lst, (void *)&a, sizeof(a)) && !listen(lst, 1), "listen");
	getsockname(lst, (void *)&a, &alen);
	CHECK(!connect(cli, (void *)&a, sizeof(a)), "connect");
	int srv = accept(lst, NULL, NULL);
	unsigned k0 = 0, k1 = 1;
	unsigned long long v0 = (unsigned)srv, v1 = (unsigned)cli;
	CHECK(!bpf_map_update_elem(map, &k0, &v0, 0) && !bpf_map_update_elem(map, &k1, &v1, 0),
	      "sockets in the map");

	CHECK(bpfrun_fire("sk_skb/socks/0", "pass", 4, &ret) == -1 && errno == ENOENT,
	      "no verdict attached: ENOENT");
	CHECK(!bpf_prog_attach(prog_fd(obj, "verdict"), map, BPF_SK_SKB_STREAM_VERDICT, 0),
	      "attach the verdict");

	CHECK(bpfrun_fire("sk_skb/socks/0", "pass", 4, &ret) == 0 && ret == SK_PASS,
	      "plain data passes (%llu)", (unsigned long long)ret);
	CHECK(bpfrun_last_redirect(&r) == -ENOENT, "no redirect");
	int data_fd = map_fd(obj, ".bss");
	struct seen seen = { 0 };
	bpf_map_lookup_elem(data_fd, &(unsigned){ 0 }, &seen);
	CHECK(seen.len == 4 && seen.family == AF_INET && seen.local_port == ntohs(a.sin_port) &&
		      seen.local_ip4 == htonl(INADDR_LOOPBACK) &&
		      seen.remote_ip4 == htonl(INADDR_LOOPBACK) && seen.remote_port != 0,
	      "the context shows the accepted socket: len %u family %u local port %u", seen.len,
	      seen.family, seen.local_port);

	CHECK(bpfrun_fire("sk_skb/socks/0", "redirect", 8, &ret) == 0 && ret == SK_PASS,
	      "a redirect: SK_PASS (%llu)", (unsigned long long)ret);
	CHECK(bpfrun_last_redirect(&r) == 0 && r.how == BPFRUN_REDIRECT_SOCKET &&
		      r.cookie == cookie_of(cli) && r.key == 1 && r.flags == BPF_F_INGRESS &&
		      r.map_type == BPF_MAP_TYPE_SOCKMAP && r.action == SK_PASS,
	      "the redirect names the client socket by cookie, key 1, ingress");

	CHECK(bpfrun_fire("sk_skb/socks/0", "x", 1, &ret) == 0 && ret == SK_DROP,
	      "a redirect to an empty key: SK_DROP (%llu)", (unsigned long long)ret);
	CHECK(bpfrun_last_redirect(&r) == -ENOENT, "no redirect after a drop");
	CHECK(bpfrun_fire("sk_skb/socks/0", "", 0, &ret) == 0 && ret == SK_DROP,
	      "no data: SK_DROP");
	CHECK(bpfrun_fire("sk_skb/socks/0", NULL, 0, &ret) == 0 && ret == SK_DROP,
	      "no context at all: SK_DROP");
	CHECK(bpfrun_fire("sk_skb/socks/2", "pass", 4, &ret) == -1 && errno == ENOENT,
	      "no socket at key 2: ENOENT");
	CHECK(bpfrun_fire("sk_skb/nosuchmap/0", "pass", 4, &ret) == -1 && errno == ENOENT,
	      "no such map: ENOENT");
	CHECK(bpfrun_fire("sk_skb/socks", "pass", 4, &ret) == -1 && errno == EINVAL,
	      "no key: EINVAL");
	struct bpf_map_info info = { 0 };
	unsigned ilen = sizeof(info);
	bpf_obj_get_info_by_fd(map, &info, &ilen);
	char hook[64];
	snprintf(hook, sizeof(hook), "sk_skb/%u/1", info.id);
	CHECK(bpfrun_fire(hook, "pass", 4, &ret) == 0 && ret == SK_PASS, "the map by id");
	close(srv);
	close(cli);
	close(lst);
	bpf_object__close(obj);
	return finish();
}
