/* Pins (BPF_OBJ_PIN / BPF_OBJ_GET): an in-process table of absolute, normalized paths.
 *
 * An entry is either a pin (holds a user reference on its object) or a directory made
 * with mkdir(2) below /sys/fs/bpf (the bridge routes those here), so that pinning works
 * whether or not a BPF filesystem is mounted or writable.  Pins last as long as the
 * process.  Errors follow the kernel's path walk: ENOENT / ENOTDIR on the way to the
 * parent, EEXIST for an existing name, EPERM when the parent is not a BPF filesystem;
 * BPF_OBJ_GET of anything that is not a pin is EACCES.
 *
 * Locking: pin_lock protects the table.  References are put after it is released.
 * Real file systems are asked with raw system calls (lib/sys.h: statfs and syscall(3) are
 * interposed by the bridge).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "object.h"
#include "../lib/sys.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define PATH_LEN 4096

struct pin {
	char *path;
	struct obj *obj; /* NULL: a directory */
};

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pin *pins;
static size_t nr_pins, pins_cap;

/* Absolute, lexically normalized form of path ("//", ".", ".." resolved) in out. */
static int path_normalize(const char *path, char *out)
{
	char buf[PATH_LEN];
	size_t n = 0;

	if (!*path)
		return -ENOENT;
	if (path[0] == '/') {
		if (strlen(path) >= sizeof(buf))
			return -ENAMETOOLONG;
		strcpy(buf, path);
	} else {
		if (!getcwd(buf, sizeof(buf)))
			return -errno;
		size_t len = strlen(buf);
		if (len + 1 + strlen(path) >= sizeof(buf))
			return -ENAMETOOLONG;
		buf[len] = '/';
		strcpy(buf + len + 1, path);
	}
	for (char *save, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		size_t len = strlen(c);
		out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
	}
	if (!n)
		out[n++] = '/';
	out[n] = 0;
	return 0;
}

/* Caller holds pin_lock. */
static struct pin *pin_find(const char *norm)
{
	for (size_t i = 0; i < nr_pins; i++)
		if (!strcmp(pins[i].path, norm))
			return &pins[i];
	return NULL;
}

static bool is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && path[n] == '/';
}

static bool real_is_bpffs(const char *norm)
{
	struct statfs st;
	return sys_raw(SYS_statfs, (long)norm, (long)&st, 0, 0, 0, 0) == 0 &&
	       st.f_type == BPF_FS_MAGIC;
}

/* True when norm is on a BPF filesystem for us. Caller holds pin_lock. */
static bool dir_is_bpffs_locked(const char *norm)
{
	struct pin *p = pin_find(norm);
	struct stat st;

	if (p) /* a pin too: statfs(2) of a file on bpffs reports it */
		return true;
	if (!strcmp(norm, BPFFS_ROOT))
		return true;
	if (is_below(norm, BPFFS_ROOT))
		return stat(norm, &st) == 0 && S_ISDIR(st.st_mode);
	return real_is_bpffs(norm);
}

/* Walks the parents of norm as the kernel's path lookup does: every proper prefix must be
 * a directory.  Caller holds pin_lock.  Returns 0 or -ENOENT / -ENOTDIR. */
static int walk_parents(const char *norm)
{
	char prefix[PATH_LEN];
	struct stat st;

	for (const char *s = strchr(norm + 1, '/'); s; s = strchr(s + 1, '/')) {
		size_t len = (size_t)(s - norm);
		memcpy(prefix, norm, len);
		prefix[len] = 0;
		struct pin *p = pin_find(prefix);
		if (p) {
			if (p->obj)
				return -ENOTDIR;
			continue;
		}
		if (!strcmp(prefix, BPFFS_ROOT) || is_below(BPFFS_ROOT, prefix))
			continue; /* /sys/fs/bpf and its ancestors always exist for us */
		if (stat(prefix, &st))
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}

/* True when norm names something: an entry, the root, or a real file. Caller holds pin_lock. */
static bool name_exists(const char *norm)
{
	struct stat st;
	return pin_find(norm) || !strcmp(norm, BPFFS_ROOT) || is_below(BPFFS_ROOT, norm) ||
	       lstat(norm, &st) == 0;
}

static void parent_of(const char *norm, char *out)
{
	size_t len = (size_t)(strrchr(norm, '/') - norm);
	memcpy(out, norm, len);
	out[len ? len : 1] = 0;
	if (!len)
		out[0] = '/';
}

/* The checks a new name (pin or directory) passes; caller holds pin_lock. */
static int check_new_name(const char *norm)
{
	char parent[PATH_LEN];
	int err = walk_parents(norm);

	if (err)
		return err;
	if (name_exists(norm))
		return -EEXIST;
	parent_of(norm, parent);
	return dir_is_bpffs_locked(parent) ? 0 : -EPERM;
}

static int table_add(const char *norm, struct obj *o)
{
	if (nr_pins == pins_cap) {
		size_t cap = pins_cap ? pins_cap * 2 : 16;
		struct pin *v = realloc(pins, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		pins = v;
		pins_cap = cap;
	}
	char *copy = strdup(norm);
	if (!copy)
		return -ENOMEM;
	pins[nr_pins++] = (struct pin){ .path = copy, .obj = o };
	return 0;
}

static void table_del(struct pin *p)
{
	free(p->path);
	*p = pins[--nr_pins];
}

static int add_entry(const char *path, struct obj *o)
{
	char norm[PATH_LEN];
	int err = path_normalize(path, norm);

	if (err)
		return err;
	pthread_mutex_lock(&pin_lock);
	err = check_new_name(norm);
	if (!err)
		err = table_add(norm, o);
	if (!err && o)
		obj_get_user(o);
	pthread_mutex_unlock(&pin_lock);
	return err;
}

int pin_add(const char *path, struct obj *o)
{
	return add_entry(path, o);
}

int pin_mkdir(const char *path)
{
	return add_entry(path, NULL);
}

struct obj *pin_get(const char *path)
{
	char norm[PATH_LEN];
	struct obj *o = NULL;
	int err = path_normalize(path, norm);

	if (err)
		return ERR_PTR(err);
	pthread_mutex_lock(&pin_lock);
	struct pin *p = pin_find(norm);
	if (p && p->obj) {
		o = p->obj;
		obj_get(o);
	} else {
		err = walk_parents(norm);
		if (!err)
			err = name_exists(norm) ? -EACCES : -ENOENT;
	}
	pthread_mutex_unlock(&pin_lock);
	return o ? o : ERR_PTR(err);
}

static bool has_children_locked(const char *norm)
{
	for (size_t i = 0; i < nr_pins; i++)
		if (is_below(pins[i].path, norm))
			return true;
	return false;
}

/* Removes the entry at path if it is of the wanted kind (pin or directory).  Returns 0,
 * -ENOENT when path is no entry of ours (the caller then asks the real file system), or
 * the error unlink(2)/rmdir(2) give on a BPF filesystem. */
static int remove_entry(const char *path, bool dir)
{
	char norm[PATH_LEN];
	struct obj *o = NULL;

	if (path_normalize(path, norm))
		return -ENOENT;
	pthread_mutex_lock(&pin_lock);
	struct pin *p = pin_find(norm);
	int err = -ENOENT;
	if (p && dir != !p->obj)
		err = dir ? -ENOTDIR : -EISDIR;
	else if (p && dir && has_children_locked(norm))
		err = -ENOTEMPTY;
	else if (p) {
		o = p->obj;
		table_del(p);
		err = 0;
	}
	pthread_mutex_unlock(&pin_lock);
	if (o)
		obj_put_user(o);
	return err;
}

int pin_remove(const char *path)
{
	return remove_entry(path, false);
}

int pin_rmdir(const char *path)
{
	return remove_entry(path, true);
}

bool pin_exists(const char *path)
{
	char norm[PATH_LEN];

	if (path_normalize(path, norm))
		return false;
	pthread_mutex_lock(&pin_lock);
	bool found = pin_find(norm) != NULL;
	pthread_mutex_unlock(&pin_lock);
	return found;
}

bool pin_dir_is_bpffs(const char *path)
{
	char norm[PATH_LEN];

	if (path_normalize(path, norm))
		return false;
	pthread_mutex_lock(&pin_lock);
	bool yes = dir_is_bpffs_locked(norm);
	pthread_mutex_unlock(&pin_lock);
	return yes;
}

bool pin_path_in_bpffs_root(const char *path)
{
	char norm[PATH_LEN];

	return !path_normalize(path, norm) &&
	       (!strcmp(norm, BPFFS_ROOT) || is_below(norm, BPFFS_ROOT));
}

size_t pin_list(void (*fn)(const char *path, struct obj *o, void *arg), void *arg)
{
	pthread_mutex_lock(&pin_lock);
	for (size_t i = 0; i < nr_pins; i++)
		fn(pins[i].path, pins[i].obj, arg);
	size_t n = nr_pins;
	pthread_mutex_unlock(&pin_lock);
	return n;
}
