/* bpfrun map list|dump|lookup|update|delete: the maps loaded in this process (an
 * object's), printed as bpftool prints them, or as JSON in bpftool's shape.
 * Every command acts after the run that run options ask for. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"

static const char map_help[] =
	"Usage: bpfrun map list   OBJ.o [RUN OPTIONS]\n"
	"       bpfrun map dump   OBJ.o MAP [RUN OPTIONS]\n"
	"       bpfrun map lookup OBJ.o MAP key BYTES [RUN OPTIONS]\n"
	"       bpfrun map update OBJ.o MAP key BYTES value BYTES [any|exist|noexist] [RUN "
	"OPTIONS]\n"
	"       bpfrun map delete OBJ.o MAP key BYTES [RUN OPTIONS]\n"
	"MAP   := name NAME | id ID | pinned PATH\n"
	"BYTES := [hex] BYTE...  (bpftool's syntax: `key 1 0 0 0`, `key hex 01 00 00 00`)\n"
	"Loads OBJ.o, runs it when run options are given (its trace lines and summary then go\n"
	"to stderr), then acts on the map.  --keep dumps every map at the end.\n\n"
	"Run options (see bpfrun run --help):\n";

struct map_ref {
	int fd;
	struct bpf_map_info info;
	uint32_t value_len; /* user-space value size (per-CPU: every CPU's copy) */
	struct btf *btf;    /* for JSON's "formatted", when loaded (map_load_btf) */
};

static int map_describe(int fd, struct map_ref *m)
{
	uint32_t len = sizeof(m->info);

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	if (bpf_obj_get_info_by_fd(fd, &m->info, &len))
		return -errno;
	m->value_len = m->info.value_size;
	if (m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY || m->info.type == BPF_MAP_TYPE_PERCPU_HASH ||
	    m->info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		m->value_len = ((m->info.value_size + 7) & ~7u) *
			       (uint32_t)libbpf_num_possible_cpus();
	return 0;
}

/* The map's BTF, for JSON output of its elements; without it only raw bytes show. */
static void map_load_btf(struct map_ref *m, bool json)
{
	if (json && m->info.btf_id && (m->info.btf_key_type_id || m->info.btf_value_type_id))
		m->btf = btf__load_from_kernel_by_id(m->info.btf_id);
}

static void map_unload_btf(struct map_ref *m)
{
	btf__free(m->btf);
	m->btf = NULL;
}

static bool map_is_percpu(const struct map_ref *m)
{
	return m->value_len != m->info.value_size;
}

static const char *map_type_name(uint32_t type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

/* ---- list ---- */

static void map_print_info(struct json *j, const struct map_ref *m)
{
	const struct bpf_map_info *in = &m->info;

	if (!j) {
		printf("%u: %s  name %s  flags 0x%x\n", in->id, map_type_name(in->type), in->name,
		       in->map_flags);
		printf("\tkey %uB  value %uB  max_entries %u\n", in->key_size, in->value_size,
		       in->max_entries);
		if (in->btf_id)
			printf("\tbtf_id %u\n", in->btf_id);
		return;
	}
	json_begin_object(j);
	json_uint_field(j, "id", in->id);
	json_string_field(j, "type", map_type_name(in->type));
	json_string_field(j, "name", in->name);
	json_uint_field(j, "flags", in->map_flags);
	json_uint_field(j, "bytes_key", in->key_size);
	json_uint_field(j, "bytes_value", in->value_size);
	json_uint_field(j, "max_entries", in->max_entries);
	if (in->btf_id) {
		json_uint_field(j, "btf_id", in->btf_id);
	}
	json_end_object(j);
}

/* Calls fn on every live map of the process; stops when fn returns nonzero. */
static int for_each_map(int (*fn)(struct map_ref *m, void *arg), void *arg)
{
	uint32_t id = 0;
	struct map_ref m;

	while (!bpf_map_get_next_id(id, &id)) {
		int fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue; /* freed meanwhile */
		int r = map_describe(fd, &m) ? 0 : fn(&m, arg);
		close(fd);
		if (r)
			return r;
	}
	return 0;
}

static int list_one(struct map_ref *m, void *arg)
{
	map_print_info(arg, m);
	return 0;
}

/* ---- dump / lookup ---- */

static void hex_line(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		printf("%s%02x", i ? " " : "", p[i]);
}

/* bpftool's "formatted": {"key": ..., "value": ...} through the map's BTF. */
static void print_formatted(struct json *j, const struct map_ref *m, const void *key,
			    const void *value)
{
	if (!m->btf)
		return;
	json_key(j, "formatted");
	json_begin_object(j);
	if (m->info.btf_key_type_id) {
		json_key(j, "key");
		json_btf_value(j, m->btf, m->info.btf_key_type_id, key, m->info.key_size);
	}
	if (m->info.btf_value_type_id) {
		json_key(j, "value");
		json_btf_value(j, m->btf, m->info.btf_value_type_id, value, m->info.value_size);
	}
	json_end_object(j);
}

static void print_elem(struct json *j, const struct map_ref *m, const void *key,
		       const uint8_t *value)
{
	uint32_t cpus = map_is_percpu(m) ? (uint32_t)libbpf_num_possible_cpus() : 0;
	uint32_t stride = (m->info.value_size + 7) & ~7u;

	if (!j) {
		printf("key: ");
		hex_line(key, m->info.key_size);
		if (!cpus) {
			printf("  value: ");
			hex_line(value, m->info.value_size);
		}
		for (uint32_t c = 0; c < cpus; c++) {
			printf("\n\tvalue (CPU %02u): ", c);
			hex_line(value + (size_t)c * stride, m->info.value_size);
		}
		putchar('\n');
		return;
	}
	json_begin_object(j);
	json_key(j, "key");
	json_hex_bytes(j, key, m->info.key_size);
	if (!cpus) {
		json_key(j, "value");
		json_hex_bytes(j, value, m->info.value_size);
		print_formatted(j, m, key, value);
	} else {
		json_key(j, "values");
		json_begin_array(j);
		for (uint32_t c = 0; c < cpus; c++) {
			json_begin_object(j);
			json_uint_field(j, "cpu", c);
			json_key(j, "value");
			json_hex_bytes(j, value + (size_t)c * stride, m->info.value_size);
			json_end_object(j);
		}
		json_end_array(j);
	}
	json_end_object(j);
}

static int map_dump(struct json *j, struct map_ref *m)
{
	uint8_t *key = calloc(1, m->info.key_size + 1), *next = calloc(1, m->info.key_size + 1);
	uint8_t *value = calloc(1, m->value_len + 1);
	uint32_t count = 0;
	int err = 0;
	void *prev = NULL;

	if (!key || !next || !value) {
		err = -ENOMEM;
		goto out;
	}
	map_load_btf(m, j != NULL);
	if (j)
		json_begin_array(j);
	while (!bpf_map_get_next_key(m->fd, prev, next)) {
		memcpy(key, next, m->info.key_size);
		prev = key;
		if (bpf_map_lookup_elem(m->fd, key, value))
			continue; /* deleted meanwhile (a timer callback) */
		print_elem(j, m, key, value);
		count++;
	}
	if (errno != ENOENT)
		err = -errno;
	if (j)
		json_end_array(j);
	else
		printf("Found %u element%s\n", count, count == 1 ? "" : "s");
	map_unload_btf(m);
out:
	free(key);
	free(next);
	free(value);
	return err;
}

/* Every map of obj, by name, after a run (--keep). */
int map_dump_all(struct bpf_object *obj, struct json *j)
{
	struct bpf_map *map;
	struct map_ref m;
	int ret = 0;

	if (j)
		json_begin_array(j);
	bpf_object__for_each_map(map, obj)
	{
		int err = map_describe(bpf_map__fd(map), &m);
		if (err) {
			cli_error("map %s: %s", bpf_map__name(map), strerror(-err));
			ret = 1;
			continue;
		}
		if (j) {
			json_begin_object(j);
			json_uint_field(j, "id", m.info.id);
			json_string_field(j, "name", bpf_map__name(map));
			json_key(j, "elements");
		} else {
			printf("map %s (id %u):\n", bpf_map__name(map), m.info.id);
		}
		err = map_dump(j, &m);
		if (j)
			json_end_object(j);
		if (err) {
			cli_error("map %s: cannot dump: %s", bpf_map__name(map), strerror(-err));
			ret = 1;
		}
	}
	if (j)
		json_end_array(j);
	fflush(stdout);
	return ret;
}

/* ---- selecting a map: name NAME | id ID | pinned PATH ---- */

struct name_search {
	const char *name;
	int fd;
};

static int match_name(struct map_ref *m, void *arg)
{
	struct name_search *s = arg;

	if (strncmp(m->info.name, s->name, sizeof(m->info.name) - 1))
		return 0;
	s->fd = dup(m->fd);
	return 1;
}

/* Consumes the selector at words[*w]: 0 with a described map (its fd to close), or -1. */
static int map_select(struct bpf_object *obj, const struct inspect_args *a, int *w,
		      struct map_ref *m)
{
	int fd = -1;

	if (*w + 2 > a->nr_words) {
		cli_error("expected a map: name NAME, id ID or pinned PATH");
		return -1;
	}
	const char *kind = a->words[*w], *v = a->words[*w + 1];
	*w += 2;
	if (!strcmp(kind, "id")) {
		fd = bpf_map_get_fd_by_id((uint32_t)strtoul(v, NULL, 0));
		if (fd < 0)
			cli_error("%s: no map with id %s", a->path, v);
	} else if (!strcmp(kind, "pinned")) {
		fd = bpf_obj_get(v);
		if (fd < 0)
			cli_error("%s: %s", v, strerror(errno));
	} else if (!strcmp(kind, "name")) {
		/* the object's own maps first (full names), then any live map (bpftool's way) */
		struct bpf_map *own = bpf_object__find_map_by_name(obj, v);
		struct name_search s = { v, -1 };
		if (own)
			s.fd = dup(bpf_map__fd(own));
		else
			for_each_map(match_name, &s);
		fd = s.fd;
		if (fd < 0)
			cli_error("%s: no map named '%s'", a->path, v);
	} else {
		cli_error("expected name, id or pinned, not '%s'", kind);
	}
	if (fd < 0)
		return -1;
	int err = map_describe(fd, m);
	if (err) {
		cli_error("%s: not a map: %s", a->path, strerror(-err));
		close(fd);
		return -1;
	}
	return 0;
}

static bool is_keyword(const char *w)
{
	return !strcmp(w, "key") || !strcmp(w, "value") || !strcmp(w, "any") ||
	       !strcmp(w, "exist") || !strcmp(w, "noexist");
}

/* `key|value [hex] BYTE...` at words[*w] into buf (exactly len bytes). */
static int parse_bytes(const struct inspect_args *a, int *w, const char *what, uint8_t *buf,
		       uint32_t len)
{
	int base = 0;
	uint32_t n = 0;

	if (*w >= a->nr_words || strcmp(a->words[*w], what)) {
		cli_error("expected '%s' and %u bytes", what, len);
		return -1;
	}
	(*w)++;
	if (*w < a->nr_words && !strcmp(a->words[*w], "hex")) {
		base = 16;
		(*w)++;
	}
	/* what follows the bytes (a keyword, a flag, a stray word) is for the caller */
	for (; *w < a->nr_words && n < len && !is_keyword(a->words[*w]); (*w)++) {
		char *end;
		unsigned long b = strtoul(a->words[*w], &end, base);
		if (*end || end == a->words[*w] || b > 255) {
			cli_error("%s: '%s' is not a byte", what, a->words[*w]);
			return -1;
		}
		buf[n++] = (uint8_t)b;
	}
	if (n != len) {
		cli_error("%s: %u bytes given, the map's %s has %u", what, n, what, len);
		return -1;
	}
	return 0;
}

static int parse_update_flags(const struct inspect_args *a, int *w, uint64_t *flags)
{
	*flags = BPF_ANY;
	if (*w == a->nr_words)
		return 0;
	const char *f = a->words[(*w)++];
	if (!strcmp(f, "exist"))
		*flags = BPF_EXIST;
	else if (!strcmp(f, "noexist"))
		*flags = BPF_NOEXIST;
	else if (strcmp(f, "any")) {
		cli_error("update: unknown flag '%s' (any, exist or noexist)", f);
		return -1;
	}
	return 0;
}

/* ---- the command ---- */

static int map_elem_op(const char *sub, const struct inspect_args *a, int *w, struct map_ref *m,
		       struct json *j)
{
	uint8_t *key = calloc(1, m->info.key_size + 1), *value = calloc(1, m->value_len + 1);
	uint64_t flags = 0;
	int ret = 1, err;

	if (!key || !value || parse_bytes(a, w, "key", key, m->info.key_size))
		goto out;
	if (!strcmp(sub, "update") &&
	    (parse_bytes(a, w, "value", value, m->value_len) || parse_update_flags(a, w, &flags)))
		goto out;
	if (*w != a->nr_words) {
		cli_error("%s: unexpected argument '%s'", sub, a->words[*w]);
		goto out;
	}
	if (!strcmp(sub, "lookup"))
		err = bpf_map_lookup_elem(m->fd, key, value);
	else if (!strcmp(sub, "update"))
		err = bpf_map_update_elem(m->fd, key, value, flags);
	else
		err = bpf_map_delete_elem(m->fd, key);
	if (err) {
		cli_error("map %s: %s failed: %s", m->info.name, sub, strerror(errno));
		goto out;
	}
	if (!strcmp(sub, "lookup")) {
		map_load_btf(m, j != NULL);
		print_elem(j, m, key, value);
		map_unload_btf(m);
	}
	ret = 0;
out:
	free(key);
	free(value);
	return ret;
}

static int map_command(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
		       struct json *j)
{
	struct map_ref m = { .fd = -1 };
	int w = 0, ret;

	if (!strcmp(sub, "list")) {
		if (j)
			json_begin_array(j);
		for_each_map(list_one, j);
		if (j)
			json_end_array(j);
		return 0;
	}
	if (map_select(obj, a, &w, &m))
		return 1;
	if (!strcmp(sub, "dump")) {
		ret = w == a->nr_words ? map_dump(j, &m) : -EINVAL;
		if (ret)
			cli_error("map %s: cannot dump: %s", m.info.name,
				  ret == -EINVAL ? "unexpected arguments" : strerror(-ret));
		ret = ret ? 1 : 0;
	} else {
		ret = map_elem_op(sub, a, &w, &m, j);
	}
	close(m.fd);
	return ret;
}

/* With --json and --keep, one document: {"result": the subcommand's own output, "maps":
 * [...]}, or the maps alone when the subcommand prints nothing (update, delete). */
static int map_inspect_keep_json(struct bpf_object *obj, const char *sub,
				 const struct inspect_args *a, struct json *j)
{
	char *buf = NULL;
	size_t len = 0;
	struct json sub_j;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem) {
		cli_error("out of memory");
		return 1;
	}
	json_init(&sub_j, mem);
	int ret = map_command(obj, sub, a, &sub_j);
	fclose(mem);
	while (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	if (!ret && len) {
		json_begin_object(j);
		json_key(j, "result");
		json_raw(j, buf);
		json_key(j, "maps");
	}
	if (!ret)
		ret = map_dump_all(obj, j);
	if (!ret && len)
		json_end_object(j);
	free(buf);
	return ret;
}

/* A subcommand, then with --keep every map as the run left it. */
static int map_inspect(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
		       struct json *j)
{
	if (a->o.keep && j)
		return map_inspect_keep_json(obj, sub, a, j);
	int ret = map_command(obj, sub, a, j);
	if (!ret && a->o.keep)
		ret = map_dump_all(obj, NULL);
	return ret;
}

int cmd_map(int argc, char **argv)
{
	static const char *const subs[] = { "list", "dump", "lookup", "update", "delete", NULL };
	static const struct inspect_cmd cmd = {
		.name = "map",
		.help = map_help,
		.subs = subs,
		.subs_text = "list, dump, lookup, update or delete",
		.run = map_inspect,
	};

	return inspect_main(&cmd, argc, argv);
}
