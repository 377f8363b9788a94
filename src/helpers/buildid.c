/* Build ids of user stack addresses, as the kernel's stack_map_get_build_id_offset: each
 * address inside a file mapping of an ELF object with a GNU build-id note becomes that
 * build id and the address's offset in the file (BPF_STACK_BUILD_ID_VALID); any other
 * keeps its address (BPF_STACK_BUILD_ID_IP), as do kernel stacks.  The mappings are those
 * of the process whose stack it is (/proc/<pid>/maps: this process, or the caller the
 * shared runtime serves), the notes read from the mapped files with bounded reads.
 *
 * No state; no locking. */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/ksyms.h"
#include "internal.h"
#include "../lib/sys.h"
#include "../lib/task.h"

#define MAPS_MAX (4u << 20) /* the most of a maps file read */
#define NOTES_MAX 4096u     /* the most of a note segment read */
#define BUILD_ID_SIZE 20u   /* BUILD_ID_SIZE_MAX */

/* The GNU build id in the notes [p, p + len): true when found (copied to id). */
static bool note_build_id(const u8 *p, size_t len, u8 *id)
{
	size_t off = 0;

	while (off + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr n;
		memcpy(&n, p + off, sizeof(n));
		size_t name = off + sizeof(n), desc = name + ROUND_UP((size_t)n.n_namesz, 4);
		size_t next = desc + ROUND_UP((size_t)n.n_descsz, 4);
		if (n.n_namesz > len || n.n_descsz > len || next > len)
			return false;
		if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && !memcmp(p + name, "GNU", 4) &&
		    n.n_descsz) {
			memset(id, 0, BUILD_ID_SIZE);
			memcpy(id, p + desc, MIN((size_t)n.n_descsz, (size_t)BUILD_ID_SIZE));
			return true;
		}
		off = next;
	}
	return false;
}

/* The build id of the ELF file at path: true when it has one. */
static bool file_build_id(const char *path, u8 *id)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	bool found = false;

	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr)) {
		for (u32 i = 0; i < eh.e_phnum && !found; i++) {
			Elf64_Phdr ph;
			u8 notes[NOTES_MAX];
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
				    (ssize_t)sizeof(ph) ||
			    ph.p_type != PT_NOTE)
				continue;
			ssize_t n = pread(fd, notes, MIN(ph.p_filesz, (u64)NOTES_MAX),
					  (off_t)ph.p_offset);
			found = n > 0 && note_build_id(notes, (size_t)n, id);
		}
	}
	sys_close(fd);
	return found;
}

/* The file mapping holding ip in maps (its start, file offset and path): true if found. */
static bool mapping_of(const char *maps, u64 ip, u64 *start, u64 *pgoff, char *path,
		       size_t path_len)
{
	for (const char *line = maps, *end; *line; line = end ? end + 1 : "") {
		u64 lo, hi, off;
		int at = 0;
		end = strchr(line, '\n');
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n", &lo, &hi,
			   &off, &at) < 3 ||
		    ip < lo || ip >= hi || !at || line[at] != '/')
			continue;
		size_t n = strcspn(line + at, "\n");
		if (n >= path_len)
			return false;
		memcpy(path, line + at, n);
		path[n] = 0;
		*start = lo;
		*pgoff = off;
		return true;
	}
	return false;
}

void stack_build_ids(struct bpf_stack_build_id *ids, const u64 *ips, u32 nr, bool user)
{
	for (u32 i = 0; i < nr; i++) {
		memset(&ids[i], 0, sizeof(ids[i]));
		ids[i].status = BPF_STACK_BUILD_ID_IP;
		ids[i].ip = ips[i];
	}
	if (!user || !nr)
		return;
	char maps_path[64], path[4096];
	const struct task_ident *remote = task_remote();
	if (remote)
		snprintf(maps_path, sizeof(maps_path), "/proc/%u/maps", remote->tgid);
	else
		snprintf(maps_path, sizeof(maps_path), "/proc/self/maps");
	char *maps = read_whole_file(maps_path, MAPS_MAX), last[4096] = "";
	u8 id[BUILD_ID_SIZE];
	bool last_found = false;
	for (u32 i = 0; maps && i < nr; i++) {
		u64 start, pgoff;
		if (!mapping_of(maps, ips[i], &start, &pgoff, path, sizeof(path)))
			continue;
		if (strcmp(path, last)) { /* a file not read yet (the kernel's prev_vma) */
			snprintf(last, sizeof(last), "%s", path);
			last_found = file_build_id(path, id);
		}
		if (!last_found)
			continue;
		ids[i].status = BPF_STACK_BUILD_ID_VALID;
		memcpy(ids[i].build_id, id, BUILD_ID_SIZE);
		ids[i].offset = pgoff + ips[i] - start;
	}
	free(maps);
}
