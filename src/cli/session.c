/* Loading an object for a command: the ELF and input checks, the clock, libbpf's open and load
 * (with its messages kept for the error report), map pinning; and the teardown. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

/* libbpf's messages: shown with -v, otherwise kept so a failed load can print them
 * (they carry the loader's log).  The CLI is single-threaded while it loads. */
static struct {
	char *buf;
	size_t len, cap;
	bool verbose;
} loader_log;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;

	if (loader_log.verbose) {
		vfprintf(stderr, fmt, ap);
		return 0;
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n <= 0)
		return 0;
	if (loader_log.len + (size_t)n + 1 > loader_log.cap) {
		size_t cap = (loader_log.len + (size_t)n + 1) * 2;
		char *b = realloc(loader_log.buf, cap);
		if (!b)
			return 0;
		loader_log.buf = b;
		loader_log.cap = cap;
	}
	vsnprintf(loader_log.buf + loader_log.len, loader_log.cap - loader_log.len, fmt, ap);
	loader_log.len += (size_t)n;
	return 0;
}

static void loader_log_print(void)
{
	if (!loader_log.len)
		return;
	fputs("loader log:\n", stderr);
	fwrite(loader_log.buf, 1, loader_log.len, stderr);
	if (loader_log.buf[loader_log.len - 1] != '\n')
		fputc('\n', stderr);
}

static int select_clock(const struct run_opts *o)
{
	if (o->clock == RUN_CLOCK_VIRTUAL && !bpfrun_clock_is_virtual() &&
	    bpfrun_clock_set_virtual()) {
		cli_error("cannot switch to the virtual clock: %s", strerror(errno));
		return -1;
	}
	if (o->clock == RUN_CLOCK_REAL && bpfrun_clock_is_virtual()) {
		cli_error("--clock real: the virtual clock is already selected "
			  "(BPFRUN_CLOCK=virtual)");
		return -1;
	}
	return 0;
}

/* --prog / --section must name something in the object: say what there is if not. */
static int check_selection(struct bpf_object *obj, const char *path, const struct run_opts *o)
{
	struct bpf_program *p;
	char names[512] = "";
	size_t n = 0;

	if (!o->prog_name && !o->section)
		return 0;
	bpf_object__for_each_program(p, obj)
	{
		if (prog_named(p, o))
			return 0;
		const char *have = o->prog_name ? bpf_program__name(p) :
						  bpf_program__section_name(p);
		if (n < sizeof(names))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
					      have);
	}
	cli_error("%s: no program %s '%s' (it has: %s)", path,
		  o->prog_name ? "named" : "in section", o->prog_name ? o->prog_name : o->section,
		  n ? names : "none");
	return -1;
}

/* The input files, checked before the (slower) load so that a wrong one is reported
 * first; the run opens them again. */
static int check_inputs(const struct run_opts *o)
{
	char why[512];

	if (o->pcap_path) {
		struct pcap_reader *r = pcap_reader_open(o->pcap_path, why, sizeof(why));
		if (!r) {
			cli_error("%s: not a readable capture: %s", o->pcap_path, why);
			return -1;
		}
		pcap_reader_close(r);
	}
	if (o->data_path) {
		FILE *f = fopen(o->data_path, "rb");
		if (!f) {
			cli_error("%s: %s", o->data_path, strerror(errno));
			return -1;
		}
		fclose(f);
	}
	return 0;
}

/* After a failed load: the maps whose type bpfrun does not serve, named (libbpf's own
 * message says only "failed to create: Invalid argument"). */
static void explain_map_types(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		enum bpf_map_type t = bpf_map__type(map);
		if (libbpf_probe_bpf_map_type(t, NULL) == 0)
			fprintf(stderr,
				"bpfrun: map '%s': bpfrun does not support map type %s "
				"(BPF_MAP_TYPE %d) yet\n",
				bpf_map__name(map), libbpf_bpf_map_type_str(t) ?: "unknown", t);
	}
}

struct bpf_object *session_load(const char *path, const struct run_opts *o)
{
	char why[256];
	int err;

	loader_log.verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	if (o->btf_path && access(o->btf_path, R_OK)) {
		cli_error("--btf %s: %s", o->btf_path, strerror(errno));
		return NULL;
	}
	/* libbpf's CO-RE relocations and the runtime's kernel types read the same file */
	int berr = o->btf_path ? bpfrun_set_kernel_btf(o->btf_path) : 0;
	if (berr) {
		cli_error("--btf %s: %s", o->btf_path, strerror(-berr));
		return NULL;
	}
	elf_set_open_paths(o->btf_path, o->pin_root);
	struct bpf_object *obj = elf_open_file(path, why, sizeof(why));
	if (!obj) {
		cli_error("%s: %s", path, why);
		loader_log_print();
		return NULL;
	}
	if (check_inputs(o) || select_clock(o) || check_selection(obj, path, o) ||
	    setup_before_load(obj, path, o))
		goto fail;
	err = bpf_object__load(obj);
	if (err) {
		cli_error("%s: loading failed: %s", path, strerror(-err));
		loader_log_print();
		explain_map_types(obj);
		goto fail;
	}
	if (setup_after_load(obj, path, o))
		goto fail;
	if (o->pin_dir) {
		err = bpf_object__pin_maps(obj, o->pin_dir);
		if (err) {
			cli_error("%s: cannot pin maps in %s: %s%s", path, o->pin_dir,
				  strerror(-err),
				  strncmp(o->pin_dir, "/sys/fs/bpf", 11) ?
					  " (pins go under /sys/fs/bpf)" :
					  "");
			goto fail;
		}
	}
	loader_log.len = 0;
	return obj;
fail:
	bpf_object__close(obj);
	return NULL;
}

void session_close(struct bpf_object *obj)
{
	bpf_object__close(obj);
	bpfrun_shutdown();
	free(loader_log.buf);
	loader_log.buf = NULL;
	loader_log.len = loader_log.cap = 0;
}

int inspect_parse(int argc, char **argv, struct inspect_args *a)
{
	memset(a, 0, sizeof(*a));
	run_opts_init(&a->o);
	a->words = calloc((size_t)argc + 1, sizeof(*a->words));
	if (!a->words) {
		cli_error("out of memory");
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		int r = run_opts_parse(&a->o, argc, argv, &i);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			cli_error("%s: unknown option '%s'", argv[0], argv[i]);
			return -1;
		}
		if (!a->path)
			a->path = argv[i];
		else
			a->words[a->nr_words++] = argv[i];
	}
	if (!a->path) {
		cli_error("%s: which object? (see --help)", argv[0]);
		return -1;
	}
	return run_opts_check(&a->o);
}

struct bpf_object *inspect_open(const struct inspect_args *a)
{
	struct bpf_object *obj = session_load(a->path, &a->o);

	if (obj && a->o.run_requested && session_run(obj, a->path, &a->o, stderr, NULL)) {
		session_close(obj);
		return NULL;
	}
	return obj;
}

static const char *inspect_sub(const struct inspect_cmd *cmd, const char *word)
{
	for (const char *const *s = cmd->subs; *s; s++)
		if (!strcmp(word, *s))
			return *s;
	cli_error("%s: unknown command '%s' (%s)", cmd->name, word, cmd->subs_text);
	return NULL;
}

int inspect_main(const struct inspect_cmd *cmd, int argc, char **argv)
{
	struct inspect_args a;
	struct json js, *j = NULL;
	int ret = 2;

	if (argc < 2 || cli_is_help(argv[1]) || (argc > 2 && cli_is_help(argv[2]))) {
		printf("%s", cmd->help);
		run_opts_print_help(stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = inspect_sub(cmd, argv[1]);
	if (!sub)
		return 2;
	if (inspect_parse(argc - 1, argv + 1, &a) || (cmd->check && cmd->check(sub, &a)))
		goto out;
	if (a.o.json) {
		json_init(&js, stdout);
		j = &js;
	}
	ret = 1;
	struct bpf_object *obj = inspect_open(&a);
	if (obj) {
		ret = cmd->run(obj, sub, &a, j);
		session_close(obj);
	}
out:
	free(a.words);
	run_opts_free(&a.o);
	return ret;
}
