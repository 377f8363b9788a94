/* TEMPORARY stubs so the library links while the vm is written. Delete when done. */
#include "vm.h"
static __thread struct exec_ctx *tls_ctx;
struct exec_ctx *exec_ctx_get(void) { return tls_ctx; }
void exec_ctx_set_cpu(struct exec_ctx *x, u32 cpu) { x->cpu = cpu; }
u64 vm_run(struct exec_ctx *x, const struct bpf_prog *prog, u64 r1) { x->fault = -ENOSYS; return 0; }
u64 vm_call(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) { x->fault = -ENOSYS; return 0; }
void vm_reset_run(struct exec_ctx *x) {}
void *vm_mem(struct exec_ctx *x, u64 addr, u64 size, bool write) { return NULL; }
struct bpf_map *vm_map_arg(struct exec_ctx *x, u64 reg) { return NULL; }
s64 vm_func_arg(struct exec_ctx *x, u64 reg) { return -1; }
u64 vm_func_value(const struct bpf_prog *prog, u32 start) { return 0; }
bool vm_grant(struct exec_ctx *x, const void *p, u64 size, bool writable) { return false; }
void vm_ungrant(struct exec_ctx *x, const void *p) {}
void vm_fault(struct exec_ctx *x, const char *fmt, ...) { x->fault = -EFAULT; }
int vm_prepare(struct bpf_prog *prog, char *msg, size_t msglen) { return 0; }
void vm_release(struct bpf_prog *prog) {}
