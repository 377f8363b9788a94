/* Redirect maps (DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP): their create, update, lookup,
 * delete and get_next_key rules from user space, and the redirect helpers' results in XDP
 * and tc test runs (tests/bpf/maps_redirect.bpf.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "difftest.h"

static int create(const char *what, int type, unsigned key, unsigned val, unsigned max,
		  unsigned flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, NULL, key, val, max, &o);

	if (what) {
		out("create %-36s %s", what, result_text(fd));
		if (fd >= 0) {
			struct bpf_map_info info = { 0 };
			unsigned len = sizeof(info);
			bpf_obj_get_info_by_fd(fd, &info, &len);
			out("  map_flags %#x", info.map_flags);
			close(fd);
		}
	}
	return fd;
}

static void update(int fd, const char *what, unsigned key, const void *val, unsigned long long f)
{
	out("update %-36s %s", what, result_text(bpf_map_update_elem(fd, &key, val, f)));
}

static void lookup(int fd, const char *what, unsigned key)
{
	unsigned v[2] = { 0, 0 };
	int r = bpf_map_lookup_elem(fd, &key, v);

	out("lookup %-36s %s %u prog %d", what, result_text(r), v[0], v[1] != 0);
}

static void del(int fd, const char *what, unsigned key)
{
	out("delete %-36s %s", what, result_text(bpf_map_delete_elem(fd, &key)));
}

static void next_key(int fd, const char *what, const unsigned *key)
{
	unsigned next = 12345;
	int r = bpf_map_get_next_key(fd, key, &next);

	out("next   %-36s %s %u", what, result_text(r), r ? 0 : next);
}

static int xdp_prog(int attach)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "p", "GPL", p, 2, &o);
}

static void test_devmap(int type)
{
	const char *t = type == BPF_MAP_TYPE_DEVMAP ? "devmap" : "devhash";
	unsigned one = 1, zero = 0, nodev = 999999, key = 3;

	out("---- %s", t);
	create("key 4 value 4", type, 4, 4, 4, 0);
	create("key 4 value 8", type, 4, 8, 4, 0);
	create("value 12", type, 4, 12, 4, 0);
	create("value 2", type, 4, 2, 4, 0);
	create("key 8", type, 8, 4, 4, 0);
	create("max_entries 0", type, 4, 4, 0, 0);
	create("BPF_F_NUMA_NODE", type, 4, 4, 4, BPF_F_NUMA_NODE);
	create("BPF_F_RDONLY_PROG", type, 4, 4, 4, BPF_F_RDONLY_PROG);
	create("BPF_F_WRONLY_PROG", type, 4, 4, 4, BPF_F_WRONLY_PROG);
	create("BPF_F_MMAPABLE", type, 4, 4, 4, BPF_F_MMAPABLE);
	create("BPF_F_NO_PREALLOC", type, 4, 4, 4, BPF_F_NO_PREALLOC);

	int fd = create(NULL, type, 4, 4, 4, 0);
	update(fd, "key 0 = lo", 0, &one, BPF_ANY);
	update(fd, "key 1 = no such device", 1, &nodev, BPF_ANY);
	update(fd, "key 2 = ifindex 0", 2, &zero, BPF_ANY);
	update(fd, "key 7 = lo", 7, &one, BPF_ANY);
	update(fd, "key 0 NOEXIST", 0, &one, BPF_NOEXIST);
	update(fd, "key 0 EXIST", 0, &one, BPF_EXIST);
	update(fd, "key 1 EXIST", 1, &one, BPF_EXIST);
	update(fd, "key 0 flags 4", 0, &one, 4);
	lookup(fd, "key 0", 0);
	lookup(fd, "key 1", 1);
	lookup(fd, "key 2", 2);
	lookup(fd, "key 9", 9);
	next_key(fd, "NULL", NULL);
	next_key(fd, "after 3", &key);
	key = 9;
	next_key(fd, "after 9", &key);
	key = 0;
	next_key(fd, "after 0", &key);
	update(fd, "key 1 = lo", 1, &one, BPF_ANY);
	update(fd, "key 5 = lo", 5, &one, BPF_ANY);
	update(fd, "key 6 = lo", 6, &one, BPF_ANY);
	del(fd, "key 0", 0);
	del(fd, "key 0 again", 0);
	del(fd, "key 9", 9);
	lookup(fd, "key 0 after delete", 0);
	close(fd);

	fd = create(NULL, type, 4, 8, 4, 0);
	int plain = xdp_prog(0), dev = xdp_prog(BPF_XDP_DEVMAP);
	unsigned v[2] = { 1, (unsigned)plain };
	update(fd, "value 8: plain xdp program", 0, v, BPF_ANY);
	v[1] = (unsigned)dev;
	update(fd, "value 8: devmap program", 0, v, BPF_ANY);
	lookup(fd, "value 8 key 0", 0);
	v[1] = (unsigned)-1;
	update(fd, "value 8: fd -1", 1, v, BPF_ANY);
	lookup(fd, "value 8 key 1", 1);
	v[0] = 0;
	v[1] = (unsigned)dev;
	update(fd, "value 8: ifindex 0 with a program", 2, v, BPF_ANY);
	close(plain);
	close(dev);
	close(fd);
}

static void test_cpumap(void)
{
	unsigned q = 192, big = 20000, zero = 0, key = 0;

	out("---- cpumap");
	create("key 4 value 4", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, 0);
	create("value 8", BPF_MAP_TYPE_CPUMAP, 4, 8, 2, 0);
	create("value 12", BPF_MAP_TYPE_CPUMAP, 4, 12, 2, 0);
	create("max_entries 100000", BPF_MAP_TYPE_CPUMAP, 4, 4, 100000, 0);
	create("BPF_F_NUMA_NODE", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, BPF_F_NUMA_NODE);
	create("BPF_F_RDONLY_PROG", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, BPF_F_RDONLY_PROG);
	create("BPF_F_RDONLY", BPF_MAP_TYPE_CPUMAP, 4, 4, 2, BPF_F_RDONLY);
	int fd = create(NULL, BPF_MAP_TYPE_CPUMAP, 4, 4, 8, 0);
	update(fd, "cpu 0 qsize 192", 0, &q, BPF_ANY);
	update(fd, "cpu 1 qsize 20000", 1, &big, BPF_ANY);
	update(fd, "cpu 5 (not possible) qsize 192", 5, &q, BPF_ANY);
	update(fd, "cpu 9 qsize 192", 9, &q, BPF_ANY);
	update(fd, "cpu 0 NOEXIST", 0, &q, BPF_NOEXIST);
	update(fd, "cpu 1 qsize 0", 1, &zero, BPF_ANY);
	lookup(fd, "cpu 0", 0);
	lookup(fd, "cpu 1", 1);
	lookup(fd, "cpu 9", 9);
	next_key(fd, "NULL", NULL);
	next_key(fd, "after 0", &key);
	del(fd, "cpu 0", 0);
	del(fd, "cpu 0 again", 0);
	del(fd, "cpu 9", 9);
	close(fd);
}

static void test_xskmap(void)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0), file = open("/dev/null", O_RDONLY), bad = 999;

	out("---- xskmap");
	create("key 4 value 4", BPF_MAP_TYPE_XSKMAP, 4, 4, 2, 0);
	create("value 8", BPF_MAP_TYPE_XSKMAP, 4, 8, 2, 0);
	create("BPF_F_RDONLY_PROG", BPF_MAP_TYPE_XSKMAP, 4, 4, 2, BPF_F_RDONLY_PROG);
	int fd = create(NULL, BPF_MAP_TYPE_XSKMAP, 4, 4, 2, 0);
	update(fd, "a UDP socket", 0, &udp, BPF_ANY);
	update(fd, "a file", 0, &file, BPF_ANY);
	update(fd, "a closed descriptor", 0, &bad, BPF_ANY);
	update(fd, "key 5", 5, &udp, BPF_ANY);
	update(fd, "flags 4", 0, &udp, 4);
	lookup(fd, "key 0", 0);
	next_key(fd, "NULL", NULL);
	del(fd, "key 0", 0);
	del(fd, "key 5", 5);
	close(fd);
	close(udp);
	close(file);
}

/* ---- the helpers in test runs ---- */

struct cfg {
	unsigned key, ifindex;
	unsigned long long flags;
	unsigned plen;
};

static void run(struct bpf_object *obj, const char *prog, struct cfg c)
{
	unsigned k = 0, ret = 0;

	bpf_map_update_elem(map_fd(obj, "cfg"), &k, &c, BPF_ANY);
	int err = run_prog(prog_fd(obj, prog), NULL, 0, &ret);
	out("%-18s key %u ifindex %u flags %#llx plen %u: run %d ret %d", prog, c.key, c.ifindex,
	    c.flags, c.plen, err, (int)ret);
}

static void test_helpers(void)
{
	struct bpf_object *obj = load_obj("maps_redirect");
	unsigned one = 1, q = 64, k;

	out("---- helpers");
	k = 1;
	bpf_map_update_elem(map_fd(obj, "devmap"), &k, &one, BPF_ANY);
	k = 50;
	bpf_map_update_elem(map_fd(obj, "devhash"), &k, &one, BPF_ANY);
	k = 0;
	bpf_map_update_elem(map_fd(obj, "cpumap"), &k, &q, BPF_ANY);
	static const unsigned long long flags[] = { 0,
						    XDP_PASS,
						    XDP_DROP,
						    XDP_TX,
						    0x40,
						    BPF_F_BROADCAST,
						    BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS };
	static const char *const progs[] = { "to_devmap", "to_devhash", "to_cpumap", "to_xskmap" };
	static const unsigned keys[] = { 0, 1, 50, 7 };
	for (unsigned p = 0; p < 4; p++)
		for (unsigned i = 0; i < 4; i++)
			for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
				run(obj, progs[p],
				    (struct cfg){ .key = keys[i], .flags = flags[f] });
	run(obj, "devmap_lookup", (struct cfg){ .key = 1 });
	run(obj, "devmap_lookup", (struct cfg){ .key = 0 });
	for (unsigned f = 0; f < 4; f++) {
		run(obj, "xdp_redirect", (struct cfg){ .ifindex = 1, .flags = f });
		run(obj, "tc_redirect", (struct cfg){ .ifindex = 1, .flags = f });
		run(obj, "tc_redirect_peer", (struct cfg){ .ifindex = 1, .flags = f });
		run(obj, "tc_redirect_neigh", (struct cfg){ .ifindex = 1, .flags = f });
	}
	run(obj, "tc_redirect", (struct cfg){ .ifindex = 999999 });
	run(obj, "xdp_redirect", (struct cfg){ .ifindex = 999999 });
	run(obj, "tc_redirect_neigh", (struct cfg){ .ifindex = 1, .plen = 4 });
	run(obj, "tc_redirect_neigh", (struct cfg){ .ifindex = 1, .plen = 20 });
	bpf_object__close(obj);
}

int main(void)
{
	test_devmap(BPF_MAP_TYPE_DEVMAP);
	test_devmap(BPF_MAP_TYPE_DEVMAP_HASH);
	test_cpumap();
	test_xskmap();
	test_helpers();
	return finish();
}
