/* Bad pointers in bpf() input give -1/EFAULT, as the kernel's copy_from_user/copy_to_user
 * would, and never crash: the attribute union itself, map keys and values, batch buffers,
 * program instructions, license, log and fd_array, test-run buffers, pin paths, info
 * buffers and BTF blobs.  Pointers: NULL, 1, a kernel address, a PROT_NONE page, and a
 * read-only page where bpf() writes.  Good pointers keep working, also after bad ones. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"
#include "lib/uaccess.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static char *guard, *ro_page, *rw_page;
static const struct bpf_insn ret0[] = { MOV_IMM(0, 0), EXIT };

/* Pointers that can never be read. */
static void *bad_reads[4];

static int efault(long r)
{
	return r == -1 && errno == EFAULT;
}

static long sys(int cmd, union bpf_attr *a)
{
	return bpfrun_bpf(cmd, a, sizeof(*a));
}

static void setup_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	mprotect(p + page, page, PROT_NONE); /* not munmap: a later mmap could reuse it */
	rw_page = p;
	guard = p + page;
	ro_page = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad_reads[0] = NULL;
	bad_reads[1] = (void *)1;
	bad_reads[2] = (void *)0xffff888000000000ull;
	bad_reads[3] = guard;
}

static int map_create(int type, unsigned key, unsigned value, unsigned max)
{
	union bpf_attr a = {
		.map_type = type, .key_size = key, .value_size = value, .max_entries = max
	};

	return (int)sys(BPF_MAP_CREATE, &a);
}

static long elem(int cmd, int fd, const void *key, void *value)
{
	union bpf_attr a = { .map_fd = fd,
			     .key = (unsigned long)key,
			     .value = (unsigned long)value };

	return sys(cmd, &a);
}

static long next_key(int fd, const void *key, void *next)
{
	union bpf_attr a = { .map_fd = fd,
			     .key = (unsigned long)key,
			     .next_key = (unsigned long)next };

	return sys(BPF_MAP_GET_NEXT_KEY, &a);
}

static void test_attr(void)
{
	union bpf_attr a = {
		.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1
	};

	for (int i = 0; i < 4; i++)
		CHECK(efault(bpfrun_bpf(BPF_MAP_CREATE, bad_reads[i], sizeof(a))), "attr %d", i);
	/* a larger union whose tail lies in the guard page */
	CHECK(efault(bpfrun_bpf(BPF_MAP_CREATE, (union bpf_attr *)(guard - 64), 128)), "attr tail");
	/* outputs written back into a read-only union: the next id */
	int fd = (int)sys(BPF_MAP_CREATE, &a);
	CHECK(fd >= 0, "map create");
	CHECK(efault(bpfrun_bpf(BPF_MAP_GET_NEXT_ID, (union bpf_attr *)ro_page,
				8)), /* start_id 0 */
	      "write-back into a read-only union: errno %d", errno);
	CHECK(bpfrun_bpf(BPF_MAP_GET_NEXT_ID, (union bpf_attr *)rw_page, 8) == 0, "same, writable");
	bpfrun_close(fd);
}

static void test_elements(int type)
{
	int fd = map_create(type, 4, 8, 4);
	unsigned key = 1, k2 = 0;
	unsigned long long value = 42, out = 0;

	CHECK(fd >= 0, "map %d", type);
	CHECK(elem(BPF_MAP_UPDATE_ELEM, fd, &key, &value) == 0, "good update");
	for (int i = 0; i < 4; i++) {
		void *bad = bad_reads[i];
		CHECK(efault(elem(BPF_MAP_LOOKUP_ELEM, fd, bad, &out)), "lookup key %d", i);
		CHECK(efault(elem(BPF_MAP_LOOKUP_ELEM, fd, &key, bad)), "lookup value %d", i);
		CHECK(efault(elem(BPF_MAP_UPDATE_ELEM, fd, bad, &value)), "update key %d", i);
		CHECK(efault(elem(BPF_MAP_UPDATE_ELEM, fd, &key, bad)), "update value %d", i);
		CHECK(efault(elem(BPF_MAP_DELETE_ELEM, fd, bad, NULL)), "delete key %d", i);
		CHECK(i == 0 || efault(next_key(fd, bad, &k2)), "next key's key %d",
		      i); /* NULL: first */
		CHECK(efault(next_key(fd, NULL, bad)), "next key out %d", i);
	}
	/* a page read before (as a key) is still no place to write (a value) */
	CHECK(elem(BPF_MAP_LOOKUP_ELEM, fd, ro_page, &out) == 0 || errno == ENOENT,
	      "read-only key");
	CHECK(efault(elem(BPF_MAP_LOOKUP_ELEM, fd, &key, ro_page)), "read-only value");
	CHECK(efault(next_key(fd, NULL, ro_page)), "read-only next key");
	CHECK(elem(BPF_MAP_LOOKUP_ELEM, fd, &key, &out) == 0 && out == 42,
	      "good lookup after bad ones");
	if (type == BPF_MAP_TYPE_HASH) {
		CHECK(efault(elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, &key, ro_page)),
		      "lookup-and-delete value");
		CHECK(elem(BPF_MAP_LOOKUP_ELEM, fd, &key, &out) == -1 && errno == ENOENT,
		      "deleted even so, as the kernel");
	}
	bpfrun_close(fd);
}

static long batch(int cmd, int fd, void *in, void *out, void *keys, void *values, unsigned *count)
{
	union bpf_attr a = { .batch = { .map_fd = fd,
					.in_batch = (unsigned long)in,
					.out_batch = (unsigned long)out,
					.keys = (unsigned long)keys,
					.values = (unsigned long)values,
					.count = *count } };
	long r = sys(cmd, &a);

	*count = a.batch.count;
	return r;
}

static void test_batches(int type)
{
	int fd = map_create(type, 4, 8, 8);
	unsigned keys[8], token = 0, count;
	unsigned long long values[8];

	for (unsigned k = 0; k < 8; k++) {
		keys[k] = k;
		values[k] = 100 + k;
	}
	count = 8;
	CHECK(batch(BPF_MAP_UPDATE_BATCH, fd, NULL, NULL, keys, values, &count) == 0 && count == 8,
	      "good update batch");
	for (int i = 0; i < 4; i++) {
		void *bad = bad_reads[i];
		count = 8;
		CHECK(efault(batch(BPF_MAP_LOOKUP_BATCH, fd, NULL, &token, bad, values, &count)) &&
			      !count,
		      "lookup batch keys %d (count %u)", i, count);
		count = 8;
		CHECK(efault(batch(BPF_MAP_LOOKUP_BATCH, fd, NULL, &token, keys, bad, &count)) &&
			      !count,
		      "lookup batch values %d", i);
		count = 8;
		CHECK(i == 0 || efault(batch(BPF_MAP_LOOKUP_BATCH, fd, bad, &token, keys, values,
					     &count)),
		      "lookup batch in_batch %d", i);
		count = 8;
		CHECK(efault(batch(BPF_MAP_LOOKUP_BATCH, fd, NULL, bad, keys, values, &count)),
		      "lookup batch out_batch %d", i);
		count = 8;
		CHECK(efault(batch(BPF_MAP_UPDATE_BATCH, fd, NULL, NULL, bad, values, &count)) &&
			      !count,
		      "update batch keys %d", i);
		count = 8;
		CHECK(efault(batch(BPF_MAP_UPDATE_BATCH, fd, NULL, NULL, keys, bad, &count)) &&
			      !count,
		      "update batch values %d", i);
		count = 8;
		CHECK(type == BPF_MAP_TYPE_ARRAY || (efault(batch(BPF_MAP_DELETE_BATCH, fd, NULL,
								  NULL, bad, NULL, &count)) &&
						     !count),
		      "delete batch keys %d", i);
	}
	/* keys straddling into the guard page: the elements before it are done */
	count = 8;
	unsigned *edge = (unsigned *)(guard - 3 * sizeof(unsigned));
	memcpy(edge, keys, 3 * sizeof(unsigned));
	CHECK(efault(batch(BPF_MAP_UPDATE_BATCH, fd, NULL, NULL, edge, values, &count)) &&
		      count == 3,
	      "update batch stops at the fault: count %u", count);
	count = 8;
	memset(values, 0, sizeof(values));
	long r = batch(BPF_MAP_LOOKUP_BATCH, fd, NULL, &token, keys, values, &count);
	unsigned long long sum = 0;
	for (int i = 0; i < 8; i++)
		sum += values[i];
	CHECK((r == 0 || errno == ENOENT) && count == 8 && sum == 8 * 100 + 28,
	      "good lookup batch after bad ones");
	bpfrun_close(fd);
}

static long prog_load(const void *insns, unsigned cnt, const void *license, void *log,
		      unsigned log_size)
{
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
			     .insns = (unsigned long)insns,
			     .insn_cnt = cnt,
			     .license = (unsigned long)license,
			     .log_buf = (unsigned long)log,
			     .log_size = log_size,
			     .log_level = log ? 1 : 0 };

	return sys(BPF_PROG_LOAD, &a);
}

static void test_prog_load(void)
{
	char log[256];

	for (int i = 0; i < 4; i++) {
		CHECK(efault(prog_load(bad_reads[i], 2, "GPL", NULL, 0)), "insns %d", i);
		CHECK(efault(prog_load(ret0, 2, bad_reads[i], NULL, 0)), "license %d", i);
	}
	CHECK(efault(prog_load(ret0, 2, "GPL", ro_page, 64)), "read-only log");
	CHECK(efault(prog_load(ret0, 2, "GPL", (void *)1, 64)), "bad log");
	/* a license running into the guard page, and one ending right before it */
	memset(guard - 8, 'A', 8);
	CHECK(efault(prog_load(ret0, 2, guard - 8, NULL, 0)), "unterminated license");
	memcpy(guard - 4, "GPL", 4);
	int fd = (int)prog_load(ret0, 2, guard - 4, log, sizeof(log));
	CHECK(fd >= 0, "license at the page end: errno %d", errno);
	/* fd_array */
	const struct bpf_insn idx[] = { I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 0),
					I(0, 0, 0, 0, 0), MOV_IMM(0, 0), EXIT };
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
			     .insns = (unsigned long)idx,
			     .insn_cnt = 4,
			     .license = (unsigned long)"GPL",
			     .fd_array = 1 };
	CHECK(efault(sys(BPF_PROG_LOAD, &a)), "fd_array: errno %d", errno);
	bpfrun_close(fd);
}

static long test_run(int fd, void *in, unsigned in_size, void *out, unsigned out_size, void *ctx_in,
		     unsigned ctx_in_size, void *ctx_out, unsigned ctx_out_size)
{
	union bpf_attr a = { .test = { .prog_fd = fd,
				       .data_in = (unsigned long)in,
				       .data_size_in = in_size,
				       .data_out = (unsigned long)out,
				       .data_size_out = out_size,
				       .ctx_in = (unsigned long)ctx_in,
				       .ctx_size_in = ctx_in_size,
				       .ctx_out = (unsigned long)ctx_out,
				       .ctx_size_out = ctx_out_size } };

	return sys(BPF_PROG_TEST_RUN, &a);
}

static void test_test_run(void)
{
	int fd = (int)prog_load(ret0, 2, "GPL", NULL, 0);
	static unsigned char pkt[64], out[64];
	struct __sk_buff skb = { 0 }, skb_out;

	for (int i = 1; i < 4; i++) {
		CHECK(efault(test_run(fd, bad_reads[i], 64, NULL, 0, NULL, 0, NULL, 0)),
		      "data_in %d", i);
		CHECK(efault(test_run(fd, pkt, 64, bad_reads[i], 64, NULL, 0, NULL, 0)),
		      "data_out %d", i);
		CHECK(efault(test_run(fd, pkt, 64, NULL, 0, bad_reads[i], sizeof(skb), NULL, 0)),
		      "ctx_in %d", i);
		CHECK(efault(test_run(fd, pkt, 64, NULL, 0, NULL, 0, bad_reads[i], sizeof(skb))),
		      "ctx_out %d", i);
	}
	CHECK(efault(test_run(fd, pkt, 64, ro_page, 64, NULL, 0, NULL, 0)), "read-only data_out");
	CHECK(test_run(fd, pkt, 64, out, sizeof(out), &skb, sizeof(skb), &skb_out,
		       sizeof(skb_out)) == 0,
	      "good test run after bad ones: errno %d", errno);
	bpfrun_close(fd);
}

static void test_pin_and_info(void)
{
	int fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	int prog = (int)prog_load(ret0, 2, "GPL", NULL, 0);
	struct bpf_map_info info;
	struct bpf_prog_info pinfo;

	for (int i = 0; i < 4; i++) {
		union bpf_attr a = { .pathname = (unsigned long)bad_reads[i], .bpf_fd = fd };
		CHECK(efault(sys(BPF_OBJ_PIN, &a)), "pin path %d", i);
		union bpf_attr g = { .pathname = (unsigned long)bad_reads[i] };
		CHECK(efault(sys(BPF_OBJ_GET, &g)), "get path %d", i);
		union bpf_attr in = { .info = { .bpf_fd = fd,
						.info_len = sizeof(info),
						.info = (unsigned long)bad_reads[i] } };
		CHECK(efault(sys(BPF_OBJ_GET_INFO_BY_FD, &in)), "info %d", i);
		memset(&pinfo, 0, sizeof(pinfo));
		pinfo.xlated_prog_len = 16;
		pinfo.xlated_prog_insns = (unsigned long)bad_reads[i];
		union bpf_attr pi = { .info = { .bpf_fd = prog,
						.info_len = sizeof(pinfo),
						.info = (unsigned long)&pinfo } };
		CHECK(efault(sys(BPF_OBJ_GET_INFO_BY_FD, &pi)), "xlated insns %d", i);
	}
	union bpf_attr ro = {
		.info = { .bpf_fd = fd, .info_len = sizeof(info), .info = (unsigned long)ro_page }
	};
	CHECK(efault(sys(BPF_OBJ_GET_INFO_BY_FD, &ro)), "read-only info");
	/* a larger info whose tail lies in the guard page */
	union bpf_attr tail = { .info = { .bpf_fd = fd,
					  .info_len = 256,
					  .info = (unsigned long)(guard - sizeof(info)) } };
	CHECK(efault(sys(BPF_OBJ_GET_INFO_BY_FD, &tail)), "info tail");
	union bpf_attr good = {
		.info = { .bpf_fd = fd, .info_len = sizeof(info), .info = (unsigned long)&info }
	};
	CHECK(sys(BPF_OBJ_GET_INFO_BY_FD, &good) == 0 && info.value_size == 8, "good info");
	bpfrun_close(fd);
	bpfrun_close(prog);
}

static void test_btf(void)
{
	for (int i = 0; i < 4; i++) {
		union bpf_attr a = { .btf = (unsigned long)bad_reads[i], .btf_size = 64 };
		CHECK(efault(sys(BPF_BTF_LOAD, &a)), "btf blob %d", i);
	}
}

/* The copy functions themselves at page edges. */
static void test_copies(void)
{
	char buf[16];
	char *end = guard - 4;

	memcpy(end, "abc", 4);
	CHECK(strncpy_from_user(buf, end, sizeof(buf)) == 3 && !strcmp(buf, "abc"),
	      "string at the page end");
	memcpy(end, "abcd", 4);
	CHECK(strncpy_from_user(buf, end, 4) == 4, "count reached before the fault");
	CHECK(strncpy_from_user(buf, end, sizeof(buf)) == -EFAULT,
	      "string running into the guard page");
	CHECK(copy_from_user(buf, end, 4) == 0 && copy_from_user(buf, end, 5) == -EFAULT,
	      "read up to the edge");
	CHECK(copy_to_user(end, "wxyz", 4) == 0 && copy_to_user(end, buf, 5) == -EFAULT,
	      "write up to the edge");
	CHECK(copy_from_user(buf, NULL, 0) == 0 && copy_to_user(NULL, buf, 0) == 0, "zero bytes");
	/* Regression (issue 8): the page walk computed NULL + 0 (undefined: clang UBSan). */
	CHECK(strncpy_from_user(buf, NULL, sizeof(buf)) == -EFAULT, "NULL string");
	CHECK(copy_from_user(buf, (void *)~0ul, 2) == -EFAULT, "wrapping range");
	CHECK(copy_to_user(ro_page, buf, 1) == -EFAULT, "read-only page");
	CHECK(check_uarg_tail_zero(rw_page, 8, 16) == 0 &&
		      check_uarg_tail_zero(end, 0, 8) == -EFAULT,
	      "tail checks");
}

int main(void)
{
	setup_pages();
	test_copies();
	test_attr();
	test_elements(BPF_MAP_TYPE_ARRAY);
	test_elements(BPF_MAP_TYPE_HASH);
	test_batches(BPF_MAP_TYPE_ARRAY);
	test_batches(BPF_MAP_TYPE_HASH);
	test_prog_load();
	test_test_run();
	test_pin_and_info();
	test_btf();
	return finish();
}
