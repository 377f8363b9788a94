/* TEMPORARY stubs so the library links while helpers are written. Delete when done. */
#include "helpers.h"
#include "bpfrun.h"
const struct helper_desc *helper_get(u32 id) { return NULL; }
const char *helper_name(u32 id) { return NULL; }
void trace_emit(struct exec_ctx *x, const char *msg, size_t len) {}
void bpfrun_set_trace_callback(bpfrun_trace_fn fn, void *arg) {}
