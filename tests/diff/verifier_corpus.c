/* The verifier corpus: small programs written as raw instructions, a correct one beside
 * each broken twin, one pair (or more) per rule of the verifier.  Each is loaded on its
 * own with log_level 1; the output is the verdict, the errno and the log's error line
 * (the last line before "processed ..."), so the harness compares them between the
 * kernel and bpfrun. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "difftest.h"

/* Cases leave attach (and the tail of insns) zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define I(c, d, s, o, i)                                                            \
	{                                                                           \
		.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) \
	}
#define MOV_IMM(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_IMM(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU_REG(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i) I(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JMP_IMM(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_REG(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define CALL_SUB(o) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* ld_imm64 of map number m of the corpus (patched with its descriptor) */
#define LD_MAP(d, m) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, m), I(0, 0, 0, 0, 0)
#define LD_MAP_VALUE(d, m, off) \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_VALUE, 0, m), I(0, 0, 0, 0, off)
#define RET0 MOV_IMM(0, 0), EXIT

enum { M_ARRAY, M_HASH, M_RDONLY, M_ONE, M_WRONLY, NR_MAPS };

struct ccase {
	const char *name;
	enum bpf_prog_type type;
	struct bpf_insn insns[48];
	enum bpf_attach_type attach;
	bool verdict_only; /* the log's last line is not compared (see the case) */
};

/* r0 = lookup(map m, &key 0 at fp-4) */
#define LOOKUP(m)                                                                    \
	ST(BPF_W, 10, -4, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4), LD_MAP(1, m), \
		CALL(BPF_FUNC_map_lookup_elem)
/* r2 = data, r3 = data_end (xdp) */
#define XDP_PTRS LDX(BPF_W, 2, 1, 0), LDX(BPF_W, 3, 1, 4)
/* r2 = data, r3 = data_end (__sk_buff) */
#define SKB_PTRS LDX(BPF_W, 2, 1, 76), LDX(BPF_W, 3, 1, 80)

#define XDP BPF_PROG_TYPE_XDP
#define TC BPF_PROG_TYPE_SCHED_CLS
#define CGSKB BPF_PROG_TYPE_CGROUP_SKB
#define SOCK BPF_PROG_TYPE_SOCKET_FILTER

static const struct ccase cases[] = {
	/* registers */
	{ "reg_init_ok", TC, { MOV_IMM(2, 1), MOV_REG(0, 2), EXIT } },
	{ "reg_uninit_bad", TC, { MOV_REG(0, 2), EXIT } },
	{ "r0_exit_bad", TC, { EXIT } },
	{ "fp_write_bad", TC, { MOV_IMM(10, 0), RET0 } },
	{ "after_call_ok", TC, { CALL(BPF_FUNC_ktime_get_ns), MOV_REG(0, 6), EXIT } },
	{ "after_call_bad", TC, { CALL(BPF_FUNC_ktime_get_ns), MOV_REG(0, 1), EXIT } },
	/* libbpf marks an instruction whose CO-RE relocation failed with a call of 0xbad2310
	 * (libbpf-bootstrap's task_iter has one): refused only on a path the verifier takes */
	{ "poison_call_dead_ok",
	  TC,
	  { MOV_IMM(0, 0), JMP_IMM(BPF_JEQ, 0, 0, 1), CALL(0xbad2310), EXIT } },
	{ "poison_call_live_bad", TC, { CALL(0xbad2310), RET0 } },
	{ "div_zero_bad", TC, { MOV_IMM(0, 1), ALU_IMM(BPF_DIV, 0, 0), EXIT } },
	{ "div_reg_ok", TC, { MOV_IMM(0, 1), MOV_IMM(2, 0), ALU_REG(BPF_DIV, 0, 2), EXIT } },
	/* stack */
	{ "stack_ok", TC, { ST(BPF_DW, 10, -8, 0), LDX(BPF_DW, 0, 10, -8), EXIT } },
	{ "stack_oob_bad", TC, { ST(BPF_DW, 10, -520, 0), RET0 } },
	{ "stack_above_bad", TC, { ST(BPF_DW, 10, 0, 0), RET0 } },
	{ "stack_read_oob_bad", TC, { LDX(BPF_DW, 0, 10, 8), EXIT } },
	{ "stack_misaligned_bad", TC, { ST(BPF_W, 10, -6, 0), RET0 } },
	{ "stack_uninit_priv_ok", TC, { LDX(BPF_DW, 0, 10, -8), EXIT } },
	{ "spill_fill_ok",
	  TC,
	  { STX(BPF_DW, 10, 1, -8), LDX(BPF_DW, 2, 10, -8), LDX(BPF_W, 0, 2, 0), EXIT } },
	{ "fill_partial_bad", TC, { STX(BPF_DW, 10, 1, -8), LDX(BPF_W, 0, 10, -8), EXIT } },
	{ "spill_partial_bad", TC, { STX(BPF_W, 10, 1, -8), RET0 } },
	{ "spill_const_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), MOV_IMM(1, 4), STX(BPF_DW, 10, 1, -16),
	    LDX(BPF_DW, 1, 10, -16), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_W, 0, 0, 0), RET0 } },
	{ "spill_const_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), MOV_IMM(1, 8), STX(BPF_DW, 10, 1, -16),
	    LDX(BPF_DW, 1, 10, -16), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_W, 0, 0, 0), RET0 } },
	/* context */
	{ "ctx_ok", TC, { LDX(BPF_W, 0, 1, 0), EXIT } },
	{ "ctx_off_bad", TC, { LDX(BPF_W, 0, 1, 1000), EXIT } },
	{ "ctx_modified_bad", TC, { ALU_IMM(BPF_ADD, 1, 4), LDX(BPF_W, 0, 1, 0), EXIT } },
	{ "ctx_write_ok", TC, { ST(BPF_W, 1, 8, 1), RET0 } },
	{ "ctx_write_len_bad", TC, { ST(BPF_W, 1, 0, 1), RET0 } },
	{ "ctx_size_bad", TC, { LDX(BPF_DW, 0, 1, 76), EXIT } },
	{ "xdp_ctx_ok", XDP, { LDX(BPF_W, 0, 1, 12), EXIT } },
	{ "xdp_ctx_write_bad", XDP, { ST(BPF_W, 1, 12, 0), RET0 } },
	{ "sock_data_bad", SOCK, { LDX(BPF_W, 0, 1, 76), EXIT } },
	/* map values */
	{ "null_check_ok",
	  TC,
	  { LOOKUP(M_HASH), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "null_deref_bad", TC, { LOOKUP(M_HASH), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "null_copy_ok",
	  TC,
	  { LOOKUP(M_HASH), MOV_REG(6, 0), JMP_IMM(BPF_JEQ, 6, 0, 1), LDX(BPF_DW, 0, 0, 0),
	    RET0 } },
	{ "null_arith_bad", TC, { LOOKUP(M_HASH), ALU_IMM(BPF_ADD, 0, 1), RET0 } },
	{ "null_branch_bad",
	  TC,
	  { LOOKUP(M_HASH), JMP_IMM(BPF_JNE, 0, 0, 1), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "map_off_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 0, 0, 4), RET0 } },
	{ "map_off_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 0, 0, 8), RET0 } },
	{ "map_neg_off_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 0, 0, -4), RET0 } },
	{ "map_var_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_W, 1, 0, 0), ALU_IMM(BPF_AND, 1, 7),
	    ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_unbounded_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 3), LDX(BPF_W, 1, 0, 0), ALU_REG(BPF_ADD, 0, 1),
	    LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_max_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_W, 1, 0, 0),
	    ALU_IMM(BPF_AND, 1, 15), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_cmp_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_W, 1, 0, 0),
	    JMP_IMM(BPF_JGT, 1, 7, 2), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_cmp_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_W, 1, 0, 0),
	    JMP_IMM(BPF_JGT, 1, 8, 2), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_signed_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_DW, 1, 0, 0),
	    JMP_IMM(BPF_JSGT, 1, 7, 2), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_var_signed_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), LDX(BPF_DW, 1, 0, 0),
	    JMP_IMM(BPF_JSGT, 1, 7, 3), JMP_IMM(BPF_JSLT, 1, 0, 2), ALU_REG(BPF_ADD, 0, 1),
	    LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "map_write_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 1), ST(BPF_DW, 0, 0, 1), RET0 } },
	{ "map_rdonly_write_bad",
	  TC,
	  { LOOKUP(M_RDONLY), JMP_IMM(BPF_JEQ, 0, 0, 1), ST(BPF_DW, 0, 0, 1), RET0 } },
	{ "map_rdonly_read_ok",
	  TC,
	  { LOOKUP(M_RDONLY), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "map_wronly_read_bad",
	  TC,
	  { LOOKUP(M_WRONLY), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "map_wronly_write_ok",
	  TC,
	  { LOOKUP(M_WRONLY), JMP_IMM(BPF_JEQ, 0, 0, 1), ST(BPF_DW, 0, 0, 1), RET0 } },
	{ "atomic_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 2), MOV_IMM(1, 1),
	    I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD), RET0 } },
	{ "atomic_misaligned_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 2), MOV_IMM(1, 1),
	    I(BPF_STX | BPF_ATOMIC | BPF_W, 0, 1, 2, BPF_ADD), RET0 } },
	{ "stack_sub_bad", TC, { MOV_REG(1, 10), ALU_IMM(BPF_SUB, 1, 8), RET0 } },
	{ "map_direct_ok", TC, { LD_MAP_VALUE(1, M_ONE, 0), LDX(BPF_DW, 0, 1, 0), EXIT } },
	{ "map_direct_bad", TC, { LD_MAP_VALUE(1, M_ONE, 4), LDX(BPF_DW, 0, 1, 0), EXIT } },
	{ "map_ptr_deref_bad", TC, { LD_MAP(1, M_ARRAY), LDX(BPF_DW, 0, 1, 0), EXIT } },
	{ "scalar_deref_bad", TC, { MOV_IMM(1, 0), LDX(BPF_DW, 0, 1, 0), EXIT } },
	/* helper arguments */
	{ "helper_map_arg_bad",
	  TC,
	  { MOV_IMM(1, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -8), ST(BPF_DW, 10, -8, 0),
	    CALL(BPF_FUNC_map_lookup_elem), RET0 } },
	{ "helper_key_oob_bad",
	  TC,
	  { ST(BPF_H, 10, -2, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -2), LD_MAP(1, M_ARRAY),
	    CALL(BPF_FUNC_map_lookup_elem), RET0 } },
	{ "helper_key_scalar_bad",
	  TC,
	  { MOV_IMM(2, 0), LD_MAP(1, M_ARRAY), CALL(BPF_FUNC_map_lookup_elem), RET0 } },
	{ "helper_update_ok",
	  TC,
	  { ST(BPF_W, 10, -4, 0), ST(BPF_DW, 10, -16, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4),
	    MOV_REG(3, 10), ALU_IMM(BPF_ADD, 3, -16), MOV_IMM(4, 0), LD_MAP(1, M_HASH),
	    CALL(BPF_FUNC_map_update_elem), RET0 } },
	{ "helper_flags_bad",
	  TC,
	  { ST(BPF_W, 10, -4, 0), ST(BPF_DW, 10, -16, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4),
	    MOV_REG(3, 10), ALU_IMM(BPF_ADD, 3, -16), LD_MAP(1, M_HASH),
	    CALL(BPF_FUNC_map_update_elem), RET0 } },
	{ "helper_value_short_bad",
	  TC,
	  { ST(BPF_W, 10, -4, 0), ST(BPF_W, 10, -8, 0), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4),
	    MOV_REG(3, 10), ALU_IMM(BPF_ADD, 3, -4), MOV_IMM(4, 0), LD_MAP(1, M_HASH),
	    CALL(BPF_FUNC_map_update_elem), RET0 } },
	{ "helper_ctx_ok", TC, { CALL(BPF_FUNC_get_socket_cookie), RET0 } },
	{ "helper_ctx_bad", TC, { MOV_REG(1, 10), CALL(BPF_FUNC_get_socket_cookie), RET0 } },
	{ "helper_size_ok",
	  TC,
	  { MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -16), MOV_IMM(2, 16),
	    CALL(BPF_FUNC_get_current_comm), RET0 } },
	{ "helper_size_zero_bad",
	  TC,
	  { MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -16), MOV_IMM(2, 0),
	    CALL(BPF_FUNC_get_current_comm), RET0 } },
	{ "helper_size_big_bad",
	  TC,
	  { MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -16), MOV_IMM(2, 17),
	    CALL(BPF_FUNC_get_current_comm), RET0 } },
	{ "helper_size_var_bad",
	  TC,
	  { CALL(BPF_FUNC_get_prandom_u32), MOV_REG(2, 0), MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -16),
	    CALL(BPF_FUNC_get_current_comm), RET0 } },
	{ "helper_size_var_ok",
	  TC,
	  { CALL(BPF_FUNC_get_prandom_u32), MOV_REG(2, 0), ALU_IMM(BPF_AND, 2, 15),
	    ALU_IMM(BPF_ADD, 2, 1), MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -16),
	    CALL(BPF_FUNC_get_current_comm), RET0 } },
	{ "load_bytes_ok",
	  TC,
	  { MOV_IMM(2, 0), MOV_REG(3, 10), ALU_IMM(BPF_ADD, 3, -8), MOV_IMM(4, 8),
	    CALL(BPF_FUNC_skb_load_bytes), RET0 } },
	{ "load_bytes_bad",
	  TC,
	  { MOV_IMM(2, 0), MOV_REG(3, 10), ALU_IMM(BPF_ADD, 3, -8), MOV_IMM(4, 9),
	    CALL(BPF_FUNC_skb_load_bytes), RET0 } },
	/* pointer arithmetic */
	{ "ptr_add_ok", TC, { MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -8), ST(BPF_DW, 2, 0, 0), RET0 } },
	{ "ptr_and_bad", TC, { MOV_REG(2, 10), ALU_IMM(BPF_AND, 2, -8), RET0 } },
	{ "ptr_mul_bad", TC, { MOV_REG(2, 10), ALU_IMM(BPF_MUL, 2, 2), RET0 } },
	{ "ptr_alu32_bad", TC, { MOV_REG(2, 10), ALU32_IMM(BPF_ADD, 2, 2), RET0 } },
	{ "scalar_minus_ptr_bad", TC, { MOV_IMM(0, 0), ALU_REG(BPF_SUB, 0, 10), RET0 } },
	{ "ptr_minus_ptr_ok", TC, { MOV_REG(0, 10), ALU_REG(BPF_SUB, 0, 1), RET0 } },
	{ "ptr_plus_ptr_bad", TC, { MOV_REG(0, 10), ALU_REG(BPF_ADD, 0, 1), RET0 } },
	{ "pkt_end_arith_bad", XDP, { XDP_PTRS, ALU_IMM(BPF_ADD, 3, 1), RET0 } },
	{ "map_ptr_arith_bad", TC, { LD_MAP(1, M_ARRAY), ALU_IMM(BPF_ADD, 1, 1), RET0 } },
	/* packets */
	{ "pkt_ok",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 14), JMP_REG(BPF_JGT, 4, 3, 1),
	    LDX(BPF_B, 0, 2, 12), RET0 } },
	{ "pkt_unchecked_bad", XDP, { XDP_PTRS, LDX(BPF_B, 0, 2, 12), RET0 } },
	{ "pkt_off_by_one_bad",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 12), JMP_REG(BPF_JGT, 4, 3, 1),
	    LDX(BPF_B, 0, 2, 12), RET0 } },
	{ "pkt_wrong_branch_bad",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 14), JMP_REG(BPF_JLE, 4, 3, 1),
	    LDX(BPF_B, 0, 2, 12), RET0 } },
	{ "pkt_jlt_ok",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 14), JMP_REG(BPF_JLT, 4, 3, 2), RET0,
	    LDX(BPF_B, 0, 2, 13), RET0 } },
	{ "pkt_rev_ok",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 14), JMP_REG(BPF_JLT, 3, 4, 1),
	    LDX(BPF_B, 0, 2, 13), RET0 } },
	{ "pkt_rev_bad",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 14), JMP_REG(BPF_JLT, 3, 4, 1),
	    LDX(BPF_B, 0, 2, 14), RET0 } },
	{ "pkt_tc_write_ok",
	  TC,
	  { SKB_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 4), JMP_REG(BPF_JGT, 4, 3, 1),
	    ST(BPF_W, 2, 0, 0), RET0 } },
	{ "pkt_cgskb_write_bad",
	  CGSKB,
	  { SKB_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 4), JMP_REG(BPF_JGT, 4, 3, 1),
	    ST(BPF_W, 2, 0, 0), RET0 },
	  BPF_CGROUP_INET_INGRESS },
	{ "pkt_cgskb_read_ok",
	  CGSKB,
	  { SKB_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 4), JMP_REG(BPF_JGT, 4, 3, 1),
	    LDX(BPF_W, 0, 2, 0), RET0 },
	  BPF_CGROUP_INET_INGRESS },
	{ "pkt_var_ok",
	  XDP,
	  { XDP_PTRS, LDX(BPF_B, 5, 1, 12), ALU_IMM(BPF_AND, 5, 15), ALU_REG(BPF_ADD, 2, 5),
	    MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 2), JMP_REG(BPF_JGT, 4, 3, 1), LDX(BPF_H, 0, 2, 0),
	    RET0 } },
	{ "pkt_var_stale_bad",
	  XDP,
	  { XDP_PTRS, MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 2), JMP_REG(BPF_JGT, 4, 3, 4),
	    LDX(BPF_B, 5, 1, 12), ALU_IMM(BPF_AND, 5, 15), ALU_REG(BPF_ADD, 2, 5),
	    LDX(BPF_H, 0, 2, 0), RET0 } },
	{ "pkt_adjust_stale_bad",
	  XDP,
	  { MOV_REG(6, 1), XDP_PTRS, MOV_REG(7, 2), MOV_REG(4, 2), ALU_IMM(BPF_ADD, 4, 2),
	    JMP_REG(BPF_JGT, 4, 3, 4), MOV_REG(1, 6), MOV_IMM(2, 0), CALL(BPF_FUNC_xdp_adjust_head),
	    LDX(BPF_H, 0, 7, 0), RET0 } },
	/* control flow */
	{ "loop_bounded_ok",
	  TC,
	  { MOV_IMM(1, 0), ALU_IMM(BPF_ADD, 1, 1), JMP_IMM(BPF_JLT, 1, 10, -2), RET0 } },
	/* The kernel follows its message with dumps of both states (the level-2 format),
	 * which bpfrun does not write. */
	{ "loop_infinite_bad", TC, { MOV_IMM(0, 0), JMP_IMM(BPF_JEQ, 0, 0, -1), EXIT }, 0, true },
	{ "unreachable_bad", TC, { MOV_IMM(0, 0), EXIT, EXIT } },
	{ "array_const_key_ok", TC, { LOOKUP(M_ARRAY), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "array_big_key_bad",
	  TC,
	  { ST(BPF_W, 10, -4, 4), MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4), LD_MAP(1, M_ARRAY),
	    CALL(BPF_FUNC_map_lookup_elem), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "array_var_key_bad",
	  TC,
	  { CALL(BPF_FUNC_get_prandom_u32), ALU_IMM(BPF_AND, 0, 3), STX(BPF_W, 10, 0, -4),
	    MOV_REG(2, 10), ALU_IMM(BPF_ADD, 2, -4), LD_MAP(1, M_ARRAY),
	    CALL(BPF_FUNC_map_lookup_elem), LDX(BPF_DW, 0, 0, 0), RET0 } },
	{ "dead_code_ok",
	  TC,
	  { MOV_IMM(0, 0), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0), EXIT } },
	{ "branch_both_bad",
	  TC,
	  { CALL(BPF_FUNC_get_prandom_u32), JMP_IMM(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 0),
	    RET0 } },
	{ "subprog_ok", TC, { MOV_IMM(1, 3), CALL_SUB(1), EXIT, MOV_REG(0, 1), EXIT } },
	{ "subprog_r0_bad", TC, { MOV_IMM(1, 3), CALL_SUB(1), EXIT, EXIT } },
	{ "subprog_stack_ok",
	  TC,
	  { ST(BPF_DW, 10, -8, 7), MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -8), CALL_SUB(1), EXIT,
	    LDX(BPF_DW, 0, 1, 0), EXIT } },
	{ "subprog_stack_oob_bad",
	  TC,
	  { ST(BPF_DW, 10, -8, 7), MOV_REG(1, 10), ALU_IMM(BPF_ADD, 1, -8), CALL_SUB(1), EXIT,
	    LDX(BPF_DW, 0, 1, 8), EXIT } },
	{ "subprog_clobber_bad", TC, { MOV_IMM(2, 3), CALL_SUB(2), MOV_REG(0, 2), EXIT, RET0 } },
	/* return ranges */
	{ "cgskb_ret_ok", CGSKB, { MOV_IMM(0, 1), EXIT }, BPF_CGROUP_INET_INGRESS },
	{ "cgskb_ret_bad", CGSKB, { MOV_IMM(0, 2), EXIT }, BPF_CGROUP_INET_INGRESS },
	{ "cgskb_ret_unknown_bad",
	  CGSKB,
	  { CALL(BPF_FUNC_get_prandom_u32), EXIT },
	  BPF_CGROUP_INET_INGRESS },
	{ "cgskb_egress_ret_ok", CGSKB, { MOV_IMM(0, 3), EXIT }, BPF_CGROUP_INET_EGRESS },
	{ "cgskb_ret_masked_ok",
	  CGSKB,
	  { CALL(BPF_FUNC_get_prandom_u32), ALU_IMM(BPF_AND, 0, 1), EXIT },
	  BPF_CGROUP_INET_INGRESS },
	/* bounds through arithmetic and branches */
	{ "bounds_shift_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), LDX(BPF_B, 1, 0, 0), ALU_IMM(BPF_RSH, 1, 5),
	    ALU_IMM(BPF_LSH, 1, 0), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "bounds_shift_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), LDX(BPF_B, 1, 0, 0), ALU_IMM(BPF_RSH, 1, 4),
	    ALU_IMM(BPF_LSH, 1, 0), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "bounds_sub_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 6), LDX(BPF_B, 1, 0, 0),
	    JMP_IMM(BPF_JLT, 1, 4, 4), JMP_IMM(BPF_JGT, 1, 11, 3), ALU_IMM(BPF_SUB, 1, 4),
	    ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "bounds_sub_bad",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 6), LDX(BPF_B, 1, 0, 0),
	    JMP_IMM(BPF_JLT, 1, 3, 4), JMP_IMM(BPF_JGT, 1, 11, 3), ALU_IMM(BPF_SUB, 1, 3),
	    ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
	{ "bounds_jeq_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 4), LDX(BPF_W, 1, 0, 0),
	    JMP_IMM(BPF_JNE, 1, 6, 2), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_H, 0, 0, 0), RET0 } },
	{ "bounds_linked_ok",
	  TC,
	  { LOOKUP(M_ARRAY), JMP_IMM(BPF_JEQ, 0, 0, 5), LDX(BPF_W, 1, 0, 0), MOV_REG(2, 1),
	    JMP_IMM(BPF_JGT, 2, 7, 2), ALU_REG(BPF_ADD, 0, 1), LDX(BPF_B, 0, 0, 0), RET0 } },
};

static int map_fds[NR_MAPS];

static void create_maps(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, ro, .map_flags = BPF_F_RDONLY_PROG);
	LIBBPF_OPTS(bpf_map_create_opts, wo, .map_flags = BPF_F_WRONLY_PROG);
	__u32 k = 0;
	__u64 v = 0;

	map_fds[M_ARRAY] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "corpus_arr", 4, 8, 4, NULL);
	map_fds[M_HASH] = bpf_map_create(BPF_MAP_TYPE_HASH, "corpus_hash", 4, 8, 4, NULL);
	map_fds[M_RDONLY] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "corpus_ro", 4, 8, 4, &ro);
	map_fds[M_ONE] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "corpus_one", 4, 8, 1, NULL);
	map_fds[M_WRONLY] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "corpus_wo", 4, 8, 4, &wo);
	bpf_map_update_elem(map_fds[M_ONE], &k, &v, 0);
	for (int i = 0; i < NR_MAPS; i++)
		if (map_fds[i] < 0) {
			out("map %d: %s", i, strerror(errno));
			exit(1);
		}
}

static void load_case(const struct ccase *c)
{
	static char log[1 << 20];
	struct bpf_insn insns[48];
	size_t n = 0;

	while (n < 48 && c->insns[n].code)
		n++;
	/* the zero second halves of ld_imm64 end nothing: count to the last exit */
	for (size_t i = n; i < 48; i++)
		if (c->insns[i].code)
			n = i + 1;
	memcpy(insns, c->insns, sizeof(insns));
	for (size_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) && insns[i].src_reg)
			insns[i].imm = map_fds[insns[i].imm];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 1, .log_buf = log,
		    .log_size = sizeof(log), .expected_attach_type = c->attach);
	log[0] = 0;
	int fd = bpf_prog_load(c->type, c->name, "GPL", insns, n, &opts);
	int err = errno;
	if (fd >= 0) {
		out("%-24s ok", c->name);
		close(fd);
		return;
	}
	out("%-24s %s: %s", c->name, strerror(err), c->verdict_only ? "-" : log_error_line(log));
}

int main(void)
{
	create_maps();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_case(&cases[i]);
	return 0;
}
