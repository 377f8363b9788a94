/* The kernel's BTF, loaded once on first use (kernel_btf.h says from where).
 *
 * Locking: one mutex guards the one-time load and the path a user sets before it; after a
 * load (or a failed attempt) the result is read-only, and readers take the mutex only to
 * see that it is done.  A path set after the load is refused (-EBUSY): ids already handed
 * out must keep meaning what they meant.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "kernel_btf.h"

#define SYSFS_VMLINUX "/sys/kernel/btf/vmlinux"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *user_path; /* bpfrun_set_kernel_btf(), before the load */
static bool loaded;     /* the load was attempted; btf and load_err are final */
static struct btf *btf;
static int load_err;

int bpfrun_set_kernel_btf(const char *path)
{
	char *copy = path ? strdup(path) : NULL;
	int err = 0;

	if (path && !copy)
		return -ENOMEM;
	pthread_mutex_lock(&lock);
	if (loaded) {
		err = -EBUSY;
	} else {
		free(user_path);
		user_path = copy;
		copy = NULL;
	}
	pthread_mutex_unlock(&lock);
	free(copy);
	return err;
}

/* btf__parse() reads raw BTF (the sysfs file) and ELF files with a .BTF section alike. */
static void load_locked(void)
{
	const char *path = user_path ? user_path : getenv("BPFRUN_KERNEL_BTF");
	long err;

	if (!path || !*path)
		path = SYSFS_VMLINUX;
	btf = btf__parse(path, NULL);
	err = libbpf_get_error(btf);
	if (err) {
		btf = NULL;
		load_err = (int)err;
	}
	loaded = true;
}

const struct btf *kernel_btf(int *err)
{
	pthread_mutex_lock(&lock);
	if (!loaded)
		load_locked();
	pthread_mutex_unlock(&lock);
	if (err)
		*err = load_err;
	return btf;
}

s32 kernel_btf_find(const char *name, u32 kind)
{
	int err;
	const struct btf *b = kernel_btf(&err);

	if (!b)
		return err;
	return btf__find_by_name_kind(b, name, kind);
}
