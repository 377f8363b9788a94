/* A mutation loop for BPF ELF objects: finds inputs on which libbpf's object open (and,
 * with -l, the load under bpfrun) dies by a signal or hangs.  Each mutant is a copy of one
 * of the seed objects with a few structure-aware changes (ELF header and section header
 * fields, symbols, relocations, bytes of .BTF/.BTF.ext, byte flips, truncation), opened in
 * a forked child so that a crash costs only the child.  Crashing inputs are written to
 * OUTDIR as <signal>-<iteration>.o.
 *
 *   elf_mutate [-n ITERATIONS] [-s SEED] [-c] [-l] [-o OUTDIR] OBJECT...
 *
 * By default the child calls libbpf's bpf_object__open_mem() directly (to find what libbpf
 * trips on); with -c it opens through the CLI's path, elf_open_image(), which must never
 * die whatever the input (tests/cli/test_elf_mutants.sh runs it so).  Linked with
 * libbpfrun.so, so -l loads are served by bpfrun, never by the kernel.
 * Single-threaded; the only shared state is the random generator. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cli.h"

struct seed {
	const char *path;
	uint8_t *img;
	size_t size;
};

struct mutant {
	uint8_t *img;
	size_t size;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A value that tends to sit on a boundary: 0, 1, -1, sizes, or near the old value. */
static uint64_t interesting(uint64_t old)
{
	static const uint64_t v[] = { 0,
				      1,
				      2,
				      3,
				      4,
				      7,
				      8,
				      16,
				      24,
				      64,
				      0x7f,
				      0x80,
				      0xff,
				      0x100,
				      0x7fff,
				      0xffff,
				      0x7fffffff,
				      0x80000000,
				      0xffffffff,
				      0xffffffffffffffffULL,
				      0x8000000000000000ULL };
	switch (below(4)) {
	case 0:
		return v[below(sizeof(v) / sizeof(v[0]))];
	case 1:
		return old + 1 + below(16);
	case 2:
		return old - 1 - below(16);
	default:
		return rnd() >> below(64);
	}
}

static void put(uint8_t *p, size_t width, uint64_t v)
{
	memcpy(p, &v, width);
}
static uint64_t get(const uint8_t *p, size_t width)
{
	uint64_t v = 0;
	memcpy(&v, p, width);
	return v;
}

static void mutate_field(struct mutant *m, size_t off, size_t width)
{
	if (off <= m->size && width <= m->size - off)
		put(m->img + off, width, interesting(get(m->img + off, width)));
}

/* The section headers of the (still valid) image, or NULL. */
static const Elf64_Shdr *section(const struct mutant *m, unsigned int i, size_t *off)
{
	Elf64_Ehdr eh;
	static Elf64_Shdr sh;

	memcpy(&eh, m->img, sizeof(eh));
	if (i >= eh.e_shnum || eh.e_shoff > m->size || (i + 1) * sizeof(sh) > m->size - eh.e_shoff)
		return NULL;
	*off = eh.e_shoff + i * sizeof(sh);
	memcpy(&sh, m->img + *off, sizeof(sh));
	return &sh;
}

static unsigned int nr_sections(const struct mutant *m)
{
	Elf64_Ehdr eh;

	memcpy(&eh, m->img, sizeof(eh));
	return eh.e_shnum;
}

/* A random section of the given type (0: any), its header offset in *hoff. */
static const Elf64_Shdr *pick_section(const struct mutant *m, uint32_t type, size_t *hoff)
{
	unsigned int n = nr_sections(m);

	for (int tries = 0; tries < 64; tries++) {
		const Elf64_Shdr *sh = section(m, (unsigned int)below(n), hoff);
		if (sh && (!type || sh->sh_type == type))
			return sh;
	}
	return NULL;
}

static const Elf64_Shdr *named_section(const struct mutant *m, const char *name)
{
	Elf64_Ehdr eh;
	size_t off;

	memcpy(&eh, m->img, sizeof(eh));
	const Elf64_Shdr *strs = section(m, eh.e_shstrndx, &off);
	if (!strs)
		return NULL;
	uint64_t str_off = strs->sh_offset;
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		const Elf64_Shdr *sh = section(m, i, &off);
		if (!sh)
			continue;
		uint64_t at = str_off + sh->sh_name;
		if (at >= str_off && at < m->size &&
		    !strncmp((const char *)m->img + at, name, m->size - at) &&
		    strnlen((const char *)m->img + at, m->size - at) == strlen(name))
			return sh;
	}
	return NULL;
}

static void mutate_ehdr(struct mutant *m)
{
	static const struct {
		size_t off, width;
	} f[] = {
		{ offsetof(Elf64_Ehdr, e_shoff), 8 },    { offsetof(Elf64_Ehdr, e_shnum), 2 },
		{ offsetof(Elf64_Ehdr, e_shstrndx), 2 }, { offsetof(Elf64_Ehdr, e_flags), 4 },
		{ offsetof(Elf64_Ehdr, e_phoff), 8 },    { offsetof(Elf64_Ehdr, e_phnum), 2 },
	};
	unsigned int i = (unsigned int)below(sizeof(f) / sizeof(f[0]));
	mutate_field(m, f[i].off, f[i].width);
}

static void mutate_shdr(struct mutant *m)
{
	static const struct {
		size_t off, width;
	} f[] = {
		{ offsetof(Elf64_Shdr, sh_name), 4 },    { offsetof(Elf64_Shdr, sh_type), 4 },
		{ offsetof(Elf64_Shdr, sh_flags), 8 },   { offsetof(Elf64_Shdr, sh_offset), 8 },
		{ offsetof(Elf64_Shdr, sh_size), 8 },    { offsetof(Elf64_Shdr, sh_link), 4 },
		{ offsetof(Elf64_Shdr, sh_info), 4 },    { offsetof(Elf64_Shdr, sh_addralign), 8 },
		{ offsetof(Elf64_Shdr, sh_entsize), 8 },
	};
	size_t hoff;
	if (!pick_section(m, 0, &hoff))
		return;
	unsigned int i = (unsigned int)below(sizeof(f) / sizeof(f[0]));
	mutate_field(m, hoff + f[i].off, f[i].width);
}

/* One field of one entry of a table section (symbols, relocations). */
static void mutate_entry(struct mutant *m, uint32_t type, size_t entsize, const size_t *offs,
			 const size_t *widths, size_t nr_fields)
{
	size_t hoff;
	const Elf64_Shdr *sh = pick_section(m, type, &hoff);
	if (!sh || sh->sh_size < entsize)
		return;
	uint64_t at = sh->sh_offset + below(sh->sh_size / entsize) * entsize;
	size_t i = below(nr_fields);
	mutate_field(m, at + offs[i], widths[i]);
}

static void mutate_symbol(struct mutant *m)
{
	static const size_t offs[] = { offsetof(Elf64_Sym, st_name), offsetof(Elf64_Sym, st_info),
				       offsetof(Elf64_Sym, st_shndx), offsetof(Elf64_Sym, st_value),
				       offsetof(Elf64_Sym, st_size) };
	static const size_t widths[] = { 4, 1, 2, 8, 8 };
	mutate_entry(m, SHT_SYMTAB, sizeof(Elf64_Sym), offs, widths, 5);
}

static void mutate_reloc(struct mutant *m)
{
	static const size_t offs[] = { offsetof(Elf64_Rel, r_offset), offsetof(Elf64_Rel, r_info),
				       offsetof(Elf64_Rel, r_info) + 4 };
	static const size_t widths[] = { 8, 4, 4 };
	mutate_entry(m, SHT_REL, sizeof(Elf64_Rel), offs, widths, 3);
}

/* A 1-, 2-, 4- or 8-byte word inside .BTF or .BTF.ext. */
static void mutate_btf(struct mutant *m)
{
	const Elf64_Shdr *sh = named_section(m, below(2) ? ".BTF" : ".BTF.ext");
	if (!sh || !sh->sh_size)
		return;
	size_t width = (size_t)1 << below(4);
	mutate_field(m, sh->sh_offset + below(sh->sh_size), width);
}

static void mutate_bytes(struct mutant *m)
{
	for (uint64_t n = 1 + below(8); n--;) {
		size_t at = below(m->size);
		m->img[at] = below(2) ? (uint8_t)rnd() : m->img[at] ^ (uint8_t)(1u << below(8));
	}
}

static void truncate_image(struct mutant *m)
{
	m->size = below(m->size);
}

static void mutate(struct mutant *m)
{
	static void (*const op[])(struct mutant *) = {
		mutate_ehdr,  mutate_shdr,  mutate_shdr, mutate_shdr, mutate_symbol, mutate_symbol,
		mutate_reloc, mutate_reloc, mutate_btf,  mutate_btf,  mutate_btf,    mutate_bytes,
	};
	for (uint64_t n = 1 + below(3); n--;)
		op[below(sizeof(op) / sizeof(op[0]))](m);
	if (!below(64))
		truncate_image(m);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* The mutant's object: through the CLI's open path, or libbpf's alone. */
static struct bpf_object *open_mutant(const struct mutant *m, bool cli_path)
{
	char why[256];

	if (cli_path)
		return elf_open_image(m->img, m->size, "mutant", why, sizeof(why));
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "mutant");
	return bpf_object__open_mem(m->img, m->size, &opts);
}

/* Opens (and loads) the mutant in a child: its wait status. */
static int probe(const struct mutant *m, bool cli_path, bool load)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid) {
		alarm(20);
		struct bpf_object *obj = open_mutant(m, cli_path);
		if (obj && load)
			bpf_object__load(obj);
		bpf_object__close(obj);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void save(const char *dir, const struct mutant *m, int sig, unsigned long iter)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s-%lu.o", dir, sigabbrev_np(sig), iter);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(m->img, 1, m->size, f) != m->size)
		perror(path);
	if (f)
		fclose(f);
	printf("%s\n", path);
	fflush(stdout);
}

static bool read_seed(const char *path, struct seed *s)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	s->path = path;
	s->size = n > 0 ? (size_t)n : 0;
	s->img = malloc(s->size);
	bool ok = s->img && fread(s->img, 1, s->size, f) == s->size &&
		  s->size >= sizeof(Elf64_Ehdr);
	fclose(f);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned long iterations = 10000, crashes = 0, hangs = 0;
	const char *out = ".";
	bool load = false, cli_path = false;
	int c;

	while ((c = getopt(argc, argv, "n:s:clo:")) != -1) {
		switch (c) {
		case 'n':
			iterations = strtoul(optarg, NULL, 0);
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 0) * 0x9e3779b97f4a7c15ULL | 1;
			break;
		case 'c':
			cli_path = true;
			break;
		case 'l':
			load = true;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-s SEED] [-c] [-l] [-o DIR] OBJECT...\n",
				argv[0]);
			return 2;
		}
	}
	int nr = argc - optind;
	struct seed *seeds = calloc((size_t)nr, sizeof(*seeds));
	if (!nr || !seeds)
		return 2;
	for (int i = 0; i < nr; i++)
		if (!read_seed(argv[optind + i], &seeds[i])) {
			fprintf(stderr, "%s: cannot read an ELF object\n", argv[optind + i]);
			return 2;
		}
	libbpf_set_print(silent);
	uint8_t *buf = malloc(1 << 20);
	for (unsigned long it = 0; it < iterations; it++) {
		const struct seed *s = &seeds[below((uint64_t)nr)];
		if (s->size > 1 << 20)
			continue;
		struct mutant m = { buf, s->size };
		memcpy(buf, s->img, s->size);
		mutate(&m);
		int status = probe(&m, cli_path, load);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hangs++;
		else if (!WIFSIGNALED(status))
			continue;
		else
			crashes++;
		save(out, &m, WTERMSIG(status), it);
	}
	fprintf(stderr, "%lu mutants: %lu crashed, %lu hung\n", iterations, crashes, hangs);
	return crashes || hangs;
}
