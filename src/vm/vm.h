/* The interpreter and the execution context it runs in.
 *
 * Each thread that runs programs or callbacks has one exec_ctx (thread-local, created on
 * first use) with the thread's CPU id below num_possible_cpus() (lib/cpu.h): per-CPU maps
 * and bpf_get_smp_processor_id() read it.  A run uses the context's own stack (8 frames of
 * 512 bytes), so runs on different threads share nothing and need no lock; a run allocates
 * nothing.
 *
 * Memory safety without a verifier: every load, store and atomic the program performs,
 * and every pointer a helper is given, is checked against the regions the run may touch:
 * its stack, its context (accesses go through the program type's ctx_load/ctx_store),
 * packet data, the values of the maps the program uses (map_region_contains) and
 * temporary regions helpers grant (e.g. a callback's key).  An access outside ends the
 * run with a fault: vm_run returns and x->fault is set, with a message in x->fault_msg.
 * Program memory is read and written with relaxed atomics: BPF programs may race on map
 * values as they do in the kernel, and that must not be undefined behaviour in the host.
 */
#ifndef BPFRUN_VM_H
#define BPFRUN_VM_H

#include "../lib/common.h"

struct bpf_prog;
struct bpf_map;
struct bpfrun_timer;
struct exec_ctx;

/* A helper function: the thread's execution context and the five argument registers
 * (helpers/ implements them; the vm calls them). */
typedef u64 (*helper_fn)(struct exec_ctx *x, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);

struct helper_desc {
	const char *name; /* "bpf_map_lookup_elem" */
	helper_fn fn;     /* NULL: known to the kernel but not implemented by bpfrun */
	bool gpl_only;
};

#define VM_MAX_GRANTS 8
#define VM_MAX_TAIL_REFS 33 /* MAX_TAIL_CALL_CNT: tail calls a run may take */
#define VM_MAX_RUN_MAPS 16  /* distinct maps a run reaches beyond its program's */

struct mem_grant {
	u64 start, end;
	bool writable;
};

struct exec_ctx {
	u32 cpu; /* the thread's CPU id (lib/cpu.h), kept equal by exec_ctx_set_cpu */

	/* ---- the run in progress (vm_run sets up; nested callbacks share it) ---- */
	const struct bpf_prog *prog; /* program whose instructions run now (tail calls change it) */
	void *ctx;                   /* context struct given to the program, and its size */
	u32 ctx_size;
	u64 pkt_start, pkt_end; /* packet data [start, end) when the type has one */
	u64 pkt_meta;           /* XDP data_meta (== pkt_start when none) */
	u64 pkt_mac, pkt_net;   /* skb link-layer and network headers (0: none), for LD_ABS */
	void *type_data;        /* program-type state for helpers (skb/xdp buffers) */
	u32 depth;              /* call frames in use */
	u32 tail_calls;
	bool in_run;

	/* Temporary regions granted by helpers (a callback's key copy, ...). */
	struct mem_grant grants[VM_MAX_GRANTS];
	u32 nr_grants;

	/* Fault: set by the interpreter or a helper; ends the run. */
	int fault; /* 0 or -errno (EFAULT for bad accesses) */
	char fault_msg[160];

	/* Timer callback running on this thread (for -EDEADLK), set by the timer engine. */
	struct bpfrun_timer *running_timer;

	/* bpf_spin_lock held by this run (the kernel allows one at a time). */
	void *held_lock;

	/* vm-private per-run state: the map value the last checked access fell in (valid
	 * only while `prog` runs), and how many more times may_goto falls through. */
	struct {
		const struct bpf_prog *prog;
		u64 lo, hi;
		bool readable, writable;
	} map_hit;
	u32 may_goto_left;
	/* Native code's bookkeeping (jit/): the host stack pointer of the innermost native
	 * entry, where a fault unwinds to (saved and restored by each entry). */
	void *native_sp;

	/* The run's work budget, in instructions (vm_charge).  Only this thread touches the
	 * two counters; `stop` is an atomic another thread sets to end the run soon. */
	s64 budget_slice; /* left before the next vm_budget_refill() */
	u64 budget_rest;  /* left beyond the slice */
	u32 stop;         /* atomic: vm_stop_run() was called */

	/* The settings of the caller whose calls this thread serves (the per-user runtime
	 * serves each command tree with its own: server/settings.c): a budget (0: the
	 * process's, bpfrun_set_run_budget) and loads without the JIT or the verifier.
	 * Thread-local, so that timer callbacks and other threads keep the process's. */
	struct vm_call_settings {
		u64 budget;
		bool no_jit, no_verifier;
	} call;

	/* Programs this run entered by tail calls (tail_calls of them), each with a reference
	 * the run's end drops: a prog array slot replaced meanwhile cannot free them. */
	struct bpf_prog *tail_refs[VM_MAX_TAIL_REFS];

	/* Maps the run reached beyond the program's own (inner maps of map-in-map lookups, a
	 * timer callback's map), each with a reference the run's end drops: a program may use
	 * them (helper arguments, value memory) as its own maps until then. */
	struct bpf_map *run_maps[VM_MAX_RUN_MAPS];
	u32 nr_run_maps;

	u8 stack[8 * 512] __attribute__((aligned(16)));
};

/* This thread's context (created and given a CPU id on first use). */
struct exec_ctx *exec_ctx_get(void);
/* The thread's second context, on the same CPU id, for work that runs after a run on
 * this thread while that run's results are still being read: the due timer callbacks a
 * run's end fires (the kernel runs softirqs on their own stack too). */
struct exec_ctx *exec_ctx_softirq(void);
/* Moves the thread and its context to a CPU id (lib/cpu.h; the timer engine's per-CPU
 * threads, BPF_F_TEST_RUN_ON_CPU). */
void exec_ctx_set_cpu(struct exec_ctx *x, u32 cpu);

/* Runs prog from instruction 0 with R1 = r1 as a fresh run. Returns R0. On a fault
 * x->fault is nonzero. The caller sets x->ctx/ctx_size/pkt_* before (vm_run_setup). */
u64 vm_run(struct exec_ctx *x, const struct bpf_prog *prog, u64 r1);
/* Calls the function starting at instruction `start` of prog with R1..R5.  Inside a run
 * (bpf_loop, for_each_map_elem callbacks) it is a nested frame of that run; outside one
 * (timer callbacks) it is a fresh run. Returns R0. */
u64 vm_call(struct exec_ctx *x, const struct bpf_prog *prog, u32 start, u64 r1, u64 r2, u64 r3,
	    u64 r4, u64 r5);

/* The JIT switch (bpfrun_set_jit, BPFRUN_JIT=0): when off, every run is interpreted and
 * the prog layer compiles nothing. */
bool vm_native_enabled(void);

/* Run-end work of a layer above the vm (the timers: the timers a run armed may fire
 * once it ends), registered once at startup from a constructor: called on the running
 * thread when a fresh run (not a nested callback) has ended.  At most VM_MAX_RUN_END. */
#define VM_MAX_RUN_END 4
void vm_on_run_end(void (*fn)(void));

/* Memory a layer above lends programs beyond the regions the vm knows (the objects of
 * bpf_obj_new: helpers/objheap.c; the kernel-context images of bpf_cast_to_kern_ctx),
 * registered once from a constructor: fn says whether the run may access
 * [addr, addr + size) (write: to store; atomics too), and may refresh what it holds.
 * Asked last, on the slow path only.  At most VM_MAX_REGION_HOOKS. */
#define VM_MAX_REGION_HOOKS 4
void vm_on_region_check(bool (*fn)(struct exec_ctx *x, u64 addr, u64 size, bool write));

/* Clears per-run state before a new run (fault, grants, packet, ctx). */
void vm_reset_run(struct exec_ctx *x);

/* ---- the work budget ----
 * Without a verifier nothing proves that a run ends, so each run (a test run, a timer
 * callback and the callbacks it makes) may do a bounded amount of work, counted in
 * instructions: the interpreter charges the instructions it executes at each backward
 * jump, call and exit, and helpers charge the work they do for the run (a callback
 * invocation, the map slots a walk examines, the bytes they read or write).  A run over
 * its budget ends with a fault.  The counters are per thread; a run takes its budget in
 * slices so that vm_stop_run() from another thread takes effect within one slice. */
#define VM_DEFAULT_BUDGET (1ull << 30) /* about a second of interpretation */
#define VM_BUDGET_SLICE (1ll << 22)    /* work between two looks at x->stop */
#define VM_CALLBACK_COST 8             /* entering and leaving a callback */
#define VM_BYTES_PER_INSN 16           /* bytes a helper copies for the cost of one insn */

/* bpfrun_set_run_budget() (bpfrun.h) sets the budget of the runs that start next. */
/* The slice is spent: takes the next one, or faults (budget spent, or stopped) and
 * returns false.  insn: the instruction charging (for the message), or -1 for a helper. */
bool vm_budget_refill(struct exec_ctx *x, long insn);
/* Charges n instructions' worth of work to the run; false after a fault. */
static inline bool vm_charge(struct exec_ctx *x, u64 n)
{
	x->budget_slice -= (s64)MIN(n, 1ull << 62); /* no budget is that large */
	return likely(x->budget_slice >= 0) || vm_budget_refill(x, -1);
}
/* Asks the run in progress on x (another thread's) to end with a fault at its next
 * refill; vm_reset_stop() clears the request.  Used by shutdown not to wait on a long
 * callback. */
void vm_stop_run(struct exec_ctx *x);
void vm_reset_stop(struct exec_ctx *x);

/* ---- for helpers ---- */
/* Host pointer for [addr, addr+size) if the run may read (write) it, else NULL and a
 * fault is recorded.  size 0 is allowed for any addr (returns NULL without fault when
 * addr is 0). */
void *vm_mem(struct exec_ctx *x, u64 addr, u64 size, bool write);
/* The map a helper received in a register: must be one the program uses (or one the
 * run reached, vm_use_map). Faults if not. */
struct bpf_map *vm_map_arg(struct exec_ctx *x, u64 reg);
/* Lets the run use map (given with a reference, which the run keeps until it ends, or
 * drops at once when it has the map already).  False, with the reference dropped and a
 * fault, when the run already reached VM_MAX_RUN_MAPS maps. */
bool vm_use_map(struct exec_ctx *x, struct bpf_map *map);
/* The maps the running program may use: its own, then those the run reached. */
u32 vm_nr_maps(const struct exec_ctx *x);
struct bpf_map *vm_map_nth(const struct exec_ctx *x, u32 i);
/* A callback argument (ld_imm64 BPF_PSEUDO_FUNC): returns the instruction index of the
 * function start, or -1 with a fault. */
s64 vm_func_arg(struct exec_ctx *x, u64 reg);
/* The value ld_imm64 BPF_PSEUDO_FUNC loads for function `start` of prog. */
u64 vm_func_value(const struct bpf_prog *prog, u32 start);
/* Grants access to a temporary buffer for the duration of a callback. */
bool vm_grant(struct exec_ctx *x, const void *p, u64 size, bool writable);
void vm_ungrant(struct exec_ctx *x, const void *p);
void vm_fault(struct exec_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load-time instruction checks (opcodes, registers, reserved fields, jump targets,
 * ld_imm64 pairs, falling off the end) and pre-decoding.  0, or -errno with the reason
 * in msg (one line, as the kernel's verifier log words it).  Helper calls are bound at
 * load through lookup (helpers/helper_get, or the conformance plugin's table): the
 * instruction keeps the function.
 *
 * What vm_prepare expects in prog->insns: ld_imm64 of a map (BPF_PSEUDO_MAP_*) already
 * holds the value to load (the map or value pointer); BPF_PSEUDO_FUNC keeps the kernel's
 * form (imm = displacement to the function) and vm_prepare computes vm_func_value().
 * Helper ids are not checked here (prog_load does): an id without an implementation
 * faults when called. */
int vm_prepare(struct bpf_prog *prog, const struct helper_desc *(*lookup)(u32 id), char *msg,
	       size_t msglen);
void vm_release(struct bpf_prog *prog);

#endif
