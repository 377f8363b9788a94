/* Tail calls racing prog array updates: runner threads tail-call through slot 0 of a prog
 * array while another thread keeps replacing the program in that slot (each one's only
 * reference being the slot's, so a replaced program is freed at once unless a run still
 * holds it) and deleting it.  Every run must end in a target (retval 100 + its number, a
 * number the writer already stored) or fall through (retval 1); ASan/TSan builds catch a
 * run touching a freed program. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpfrun.h"
#include "difftest.h"
#include "unit_load.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define MOV_REG(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, imm) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, imm)
#define JNE_IMM(d, imm, off) I(BPF_JMP | BPF_JNE | BPF_K, d, 0, off, imm)
#define LD_MAP_FD(d, fd) I(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, fd), I(0, 0, 0, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { RUNNERS = 3, SWAPS = 1500, REPEAT = 20 };

static int prog_array;
static int stop;        /* atomic */
static unsigned stored; /* atomic: highest target number the writer has stored */
static int bad_runs;    /* atomic */

/* A target that loops a little (so runs overlap the writer) and returns 100 + n. */
static int load_target(int n)
{
	const struct bpf_insn insns[] = {
		MOV_IMM(1, 0), ADD_IMM(1, 1), JNE_IMM(1, 50, -2), MOV_IMM(0, 100 + n), EXIT,
	};
	return load_insns(BPF_PROG_TYPE_SOCKET_FILTER, insns, sizeof(insns) / sizeof(insns[0]));
}

static int slot_update(int key, int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = prog_array;
	a.key = (unsigned long)&key;
	a.value = (unsigned long)&fd;
	return (int)bpfrun_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static int slot_delete(int key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = prog_array;
	a.key = (unsigned long)&key;
	return (int)bpfrun_bpf(BPF_MAP_DELETE_ELEM, &a, sizeof(a));
}

/* The slot's program id from user space (also a reader of the slot), or 0. */
static unsigned slot_id(int key)
{
	union bpf_attr a;
	unsigned id = 0;

	memset(&a, 0, sizeof(a));
	a.map_fd = prog_array;
	a.key = (unsigned long)&key;
	a.value = (unsigned long)&id;
	return bpfrun_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) ? 0 : id;
}

/* One test run of the entry program, repeated: 0 or -errno, and the last run's retval. */
static long run_entry(int fd, unsigned *retval)
{
	static unsigned char pkt[64];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = fd;
	a.test.data_in = (unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = REPEAT;
	long r = bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r ? -errno : 0;
}

static void *runner(void *arg)
{
	int fd = (int)(long)arg;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unsigned before = __atomic_load_n(&stored, __ATOMIC_ACQUIRE), ret;
		long r = run_entry(fd, &ret);
		unsigned after = __atomic_load_n(&stored, __ATOMIC_ACQUIRE);
		/* The last of the repeated runs fell through or entered a target stored in the
		 * slot no earlier than `before` (stored is published just after the update). */
		bool ok = !r && (ret == 1 || (ret >= 100 + before && ret <= 100 + after + 1));
		if (!ok && __atomic_fetch_add(&bad_runs, 1, __ATOMIC_RELAXED) < 5)
			printf("bad run: %ld, retval %u (stored %u..%u)\n", r, ret, before, after);
		slot_id(0);
	}
	return NULL;
}

int main(void)
{
	union bpf_attr a;
	pthread_t t[RUNNERS];

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PROG_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	prog_array = (int)bpfrun_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	CHECK(prog_array >= 0, "prog array: errno %d", errno);
	/* entry: r6 = ctx; bpf_tail_call(ctx, prog_array, 0); return 1 */
	const struct bpf_insn entry_insns[] = {
		MOV_REG(6, 1), LD_MAP_FD(2, prog_array), MOV_IMM(3, 0),
		MOV_REG(1, 6), CALL(BPF_FUNC_tail_call), MOV_IMM(0, 1),
		EXIT,
	};
	int entry = load_insns(BPF_PROG_TYPE_SOCKET_FILTER, entry_insns,
			       sizeof(entry_insns) / sizeof(entry_insns[0]));
	CHECK(entry >= 0, "entry program: errno %d", errno);

	for (long i = 0; i < RUNNERS; i++)
		pthread_create(&t[i], NULL, runner, (void *)(long)entry);
	int failures = 0;
	for (int n = 1; n <= SWAPS; n++) {
		int fd = load_target(n);
		if (fd < 0 || slot_update(0, fd)) {
			failures++;
			break;
		}
		__atomic_store_n(&stored, (unsigned)n, __ATOMIC_RELEASE);
		bpfrun_close(fd); /* the slot holds the only reference now */
		if (n % 7 == 0 && slot_delete(0))
			failures++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < RUNNERS; i++)
		pthread_join(t[i], NULL);
	CHECK(!failures, "writer failures: %d (errno %d)", failures, errno);
	CHECK(__atomic_load_n(&bad_runs, __ATOMIC_RELAXED) == 0, "bad runs: %d", bad_runs);
	unsigned ret;
	CHECK(run_entry(entry, &ret) == 0 && ret == 100 + SWAPS, "the last target runs: %u", ret);
	CHECK(slot_id(0) != 0, "slot 0 holds the last target");
	CHECK(slot_delete(0) == 0, "delete the last target");
	CHECK(slot_delete(0) == -1 && errno == ENOENT, "slot empty: errno %d", errno);
	bpfrun_close(entry);
	bpfrun_close(prog_array);
	return finish();
}
