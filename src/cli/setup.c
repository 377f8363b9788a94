/* The set-up options, applied around the object's load: program types (--type, and the
 * syscall type of `bpfrun test`'s test/ sections), the runtime's test controls (--fail,
 * --seed, --cpu, --coverage), global variables (--set) and map elements (--map).
 * Single-threaded: nothing runs while an object is set up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

#define MAX_VALUE 65536 /* bytes of one --map key or value, --set variable */

/* ---- bytes as bpftool reads them ---- */

int parse_bytes_words(const char *s, uint8_t *buf, uint32_t len, const char *what)
{
	char *copy = strdup(s), *save = NULL;
	int base = 0;
	uint32_t n = 0;
	int ret = -1;

	if (!copy) {
		cli_error("out of memory");
		return -1;
	}
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		char *end;
		if (!strcmp(w, "hex")) {
			base = 16;
			continue;
		}
		unsigned long v = strtoul(w, &end, base);
		if (*end || v > 255 || w[0] == '-') {
			cli_error("%s: '%s' is not a byte (bpftool's words: \"hex 0a 0b\", "
				  "\"10 11\")",
				  what, w);
			goto out;
		}
		if (n == len) {
			cli_error("%s: more than %u bytes", what, len);
			goto out;
		}
		buf[n++] = (uint8_t)v;
	}
	if (n != len)
		cli_error("%s: %u bytes given, %u expected", what, n, len);
	else
		ret = 0;
out:
	free(copy);
	return ret;
}

/* VALUE for an object of len bytes: a number when len is 1, 2, 4 or 8 and it reads as
 * one (little-endian, negative allowed), else bytes. */
static int parse_value(const char *s, uint8_t *buf, uint32_t len, const char *what)
{
	char *end;

	if (len == 1 || len == 2 || len == 4 || len == 8) {
		errno = 0;
		long long v = strtoll(s, &end, 0);
		if (errno == ERANGE && s[0] != '-')
			v = (long long)strtoull(s, &end, 0);
		if (end != s && !*end) {
			for (uint32_t k = 0; k < len; k++)
				buf[k] = (uint8_t)((unsigned long long)v >> (8 * k));
			return 0;
		}
	}
	return parse_bytes_words(s, buf, len, what);
}

/* ---- program types ---- */

bool prog_is_test(const struct bpf_program *p)
{
	return !strncmp(bpf_program__section_name(p), "test/", 5);
}

bool prog_named(const struct bpf_program *p, const struct run_opts *o)
{
	if (o->prog_name)
		return !strcmp(bpf_program__name(p), o->prog_name);
	if (o->section)
		return !strcmp(bpf_program__section_name(p), o->section);
	return true;
}

static int set_type(struct bpf_program *p, enum bpf_prog_type t)
{
	int err = bpf_program__set_type(p, t);

	/* the kernel loads syscall programs only as sleepable ones */
	if (!err && t == BPF_PROG_TYPE_SYSCALL)
		err = bpf_program__set_flags(p, bpf_program__flags(p) | BPF_F_SLEEPABLE);
	return err;
}

static int setup_types(struct bpf_object *obj, const char *path, const struct run_opts *o)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
	{
		int err = 0;
		bool unknown = bpf_program__type(p) == BPF_PROG_TYPE_UNSPEC;
		if (prog_is_test(p))
			err = set_type(p, BPF_PROG_TYPE_SYSCALL);
		else if (o->prog_type && (unknown || (o->prog_name && prog_named(p, o))))
			err = set_type(p, (enum bpf_prog_type)o->prog_type);
		else if (unknown && !prog_named(p, o))
			err = bpf_program__set_autoload(p, false); /* not run: not loaded */
		if (err) {
			cli_error("%s: program '%s': cannot set its type: %s", path,
				  bpf_program__name(p), strerror(-err));
			return -1;
		}
		if (bpf_program__type(p) == BPF_PROG_TYPE_UNSPEC && bpf_program__autoload(p)) {
			cli_error("%s: program '%s': libbpf does not know section '%s': give its "
				  "type with --type TYPE",
				  path, bpf_program__name(p), bpf_program__section_name(p));
			return -1;
		}
	}
	return 0;
}

/* ---- the runtime's test controls ---- */

/* "ENOMEM", "-ENOMEM", "12", "-12", or "NULL" (0): the negative errno. */
static int parse_errno(const char *s, int *err)
{
	const char *name = s[0] == '-' ? s + 1 : s;
	char *end;

	if (!strcmp(s, "NULL")) {
		*err = 0;
		return 0;
	}
	long v = strtol(name, &end, 10);
	if (end != name && !*end && v > 0 && v < 4096) {
		*err = (int)-v;
		return 0;
	}
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name)) {
			*err = -e;
			return 0;
		}
	}
	return -1;
}

/* WHAT=ERR[@N] */
static int setup_fail(const char *rule)
{
	char what[128], err_s[64];
	const char *eq = strchr(rule, '='), *at = strchr(eq + 1, '@');
	uint64_t nth = 0;
	int err;

	snprintf(what, sizeof(what), "%.*s", (int)(eq - rule), rule);
	snprintf(err_s, sizeof(err_s), "%.*s", (int)(at ? at - eq - 1 : (long)strlen(eq + 1)),
		 eq + 1);
	if (parse_errno(err_s, &err)) {
		cli_error("--fail %s: '%s' is not an errno (ENOMEM, 12) or NULL", rule, err_s);
		return -1;
	}
	if (at && parse_u64("--fail", at + 1, 1, UINT64_MAX, &nth))
		return -1;
	if (bpfrun_fail_helper(what, err, nth) == 0)
		return 0;
	if (errno == ENOENT)
		cli_error("--fail %s: no helper or kfunc '%s' (bpfrun's, by kernel name, e.g. "
			  "bpf_timer_init)",
			  rule, what);
	else if (errno == EINVAL)
		cli_error("--fail %s: %s returns a pointer: its failure is NULL", rule, what);
	else
		cli_error("--fail %s: %s", rule, strerror(errno));
	return -1;
}

static int setup_runtime(const struct run_opts *o)
{
	bpfrun_fail_clear();
	for (int k = 0; k < o->fails.nr; k++)
		if (setup_fail(o->fails.v[k]))
			return -1;
	if (o->has_seed)
		bpfrun_set_prandom_seed(o->seed);
	if (o->cpu >= 0 && bpfrun_set_cpu(o->cpu)) {
		cli_error("--cpu %d: %s", o->cpu, strerror(errno));
		return -1;
	}
	/* counting needs the interpreter: the JIT leaves programs with counters to it */
	bpfrun_set_coverage(o->coverage != NULL);
	return 0;
}

/* ---- global variables ---- */

struct global_ref {
	struct bpf_map *map;
	uint32_t off, size;
};

/* The variable `name` in one of obj's data sections (each is an array map whose value
 * type is the section's BTF DATASEC). */
static bool find_global(struct bpf_object *obj, const char *name, struct global_ref *g)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	if (!btf)
		return false;
	bpf_object__for_each_map(map, obj)
	{
		const struct btf_type *sec = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!bpf_map__is_internal(map) || !sec || !btf_is_datasec(sec))
			continue;
		const struct btf_var_secinfo *vi = btf_var_secinfos(sec);
		for (int k = 0; k < btf_vlen(sec); k++, vi++) {
			const struct btf_type *var = btf__type_by_id(btf, vi->type);
			if (var && !strcmp(btf__name_by_offset(btf, var->name_off), name)) {
				*g = (struct global_ref){ map, vi->offset, vi->size };
				return true;
			}
		}
	}
	return false;
}

void *setup_global(struct bpf_object *obj, const char *name, uint32_t *size, bool *rdonly)
{
	struct global_ref g;
	size_t len;

	if (!find_global(obj, name, &g))
		return NULL;
	/* libbpf 1.1 declares it const, but the image is its own writable mapping (the
	 * skeletons' way of setting globals before the load) */
	uint8_t *image = (uint8_t *)(uintptr_t)bpf_map__initial_value(g.map, &len);
	if (!image || (size_t)g.off + g.size > len)
		return NULL;
	*size = g.size;
	*rdonly = (bpf_map__map_flags(g.map) & BPF_F_RDONLY_PROG) != 0;
	return image + g.off;
}

/* Before the load, the data sections' initial images are what gets loaded. */
static int setup_set(struct bpf_object *obj, const char *path, const char *assign)
{
	const char *eq = strchr(assign, '=');
	char name[256];
	uint32_t size;
	bool rdonly;

	snprintf(name, sizeof(name), "%.*s", (int)(eq - assign), assign);
	uint8_t *p = setup_global(obj, name, &size, &rdonly);
	if (!p) {
		cli_error("%s: --set %s: no global variable '%s' in .rodata, .data or .bss", path,
			  assign, name);
		return -1;
	}
	return parse_value(eq + 1, p, size, name);
}

int setup_global_write(struct bpf_object *obj, const char *name, const void *val, uint32_t len)
{
	struct global_ref g;
	uint32_t zero = 0;
	int err = -ENOENT;

	if (!find_global(obj, name, &g) || g.size != len)
		return err;
	uint32_t vsize = bpf_map__value_size(g.map);
	uint8_t *value = calloc(1, vsize);
	if (!value)
		return -ENOMEM;
	int fd = bpf_map__fd(g.map);
	err = bpf_map_lookup_elem(fd, &zero, value) ? -errno : 0;
	if (!err) {
		memcpy(value + g.off, val, len);
		err = bpf_map_update_elem(fd, &zero, value, BPF_ANY) ? -errno : 0;
	}
	free(value);
	return err;
}

int setup_before_load(struct bpf_object *obj, const char *path, const struct run_opts *o)
{
	if (setup_types(obj, path, o) || setup_runtime(o))
		return -1;
	for (int k = 0; k < o->sets.nr; k++)
		if (setup_set(obj, path, o->sets.v[k]))
			return -1;
	return 0;
}

/* ---- map elements ---- */

/* A program array's VALUE may name one of the object's programs. */
static bool prog_by_name(struct bpf_object *obj, const struct bpf_map *map, const char *s,
			 uint8_t *value)
{
	struct bpf_program *p;

	if (bpf_map__type(map) != BPF_MAP_TYPE_PROG_ARRAY)
		return false;
	p = bpf_object__find_program_by_name(obj, s);
	if (!p)
		return false;
	int fd = bpf_program__fd(p);
	memcpy(value, &fd, sizeof(fd));
	return true;
}

static int map_update(struct bpf_map *map, const uint8_t *key, const uint8_t *value,
		      const char *path)
{
	int ncpus = libbpf_num_possible_cpus();
	uint32_t vsize = bpf_map__value_size(map);
	bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH ||
		      bpf_map__type(map) == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	uint8_t *all = NULL;

	if (percpu) { /* the same value on every CPU */
		size_t stride = (vsize + 7) & ~7u;
		all = calloc((size_t)(ncpus > 0 ? ncpus : 1), stride);
		if (!all)
			return -1;
		for (int c = 0; c < ncpus; c++)
			memcpy(all + (size_t)c * stride, value, vsize);
	}
	int err = bpf_map_update_elem(bpf_map__fd(map), key, all ? all : value, BPF_ANY);
	free(all);
	if (err) {
		cli_error("%s: --map %s: cannot update: %s", path, bpf_map__name(map),
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* ["0x0a","0x0b",...] at *p (spaces allowed) into exactly len bytes; *p moves past it. */
static int json_hex_array(const char **p, uint8_t *buf, uint32_t len)
{
	const char *s = *p + strspn(*p, " \t\r\n");
	uint32_t n = 0;

	if (*s++ != '[')
		return -1;
	for (;;) {
		s += strspn(s, " \t\r\n,");
		if (*s == ']')
			break;
		char *end;
		if (*s != '"' || n == len)
			return -1;
		unsigned long v = strtoul(s + 1, &end, 16);
		if (*end != '"' || v > 255)
			return -1;
		buf[n++] = (uint8_t)v;
		s = end + 1;
	}
	*p = s + 1;
	return n == len ? 0 : -1;
}

/* The elements of a bpftool JSON dump (`bpftool -j map dump`): each "key" array and the
 * "value" array after it. */
static int map_load_file(struct bpf_map *map, const char *file, uint8_t *key, uint8_t *value,
			 const char *path)
{
	uint32_t len, ksize = bpf_map__key_size(map), vsize = bpf_map__value_size(map);
	uint8_t *raw = cli_read_file(file, &len);
	char *text = raw ? realloc(raw, (size_t)len + 1) : NULL;
	int n = 0, ret = -1;

	if (!text) {
		free(raw);
		return -1;
	}
	text[len] = 0;
	for (const char *p = text; (p = strstr(p, "\"key\":")); n++) {
		p += 6;
		const char *v = NULL;
		if (json_hex_array(&p, key, ksize) || !(v = strstr(p, "\"value\":")) ||
		    (p = v + 8, json_hex_array(&p, value, vsize))) {
			cli_error("%s: --map %s %s: element %d is not {\"key\":[%u bytes],"
				  "\"value\":[%u bytes]} as bpftool -j dumps it",
				  path, bpf_map__name(map), file, n + 1, ksize, vsize);
			goto out;
		}
		if (map_update(map, key, value, path))
			goto out;
	}
	if (!n)
		cli_error("%s: --map %s %s: no elements (a bpftool JSON dump?)", path,
			  bpf_map__name(map), file);
	else
		ret = 0;
out:
	free(text);
	return ret;
}

static int setup_map_elem(struct bpf_object *obj, const char *path, const char *const *m)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, m[0]);
	uint8_t *key, *value;
	int ret = -1;

	if (!map) {
		cli_error("%s: --map: no map named '%s'", path, m[0]);
		return -1;
	}
	uint32_t ksize = bpf_map__key_size(map), vsize = bpf_map__value_size(map);
	if (ksize > MAX_VALUE || vsize > MAX_VALUE) {
		cli_error("%s: --map %s: keys or values too large", path, m[0]);
		return -1;
	}
	key = calloc(1, ksize ? ksize : 1);
	value = calloc(1, vsize ? vsize : 1);
	if (!key || !value)
		cli_error("out of memory");
	else if (!m[2])
		ret = map_load_file(map, m[1], key, value, path);
	else if (!parse_value(m[1], key, ksize, "--map key") &&
		 (prog_by_name(obj, map, m[2], value) ||
		  !parse_value(m[2], value, vsize, "--map value")))
		ret = map_update(map, key, value, path);
	free(key);
	free(value);
	return ret;
}

int setup_after_load(struct bpf_object *obj, const char *path, const struct run_opts *o)
{
	for (int k = 0; k < o->maps.nr; k++)
		if (setup_map_elem(obj, path, o->maps.v + k * 3))
			return -1;
	return 0;
}
