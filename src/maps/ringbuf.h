/* Ring buffers (RINGBUF, USER_RINGBUF): what the helpers and the bridge use of them.
 *
 * The memory is the kernel's user-space ABI: a consumer page (the consumer position at
 * offset 0), a producer page (the producer position at 0, the oldest uncommitted record's
 * position at 8) and max_entries bytes of data mapped twice in a row, so a record that
 * wraps around the end is contiguous.  Records have the kernel's 8-byte header (length
 * with the BUSY and DISCARD bits, page offset) and are 8-byte aligned.  See ringbuf.c.
 */
#ifndef BPFRUN_RINGBUF_H
#define BPFRUN_RINGBUF_H

#include "map.h"

#define RINGBUF_HDR_SZ 8u
#define RINGBUF_BUSY_BIT (1u << 31)
#define RINGBUF_DISCARD_BIT (1u << 30)
#define RINGBUF_MAX_RECORD_SZ (0xffffffffu / 4)

static inline bool map_is_ringbuf(const struct bpf_map *m)
{
	return m->map_type == BPF_MAP_TYPE_RINGBUF;
}
static inline bool map_is_user_ringbuf(const struct bpf_map *m)
{
	return m->map_type == BPF_MAP_TYPE_USER_RINGBUF;
}

/* ---- RINGBUF: programs produce ---- */
/* Reserves a record of size bytes (the kernel's __bpf_ringbuf_reserve): the sample's
 * address (after its header, marked BUSY), or NULL when it does not fit. */
void *ringbuf_reserve(struct bpf_map *map, u64 size);
/* Submits (or discards) a reserved sample and wakes the consumer as the kernel does:
 * BPF_RB_FORCE_WAKEUP always, else when the consumer waits for this very record and
 * BPF_RB_NO_WAKEUP is not given. */
void ringbuf_commit(struct bpf_map *map, void *sample, u64 flags, bool discard);
/* bpf_ringbuf_query's answers (BPF_RB_AVAIL_DATA, RING_SIZE, CONS_POS, PROD_POS; else 0). */
u64 ringbuf_query(struct bpf_map *map, u64 flags);

/* ---- USER_RINGBUF: user space produces, programs drain ---- */
/* Takes the map's busy bit (one drainer at a time): false when another holds it. */
bool user_ringbuf_begin(struct bpf_map *map);
/* The next sample (the kernel's __bpf_user_ringbuf_peek): 0 with *sample and *size, -ENODATA
 * (none, or still BUSY), -EAGAIN (a discarded one was skipped), -EINVAL or -E2BIG (user space
 * broke the protocol). */
int user_ringbuf_peek(struct bpf_map *map, void **sample, u32 *size);
/* Consumes the sample peek returned. */
void user_ringbuf_release(struct bpf_map *map, u32 size);
/* Drops the busy bit; wakes a waiting producer when wake. */
void user_ringbuf_end(struct bpf_map *map, bool wake);

/* ---- readiness (epoll), for the bridge ----
 * A ring buffer's descriptor is a memfd, which epoll refuses; each ring is a poll source
 * (lib/pollsrc.h) whose wake-ups come from the producer (RINGBUF) or the drainer
 * (USER_RINGBUF), ready while there is data to read (RINGBUF) or room to write
 * (USER_RINGBUF). */
/* The eventfd standing for map in epoll_ctl(epfd, ..., data) (signalled now if the ring is
 * ready, as the kernel polls at EPOLL_CTL_ADD), or -1 for maps that are not rings. */
int ringbuf_poll_fd(struct bpf_map *map, int epfd, u64 data);

#endif
