/* Opening a BPF object file for a command, safely, whatever the file holds.
 *
 * The file is read once into memory; everything below works on that copy, so a file that
 * changes or shrinks meanwhile can neither fault a mapping (SIGBUS) nor show libbpf other
 * bytes than the ones checked.
 *
 * 1. elf_check_image(): the header and section table are those of a 64-bit little-endian
 *    relocatable BPF object and lie inside the file.  A wrong file gets one clear reason
 *    (not ELF, 32-bit, big-endian, another machine, not relocatable, truncated).
 * 2. libbpf 1.1 itself dies on some corrupt objects that pass such checks: a BTF type id
 *    past the last type, met while parsing map definitions and variables, is a NULL
 *    dereference in bpf_object__open (tests/cli/objects/).  Checking every such path
 *    ahead of libbpf would mean re-implementing its parser, so its open is contained
 *    instead: first probed in a forked child, silenced and bounded in CPU time.  A child
 *    that dies by a signal (or exits with a sanitizer's status) refuses the file; only
 *    otherwise does this process let libbpf open the same bytes.  The probe costs about
 *    0.4 ms of CPU per object (libbpf's open alone: 0.03 ms), against 3.4 ms for a whole
 *    `bpfrun prog list` (x86-64, measured with getrusage).
 *
 * Single-threaded use (the CLI, before it runs anything); no locks. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cli.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* Larger files are refused before they are read: BPF objects are kilobytes to megabytes
 * (the kernel takes map values of at most 4 MiB and programs of 1M instructions). */
#define MAX_OBJECT_SIZE (256ULL << 20)
/* CPU seconds the probe may spend opening an object before it counts as a hang. */
#define PROBE_CPU_SECONDS 10
/* The probe's exit statuses; anything else (a signal, a sanitizer's exit) is a crash. */
#define PROBE_OPENED 0
#define PROBE_REFUSED 3

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "risc-v";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	default:
		return NULL;
	}
}

static bool range_ok(uint64_t off, uint64_t size, uint64_t file_size)
{
	return off <= file_size && size <= file_size - off;
}

/* The identification bytes: an ELF file, 64-bit, little-endian. */
static int check_ident(const uint8_t *img, size_t size, char *why, size_t len)
{
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
	return 0;
}

/* The ELF header: a relocatable BPF object with a usable section table description. */
static int check_header(const Elf64_Ehdr *eh, char *why, size_t len)
{
	if (eh->e_machine != EM_BPF) {
		const char *m = machine_name(eh->e_machine);
		if (m)
			snprintf(why, len,
				 "ELF object for %s, not BPF (compile with clang -target bpf)", m);
		else
			snprintf(why, len, "ELF object for machine %u, not BPF (EM_BPF = %u)",
				 eh->e_machine, EM_BPF);
		return -1;
	}
	if (eh->e_type != ET_REL) {
		snprintf(why, len, "BPF ELF file is not a relocatable object (e_type %u)",
			 eh->e_type);
		return -1;
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
	    eh->e_shstrndx >= eh->e_shnum) {
		snprintf(why, len,
			 "corrupt ELF header (section table entries %u of %u bytes, names in %u)",
			 eh->e_shnum, eh->e_shentsize, eh->e_shstrndx);
		return -1;
	}
	return 0;
}

int elf_check_image(const void *image, size_t size, char *why, size_t len)
{
	const uint8_t *img = image;
	Elf64_Ehdr eh;

	if (check_ident(img, size, why, len))
		return -1;
	if (size < sizeof(eh)) {
		snprintf(why, len, "truncated ELF file (%zu bytes, header needs %zu)", size,
			 sizeof(eh));
		return -1;
	}
	memcpy(&eh, img, sizeof(eh));
	if (check_header(&eh, why, len))
		return -1;
	if (!range_ok(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), size)) {
		snprintf(why, len,
			 "truncated or corrupt ELF file: section table at %llu is past "
			 "its end (%zu bytes)",
			 (unsigned long long)eh.e_shoff, size);
		return -1;
	}
	/* The table may sit at any offset (e_shoff is not checked for alignment): copy each entry. */
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (!range_ok(sh.sh_offset, sh.sh_size, size)) {
			snprintf(why, len,
				 "truncated or corrupt ELF file: section %u lies past its end", i);
			return -1;
		}
	}
	return 0;
}

/* The whole file in a buffer of its own (malloc'd), or NULL with the reason. */
static void *read_file(const char *path, size_t *size, char *why, size_t len)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	uint8_t *buf = NULL;

	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_OBJECT_SIZE) {
		snprintf(why, len, "too large for a BPF object (%lld bytes)",
			 (long long)st.st_size);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		snprintf(why, len, "cannot read it: %s", strerror(errno));
		goto out;
	}
	*size = 0;
	while (*size < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + *size, (size_t)st.st_size - *size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, len, "cannot read it: %s", strerror(errno));
			free(buf);
			buf = NULL;
			goto out;
		}
		if (n == 0)
			break; /* it shrank meanwhile: what was read is the object */
		*size += (size_t)n;
	}
	if (buf && !*size) {
		snprintf(why, len, "empty file");
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

/* The child's side of the probe: libbpf's open of the image, nothing printed, no core file. */
static void __attribute__((noreturn)) probe_child(const void *img, size_t size, const char *name)
{
	struct rlimit cpu = { PROBE_CPU_SECONDS, PROBE_CPU_SECONDS + 1 }, core = { 0, 0 };
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null >= 0)
		dup2(null, STDERR_FILENO);
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_CORE, &core);
	libbpf_set_print(NULL);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	_exit(bpf_object__open_mem(img, size, &opts) ? PROBE_OPENED : PROBE_REFUSED);
}

/* 0 when libbpf's open of the image ends normally (with an object or an error) in a
 * child; -1 with the reason when it crashes or runs out of time there. */
static int probe_open(const void *img, size_t size, const char *name, char *why, size_t len)
{
	int status;
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "cannot check it: fork: %s", strerror(errno));
		return -1;
	}
	if (!pid)
		probe_child(img, size, name);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, len, "cannot check it: waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) &&
	    (WEXITSTATUS(status) == PROBE_OPENED || WEXITSTATUS(status) == PROBE_REFUSED))
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		snprintf(why, len,
			 "corrupt BPF object: libbpf did not finish parsing it in %d s of CPU",
			 PROBE_CPU_SECONDS);
	else if (WIFSIGNALED(status))
		snprintf(why, len, "corrupt BPF object: libbpf crashes parsing it (SIG%s)",
			 sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(why, len, "corrupt BPF object: libbpf crashes parsing it (exit %d)",
			 WEXITSTATUS(status));
	return -1;
}

/* libbpf's open options the set-up gives (--btf, --pin-root): the process's one object. */
static struct {
	const char *btf, *pin_root;
} open_paths;

void elf_set_open_paths(const char *btf_custom_path, const char *pin_root_path)
{
	open_paths.btf = btf_custom_path;
	open_paths.pin_root = pin_root_path;
}

struct bpf_object *elf_open_image(const void *img, size_t size, const char *name, char *why,
				  size_t len)
{
	if (elf_check_image(img, size, why, len) || probe_open(img, size, name, why, len))
		return NULL;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name,
		    .btf_custom_path = open_paths.btf, .pin_root_path = open_paths.pin_root);
	struct bpf_object *obj = bpf_object__open_mem(img, size, &opts);
	if (!obj)
		snprintf(why, len, "not a usable BPF object: %s", strerror(errno));
	return obj;
}

struct bpf_object *elf_open_file(const char *path, char *why, size_t len)
{
	char name[256];
	size_t size;

	void *img = read_file(path, &size, why, len);
	if (!img)
		return NULL;
	/* libbpf's own name for an object file (it prefixes the .data/.bss/.rodata maps). */
	snprintf(name, sizeof(name), "%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	name[strcspn(name, ".")] = 0;
	struct bpf_object *obj = elf_open_image(img, size, name, why, len);
	free(img); /* libbpf 1.1 keeps no reference to the image once it is open */
	return obj;
}
