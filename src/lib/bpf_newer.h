/* Helper ids of the running kernel (6.18) that the installed <linux/bpf.h> (Debian 12's
 * 6.1) does not name.  Headers from 6.2 on number helpers explicitly (___BPF_FUNC_MAPPER)
 * and name these themselves.  Used by the helper table, the helper sets and the tool
 * that measures them (so no bpfrun header beyond this one). */
#ifndef BPFRUN_BPF_NEWER_H
#define BPFRUN_BPF_NEWER_H

#include <linux/bpf.h>

#ifndef ___BPF_FUNC_MAPPER
#define BPF_NEWER_FUNC_MAPPER(FN) FN(cgrp_storage_get, 210) FN(cgrp_storage_delete, 211)
#define BPF_FUNC_cgrp_storage_get 210
#define BPF_FUNC_cgrp_storage_delete 211
#define BPF_MAP_TYPE_CGRP_STORAGE 32 /* the map type those helpers take */
#else
#define BPF_NEWER_FUNC_MAPPER(FN)
#endif

#endif
