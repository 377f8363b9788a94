/* Typed ksyms: the kernel variables and functions a program names by BTF id in an
 * ld_imm64 (src_reg BPF_PSEUDO_BTF_ID), as libbpf emits them for `extern ... __ksym`
 * declarations with a type, and the helpers that reach per-CPU variables,
 * bpf_this_cpu_ptr and bpf_per_cpu_ptr.
 *
 * What stands for a kernel variable in user space: zeroed memory of the variable's BTF
 * size (one area per possible CPU for the variables of the .data..percpu section, which
 * are all of vmlinux's), made when a program first names it and kept for the life of the
 * process.  Programs may read it and never write it (the kernel's verifier lets them
 * read a ksym through PTR_TO_BTF_ID or read-only PTR_TO_MEM, and write neither), and
 * nothing else writes it: it reads as zeroes.  A variable is one per symbol name, its
 * size and section are the kernel BTF's whichever BTF a program names it by, and all of
 * them together get at most 64 MiB (ENOMEM past that: a loader's own BTF may call any
 * kallsyms symbol a variable of any size).  Like the kernel, a variable must be listed
 * in kallsyms (/proc/kallsyms, or the file BPFRUN_KALLSYMS names): kernels built without
 * CONFIG_KALLSYMS_ALL list no variables, and refuse every typed variable ksym.
 *
 * What ld_imm64 loads: for a per-CPU variable, its kallsyms address (the per-CPU offset,
 * as the kernel loads it; a made-up unique value where kallsyms hides addresses), which
 * programs cannot dereference and hand to bpf_this_cpu_ptr/bpf_per_cpu_ptr; for another
 * variable, the address of its memory; for a function, its kallsyms address.
 *
 * Locking: the table of variables only grows, under ksym_lock; the helpers and the vm's
 * region hook (reads of the memory) read it without a lock: each entry is written before
 * the count that publishes it. */
#ifndef BPFRUN_HELPERS_KSYM_VAR_H
#define BPFRUN_HELPERS_KSYM_VAR_H

#include "../lib/common.h"
#include "../lib/vlog.h"

/* Resolves the ld_imm64 of BTF id btf_id in the BTF of btf_fd (0: the kernel's), as the
 * kernel's verifier does: 0 and *value, or -errno with the kernel's log line. */
int ksym_resolve(u32 btf_id, s32 btf_fd, u64 *value, struct vlog *log);

#endif
