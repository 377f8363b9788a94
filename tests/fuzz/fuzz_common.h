/* What the fuzz targets share: reading the fuzzer's bytes as a stream of choices, the
 * memory that attrs point into (good, read-only and unmapped pages), a pool of the
 * descriptors an input created (closed at its end, so no object outlives its input), and
 * a BTF whose value struct holds the special fields (bpf_spin_lock, bpf_timer).
 *
 * Every target runs on the virtual clock: no timer thread fires on its own, and an input
 * decides when timers come due (bpfrun_clock_advance), so runs are reproducible.
 */
#ifndef BPFRUN_FUZZ_COMMON_H
#define BPFRUN_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* The input as a stream: reads past its end give zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t in_u8(struct fuzz_in *in);
uint16_t in_u16(struct fuzz_in *in);
uint32_t in_u32(struct fuzz_in *in);
uint64_t in_u64(struct fuzz_in *in);
/* Copies up to len bytes into dst and zero-fills the rest; returns the bytes taken. */
size_t in_bytes(struct fuzz_in *in, void *dst, size_t len);
static inline bool in_empty(const struct fuzz_in *in)
{
	return in->n == 0;
}

/* Memory for pointers in attrs. arena.rw: FUZZ_RW_SIZE writable bytes, followed by an
 * unmapped page; arena.ro: a read-only page. They never change mapping (bpfrun caches the
 * pages it has probed). */
#define FUZZ_RW_SIZE 8192
struct fuzz_arena {
	uint8_t *rw;
	uint8_t *ro;
	uint8_t *unmapped;
};
extern struct fuzz_arena arena;

/* A pointer chosen by sel: NULL, into rw (at an offset the next bytes choose), at the end of
 * rw so that a copy runs into the unmapped page, read-only, unmapped, non-canonical,
 * a kernel address, or raw input bits with the top bit set. */
uint64_t fuzz_ptr(struct fuzz_in *in);

/* Descriptors an input created. */
#define FUZZ_MAX_FDS 64
struct fuzz_fds {
	int fd[FUZZ_MAX_FDS];
	int n;
};
/* Adds fd (>= 0) to the pool; closes it when the pool is full. */
void fds_add(struct fuzz_fds *f, int fd);
/* A descriptor chosen by the input: mostly one of the pool, sometimes -1, 0, a closed
 * descriptor, a descriptor that is not bpfrun's, or a large number. */
int fds_pick(struct fuzz_fds *f, struct fuzz_in *in);
void fds_close_all(struct fuzz_fds *f);

/* Once per process: the virtual clock, trace lines discarded (after being read whole),
 * runs bounded to a small budget, the counts of fuzz_bpf_sized printed at exit. */
void fuzz_init(void);

/* BPF_BTF_LOAD of a blob; the descriptor or -1. */
int fuzz_btf_load(const void *blob, uint32_t size, char *log, uint32_t log_size, uint32_t level);

/* A BTF describing "struct fuzz_val { int a; struct bpf_spin_lock lock; long b;
 * struct bpf_timer timer; char pad[24]; }" (FUZZ_VAL_SIZE bytes; int is type 1) loaded in
 * bpfrun: its descriptor (the struct's type id in *val_type), or -1. */
#define FUZZ_VAL_SIZE 56
int fuzz_special_btf(uint32_t *val_type);

/* bpfrun_bpf, counted (the counts are printed at exit); fuzz_bpf passes the full size. */
long fuzz_bpf_sized(int cmd, union bpf_attr *attr, unsigned int size);
long fuzz_bpf(int cmd, union bpf_attr *attr);

/* A line for the campaign's report: appended to the file $FUZZ_REPORT names (libFuzzer's
 * -close_fd_mask hides the targets' stderr), or on stderr. */
void fuzz_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
