/* The per-user runtime (src/server/): one process that serves the bpf() calls of every
 * process started under `bpfrun exec`, trapped by a seccomp user-notification filter.
 *   handout.c  the descriptors it gives those processes, and when their last file goes
 *   runtime.c  the runtime process: its socket, the filters' listeners, each trapped call
 *   client.c   `bpfrun exec`'s side: find or start the runtime, install the filter
 *   caller.c   the caller's context a call is served in (cwd, identity, network namespace)
 *   rtnl.c     rtnetlink sockets of supervised processes
 *   settings.c the settings each command tree's calls get
 * Internal to the folder; the API is include/bpfrun_runtime.h. */
#ifndef BPFRUN_SERVER_H
#define BPFRUN_SERVER_H

#include <sys/types.h>

#include "../lib/common.h"
#include "../lib/sys.h"
#include "../obj/object.h"

/* ---- handout.c ---- */
int handout_init(void);   /* the inotify descriptor to poll, or -errno */
void handout_drain(void); /* reads the pending events; drops objects whose files are gone */
size_t handout_count(void);
void handout_stop(void); /* drops every entry */
/* While serving one trapped call of process pid (notification id on listener):
 * descriptors and "user" memory are the caller's. */
void handout_begin(int listener, u64 id, pid_t pid);
void handout_end(void);

/* ---- caller.c ---- */
struct task_ident;
/* Enters process pid's working directory, for its relative paths (chdir("/") after). */
bool caller_enter_cwd(pid_t pid);
/* Process pid's identity from /proc/PID/status. */
void caller_read_task(pid_t pid, struct task_ident *t);
/* Enters process pid's network namespace on this thread: a descriptor of ours to return
 * with (caller_netns_leave), -1 when it is ours already, or -2 when it cannot be entered
 * (the call is then served in the runtime's own). */
int caller_netns_enter(pid_t pid);
void caller_netns_leave(int self);

/* ---- rtnl.c ---- */
/* The numbers a process's rtnetlink sockets get (the filter traps sends on them). */
#define RT_NL_FD_FIRST 1000
#define RT_NL_FD_COUNT 8
struct seccomp_notif;
/* socket(AF_NETLINK, ..., NETLINK_ROUTE) of a supervised process, and sendto/sendmsg on
 * one of its rtnetlink sockets: true when served (the result or -errno in *ret), false to
 * hand the call back to the kernel. */
bool rtnl_serve_socket(int listener, const struct seccomp_notif *req, long *ret);
bool rtnl_serve_send(const struct seccomp_notif *req, long *ret);

/* ---- settings.c ---- */
/* What a command tree's environment sets for its own calls (settings.c says which). */
struct tree_settings {
	bool jit, verifier;
	u64 budget; /* 0: the default */
};
/* This process's settings as a join message's tail: NAME=VALUE strings, each ended by a
 * NUL; returns the bytes written. */
size_t settings_message(char *buf, size_t len);
/* A join message's tail (len bytes) into s; what it leaves out is the default. */
void settings_parse(struct tree_settings *s, const char *msg, size_t len);
/* Makes s the settings of the calls this thread serves from now on (NULL: the
 * process's). */
void settings_apply(const struct tree_settings *s);
/* The process's own switches back to the defaults: the runtime's environment is only
 * that of the exec that started it.  Timer callbacks run with these. */
void settings_defaults(void);

/* ---- runtime.c ---- */
int runtime_serve(const char *dir); /* the runtime's main loop; returns its exit status */

/* ---- client.c ---- */
/* The runtime directory: $BPFRUN_RUNTIME_DIR, else $XDG_RUNTIME_DIR/bpfrun, else
 * /tmp/bpfrun-UID; created 0700 when create; -errno (with a warning) when it is not a
 * directory of ours that only we can enter. */
int runtime_dir(char *out, size_t len, bool create);

/* The socket's messages: a request is one of these words (SOCK_SEQPACKET); "join" carries
 * the filter's listener (SCM_RIGHTS) and, after the word's NUL, the tree's settings
 * (settings.c); "fire" a hook (NUL-terminated) and its context, answered "ok RET" or
 * "error ERRNO". */
#define RT_SOCK "sock"
#define RT_LOCK "lock"
#define RT_LOG "log"
#define RT_MSG_MAX 65536
/* A request: its word and, for "join", the settings; for "fire", the hook and the
 * context (at most 4096 bytes) after it. */
#define RT_REQUEST_MAX 9216

#endif
