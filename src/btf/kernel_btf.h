/* The kernel's BTF (vmlinux): what attach_btf_id, kfunc calls and typed ksyms of loaded
 * programs are resolved against, as the kernel resolves them against its own.
 *
 * Where it comes from, first match: bpfrun_set_kernel_btf(path) before the first use, the
 * BPFRUN_KERNEL_BTF environment variable, /sys/kernel/btf/vmlinux (where libbpf looks).
 * It is loaded once, on first use, and never changes afterwards, so callers may keep the
 * pointer and the type ids they resolve for the life of the process.
 */
#ifndef BPFRUN_KERNEL_BTF_H
#define BPFRUN_KERNEL_BTF_H

#include "../lib/common.h"

struct btf;

/* libbpf's parsed kernel BTF, or NULL (errno-style code in *err when err is not NULL:
 * -ENOENT when no file is found, or the parse error). */
const struct btf *kernel_btf(int *err);

/* The kernel BTF's type id of the function, struct or other kind `kind` (BTF_KIND_*)
 * named `name`, or a negative errno (-ENOENT, or kernel_btf's error). */
s32 kernel_btf_find(const char *name, u32 kind);

#endif
