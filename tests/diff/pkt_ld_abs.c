/* BPF_LD_ABS / BPF_LD_IND in socket filters and tc programs: offsets inside and outside
 * the packet and the negative special bases SKF_NET_OFF (network header) and SKF_LL_OFF
 * (link-layer header).  Each program returns the loaded value + 1000, or 0 when the load
 * ended it (outside the packet).  Regression: bpfrun used to end the program on every
 * negative offset. */
#include <stdio.h>
#include <unistd.h>
#include <linux/filter.h>

#include "difftest.h"

#define I(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static const char *const size_name[] = { "W", "H", "B" };

/* r6 = ctx; [r7 = base;] r0 = LD size [r7 +] k; r0 += 1000; exit */
static void try(int type, int size, bool ind, int base, int k, const char *what)
{
	static unsigned char pkt[64];
	struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, base),
		I(BPF_LD | (ind ? BPF_IND : BPF_ABS) | size, 0, ind ? 7 : 0, 0, k),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1000),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	uint32_t ret = 0;

	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (unsigned char)(0x10 + i);
	int fd = bpf_prog_load(type, "ldabs", "GPL", p, 5, NULL);
	if (fd < 0) {
		out("%-6s %s %-30s load %d", type == 1 ? "filter" : "tc", size_name[size >> 3],
		    what, fd);
		return;
	}
	int err = run_prog(fd, pkt, sizeof(pkt), &ret);
	out("%-6s %s %-30s run %d ret %u", type == 1 ? "filter" : "tc", size_name[size >> 3], what,
	    err, ret);
	close(fd);
}

int main(void)
{
	static const struct {
		const char *what;
		bool ind;
		int base, k;
	} cases[] = {
		{ "abs 0", false, 0, 0 },
		{ "abs 13", false, 0, 13 },
		{ "abs 48 (last word of filter)", false, 0, 46 },
		{ "abs 60", false, 0, 60 },
		{ "abs 63", false, 0, 63 },
		{ "abs 64", false, 0, 64 },
		{ "abs -1", false, 0, -1 },
		{ "abs NET+0", false, 0, SKF_NET_OFF },
		{ "abs NET+9", false, 0, SKF_NET_OFF + 9 },
		{ "abs NET+48", false, 0, SKF_NET_OFF + 48 },
		{ "abs NET+50", false, 0, SKF_NET_OFF + 50 },
		{ "abs NET-1", false, 0, SKF_NET_OFF - 1 },
		{ "abs LL+0", false, 0, SKF_LL_OFF },
		{ "abs LL+12", false, 0, SKF_LL_OFF + 12 },
		{ "abs LL+62", false, 0, SKF_LL_OFF + 62 },
		{ "abs LL+64", false, 0, SKF_LL_OFF + 64 },
		{ "abs LL-1", false, 0, SKF_LL_OFF - 1 },
		{ "abs AD_OFF (ancillary)", false, 0, SKF_AD_OFF },
		{ "ind r=NET k=9", true, SKF_NET_OFF, 9 },
		{ "ind r=LL k=14", true, SKF_LL_OFF, 14 },
		{ "ind r=-14 k=0", true, -14, 0 },
		{ "ind r=20 k=-10", true, 20, -10 },
		{ "ind r=NET+60 k=-60", true, SKF_NET_OFF + 60, -60 },
	};
	static const int sizes[] = { BPF_B, BPF_H, BPF_W };

	for (unsigned t = 0; t < 2; t++)
		for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
			for (unsigned s = 0; s < 3; s++)
				try(t ? BPF_PROG_TYPE_SCHED_CLS : BPF_PROG_TYPE_SOCKET_FILTER,
				    sizes[s], cases[c].ind, cases[c].base, cases[c].k,
				    cases[c].what);
	return finish();
}
