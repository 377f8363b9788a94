/* TEMPORARY stubs so the library links while programs are written. Delete when done. */
#include "prog.h"
const struct prog_type_ops *prog_type_ops_for(u32 prog_type) { return NULL; }
struct bpf_prog *prog_from_fd(int fd) { return ERR_PTR(-EBADF); }
const struct subprog *prog_subprog_at(const struct bpf_prog *prog, u32 insn) { return NULL; }
int prog_load(union bpf_attr *attr, unsigned int size) { return -ENOSYS; }
int prog_test_run(union bpf_attr *attr, union bpf_attr *uattr) { return -ENOSYS; }
int prog_get_info(struct bpf_prog *prog, struct bpf_prog_info *info) { return -ENOSYS; }
#include "../helpers/helpers.h"
u64 helper_skb_load_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_skb_store_bytes(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_l3_csum_replace(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_l4_csum_replace(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_csum_diff(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_xdp_adjust_head(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_xdp_adjust_tail(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_xdp_adjust_meta(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_get_socket_cookie(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
u64 helper_get_socket_uid(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { return (u64)-ENOSYS; }
