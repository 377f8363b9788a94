/* The kfuncs bpfrun implements, one line each: KFUNC(name, KF_* flags, kernel kfunc set).
 * Included twice by kfunc.c only (no include guard): kfunc.c's header says how to add one. */
KFUNC(bpf_rcu_read_lock, 0, SET_COMMON)
KFUNC(bpf_rcu_read_unlock, 0, SET_COMMON)
KFUNC(bpf_rdonly_cast, KF_FASTCALL, SET_COMMON)
KFUNC(bpf_iter_num_new, KF_ITER_NEW, SET_COMMON)
KFUNC(bpf_iter_num_next, KF_ITER_NEXT | KF_RET_NULL, SET_COMMON)
KFUNC(bpf_iter_num_destroy, KF_ITER_DESTROY, SET_COMMON)
