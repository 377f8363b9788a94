/* For unit tests: loading raw instructions straight through bpfrun_bpf(). */
#ifndef BPFRUN_UNIT_LOAD_H
#define BPFRUN_UNIT_LOAD_H

#include <string.h>

#include "bpfrun.h"

/* A GPL program of `type` from cnt instructions: its descriptor, or -1 with errno. */
static inline int load_insns(int type, const struct bpf_insn *insns, unsigned cnt)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (unsigned long)insns;
	a.insn_cnt = cnt;
	a.license = (unsigned long)"GPL";
	return (int)bpfrun_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

#endif
