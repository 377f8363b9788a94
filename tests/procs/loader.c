/* A libbpf loader for tests/cli/test_runtime.sh, linked statically (its bpf() calls are
 * raw system calls that no preloaded library sees): loads OBJ (procs_solo.bpf.o), pins
 * its maps under DIR, arms the self-re-arming timer, checks that it fires, and exits,
 * leaving the pinned timer map to keep firing.  Prints results only, so that the kernel's
 * run and bpfrun's compare line by line.  Usage: loader OBJ DIR */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static unsigned long long count(struct bpf_object *obj)
{
	unsigned long long v = 0;
	unsigned int key = 0;

	bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "solo_count"), &key, &v);
	return v;
}

static int run(struct bpf_object *obj, const char *name)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	int err = bpf_prog_test_run_opts(bpf_program__fd(p), &opts);

	return err ? -errno : (int)opts.retval;
}

int main(int argc, char **argv)
{
	struct timespec ms200 = { 0, 200000000 };

	if (argc != 3) {
		fprintf(stderr, "usage: loader OBJ DIR\n");
		return 2;
	}
	libbpf_set_print(NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	int err = libbpf_get_error(obj) ? -errno : bpf_object__load(obj);
	printf("load: %s\n", err ? strerror(-err) : "ok");
	if (err)
		return 1;
	err = bpf_object__pin_maps(obj, argv[2]);
	printf("pin maps: %s\n", err ? strerror(-err) : "ok");
	printf("arm: %d\n", run(obj, "solo_arm"));
	nanosleep(&ms200, NULL);
	unsigned long long first = count(obj);
	nanosleep(&ms200, NULL);
	printf("firing: %d\n", first > 0 && count(obj) > first);
	printf("init while armed: %d\n", run(obj, "solo_init"));
	bpf_object__close(obj);
	return 0;
}
