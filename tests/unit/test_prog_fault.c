/* Run-time faults of programs the kernel's verifier would refuse (bpfrun's verifier is
 * off here): an out-of-bounds packet read, a stack read past the frame, a context field
 * the type does not offer.  Each run ends with -1/EFAULT and the host carries on.  Also:
 * test runs of one program on several threads at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "difftest.h"
#include "unit_load.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int test_run(int fd, unsigned repeat, unsigned *retval)
{
	static unsigned char pkt[64] = { [12] = 0x08 };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = fd;
	a.test.data_in = (unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = repeat;
	long r = bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r < 0 ? -errno : 0;
}

/* Loads a program of the ELF object (no maps) through bpfrun, as `type`. */
static int load_from_object(const char *obj_name, const char *prog, int type)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path(obj_name), NULL);
	if (!obj)
		return -ENOENT;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int fd = p ? load_insns(type, bpf_program__insns(p), bpf_program__insn_cnt(p)) : -1;
	bpf_object__close(obj);
	return fd;
}

static void test_faults(void)
{
	unsigned ret;
	int fd = load_from_object("prog_oob", "oob_read", BPF_PROG_TYPE_SCHED_CLS);
	CHECK(fd >= 0, "load oob_read: %d", fd);
	CHECK(test_run(fd, 1, &ret) == -EFAULT, "packet read past the end faults");
	CHECK(test_run(fd, 100, &ret) == -EFAULT, "repeated: the first run faults");
	bpfrun_close(fd);

	fd = load_from_object("prog_oob", "oob_stack", BPF_PROG_TYPE_SCHED_CLS);
	CHECK(fd >= 0, "load oob_stack: %d", fd);
	CHECK(test_run(fd, 1, &ret) == -EFAULT, "stack read past the frame faults");
	bpfrun_close(fd);

	fd = load_from_object("prog_oob", "pkt_write", BPF_PROG_TYPE_SCHED_CLS);
	CHECK(fd >= 0 && test_run(fd, 1, &ret) == 0 && ret == 1, "tc programs write the packet");
	bpfrun_close(fd);
	fd = load_from_object("prog_oob", "pkt_write", BPF_PROG_TYPE_CGROUP_SKB);
	CHECK(fd >= 0 && test_run(fd, 1, &ret) == -EFAULT, "cgroup_skb packet write faults");
	bpfrun_close(fd);

	/* r0 = *(u32 *)(r1 + 144): __sk_buff.flow_keys is not offered to tc programs. */
	struct bpf_insn ctx_bad[] = { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 144, 0), EXIT };
	fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, ctx_bad, 2);
	CHECK(fd >= 0 && test_run(fd, 1, &ret) == -EFAULT, "invalid context field faults");
	bpfrun_close(fd);

	/* A write to a read-only field (len) of a socket filter. */
	struct bpf_insn ctx_ro[] = { I(BPF_ST | BPF_MEM | BPF_W, 1, 0, 0, 5),
				     I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0), EXIT };
	fd = load_insns(BPF_PROG_TYPE_SOCKET_FILTER, ctx_ro, 3);
	CHECK(fd >= 0 && test_run(fd, 1, &ret) == -EFAULT, "write to __sk_buff.len faults");
	bpfrun_close(fd);
}

/* r0 = skb->len + skb->mark */
static const struct bpf_insn len_prog[] = {
	I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 8, 0),
	I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
	EXIT,
};

static void *runner(void *arg)
{
	int fd = *(int *)arg;
	unsigned ret = 0;
	long bad = 0;

	for (int i = 0; i < 2000; i++)
		if (test_run(fd, 3, &ret) || ret != 64)
			bad++;
	return (void *)bad;
}

static void test_parallel_runs(void)
{
	int fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, len_prog, 4);
	pthread_t t[4];
	long bad = 0;

	CHECK(fd >= 0, "load len_prog");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, runner, &fd);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	CHECK(bad == 0, "parallel runs: %ld wrong results", bad);
	struct bpf_prog_info info;
	union bpf_attr a;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (unsigned long)&info;
	CHECK(bpfrun_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0 &&
		      info.run_cnt == 4 * 2000 * 3,
	      "run_cnt %llu", (unsigned long long)info.run_cnt);
	bpfrun_close(fd);
}

int main(void)
{
	/* These programs are refused by the kernel's verifier (and by bpfrun's): the test
	 * is about the run-time checks behind it. */
	bpfrun_set_verifier(0);
	test_faults();
	test_parallel_runs();
	return finish();
}
