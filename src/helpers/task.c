/* bpf_get_current_task and bpf_get_current_task_btf: the task that runs the program is
 * the calling thread, modelled by a per-thread image of the kernel's struct task_struct,
 * laid out as the kernel's BTF says (btf/kernel_btf.h), so that CO-RE reads
 * (BPF_CORE_READ, bpf_probe_read_kernel at BTF offsets) find in it what
 * bpf_get_current_pid_tgid and bpf_get_current_comm answer: pid (the thread id), tgid
 * (the process id), comm, of the calling thread or of the caller the runtime serves
 * (lib/task.h).  bpf_get_current_task_btf also lets the run read the image
 * directly (a read-only grant), as the kernel's PTR_TO_BTF_ID allows loads.
 *
 * Locking: the layout is computed once (pthread_once); each thread owns its image,
 * allocated on its first call and freed when the thread exits. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "internal.h"
#include "../btf/kernel_btf.h"
#include "../lib/task.h"
#include "../vm/vm.h"

#define FALLBACK_TASK_SIZE 4096 /* no kernel BTF: an image with no known fields */
#define TASK_COMM_LEN 16

static struct {
	u32 size;
	s32 pid, tgid, comm; /* member offsets, -1 when unknown */
} layout = { FALLBACK_TASK_SIZE, -1, -1, -1 };
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;
static pthread_key_t image_key;
static bool layout_ready; /* atomic: image_key exists */

static s32 member_offset(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (u32 i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return (s32)(btf_member_bit_offset(t, i) / 8);
	return -1;
}

static void layout_read(void)
{
	const struct btf *btf = kernel_btf(NULL);
	s32 id = kernel_btf_find("task_struct", BTF_KIND_STRUCT);

	pthread_key_create(&image_key, free);
	if (btf && id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, (u32)id);
		layout.size = t->size;
		layout.pid = member_offset(btf, t, "pid");
		layout.tgid = member_offset(btf, t, "tgid");
		layout.comm = member_offset(btf, t, "comm");
	}
	__atomic_store_n(&layout_ready, true, __ATOMIC_RELEASE);
}

/* The thread's image, refreshed (the thread may have been renamed), or NULL. */
static u8 *current_task(void)
{
	pthread_once(&layout_once, layout_read);
	u8 *img = pthread_getspecific(image_key);
	if (!img) {
		img = calloc(1, layout.size);
		if (!img || pthread_setspecific(image_key, img)) {
			free(img);
			return NULL;
		}
	}
	const struct task_ident *remote = task_remote(); /* the runtime serving a caller */
	s32 pid = remote ? (s32)remote->pid : (s32)gettid();
	s32 tgid = remote ? (s32)remote->tgid : (s32)getpid();
	if (layout.pid >= 0)
		memcpy(img + layout.pid, &pid, sizeof(pid));
	if (layout.tgid >= 0)
		memcpy(img + layout.tgid, &tgid, sizeof(tgid));
	if (layout.comm >= 0 && (u32)layout.comm + TASK_COMM_LEN <= layout.size) {
		char comm[TASK_COMM_LEN];
		task_comm(comm);
		memcpy(img + layout.comm, comm, TASK_COMM_LEN);
	}
	return img;
}

HELPER(get_current_task)
{
	return (u64)(uintptr_t)current_task();
}

HELPER(get_current_task_btf)
{
	u8 *img = current_task();

	if (img) {
		vm_ungrant(x, img); /* one grant, however often the run asks */
		vm_grant(x, img, layout.size, false);
	}
	return (u64)(uintptr_t)img;
}

bool task_is_current(u64 addr)
{
	return addr && task_image_at(addr, layout.size) == u64_to_ptr(addr);
}

const void *task_image_at(u64 addr, u64 size)
{
	const u8 *img = __atomic_load_n(&layout_ready, __ATOMIC_ACQUIRE) ?
				pthread_getspecific(image_key) :
				NULL;
	u64 start = (u64)(uintptr_t)img;

	if (!img || addr < start || size > layout.size || addr - start > layout.size - size)
		return NULL;
	return img + (addr - start);
}
