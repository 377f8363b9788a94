/* Looking programs up (descriptor, subprogram) and BPF_OBJ_GET_INFO_BY_FD for programs,
 * with what `bpftool prog show/dump` reads.  No locking: a loaded program is immutable
 * (run_cnt/run_time_ns are read atomically). */
#include <string.h>

#include "load.h"
#include "../btf/btf.h"
#include "../lib/sha256.h"
#include "../lib/uaccess.h"
#include "../maps/map.h"
#include "../jit/jit.h"

const struct subprog *prog_subprog_at(const struct bpf_prog *prog, u32 insn)
{
	u32 lo = 0, hi = prog->nr_subprogs;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;
		if (prog->subprogs[mid].start == insn)
			return &prog->subprogs[mid];
		if (prog->subprogs[mid].start < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The kernel's set_info_rec_size: given record sizes must be the kernel's own. */
static int set_info_rec_size(struct bpf_prog_info *info)
{
	if ((info->nr_func_info || info->func_info_rec_size) &&
	    info->func_info_rec_size != sizeof(struct bpf_func_info))
		return -EINVAL;
	if ((info->nr_line_info || info->line_info_rec_size) &&
	    info->line_info_rec_size != sizeof(struct bpf_line_info))
		return -EINVAL;
	if ((info->nr_jited_line_info || info->jited_line_info_rec_size) &&
	    info->jited_line_info_rec_size != sizeof(u64))
		return -EINVAL;
	info->func_info_rec_size = sizeof(struct bpf_func_info);
	info->line_info_rec_size = sizeof(struct bpf_line_info);
	info->jited_line_info_rec_size = sizeof(u64);
	return 0;
}

/* Copies min(have, *ucnt) records of rec bytes to uptr and reports have in *ucnt. */
static int put_records(u64 uptr, u32 *ucnt, const void *src, u32 have, size_t rec)
{
	u32 n = MIN(*ucnt, have);

	*ucnt = have;
	return copy_to_user(u64_to_ptr(uptr), src, rec * n);
}

static int put_map_ids(const struct bpf_prog *prog, struct bpf_prog_info *info)
{
	u32 n = MIN(info->nr_map_ids, prog->nr_used_maps);
	u32 ids[MAX_USED_MAPS];

	info->nr_map_ids = prog->nr_used_maps;
	for (u32 i = 0; i < n; i++)
		ids[i] = prog->used_maps[i]->obj.id;
	return copy_to_user(u64_to_ptr(info->map_ids), ids, n * sizeof(ids[0]));
}

static int put_xlated(const struct bpf_prog *prog, struct bpf_prog_info *info)
{
	u32 ulen = info->xlated_prog_len;

	info->xlated_prog_len = prog->len * sizeof(struct bpf_insn);
	return copy_to_user(u64_to_ptr(info->xlated_prog_insns), prog->xlated,
			    MIN(ulen, info->xlated_prog_len));
}

/* One tag per function: the program's own for a single function. */
static int put_prog_tags(const struct bpf_prog *prog, struct bpf_prog_info *info)
{
	u32 n = MIN(info->nr_prog_tags, prog->nr_subprogs);

	info->nr_prog_tags = prog->nr_subprogs;
	for (u32 i = 0; i < n; i++) {
		const struct subprog *sp = &prog->subprogs[i];
		u8 digest[32];
		const u8 *tag = prog->tag;
		if (prog->nr_subprogs > 1) {
			sha256_digest(prog->xlated + sp->start,
				      (sp->end - sp->start) * sizeof(struct bpf_insn), digest);
			tag = digest;
		}
		if (copy_to_user(u64_to_ptr(info->prog_tags + (u64)i * BPF_TAG_SIZE), tag,
				 BPF_TAG_SIZE))
			return -EFAULT;
	}
	return 0;
}

/* The JIT's machine code, each function's address (the ksyms) and length, as the kernel
 * reports them; all zero when the program is interpreted. */
static int put_jited(const struct bpf_prog *prog, struct bpf_prog_info *info)
{
	u32 len, ulen = info->jited_prog_len, nf = jit_nr_funcs(prog);
	const u8 *code = jit_code(prog, &len);
	u32 nk = MIN(info->nr_jited_ksyms, nf), nl = MIN(info->nr_jited_func_lens, nf);

	info->jited_prog_len = len;
	info->nr_jited_ksyms = nf;
	info->nr_jited_func_lens = nf;
	if (ulen && copy_to_user(u64_to_ptr(info->jited_prog_insns), code, MIN(ulen, len)))
		return -EFAULT;
	for (u32 f = 0; f < nk; f++) {
		u64 addr = jit_func_addr(prog, f);
		if (copy_to_user(u64_to_ptr(info->jited_ksyms + f * sizeof(u64)), &addr,
				 sizeof(addr)))
			return -EFAULT;
	}
	for (u32 f = 0; f < nl; f++) {
		u32 flen = jit_func_len(prog, f);
		if (copy_to_user(u64_to_ptr(info->jited_func_lens + f * sizeof(u32)), &flen,
				 sizeof(flen)))
			return -EFAULT;
	}
	return 0;
}

int prog_get_info(struct bpf_prog *prog, struct bpf_prog_info *info)
{
	int err;

	info->type = prog->type;
	info->id = prog->obj.id;
	info->load_time = prog->load_time_ns;
	info->created_by_uid = prog->created_by_uid;
	info->gpl_compatible = prog->gpl_compatible;
	memcpy(info->tag, prog->tag, sizeof(info->tag));
	memcpy(info->name, prog->name, sizeof(info->name));
	err = put_map_ids(prog, info);
	if (err)
		return err;
	err = set_info_rec_size(info);
	if (err)
		return err;
	info->run_time_ns = __atomic_load_n(&prog->run_time_ns, __ATOMIC_RELAXED);
	info->run_cnt = __atomic_load_n(&prog->run_cnt, __ATOMIC_RELAXED);
	info->recursion_misses = 0;
	info->verified_insns = prog->len;
	info->btf_id = prog->btf ? prog->btf->obj.id : 0;
	/* The target in the kernel's BTF, whose id is 1 as in the kernel. */
	info->attach_btf_id = prog->attach_btf_id;
	info->attach_btf_obj_id = prog->attach_btf_id ? BTF_VMLINUX_ID : 0;
	err = put_xlated(prog, info);
	if (err)
		return err;
	err = put_jited(prog, info);
	if (err)
		return err;
	info->nr_jited_line_info = 0; /* no line table for the machine code */
	err = put_records(info->func_info, &info->nr_func_info, prog->func_info,
			  prog->func_info_cnt, sizeof(struct bpf_func_info));
	if (!err)
		err = put_records(info->line_info, &info->nr_line_info, prog->line_info,
				  prog->line_info_cnt, sizeof(struct bpf_line_info));
	if (!err)
		err = put_prog_tags(prog, info);
	return err;
}
