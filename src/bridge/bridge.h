/* Internals shared by the bridge's files (libbpfrun.so only). */
#ifndef BPFRUN_BRIDGE_H
#define BPFRUN_BRIDGE_H

#define EXPORT __attribute__((visibility("default")))

/* The next definition of a symbol (dlsym(RTLD_NEXT)), resolved once; NULL while dlsym
 * itself runs on this thread (callers then make the system call directly). */
void *bridge_next(void **slot, const char *name);
#define NEXT(name, type)                           \
	({                                         \
		static void *slot_;                \
		(type) bridge_next(&slot_, #name); \
	})

/* netlink.c: forgets a closed descriptor's rtnetlink state (close, close_range). */
void bridge_netlink_forget(int fd);

#endif
