/* TEMPORARY stubs so the library links while programs are written. Delete when done. */
#include "prog.h"
const struct prog_type_ops *prog_type_ops_for(u32 prog_type) { return NULL; }
struct bpf_prog *prog_from_fd(int fd) { return ERR_PTR(-EBADF); }
const struct subprog *prog_subprog_at(const struct bpf_prog *prog, u32 insn) { return NULL; }
int prog_load(union bpf_attr *attr, unsigned int size) { return -ENOSYS; }
int prog_test_run(union bpf_attr *attr, union bpf_attr *uattr) { return -ENOSYS; }
int prog_get_info(struct bpf_prog *prog, struct bpf_prog_info *info) { return -ENOSYS; }
