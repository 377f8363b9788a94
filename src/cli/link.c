/* bpfrun link list|show: the links of an object's programs, attached as its loader would
 * attach them (bpf_program__attach, after an optional run), printed as bpftool prints
 * links (tools/bpf/bpftool/link.c), or as JSON in bpftool's shape.  The link info layout
 * of the running kernel (TCX, perf-event details) that libbpf 1.1's header lacks is read
 * through lib-free definitions here.  No locking (one thread). */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"

static const char link_help[] =
	"Usage: bpfrun link list OBJ.o [RUN OPTIONS]\n"
	"       bpfrun link show OBJ.o {id ID | pinned PATH} [RUN OPTIONS]\n"
	"Loads OBJ.o (and runs it first when run options are given: its trace lines and\n"
	"summary then go to stderr), attaches its programs as its loader would, and prints\n"
	"the links as `bpftool link` does.\n\n"
	"Run options (see bpfrun run --help):\n";

#define LINK_TYPE_TCX 11
#define PERF_UPROBE 1
#define PERF_URETPROBE 2
#define PERF_KPROBE 3
#define PERF_KRETPROBE 4
#define PERF_TRACEPOINT 5

/* struct bpf_link_info as 6.18 lays it out (the installed header's is shorter). */
struct link_desc {
	uint32_t type, id, prog_id, pad;
	union {
		struct {
			uint64_t tp_name;
			uint32_t tp_name_len;
		} raw_tracepoint;
		struct {
			uint32_t attach_type, target_obj_id, target_btf_id;
		} tracing;
		struct {
			uint32_t ifindex;
			uint32_t attach_type; /* TCX only */
		} dev;
		struct {
			uint64_t addrs;
			uint32_t count, flags;
		} kprobe_multi;
		struct {
			uint32_t type, pad;
			uint64_t name;
			uint32_t name_len, offset;
			uint64_t addr; /* kprobes */
		} perf;
		uint8_t raw[48];
	};
	char name[4096];
	uint64_t *addrs;   /* kprobe.multi: the functions' addresses, ascending */
	char (*funcs)[64]; /* and their names from kallsyms ("" where none) */
};

/* The names of the sorted addresses, from one read of kallsyms (as bpftool's). */
static void kallsyms_names(const uint64_t *addrs, uint32_t n, char (*funcs)[64])
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[64], type;
	unsigned long long a;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %63s", &a, &type, sym) != 3)
			continue;
		for (uint32_t i = 0; i < n && addrs[i] <= a; i++) /* few functions: a scan */
			if (addrs[i] == a && !funcs[i][0])
				snprintf(funcs[i], sizeof(funcs[i]), "%s", sym);
	}
	if (f)
		fclose(f);
}

/* A kprobe.multi link's addresses (a second query with an array) and their names. */
static int multi_describe(int fd, struct link_desc *d)
{
	uint32_t n = d->kprobe_multi.count, len = offsetof(struct link_desc, name);

	if (!n)
		return 0;
	d->addrs = calloc(n, sizeof(*d->addrs));
	d->funcs = calloc(n, sizeof(*d->funcs));
	if (!d->addrs || !d->funcs)
		return -ENOMEM;
	d->kprobe_multi.addrs = (uint64_t)(uintptr_t)d->addrs;
	if (bpf_obj_get_info_by_fd(fd, d, &len))
		return -errno;
	kallsyms_names(d->addrs, n, d->funcs);
	return 0;
}

static void link_desc_free(struct link_desc *d)
{
	if (d) {
		free(d->addrs);
		free(d->funcs);
	}
	free(d);
}

static int link_describe(int fd, struct link_desc *d)
{
	uint32_t len = offsetof(struct link_desc, name);

	memset(d, 0, sizeof(*d));
	if (bpf_obj_get_info_by_fd(fd, d, &len))
		return -errno;
	if (d->type == BPF_LINK_TYPE_KPROBE_MULTI)
		return multi_describe(fd, d);
	if (d->type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		d->raw_tracepoint.tp_name = (uint64_t)(uintptr_t)d->name;
		d->raw_tracepoint.tp_name_len = sizeof(d->name);
	} else if (d->type == BPF_LINK_TYPE_PERF_EVENT) {
		d->perf.name = (uint64_t)(uintptr_t)d->name;
		d->perf.name_len = sizeof(d->name);
	} else {
		return 0;
	}
	len = offsetof(struct link_desc, name); /* again, with the name's buffer */
	return bpf_obj_get_info_by_fd(fd, d, &len) ? -errno : 0;
}

static const char *link_type_name(uint32_t type)
{
	const char *s = libbpf_bpf_link_type_str(type);

	return s ? s : type == LINK_TYPE_TCX ? "tcx" : NULL;
}

static const char *attach_type_name(uint32_t type)
{
	static const char *const tcx[] = { "tcx_ingress", "tcx_egress" };
	const char *s = libbpf_bpf_attach_type_str(type);

	if (s)
		return s;
	if (type == CLI_TCX_INGRESS || type == CLI_TCX_EGRESS)
		return tcx[type - CLI_TCX_INGRESS];
	return NULL;
}

static const char *prog_type_of(uint32_t prog_id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);
	const char *s = NULL;

	memset(&info, 0, sizeof(info));
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		s = libbpf_bpf_prog_type_str(info.type);
	if (fd >= 0)
		close(fd);
	return s ? s : "unknown";
}

/* bpftool's device name: "NAME(IFINDEX)", "(detached)" or "(unknown)". */
static void devname(uint32_t ifindex, char *out, size_t len, bool with_index)
{
	char name[IF_NAMESIZE];

	if (!ifindex)
		snprintf(out, len, "(detached)");
	else if (!if_indextoname(ifindex, name))
		snprintf(out, len, "(unknown)");
	else if (with_index)
		snprintf(out, len, "%s(%u)", name, ifindex);
	else
		snprintf(out, len, "%s", name);
}

static bool is_tcx(const struct link_desc *d)
{
	return d->type == LINK_TYPE_TCX;
}

/* ---- plain text ---- */

static void print_attach_type(uint32_t t)
{
	const char *s = attach_type_name(t);

	if (s)
		printf("attach_type %s  ", s);
	else
		printf("attach_type %u  ", t);
}

static void perf_plain(const struct link_desc *d)
{
	bool ret = d->perf.type == PERF_KRETPROBE || d->perf.type == PERF_URETPROBE;

	switch (d->perf.type) {
	case PERF_TRACEPOINT:
		if (d->name[0])
			printf("\n\ttracepoint %s  ", d->name);
		break;
	case PERF_KPROBE:
	case PERF_KRETPROBE:
		if (!d->name[0] && !d->perf.addr)
			break;
		printf("\n\t%s ", ret ? "kretprobe" : "kprobe");
		if (d->perf.addr)
			printf("%" PRIx64 " ", d->perf.addr);
		printf("%s", d->name);
		if (d->perf.offset)
			printf("+%#x", d->perf.offset);
		printf("  ");
		break;
	case PERF_UPROBE:
	case PERF_URETPROBE:
		if (d->name[0])
			printf("\n\t%s %s+%#x  ", ret ? "uretprobe" : "uprobe", d->name,
			       d->perf.offset);
		break;
	}
}

static void multi_plain(const struct link_desc *d)
{
	uint32_t n = d->kprobe_multi.count;

	if (!n)
		return;
	printf("\n\t%s  func_cnt %u  ",
	       d->kprobe_multi.flags & BPF_F_KPROBE_MULTI_RETURN ? "kretprobe.multi" :
								   "kprobe.multi",
	       n);
	printf("\n\t%-16s %s", "addr", "func [module]");
	for (uint32_t i = 0; i < n; i++)
		if (d->funcs[i][0])
			printf("\n\t%016" PRIx64 " %s  ", d->addrs[i], d->funcs[i]);
}

static void link_print_plain(const struct link_desc *d)
{
	const char *type = link_type_name(d->type);
	char dev[2 * IF_NAMESIZE + 16];

	printf("%u: ", d->id);
	if (type)
		printf("%s  ", type);
	else
		printf("type %u  ", d->type);
	printf("prog %u  ", d->prog_id);
	switch (d->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		printf("\n\ttp '%s'  ", d->name);
		break;
	case BPF_LINK_TYPE_TRACING:
		printf("\n\tprog_type %s  ", prog_type_of(d->prog_id));
		print_attach_type(d->tracing.attach_type);
		if (d->tracing.target_obj_id || d->tracing.target_btf_id)
			printf("\n\ttarget_obj_id %u  target_btf_id %u  ", d->tracing.target_obj_id,
			       d->tracing.target_btf_id);
		break;
	case BPF_LINK_TYPE_XDP:
	case LINK_TYPE_TCX:
		devname(d->dev.ifindex, dev, sizeof(dev), true);
		printf("\n\tifindex %s  ", dev);
		if (is_tcx(d))
			print_attach_type(d->dev.attach_type);
		break;
	case BPF_LINK_TYPE_KPROBE_MULTI:
		multi_plain(d);
		break;
	case BPF_LINK_TYPE_PERF_EVENT:
		perf_plain(d);
		break;
	}
	putchar('\n');
}

/* ---- JSON ---- */

static void json_attach_type(struct json *j, uint32_t t)
{
	const char *s = attach_type_name(t);

	if (s)
		json_string_field(j, "attach_type", s);
	else
		json_uint_field(j, "attach_type", t);
}

static void perf_json(struct json *j, const struct link_desc *d)
{
	bool ret = d->perf.type == PERF_KRETPROBE || d->perf.type == PERF_URETPROBE;

	switch (d->perf.type) {
	case PERF_TRACEPOINT:
		json_string_field(j, "tracepoint", d->name);
		break;
	case PERF_KPROBE:
	case PERF_KRETPROBE:
		json_key(j, "retprobe");
		json_bool(j, ret);
		json_uint_field(j, "addr", d->perf.addr);
		json_string_field(j, "func", d->name);
		json_uint_field(j, "offset", d->perf.offset);
		break;
	case PERF_UPROBE:
	case PERF_URETPROBE:
		json_key(j, "retprobe");
		json_bool(j, ret);
		json_string_field(j, "file", d->name);
		json_uint_field(j, "offset", d->perf.offset);
		break;
	}
}

static void multi_json(struct json *j, const struct link_desc *d)
{
	json_key(j, "retprobe");
	json_bool(j, d->kprobe_multi.flags & BPF_F_KPROBE_MULTI_RETURN);
	json_uint_field(j, "func_cnt", d->kprobe_multi.count);
	json_key(j, "funcs");
	json_begin_array(j);
	for (uint32_t i = 0; i < d->kprobe_multi.count; i++) {
		if (!d->funcs[i][0])
			continue;
		json_begin_object(j);
		json_uint_field(j, "addr", d->addrs[i]);
		json_string_field(j, "func", d->funcs[i]);
		json_key(j, "module");
		json_raw(j, "null"); /* vmlinux */
		json_end_object(j);
	}
	json_end_array(j);
}

static void link_print_json(struct json *j, const struct link_desc *d)
{
	const char *type = link_type_name(d->type);
	char dev[IF_NAMESIZE + 16];

	json_begin_object(j);
	json_uint_field(j, "id", d->id);
	if (type)
		json_string_field(j, "type", type);
	else
		json_uint_field(j, "type", d->type);
	json_uint_field(j, "prog_id", d->prog_id);
	switch (d->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		json_string_field(j, "tp_name", d->name);
		break;
	case BPF_LINK_TYPE_TRACING:
		json_string_field(j, "prog_type", prog_type_of(d->prog_id));
		json_attach_type(j, d->tracing.attach_type);
		json_uint_field(j, "target_obj_id", d->tracing.target_obj_id);
		json_uint_field(j, "target_btf_id", d->tracing.target_btf_id);
		break;
	case BPF_LINK_TYPE_XDP:
	case LINK_TYPE_TCX:
		devname(d->dev.ifindex, dev, sizeof(dev), false);
		json_string_field(j, "devname", dev);
		json_uint_field(j, "ifindex", d->dev.ifindex);
		if (is_tcx(d))
			json_attach_type(j, d->dev.attach_type);
		break;
	case BPF_LINK_TYPE_KPROBE_MULTI:
		multi_json(j, d);
		break;
	case BPF_LINK_TYPE_PERF_EVENT:
		perf_json(j, d);
		break;
	}
	json_end_object(j);
}

static void link_print(struct json *j, int fd)
{
	struct link_desc *d = malloc(sizeof(*d));
	int err = d ? link_describe(fd, d) : -ENOMEM;

	if (err)
		cli_error("cannot describe link: %s", strerror(-err));
	else if (j)
		link_print_json(j, d);
	else
		link_print_plain(d);
	link_desc_free(d);
}

static void link_list(struct json *j)
{
	uint32_t id = 0;

	if (j)
		json_begin_array(j);
	while (!bpf_link_get_next_id(id, &id)) {
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue; /* gone meanwhile */
		link_print(j, fd);
		close(fd);
	}
	if (j)
		json_end_array(j);
}

/* {id ID | pinned PATH}: a descriptor of the link, or -1 after reporting. */
static int link_select(const struct inspect_args *a)
{
	const char *kind = a->words[0], *v = a->words[1];
	int fd = -1;

	if (!strcmp(kind, "id")) {
		char *end;
		unsigned long id = strtoul(v, &end, 0);
		fd = *end ? -1 : bpf_link_get_fd_by_id((uint32_t)id);
		if (fd < 0)
			cli_error("%s: no link with id %s", a->path, v);
	} else {
		fd = bpf_obj_get(v);
		if (fd < 0)
			cli_error("%s: %s", v, strerror(errno));
	}
	return fd;
}

static int link_check(const char *sub, const struct inspect_args *a)
{
	if (!strcmp(sub, "list") && a->nr_words) {
		cli_error("link list: unexpected argument '%s'", a->words[0]);
		return 2;
	}
	if (!strcmp(sub, "show") &&
	    (a->nr_words != 2 || (strcmp(a->words[0], "id") && strcmp(a->words[0], "pinned")))) {
		cli_error("link show: expected id ID or pinned PATH");
		return 2;
	}
	return 0;
}

static int link_command(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
			struct json *j)
{
	struct bpf_link **links = NULL;
	unsigned int n = 0;
	int ret = 0;

	if (attach_all(obj, a->path, stderr, &links, &n))
		return 1;
	if (!strcmp(sub, "list")) {
		link_list(j);
	} else {
		int fd = link_select(a);
		if (fd >= 0) {
			link_print(j, fd);
			close(fd);
		}
		ret = fd < 0;
	}
	links_destroy(links, n);
	return ret;
}

int cmd_link(int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", NULL };
	static const struct inspect_cmd cmd = {
		.name = "link",
		.help = link_help,
		.subs = subs,
		.subs_text = "list or show",
		.check = link_check,
		.run = link_command,
	};

	return inspect_main(&cmd, argc, argv);
}
