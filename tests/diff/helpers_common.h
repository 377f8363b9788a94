/* What the helpers_* diff tests share: the results array res[] their programs fill
 * (tests/bpf/helpers_common.h), and running a program that reports through it. */
#ifndef HELPERS_COMMON_H
#define HELPERS_COMMON_H

#include "difftest.h"

#define NR_RES 32

static inline long long res_get(struct bpf_object *obj, uint32_t i)
{
	long long v = 0;

	bpf_map_lookup_elem(map_fd(obj, "res"), &i, &v);
	return v;
}

static inline void res_clear(struct bpf_object *obj)
{
	long long zero = 0;

	for (uint32_t i = 0; i < NR_RES; i++)
		bpf_map_update_elem(map_fd(obj, "res"), &i, &zero, BPF_ANY);
}

/* Runs a packet program and prints "NAME: run ERR, COUNTED N"; returns N, its return
 * value (how many results or calls it made). */
static inline uint32_t res_run(struct bpf_object *obj, const char *name, const char *counted)
{
	uint32_t ret = 0;
	int err = run_prog(prog_fd(obj, name), NULL, 0, &ret);

	out("%s: run %d, %s %d", name, err, counted, (int)ret);
	CHECK(err == 0, "%s runs", name);
	return ret;
}

/* Prints res[0..n). */
static inline void res_print(struct bpf_object *obj, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < NR_RES; i++)
		out("  [%u] = %lld", i, res_get(obj, i));
}

#endif
