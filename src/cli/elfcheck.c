/* Checks that a file is a BPF ELF object before libbpf parses it, so that a wrong file
 * gets one clear reason: not ELF, 32-bit, big-endian, another machine, not relocatable,
 * or a header/section table that points outside the file (truncated or corrupt). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "risc-v";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return NULL;
	}
}

static bool range_ok(uint64_t off, uint64_t size, uint64_t file_size)
{
	return off <= file_size && size <= file_size - off;
}

/* The header and section table of a 64-bit little-endian ELF image of `size` bytes. */
static int check_image(const uint8_t *img, uint64_t size, char *why, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;

	if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG)) {
		snprintf(why, len, "not an ELF file (no ELF magic)");
		return -1;
	}
	if (img[EI_CLASS] != ELFCLASS64) {
		snprintf(why, len, "%s ELF file: BPF objects are 64-bit",
			 img[EI_CLASS] == ELFCLASS32 ? "32-bit" : "invalid-class");
		return -1;
	}
	if (img[EI_DATA] != ELFDATA2LSB) {
		snprintf(why, len, "%s ELF file: this host needs little-endian BPF objects",
			 img[EI_DATA] == ELFDATA2MSB ? "big-endian" : "invalid-endianness");
		return -1;
	}
	if (size < sizeof(*eh)) {
		snprintf(why, len, "truncated ELF file (%llu bytes, header needs %zu)",
			 (unsigned long long)size, sizeof(*eh));
		return -1;
	}
	if (eh->e_machine != EM_BPF) {
		const char *m = machine_name(eh->e_machine);
		if (m)
			snprintf(why, len, "ELF object for %s, not BPF (compile with clang -target bpf)", m);
		else
			snprintf(why, len, "ELF object for machine %u, not BPF (EM_BPF = %u)",
				 eh->e_machine, EM_BPF);
		return -1;
	}
	if (eh->e_type != ET_REL) {
		snprintf(why, len, "BPF ELF file is not a relocatable object (e_type %u)", eh->e_type);
		return -1;
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
	    eh->e_shstrndx >= eh->e_shnum) {
		snprintf(why, len, "corrupt ELF header (section table entries %u of %u bytes, names in %u)",
			 eh->e_shnum, eh->e_shentsize, eh->e_shstrndx);
		return -1;
	}
	if (!range_ok(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size)) {
		snprintf(why, len, "truncated or corrupt ELF file: section table at %llu is past its end (%llu bytes)",
			 (unsigned long long)eh->e_shoff, (unsigned long long)size);
		return -1;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_type == SHT_NULL)
			continue;
		if (!range_ok(sh[i].sh_offset, sh[i].sh_size, size)) {
			snprintf(why, len, "truncated or corrupt ELF file: section %u lies past its end", i);
			return -1;
		}
	}
	return 0;
}

int elf_check_bpf_object(const char *path, char *why, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		snprintf(why, len, "empty file");
		close(fd);
		return -1;
	}
	void *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED) {
		snprintf(why, len, "cannot map it: %s", strerror(errno));
		return -1;
	}
	int ret = check_image(img, (uint64_t)st.st_size, why, len);
	munmap(img, (size_t)st.st_size);
	return ret;
}
