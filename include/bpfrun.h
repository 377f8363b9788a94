/* bpfrun: eBPF in user space with the Linux kernel's semantics.
 *
 * The primary interface is the kernel's own bpf(2) ABI: bpfrun_bpf() takes the same
 * command numbers and union bpf_attr as the system call and returns the same results
 * (-1 and errno on error).  Object file descriptors it returns are real descriptors of
 * the process; close them with close(2) when the bridge is active (libbpfrun.so linked
 * or preloaded), or with bpfrun_close() otherwise.
 *
 * Everything here is thread-safe.
 */
#ifndef BPFRUN_H
#define BPFRUN_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#ifdef __cplusplus
extern "C" {
#endif
/* libbpfrun.so is built with hidden visibility: what is declared here is its API. */
#pragma GCC visibility push(default)

/* The bpf(2) system call. */
long bpfrun_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* Close / duplicate a descriptor, keeping bpfrun's object references right.
 * Any descriptor may be passed; non-bpfrun ones are simply closed / duplicated. */
int bpfrun_close(int fd);
int bpfrun_dup(int fd);
int bpfrun_dup2(int oldfd, int newfd);

/* ---- Clock ----------------------------------------------------------------------
 * By default the runtime reads the host's clocks.  A virtual clock starts at a fixed
 * instant and only moves when bpfrun_clock_advance() is called; bpf_ktime_get_*_ns and
 * timer expiries read it.  The environment variable BPFRUN_CLOCK=virtual selects it at
 * start-up (for the bridge and the CLI). */
int bpfrun_clock_set_virtual(void); /* -1/EBUSY once a timer has been armed */
int bpfrun_clock_is_virtual(void);
/* Moves the virtual clock forward by ns, running every timer callback that comes due,
 * in expiry order, on the calling thread, before returning.  -1/EINVAL on a real clock;
 * -1/EDEADLK from a timer callback.  -1/ELOOP on a timer storm: more than 2^20
 * callbacks came due within 1 ms of virtual time (faster than CPUs could run them; e.g.
 * a callback that re-arms its timer 0 ns ahead is always due at the same instant).  The
 * work done is bounded: the clock stops at the storm's instant, the timers stay armed,
 * and a later call goes on from there (with another 2^20 callbacks at most). */
int bpfrun_clock_advance(uint64_t ns);
/* Runs callbacks due up to the absolute CLOCK_MONOTONIC instant `ns` (virtual clock),
 * with the same errors. */
int bpfrun_clock_advance_to(uint64_t ns);
/* Current time of a clock (CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME, CLOCK_TAI). */
uint64_t bpfrun_clock_now(int clockid);

/* ---- Trace output (bpf_printk) --------------------------------------------------
 * Lines are formatted as trace_pipe prints them and appended to the file named by
 * BPFRUN_TRACE (stderr by default), or handed to a callback instead. `line` has no
 * trailing newline. */
typedef void (*bpfrun_trace_fn)(const char *line, size_t len, void *arg);
void bpfrun_set_trace_callback(bpfrun_trace_fn fn, void *arg);

/* ---- Timers ------------------------------------------------------------------------ */
struct bpfrun_timer_stats {
	uint64_t armed;     /* successful bpf_timer_start calls */
	uint64_t fired;     /* callbacks run */
	uint64_t cancelled; /* pending timers stopped by cancel or free */
	uint64_t pending;   /* timers armed right now */
};
void bpfrun_timer_stats(struct bpfrun_timer_stats *out);

/* Stops the timer engine: cancels every timer, waits for running callbacks, joins the
 * runtime's threads.  Called automatically at process exit. Idempotent.  A callback
 * still running is told to stop: it ends with a fault within milliseconds, so the wait
 * is short whatever the callback does and whatever the run budget. */
void bpfrun_shutdown(void);

/* ---- Run budget --------------------------------------------------------------------
 * Nothing verifies that a program ends, so every run (BPF_PROG_TEST_RUN, each timer
 * callback) may do a bounded amount of work, counted in instructions; work that helpers
 * do for the run counts as instructions too (each bpf_loop or bpf_for_each_map_elem
 * callback, the map slots a walk examines, the bytes a helper reads or writes).  A run
 * that goes over ends like any other run-time fault: BPF_PROG_TEST_RUN fails with
 * EFAULT and the message names the budget.  The default, 2^30 (about a second of CPU),
 * is far above what programs usually do.  The environment variable BPFRUN_RUN_BUDGET sets
 * it at start-up.  0 restores the default; it applies to runs that start afterwards. */
void bpfrun_set_run_budget(uint64_t insns);
uint64_t bpfrun_run_budget(void);

/* The x86-64 JIT: on by default where it supports a program (an unsupported one is
 * interpreted); off (0) forces the interpreter for every run from now on and for the
 * programs loaded afterwards; on again (1) lets programs compiled meanwhile run native.
 * BPFRUN_JIT=0 in the environment turns it off at start-up.  Results, faults and the
 * work budget are the same either way. */
void bpfrun_set_jit(int on);

/* ---- Kernel BTF --------------------------------------------------------------------
 * Programs name kernel functions and types by their ids in the kernel's BTF (attach
 * targets, kfuncs, typed ksyms).  bpfrun reads it from /sys/kernel/btf/vmlinux, or from
 * the file the environment variable BPFRUN_KERNEL_BTF names, or from the file given here
 * (raw BTF or an ELF file with a .BTF section), where that file is missing or another
 * kernel's is wanted.  Call it before loading programs: once bpfrun has read the kernel's
 * BTF it returns -EBUSY.  NULL restores the default. */
int bpfrun_set_kernel_btf(const char *path);

/* ---- Cgroup of the current task ----------------------------------------------------
 * bpf_current_task_under_cgroup tests the current task's cgroup v2 path: by default the
 * process's own (the "0::" line of /proc/self/cgroup, read at each call); this assigns
 * another, "/" being the hierarchy's root, as /proc/<pid>/cgroup writes them.  NULL
 * restores the default.  0, or -EINVAL for a path that does not start with '/'. */
int bpfrun_set_cgroup(const char *path);

/* Number of possible CPUs (execution contexts), as libbpf_num_possible_cpus() sees it. */
int bpfrun_num_possible_cpus(void);

/* ---- Armed timers, listed ------------------------------------------------------------
 * Neither the kernel nor bpftool can list armed BPF timers; bpfrun can.
 * bpfrun_timer_walk() calls fn once for every timer that is armed or whose callback is
 * running, CPU by CPU (engine by engine), each CPU's in firing order.  It copies what it
 * reports under the engines' locks and calls fn with no lock held, so fn may call any
 * bpfrun function.  Returns 0, fn's first non-zero return value (the walk stops there),
 * or -1 with errno ENOMEM.  `bpfrun timer list` prints this list, for an object it runs
 * or for a process started with `bpfrun exec`. */
#define BPFRUN_TIMER_KEY_MAX 64
enum bpfrun_timer_state {
	BPFRUN_TIMER_ARMED = 0,   /* waiting for its expiry */
	BPFRUN_TIMER_HELD = 1,    /* armed by a program run still in progress */
	BPFRUN_TIMER_RUNNING = 2, /* its callback runs now */
};
struct bpfrun_timer_info {
	uint32_t kind;   /* 0: bpf_timer */
	uint32_t state;  /* enum bpfrun_timer_state */
	uint32_t map_id; /* the map holding it */
	char map_name[16];
	uint32_t key_size; /* the map's key size; key[] holds up to BPFRUN_TIMER_KEY_MAX */
	uint8_t key[BPFRUN_TIMER_KEY_MAX];
	uint32_t prog_id; /* the program of its callback (0: none) */
	char prog_name[16];
	char callback[64]; /* the callback's name (the program's BTF), or "func@INSN" */
	int32_t clockid;   /* as bpf_timer_init was given it */
	uint32_t flags;    /* bpf_timer_start's flags (BPF_F_TIMER_ABS, _CPU_PIN) */
	uint32_t cpu;      /* the CPU id (engine) it fires on */
	uint32_t pad;
	uint64_t expires_ns;  /* absolute, on `clockid` */
	int64_t remaining_ns; /* expires - now (0 or less: due) */
};
typedef int (*bpfrun_timer_walk_fn)(const struct bpfrun_timer_info *t, void *arg);
int bpfrun_timer_walk(bpfrun_timer_walk_fn fn, void *arg);
/* The same walk in another process that runs on libbpfrun.so with the environment
 * variable BPFRUN_TIMER_SOCKET=1 (`bpfrun exec` sets it): such a process answers on the
 * abstract unix socket "bpfrun-timers.PID", to its own user and to root only.  -1 with
 * errno ECONNREFUSED when process `pid` does not answer, EACCES when it refuses. */
int bpfrun_timer_walk_process(int pid, bpfrun_timer_walk_fn fn, void *arg);
/* Makes this process answer bpfrun_timer_walk_process() (what BPFRUN_TIMER_SOCKET=1 does
 * at start): 0, or -1 when the socket cannot be set up (e.g. the name is taken). */
int bpfrun_timer_socket_start(void);
/* Called as each timer callback is about to run, on the thread that runs it, with the
 * timer as the listing shows it (state RUNNING; remaining_ns: 0 or less, how late) and
 * the time on CLOCK_MONOTONIC: `bpfrun run --timeline` prints a timeline of firings with
 * it.  NULL removes it.  Set it before timers fire (the firing path reads it unlocked). */
typedef void (*bpfrun_timer_fire_fn)(const struct bpfrun_timer_info *t, uint64_t now_ns, void *arg);
void bpfrun_set_timer_fire_callback(bpfrun_timer_fire_fn fn, void *arg);
/* ---- Testing: fault injection, determinism, coverage ------------------------------
 * Fault injection: helper or kfunc `name` ("bpf_timer_init", "bpf_dynptr_from_xdp")
 * returns err, a negative errno, instead of doing its work, on its nth call from now (1 is
 * the next call), or on every call when nth is 0.  Functions that return a pointer
 * (bpf_map_lookup_elem, bpf_ringbuf_reserve, kfuncs flagged KF_RET_NULL or KF_ACQUIRE)
 * take err 0: they return NULL.  A rule binds when a program is loaded: programs loaded
 * before it do not see it.  Programs loaded without any rule pay nothing.  Setting a rule
 * on the same function again replaces it and restarts its count.  -1/ENOENT: no helper
 * or kfunc of that name that bpfrun implements; -1/EINVAL: err is positive, or not 0 for
 * a pointer; -1/ENOSPC: rules on 16 different functions already. */
int bpfrun_fail_helper(const char *name, int err, uint64_t nth);
/* Drops every rule: the helpers work again, also in programs loaded under a rule. */
void bpfrun_fail_clear(void);
/* The calls of the helper since its rule was set, and how many of them failed.
 * -1/ENOENT when no rule names it. */
int bpfrun_fail_stats(const char *name, uint64_t *calls, uint64_t *fails);

/* bpf_get_prandom_u32 from now on draws the sequence this seed gives (each thread the
 * same sequence, restarted by every call). */
void bpfrun_set_prandom_seed(uint64_t seed);
/* The calling thread runs programs as CPU id cpu (bpf_get_smp_processor_id, per-CPU
 * maps, the timers its runs arm).  -1/EINVAL when cpu >= bpfrun_num_possible_cpus(). */
int bpfrun_set_cpu(int cpu);

/* Coverage: programs loaded while it is on count how often each instruction runs, over
 * every run (timer callbacks included); the interpreter runs them (a JIT is not used). */
void bpfrun_set_coverage(int on);
/* The counts of program prog_fd: hits[i], how often instruction i ran (the instructions
 * as loaded, the indexes of line_info's insn_off), and taken[i], how often conditional
 * jump i jumped (hits[i] - taken[i] fell through).  Either may be NULL; cnt is their
 * length.  Returns the number of instructions, or -1/ENODATA when the program was loaded
 * without coverage (EBADF, EINVAL as BPF_OBJ_GET_INFO_BY_FD). */
long bpfrun_prog_coverage(int prog_fd, uint64_t *hits, uint64_t *taken, uint32_t cnt);
/* ---- Firing attached programs ------------------------------------------------------
 * Runs the programs a loader attached to a hook, in attach order, as the kernel would
 * when the event happens, so that kprobe, tracepoint, raw tracepoint, fentry-family and
 * LSM programs can be unit-tested.  The hook is spelled as libbpf's section names:
 *   "kprobe/FUNC", "kretprobe/FUNC"       ctx: struct pt_regs
 *   "uprobe/PATH:OFFSET", "uretprobe/..." ctx: struct pt_regs (OFFSET: the file offset)
 *   "tracepoint/CAT/NAME" ("tp/...")      ctx: the tracepoint's record
 *   "raw_tp/NAME" ("raw_tracepoint/", "tp_btf/")   ctx: the u64 arguments
 *   "fentry/FUNC", "fexit/FUNC", "fmod_ret/FUNC", "lsm/HOOK"
 *                                         ctx: the u64 arguments; the whole trampoline
 *                                         runs (fentry, fmod_ret, fexit programs); the
 *                                         function itself returns *ret as given
 *   "xdp/DEV" (a name or an ifindex)     ctx: a packet, run through the device's XDP
 *                                         program as BPF_PROG_TEST_RUN runs it; *ret:
 *                                         its action (ENOENT: nothing attached)
 *   "sk_skb/MAP/KEY" (a socket map's name or id, a u32 key)
 *                                         ctx: data arriving at the socket at KEY, run
 *                                         through the map's stream (or skb) verdict
 *                                         program; *ret: SK_PASS or SK_DROP; a redirect
 *                                         is in bpfrun_last_redirect (ENOENT: no such
 *                                         map, socket or verdict program)
 *   "sk_msg/MAP/KEY"                     the same for data the socket sends, through
 *                                         the map's msg verdict (ctx: the message)
 * Returns 0, or -1 with errno (EINVAL: a hook spelled otherwise or a ctx too large,
 * ENOENT: an unknown tracepoint, EFAULT: a program faulted, after the others ran).
 * *ret (may be NULL): the last program's R0 (kprobes: the value a bpf_override_return
 * set; the fentry family: the function's return value as the programs left it). */
int bpfrun_fire(const char *hook, void *ctx, size_t ctx_size, uint64_t *ret);
/* The trigger API as a bpf(2) command, for a process the per-user runtime serves
 * (`bpfrun exec`) with no libbpfrun.so in it, a static binary say:
 * syscall(__NR_bpf, BPFRUN_BPF_FIRE, &attr, sizeof(attr)) fires the runtime's hook as
 * bpfrun_fire() does, with its errors (the kernel refuses the command: EINVAL).  `bpfrun
 * exec` preloads libbpfrun-client.so, whose bpfrun_fire() is this call.  In process
 * (libbpfrun.so, bpfrun_bpf) the command fires the process's own hooks. */
#define BPFRUN_BPF_FIRE 0x62720001
struct bpfrun_fire_attr {
	uint64_t hook; /* const char *: the hook, spelled as for bpfrun_fire */
	uint64_t ctx;  /* const void *: the context, ctx_size bytes (at most 4096) */
	uint64_t ctx_size;
	uint64_t ret; /* uint64_t * or 0: read as *ret is, then the result */
};
/* epoll on ring descriptors, for a process the per-user runtime serves.  A ring buffer's
 * or a BPF_OUTPUT perf event's descriptor is a memfd there, which epoll_ctl refuses
 * (EPERM); an eventfd stands for it instead.  libbpfrun-client.so, which `bpfrun exec`
 * preloads, makes these calls inside its epoll_ctl and epoll_wait, so that libbpf's
 * ring_buffer, user_ring_buffer and perf_buffer work unchanged:
 *   BPFRUN_POLL_STANDIN   a new descriptor of the caller's for the eventfd standing for
 *                         ring descriptor fd in epoll instance epfd, with the event data
 *                         `data`; `events` is rewritten as the eventfd must be asked, and
 *                         `n` set to 1 for a perf event's ring (whose wake-ups need
 *                         BPFRUN_POLL_REPORTED), 0 for a ring buffer's.  EINVAL when fd is
 *                         no ring's.
 *   BPFRUN_POLL_REARM     before each epoll_wait: clears the eventfds of rings that are
 *                         not ready, so that a wait reports a ring when the kernel's would
 *   BPFRUN_POLL_REPORTED  after an epoll_wait on epfd returned the n events at evs: the
 *                         perf events among them have had their wake-up reported
 * syscall(__NR_bpf, BPFRUN_BPF_POLL, &attr, sizeof(attr)): 0 or the new descriptor, or -1
 * with errno.  A process with libbpfrun.so needs none of it: its epoll calls do the same. */
#define BPFRUN_BPF_POLL 0x62720002
enum { BPFRUN_POLL_STANDIN = 1, BPFRUN_POLL_REARM, BPFRUN_POLL_REPORTED };
struct bpfrun_poll_attr {
	uint32_t op;
	int32_t fd;        /* STANDIN: the ring's descriptor */
	int32_t epfd;      /* STANDIN, REPORTED: the epoll instance */
	uint32_t events;   /* STANDIN: EPOLL* asked; on return, as the eventfd must be asked */
	uint64_t data;     /* STANDIN: the event's data */
	uint64_t evs;      /* REPORTED: struct epoll_event *, n of them */
	uint32_t n;        /* REPORTED: as evs says; STANDIN, on return: 1 for a perf event */
	uint32_t reserved; /* 0 */
};
/* mmap(2) of a ring buffer, for a process the per-user runtime serves.  A ring buffer's
 * data pages appear twice in a mapping, one view right after the other, as the kernel
 * maps them; the caller's own mmap of the map's descriptor (a memfd there) can show each
 * file page once only, so the runtime refuses such a mapping (EINVAL).
 * libbpfrun-client.so, which `bpfrun exec` preloads, then asks with this command what
 * the mapping shows: the kernel's checks of fd, off, len, prot and flags, then up to two
 * pieces, each len bytes at offset `at` of the mapping from file offset file_off of fd.
 * It reserves the address range and maps each piece itself (an mmap the runtime checks
 * again), so that libbpf's ring_buffer and user_ring_buffer work unchanged.
 * nr_pieces 0: the mapping is the file's bytes, and the mmap was refused for another
 * reason.  syscall(__NR_bpf, BPFRUN_BPF_MMAP, &attr, sizeof(attr)): 0, or -1 with errno
 * as the kernel's mmap would give it.  A process with libbpfrun.so needs none of it. */
#define BPFRUN_BPF_MMAP 0x62720003
struct bpfrun_mmap_attr {
	int32_t fd;
	uint32_t prot, flags;
	uint32_t nr_pieces; /* out */
	uint64_t off, len;
	struct {
		uint64_t at, file_off, len;
	} pieces[2]; /* out */
};
/* ---- What bpfrun runs ----------------------------------------------------------
 * bpfrun implements part of the kernel's program and map types.  A type it does not
 * implement is refused as the kernel refuses an unknown one (EINVAL); program loads also
 * name it in the verifier log ("bpfrun: program type lwt_in (10) is not supported").
 * BPF_MAP_CREATE has no log: these tell a loader why its map was refused. */
int bpfrun_prog_type_supported(uint32_t prog_type);
int bpfrun_map_type_supported(uint32_t map_type);

/* ---- Redirects -------------------------------------------------------------------
 * A test run returns what the program returns, as the kernel's does, and moves no
 * packet; where the packet would have gone is recorded per thread.  After an XDP or tc
 * BPF_PROG_TEST_RUN whose program returned XDP_REDIRECT / TC_ACT_REDIRECT, or an sk_skb
 * or sk_msg verdict fired with bpfrun_fire("sk_skb/..." / "sk_msg/...") that returned
 * SK_PASS after bpf_sk_redirect_* / bpf_msg_redirect_*, the target the redirect helpers
 * set (the last call wins, as in the kernel) is: */
struct bpfrun_redirect {
	uint32_t action;   /* the program's return value: XDP_REDIRECT, TC_ACT_REDIRECT, SK_PASS */
	uint32_t ifindex;  /* the device (bpf_redirect*, or a devmap entry's), else 0 */
	int32_t cpu;       /* a CPUMAP target (its key), else -1 */
	int32_t xsk;       /* an XSKMAP target (its key), else -1 */
	uint32_t map_id;   /* the map bpf_redirect_map used, else 0 */
	uint32_t map_type; /* and its type */
	uint32_t key;      /* and the key */
	uint32_t how;      /* BPFRUN_REDIRECT_* */
	uint64_t flags;    /* the helper's flags (BPF_F_INGRESS, BPF_F_BROADCAST ...) */
	uint64_t cookie;   /* a socket map's target: the socket's SO_COOKIE, else 0 */
};
#define BPFRUN_REDIRECT_EGRESS 0    /* bpf_redirect, bpf_redirect_map */
#define BPFRUN_REDIRECT_INGRESS 1   /* bpf_redirect with BPF_F_INGRESS */
#define BPFRUN_REDIRECT_PEER 2      /* bpf_redirect_peer */
#define BPFRUN_REDIRECT_NEIGH 3     /* bpf_redirect_neigh */
#define BPFRUN_REDIRECT_BROADCAST 4 /* bpf_redirect_map with BPF_F_BROADCAST */
#define BPFRUN_REDIRECT_SOCKET 5    /* bpf_sk/msg_redirect_map / _hash (SK_PASS) */
/* Fills *out for the calling thread's last test run: 0, or -ENOENT when it did not
 * redirect (no test run yet, another verdict, or no redirect helper call). */
int bpfrun_last_redirect(struct bpfrun_redirect *out);

/* ---- Routing tables for bpf_fib_lookup --------------------------------------------
 * Without tables, bpf_fib_lookup answers as a kernel with empty tables and forwarding
 * off (BPF_FIB_LKUP_RET_FWD_DISABLED for every existing device).  This gives it routes
 * and neighbours as text, one per line, in the shapes `ip route show table all`,
 * `ip -6 route show table all` and `ip neigh show` print them, e.g.
 *   default via 10.0.1.2 dev eth0
 *   10.5.0.0/16 via 10.0.2.2 dev eth1 metric 5 mtu lock 1400
 *   blackhole 10.7.0.0/16
 *   local 10.0.1.1 dev eth0 table local proto kernel scope host src 10.0.1.1
 *   10.0.1.2 dev eth0 lladdr 02:00:00:00:00:02 PERMANENT
 * Devices are named as the host has them, and the host's devices answer for forwarding
 * (net.ipv4/ipv6.conf.DEV.forwarding), MTU, MAC address and IFF_UP; "local" routes are
 * the device addresses source selection uses.  Replaces the previous tables; NULL drops
 * them.  Returns 0, the number (from 1) of the first line it cannot read, or -ENOMEM. */
int bpfrun_set_routes(const char *text);
/* The load-time verifier (on by default): BPF_PROG_LOAD refuses what the kernel's verifier
 * refuses, with its errno and log line.  Off (0), programs are only checked structurally
 * and every access is checked at run time, which is what tests of the run-time checks
 * want.  The environment variable BPFRUN_VERIFIER=0 turns it off at start-up; the switch
 * applies to loads that start afterwards. */
void bpfrun_set_verifier(int on);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
