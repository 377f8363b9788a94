/* Reading the kernel's text files without stdio: the bridge interposes fopen(3), so the
 * runtime reads /proc and /sys with open(2)/read(2) and raw closes.
 *
 * ksym_addr: kernel symbol addresses from /proc/kallsyms, as libbpf reads them for
 * untyped __ksym externs, so that bpf_get_func_ip answers the address the program's ksym
 * holds.  No state; each call reads the file (callers cache what they need, or ask for
 * many symbols at once). */
#ifndef BPFRUN_LIB_KSYMS_H
#define BPFRUN_LIB_KSYMS_H

#include "common.h"

/* The start of a small text file, NUL-terminated in buf (len > 0): its length, or
 * -errno. */
long read_text_file(const char *path, char *buf, size_t len);

/* The whole of a text file (malloc'd, NUL-terminated; past about max bytes, its start),
 * or NULL. */
char *read_whole_file(const char *path, size_t max);

/* Calls line_fn on each line of a text file (without its newline) until it returns
 * true: 0 when one did, -ENOENT when none did, open(2)'s -errno, or -ENOMEM.  Lines
 * longer than 64 KiB are skipped. */
int text_file_lines(const char *path, bool (*line_fn)(const char *line, void *arg), void *arg);

/* The kernel's symbol list: /proc/kallsyms, or the file the BPFRUN_KALLSYMS environment
 * variable names (kernels built without CONFIG_KALLSYMS_ALL list no variables; a test
 * may name a list that has them). */
const char *kallsyms_path(void);

/* The address of kernel symbol name (the first one listed), or 0 when the file is
 * unreadable, hides addresses, or has no such symbol. */
u64 ksym_addr(const char *name);

/* Whether kernel symbol name is listed: 0 and its address in *addr (0 where kallsyms
 * hides addresses), or -ENOENT (*addr 0), or open(2)'s -errno. */
int ksym_lookup(const char *name, u64 *addr);

/* Many symbols in one read of /proc/kallsyms (kprobe.multi links name up to 2^20
 * functions): names[i] (malloc'd, the first symbol listed at addrs[i]) for each address,
 * NULL where none is.  0, or -ENOMEM, or open(2)'s -errno. */
int ksym_names(const u64 *addrs, u32 n, char **names);

/* addrs[i]: the address of names[i] (the first one listed), 0 where there is none.
 * 0, or -ENOMEM, or open(2)'s -errno. */
int ksym_addrs(const char *const *names, u32 n, u64 *addrs);

#endif
