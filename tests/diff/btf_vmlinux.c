/* BTF object 1 is the kernel's own BTF: the first id BTF_GET_NEXT_ID lists, opened by
 * BTF_GET_FD_BY_ID, named "vmlinux" and marked kernel_btf in its info, with the bytes of
 * /sys/kernel/btf/vmlinux; a name buffer too short gets ENOSPC with the info filled.  Its
 * descriptor as attach_btf_obj_fd loads a tp_btf program as the default target does; a
 * socket filter refuses it (EINVAL), and a loader's own BTF there is ENOTSUPP. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "difftest.h"

static int err_of(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void info(const char *what, int fd, __u32 name_len, bool with_name)
{
	struct bpf_btf_info bi;
	char name[64] = "untouched";
	__u32 len = sizeof(bi);

	memset(&bi, 0, sizeof(bi));
	bi.name = with_name ? (__u64)(uintptr_t)name : 0;
	bi.name_len = name_len;
	int err = err_of(bpf_obj_get_info_by_fd(fd, &bi, &len));
	out("%-24s %d: id %u, kernel_btf %u, name '%s', name_len %u, size > 1 MiB %d", what, err,
	    bi.id, bi.kernel_btf, name, bi.name_len, bi.btf_size > (1u << 20));
}

/* The info's BTF bytes against the sysfs file's. */
static void same_bytes(int fd)
{
	struct bpf_btf_info bi;
	__u32 len = sizeof(bi);
	struct stat st;
	int file = open("/sys/kernel/btf/vmlinux", O_RDONLY);

	if (file < 0 || fstat(file, &st)) {
		out("no /sys/kernel/btf/vmlinux");
		return;
	}
	char *want = malloc((size_t)st.st_size), *got = malloc((size_t)st.st_size);
	memset(&bi, 0, sizeof(bi));
	bi.btf = (__u64)(uintptr_t)got;
	bi.btf_size = (__u32)st.st_size;
	int err = err_of(bpf_obj_get_info_by_fd(fd, &bi, &len));
	ssize_t have = 0, r;
	while (have < st.st_size && (r = read(file, want + have, (size_t)(st.st_size - have))) > 0)
		have += r; /* sysfs gives a page per read */
	bool same = have == st.st_size && !err && bi.btf_size == st.st_size &&
		    !memcmp(want, got, (size_t)st.st_size);
	out("the info's bytes are the sysfs file's: %d", same);
	free(want);
	free(got);
	close(file);
}

static int load_tp_btf(int attach_fd, enum bpf_prog_type type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *vmlinux = btf__load_vmlinux_btf();
	__s32 id = btf__find_by_name_kind(vmlinux, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	LIBBPF_OPTS(bpf_prog_load_opts, o, .attach_btf_obj_fd = (__u32)attach_fd);

	if (type == BPF_PROG_TYPE_TRACING) {
		o.expected_attach_type = BPF_TRACE_RAW_TP;
		o.attach_btf_id = (__u32)id;
	}
	btf__free(vmlinux);
	int fd = bpf_prog_load(type, "tp", "GPL", insns, 2, &o);
	int err = err_of(fd);
	if (fd >= 0)
		close(fd);
	return err < 0 ? err : 0;
}

int main(void)
{
	__u32 next = 0;

	int err = err_of(bpf_btf_get_next_id(0, &next));
	out("first BTF id: %d, it is %u", err, next);
	int fd = bpf_btf_get_fd_by_id(1);
	out("open BTF id 1: %s", fd >= 0 ? "ok" : strerror(errno));
	if (fd < 0)
		return finish();
	info("info", fd, 64, true);
	info("info, 4-byte name", fd, 4, true);
	info("info, 1-byte name", fd, 1, true);
	info("info, no name buffer", fd, 0, false);
	info("info, name but no length", fd, 0, true);
	same_bytes(fd);

	out("tp_btf, vmlinux by fd: %d", load_tp_btf(fd, BPF_PROG_TYPE_TRACING));
	out("socket filter, vmlinux by fd: %d", load_tp_btf(fd, BPF_PROG_TYPE_SOCKET_FILTER));
	struct btf *own = btf__new_empty();
	btf__add_int(own, "int", 4, BTF_INT_SIGNED);
	__u32 size;
	const void *raw = btf__raw_data(own, &size);
	int own_fd = bpf_btf_load(raw, size, NULL);
	out("tp_btf, a loaded BTF by fd: %d", load_tp_btf(own_fd, BPF_PROG_TYPE_TRACING));
	close(own_fd);
	btf__free(own);
	close(fd);
	return finish();
}
