/* bpf_trace_printk / bpf_snprintf reading a format and a %s string that live in a map
 * value while another thread rewrites that value: every read of program memory must be
 * one the rest of bpfrun makes race-free (relaxed atomics, as the interpreter's loads and
 * map_value_memcpy), so ThreadSanitizer (the tsan build) reports nothing.  Elsewhere
 * this checks that the calls keep running and print little. */
#include <pthread.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"
#include "unit_load.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define MOV_REG(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD(d, imm) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, imm)
#define LD_MAP_FD(d, fd) I(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, fd), I(0, 0, 0, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define VALUE_SIZE 64
#define ROUNDS 3000

static int value_map;
static int stop; /* atomic */

static void drop_line(const char *line, size_t len, void *arg)
{
	(void)line, (void)len, (void)arg;
}

static void set_value(const char *fmt, const char *str)
{
	char v[VALUE_SIZE] = "";
	unsigned key = 0;
	union bpf_attr a;

	strcpy(v, fmt);
	strcpy(v + 32, str);
	memset(&a, 0, sizeof(a));
	a.map_fd = value_map;
	a.key = (unsigned long)&key;
	a.value = (unsigned long)v;
	bpfrun_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static void *writer(void *arg)
{
	for (unsigned i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++)
		set_value(i & 1 ? "%s%d%%|" : "[%-9s]", i & 2 ? "abcdefghijklmnopqrstuvwxyz" : "");
	return arg;
}

int main(void)
{
	union bpf_attr a;

	bpfrun_set_trace_callback(drop_line, NULL);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = VALUE_SIZE;
	a.max_entries = 1;
	value_map = (int)bpfrun_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	CHECK(value_map >= 0, "map");
	set_value("[%-9s]", "str");

	/* r0 = value of key 0; trace_printk(value, 32, value + 32, 7) */
	const struct bpf_insn prog[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		LD_MAP_FD(1, value_map),
		MOV_REG(2, 10),
		ADD(2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0),
		EXIT,
		MOV_REG(1, 0),
		MOV(2, 32),
		MOV_REG(3, 0),
		ADD(3, 32),
		MOV(4, 7),
		CALL(BPF_FUNC_trace_printk),
		EXIT,
	};
	int fd = load_insns(BPF_PROG_TYPE_SCHED_CLS, prog, sizeof(prog) / sizeof(prog[0]));
	CHECK(fd >= 0, "load");

	static unsigned char pkt[64];
	pthread_t t;
	unsigned bad = 0;
	pthread_create(&t, NULL, writer, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = fd;
		a.test.data_in = (unsigned long)pkt;
		a.test.data_size_in = sizeof(pkt);
		/* A format torn between the two may be refused or convert differently, but
		 * what it prints stays short. */
		if (bpfrun_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)) || (int)a.test.retval > 100)
			bad++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	CHECK(bad == 0, "%u runs with a wrong length", bad);
	bpfrun_close(fd);
	bpfrun_close(value_map);
	return finish();
}
