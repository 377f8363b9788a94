/* The redirect maps (redirect.c): DEVMAP, DEVMAP_HASH, CPUMAP and XSKMAP, for the
 * bpf_redirect_map helper.  No state beyond the maps'. */
#ifndef BPFRUN_MAPS_REDIRECT_H
#define BPFRUN_MAPS_REDIRECT_H

#include "map.h"

/* What bpf_redirect_map finds at key of a redirect map: the device's ifindex (devmaps),
 * the CPU (cpumap: the key) or the socket's slot (xskmap: the key).  False when the map
 * is not a redirect map or has no entry at key.  Lock-free, for programs. */
bool redirect_map_target(struct bpf_map *map, u32 key, u32 *ifindex);

/* The flags bpf_redirect_map accepts besides the action bits, per map type. */
u64 redirect_map_flag_mask(const struct bpf_map *map);

/* Calls fn on the ifindex of every device in a devmap (BPF_F_BROADCAST). */
void redirect_map_each_dev(struct bpf_map *map, void (*fn)(u32 ifindex, void *arg), void *arg);

extern const struct map_ops devmap_ops, devmap_hash_ops, cpumap_ops, xskmap_ops;

#endif
