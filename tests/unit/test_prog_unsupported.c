/* Types bpfrun does not run: a program load of one names it in the log with the errno of
 * an unknown type (EINVAL), and the API tells program and map types apart. */
#include <errno.h>
#include <string.h>

#include "bpfrun.h"
#include "difftest.h"

static int load(unsigned type, char *log, unsigned size)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (unsigned long)p;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	a.log_level = 1;
	a.log_buf = (unsigned long)log;
	a.log_size = size;
	long fd = bpfrun_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		bpfrun_close((int)fd);
	return fd < 0 ? -errno : 0;
}

int main(void)
{
	char log[256] = "";

	CHECK(load(BPF_PROG_TYPE_LWT_IN, log, sizeof(log)) == -EINVAL, "lwt_in refused");
	CHECK(strstr(log, "bpfrun: program type lwt_in (10) is not supported") != NULL,
	      "the log names it: %s", log);
	log[0] = 0;
	CHECK(load(999, log, sizeof(log)) == -EINVAL && !log[0], "an unknown type: no name");
	CHECK(load(BPF_PROG_TYPE_XDP, log, sizeof(log)) == 0, "xdp loads");
	CHECK(bpfrun_prog_type_supported(BPF_PROG_TYPE_XDP) &&
		      !bpfrun_prog_type_supported(BPF_PROG_TYPE_LWT_IN) &&
		      !bpfrun_prog_type_supported(999),
	      "program types");
	CHECK(bpfrun_map_type_supported(BPF_MAP_TYPE_DEVMAP) &&
		      !bpfrun_map_type_supported(BPF_MAP_TYPE_STRUCT_OPS) &&
		      !bpfrun_map_type_supported(999),
	      "map types");
	return finish();
}
