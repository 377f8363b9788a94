/* Bad pointers in bpf() attributes: the kernel answers EFAULT (and does what it did before
 * the failed copy); bpfrun must answer the same and never crash.  Map keys and values,
 * batch buffers and tokens, program instructions, license and log, test-run data, pin
 * paths and info buffers; pointers 1, a kernel address, a PROT_NONE page and, where bpf()
 * writes, a read-only page. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "difftest.h"

#define R(call) ((call) < 0 ? -errno : 0)

static void *bad[3];
static const char *const bad_name[] = { "1", "kernel", "prot_none" };
static void *ro;

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static void setup(void)
{
	long page = sysconf(_SC_PAGESIZE);

	bad[0] = (void *)1;
	bad[1] = (void *)0xffff888000000000ull;
	bad[2] = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void test_elements(enum bpf_map_type type, const char *name)
{
	int fd = bpf_map_create(type, NULL, 4, 8, 4, NULL);
	__u32 key = 1, next;
	__u64 value = 7, got;

	out("%s update: %d", name, R(bpf_map_update_elem(fd, &key, &value, BPF_ANY)));
	for (int i = 0; i < 3; i++) {
		const char *b = bad_name[i];
		out("%s lookup key %s: %d", name, b, R(bpf_map_lookup_elem(fd, bad[i], &got)));
		out("%s lookup value %s: %d", name, b, R(bpf_map_lookup_elem(fd, &key, bad[i])));
		out("%s update key %s: %d", name, b,
		    R(bpf_map_update_elem(fd, bad[i], &value, BPF_ANY)));
		out("%s update value %s: %d", name, b,
		    R(bpf_map_update_elem(fd, &key, bad[i], BPF_ANY)));
		out("%s delete key %s: %d", name, b, R(bpf_map_delete_elem(fd, bad[i])));
		out("%s next key %s: %d", name, b, R(bpf_map_get_next_key(fd, bad[i], &next)));
		out("%s next key out %s: %d", name, b, R(bpf_map_get_next_key(fd, NULL, bad[i])));
	}
	out("%s lookup value ro: %d", name, R(bpf_map_lookup_elem(fd, &key, ro)));
	__u32 missing = 3;
	out("%s lookup missing, value ro: %d", name, R(bpf_map_lookup_elem(fd, &missing, ro)));
	if (type == BPF_MAP_TYPE_HASH) {
		out("%s lookup_and_delete value ro: %d", name,
		    R(bpf_map_lookup_and_delete_elem(fd, &key, ro)));
		out("%s then lookup: %d", name, R(bpf_map_lookup_elem(fd, &key, &got)));
	}
	close(fd);
}

static void test_batches(enum bpf_map_type type, const char *name)
{
	int fd = bpf_map_create(type, NULL, 4, 8, 4, NULL);
	__u32 keys[4] = { 0, 1, 2, 3 }, token, count;
	__u64 values[4] = { 10, 11, 12, 13 };

	count = 4;
	out("%s update batch: %d count %u", name,
	    R(bpf_map_update_batch(fd, keys, values, &count, NULL)), count);
	for (int i = 0; i < 3; i++) {
		const char *b = bad_name[i];
		count = 4;
		int err = R(bpf_map_lookup_batch(fd, NULL, &token, bad[i], values, &count, NULL));
		out("%s lookup batch keys %s: %d count %u", name, b, err, count);
		count = 4;
		err = R(bpf_map_lookup_batch(fd, NULL, &token, keys, bad[i], &count, NULL));
		out("%s lookup batch values %s: %d count %u", name, b, err, count);
		count = 4;
		err = R(bpf_map_lookup_batch(fd, bad[i], &token, keys, values, &count, NULL));
		out("%s lookup batch in_batch %s: %d", name, b, err);
		count = 4;
		err = R(bpf_map_lookup_batch(fd, NULL, bad[i], keys, values, &count, NULL));
		out("%s lookup batch out_batch %s: %d", name, b, err);
		count = 4;
		err = R(bpf_map_update_batch(fd, bad[i], values, &count, NULL));
		out("%s update batch keys %s: %d count %u", name, b, err, count);
		count = 4;
		err = R(bpf_map_update_batch(fd, keys, bad[i], &count, NULL));
		out("%s update batch values %s: %d count %u", name, b, err, count);
	}
	close(fd);
}

static int prog_load(const void *insns, const void *license, void *log, __u32 log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (unsigned long)insns;
	a.insn_cnt = 2;
	a.license = (unsigned long)license;
	a.log_buf = (unsigned long)log;
	a.log_size = log_size;
	a.log_level = log ? 1 : 0;
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void test_prog(void)
{
	char log[4096];
	__u8 pkt[64] = { 0 }, pkt_out[64];

	for (int i = 0; i < 3; i++) {
		const char *b = bad_name[i];
		out("load insns %s: %d", b, R(prog_load(bad[i], "GPL", NULL, 0)));
		out("load license %s: %d", b, R(prog_load(ret0, bad[i], NULL, 0)));
		out("load log %s: %d", b, R(prog_load(ret0, "GPL", bad[i], 64)));
	}
	out("load log ro: %d", R(prog_load(ret0, "GPL", ro, 64)));
	int fd = prog_load(ret0, "GPL", log, sizeof(log));
	out("load: %d", fd < 0 ? -errno : 0);
	for (int i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, in, .data_in = bad[i], .data_size_in = sizeof(pkt));
		out("test_run data_in %s: %d", bad_name[i], R(bpf_prog_test_run_opts(fd, &in)));
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .data_out = bad[i], .data_size_out = sizeof(pkt_out));
		out("test_run data_out %s: %d", bad_name[i], R(bpf_prog_test_run_opts(fd, &o)));
	}
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = ro, .data_size_out = sizeof(pkt_out));
	out("test_run data_out ro: %d", R(bpf_prog_test_run_opts(fd, &o)));
	LIBBPF_OPTS(bpf_test_run_opts, good, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = pkt_out, .data_size_out = sizeof(pkt_out));
	int err = R(bpf_prog_test_run_opts(fd, &good));
	out("test_run good: %d size %u", err, good.data_size_out);
	close(fd);
}

static void test_pin_and_info(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
	struct bpf_map_info info;
	__u32 len;

	for (int i = 0; i < 3; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.pathname = (unsigned long)bad[i];
		a.bpf_fd = fd;
		out("obj_pin path %s: %d", bad_name[i], R(sys_bpf(BPF_OBJ_PIN, &a)));
		a.bpf_fd = 0;
		out("obj_get path %s: %d", bad_name[i], R(sys_bpf(BPF_OBJ_GET, &a)));
		len = sizeof(info);
		out("get_info %s: %d", bad_name[i], R(bpf_obj_get_info_by_fd(fd, bad[i], &len)));
	}
	len = sizeof(info);
	out("get_info ro: %d", R(bpf_obj_get_info_by_fd(fd, ro, &len)));
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	int err = R(bpf_obj_get_info_by_fd(fd, &info, &len));
	out("get_info good: %d value_size %u", err, info.value_size);
	close(fd);
}

int main(void)
{
	setup();
	test_elements(BPF_MAP_TYPE_ARRAY, "array");
	test_elements(BPF_MAP_TYPE_HASH, "hash");
	test_batches(BPF_MAP_TYPE_ARRAY, "array");
	test_batches(BPF_MAP_TYPE_HASH, "hash");
	test_prog();
	test_pin_and_info();
	return 0;
}
