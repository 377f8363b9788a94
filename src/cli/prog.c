/* bpfrun prog list|show: the programs loaded in this process (an object's, after an
 * optional run), printed as bpftool prints them, or as JSON in bpftool's shape. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"

#define MAX_MAP_IDS 64

static const char prog_help[] =
	"Usage: bpfrun prog list OBJ.o [RUN OPTIONS]\n"
	"       bpfrun prog show OBJ.o {name NAME | id ID | pinned PATH} [RUN OPTIONS]\n"
	"Loads OBJ.o (and runs it first when run options are given: its trace lines and\n"
	"summary then go to stderr) and prints its programs as `bpftool prog` does.\n\n"
	"Run options (see bpfrun run --help):\n";

struct prog_desc {
	struct bpf_prog_info info;
	uint32_t map_ids[MAX_MAP_IDS];
};

static int prog_describe(int fd, struct prog_desc *d)
{
	uint32_t len = sizeof(d->info);

	memset(d, 0, sizeof(*d));
	d->info.nr_map_ids = MAX_MAP_IDS;
	d->info.map_ids = (uint64_t)(uintptr_t)d->map_ids;
	return bpf_obj_get_info_by_fd(fd, &d->info, &len) ? -errno : 0;
}

/* load_time is ns since boot; bpftool prints it as wall-clock seconds. */
static time_t loaded_at(uint64_t load_time)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return real.tv_sec - boot.tv_sec + (time_t)(load_time / 1000000000ull);
}

static const char *prog_type_name(uint32_t type)
{
	const char *s = libbpf_bpf_prog_type_str(type);

	return s ? s : "unknown";
}

static void tag_string(const uint8_t *tag, char *s)
{
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(s + 2 * i, "%02x", tag[i]);
}

static void prog_print_json(struct json *j, const struct prog_desc *d)
{
	const struct bpf_prog_info *in = &d->info;
	char tag[2 * BPF_TAG_SIZE + 1];

	tag_string(in->tag, tag);
	json_begin_object(j);
	json_uint_field(j, "id", in->id);
	json_string_field(j, "type", prog_type_name(in->type));
	json_string_field(j, "name", in->name);
	json_string_field(j, "tag", tag);
	json_key(j, "gpl_compatible");
	json_bool(j, in->gpl_compatible);
	if (in->run_cnt) { /* as bpftool: only when the program has run */
		json_uint_field(j, "run_time_ns", in->run_time_ns);
		json_uint_field(j, "run_cnt", in->run_cnt);
	}
	json_key(j, "loaded_at");
	json_int(j, loaded_at(in->load_time));
	json_uint_field(j, "uid", in->created_by_uid);
	json_uint_field(j, "bytes_xlated", in->xlated_prog_len);
	json_key(j, "jited");
	json_bool(j, in->jited_prog_len > 0);
	if (in->nr_map_ids) {
		json_key(j, "map_ids");
		json_begin_array(j);
		for (uint32_t k = 0; k < in->nr_map_ids && k < MAX_MAP_IDS; k++)
			json_uint(j, d->map_ids[k]);
		json_end_array(j);
	}
	if (in->btf_id) {
		json_uint_field(j, "btf_id", in->btf_id);
	}
	json_end_object(j);
}

static void prog_print_plain(const struct prog_desc *d)
{
	const struct bpf_prog_info *in = &d->info;
	char tag[2 * BPF_TAG_SIZE + 1], when[32];
	time_t at = loaded_at(in->load_time);

	tag_string(in->tag, tag);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime(&at));
	printf("%u: %s  name %s  tag %s%s\n", in->id, prog_type_name(in->type), in->name, tag,
	       in->gpl_compatible ? "  gpl" : "");
	if (in->run_cnt)
		printf("\trun_time_ns %" PRIu64 "  run_cnt %" PRIu64 "\n",
		       (uint64_t)in->run_time_ns, (uint64_t)in->run_cnt);
	printf("\tloaded_at %s  uid %u\n", when, in->created_by_uid);
	printf("\txlated %uB", in->xlated_prog_len);
	if (in->jited_prog_len)
		printf("  jited %uB", in->jited_prog_len);
	else
		printf("  not jited");
	for (uint32_t k = 0; k < in->nr_map_ids && k < MAX_MAP_IDS; k++)
		printf("%s%u", k ? "," : "  map_ids ", d->map_ids[k]);
	putchar('\n');
	if (in->btf_id)
		printf("\tbtf_id %u\n", in->btf_id);
}

static void prog_print(struct json *j, const struct prog_desc *d)
{
	if (j)
		prog_print_json(j, d);
	else
		prog_print_plain(d);
}

static int prog_list(struct json *j)
{
	uint32_t id = 0;
	struct prog_desc d;

	if (j)
		json_begin_array(j);
	while (!bpf_prog_get_next_id(id, &id)) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue; /* freed meanwhile */
		if (!prog_describe(fd, &d))
			prog_print(j, &d);
		close(fd);
	}
	if (j)
		json_end_array(j);
	return 0;
}

/* {name NAME | id ID | pinned PATH}: a descriptor of the program, or -1 after reporting. */
static int prog_select(struct bpf_object *obj, const struct inspect_args *a)
{
	if (a->nr_words != 2) {
		cli_error("prog show: expected name NAME, id ID or pinned PATH");
		return -1;
	}
	const char *kind = a->words[0], *v = a->words[1];
	if (!strcmp(kind, "id")) {
		int fd = bpf_prog_get_fd_by_id((uint32_t)strtoul(v, NULL, 0));
		if (fd < 0)
			cli_error("%s: no program with id %s", a->path, v);
		return fd < 0 ? -1 : fd;
	}
	if (!strcmp(kind, "pinned")) {
		int fd = bpf_obj_get(v);
		if (fd < 0)
			cli_error("%s: %s", v, strerror(errno));
		return fd < 0 ? -1 : fd;
	}
	if (strcmp(kind, "name")) {
		cli_error("prog show: expected name, id or pinned, not '%s'", kind);
		return -1;
	}
	/* the object's own programs first (full names), then any live program */
	struct bpf_program *own = bpf_object__find_program_by_name(obj, v);
	if (own)
		return dup(bpf_program__fd(own));
	uint32_t id = 0;
	struct prog_desc d;
	while (!bpf_prog_get_next_id(id, &id)) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!prog_describe(fd, &d) && !strncmp(d.info.name, v, sizeof(d.info.name) - 1))
			return fd;
		close(fd);
	}
	cli_error("%s: no program named '%s'", a->path, v);
	return -1;
}

static int prog_check(const char *sub, const struct inspect_args *a)
{
	if (!strcmp(sub, "list") && a->nr_words) {
		cli_error("prog list: unexpected argument '%s'", a->words[0]);
		return 2;
	}
	return 0;
}

static int prog_command(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
			struct json *j)
{
	struct prog_desc d;

	if (!strcmp(sub, "list"))
		return prog_list(j);
	int fd = prog_select(obj, a);
	if (fd < 0)
		return 1;
	int err = prog_describe(fd, &d);
	if (!err)
		prog_print(j, &d);
	else
		cli_error("%s: cannot describe the program: %s", a->path, strerror(-err));
	close(fd);
	return err ? 1 : 0;
}

int cmd_prog(int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", NULL };
	static const struct inspect_cmd cmd = {
		.name = "prog",
		.help = prog_help,
		.subs = subs,
		.subs_text = "list or show",
		.check = prog_check,
		.run = prog_command,
	};

	return inspect_main(&cmd, argc, argv);
}
