/* The kernel's checks of a BTF blob at BPF_BTF_LOAD (sections, strings, every type's
 * metadata, then every reference resolved), with its log lines and errnos. */
#ifndef BPFRUN_BTF_VERIFY_H
#define BPFRUN_BTF_VERIFY_H

#include <linux/btf.h>

#include "../lib/common.h"

struct vlog;

/* data: the whole blob; hdr: its header as checked by the caller (hdr_len <= size; the
 * fields past a short hdr_len read as zero).  Returns 0 when the kernel would accept the
 * types, else -errno with the kernel's log line written to log.  Nothing past `size` is read,
 * no type id is used before it is checked, and no member or bit-field may lie outside
 * its struct. */
int btf_verify(const u8 *data, u32 size, const struct btf_header *hdr, struct vlog *log);

#endif
