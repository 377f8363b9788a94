/* A tp_btf program's target in prog info: attach_btf_id names the tracepoint's typedef in
 * the kernel's BTF and attach_btf_obj_id that BTF, which is BTF object 1 (vmlinux); BTF a
 * loader loads gets an id after it. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

int main(void)
{
	struct bpf_object *obj = load_obj("link_tracing");
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct btf *vmlinux = btf__load_vmlinux_btf();

	memset(&info, 0, sizeof(info));
	int err = bpf_obj_get_info_by_fd(prog_fd(obj, "on_switch_btf"), &info, &len);
	__s32 want = btf__find_by_name_kind(vmlinux, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	out("tp_btf info: %d, attach_btf_obj_id %u, attach_btf_id is the typedef %d", err,
	    info.attach_btf_obj_id, (__s32)info.attach_btf_id == want);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(prog_fd(obj, "on_switch_raw"), &info, &len);
	out("raw_tp info: attach_btf_obj_id %u, attach_btf_id %u", info.attach_btf_obj_id,
	    info.attach_btf_id);
	struct btf *own = btf__new_empty();
	btf__add_int(own, "int", 4, BTF_INT_SIGNED);
	__u32 size;
	const void *raw = btf__raw_data(own, &size);
	int fd = bpf_btf_load(raw, size, NULL);
	struct bpf_btf_info bi;
	__u32 blen = sizeof(bi);
	memset(&bi, 0, sizeof(bi));
	bpf_obj_get_info_by_fd(fd, &bi, &blen);
	out("a loaded BTF's id is above vmlinux's: %d", bi.id > 1);
	close(fd);
	btf__free(own);
	btf__free(vmlinux);
	bpf_object__close(obj);
	return finish();
}
