/* The program layer's bpf() commands, for the command table (syscall/syscall.c), with
 * the one signature of every command handler.  The program object itself is obj/prog.h. */
#ifndef BPFRUN_PROG_COMMANDS_H
#define BPFRUN_PROG_COMMANDS_H

#include "../obj/prog.h"

int prog_load(union bpf_attr *attr, union bpf_attr *uattr, u32 size);     /* prog_load.c */
int prog_test_run(union bpf_attr *attr, union bpf_attr *uattr, u32 size); /* test_run.c */
int prog_bind_map(union bpf_attr *attr, union bpf_attr *uattr, u32 size); /* prog_bind.c */
void prog_unbind_maps(struct bpf_prog *prog); /* drops the bound maps (prog_bind.c) */
/* The program part of BPF_OBJ_GET_INFO_BY_FD (prog_info.c). */
int prog_get_info(struct bpf_prog *prog, struct bpf_prog_info *info);

#endif
