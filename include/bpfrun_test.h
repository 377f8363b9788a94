/* bpfrun_test.h: for test suites written in BPF C, run by `bpfrun test OBJ.o` (include it
 * in the BPF source, after <bpf/bpf_helpers.h>).
 *
 * Each program in a SEC("test/NAME") section is one test: it runs as a syscall program
 * (any helper a syscall program may call, the object's maps and globals) and passes when
 * it returns 0.  To test-run another program of the object, declare its descriptor with
 * BPFRUN_PROG_FD(prog) at file scope (`bpfrun test` fills it in after the load) and call
 * bpfrun_test_run(BPFRUN_FD(prog), ...), which is bpf_sys_bpf(BPF_PROG_TEST_RUN).
 *
 *   BPFRUN_PROG_FD(track_flows);
 *   SEC("test/new_flow_is_counted")
 *   int new_flow(void *ctx)
 *   {
 *           __u8 pkt[64] = { ... };
 *           __u32 verdict;
 *           if (bpfrun_test_run(BPFRUN_FD(track_flows), pkt, sizeof(pkt), &verdict))
 *                   return 1;
 *           return verdict == XDP_PASS ? 0 : 2;
 *   }
 */
#ifndef BPFRUN_TEST_H
#define BPFRUN_TEST_H

#define BPFRUN_FD(prog) bpfrun_fd_##prog
/* The descriptor of the object's program `prog`, a global in .bss. */
#define BPFRUN_PROG_FD(prog) int BPFRUN_FD(prog)

/* Test-runs program prog_fd on data (size bytes, modified in place as the program leaves
 * it, up to size bytes); *retval is its return value.  0, or a negative errno. */
static __attribute__((always_inline)) inline long bpfrun_test_run(int prog_fd, void *data,
								  __u32 size, __u32 *retval)
{
	union bpf_attr attr;
	long err;

	__builtin_memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog_fd;
	attr.test.data_in = (__u64)(long)data;
	attr.test.data_size_in = size;
	attr.test.data_out = (__u64)(long)data;
	attr.test.data_size_out = size;
	err = bpf_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr));
	*retval = attr.test.retval;
	return err;
}

#endif
