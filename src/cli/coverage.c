/* --coverage FILE: line coverage of the BPF C sources as an lcov tracefile (what
 * `genhtml` renders): the runtime's per-instruction hit counts (bpfrun_prog_coverage)
 * mapped to source lines through the programs' BTF line_info, functions through their
 * func_info, and branches (BRDA) from the conditional jumps' taken counts.
 *
 * A line's count is the largest count of its instructions in a program (the instructions
 * of one line run together, but a line may hold a loop's test), summed over the object's
 * programs (a static function is copied into every program that calls it).  Lines without
 * instructions are not in the file (lcov: not instrumented).  Single-threaded, after the
 * run. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

#define MAX_LINE (1u << 20) /* lines past this are ignored (a corrupt line_info) */

struct cov_line {
	uint64_t hits;
	bool instrumented;
};

struct cov_branch {
	uint32_t line, block;
	uint64_t hits, taken;
};

struct cov_func {
	const char *name;
	uint32_t line;
	uint64_t hits;
};

struct cov_file {
	const char *name;
	struct cov_line *lines;
	uint32_t nr_lines;
	struct cov_branch *branches;
	uint32_t nr_branches;
	struct cov_func *funcs;
	uint32_t nr_funcs;
};

struct cov {
	struct cov_file *files;
	uint32_t nr_files;
	bool oom;
};

/* What one program's GET_INFO gives: its instructions, line_info and func_info. */
struct prog_lines {
	struct bpf_insn *insns;
	struct bpf_line_info *lines;
	struct bpf_func_info *funcs;
	uint32_t nr_insns, nr_lines, nr_funcs;
	uint64_t *hits, *taken;
};

static void *grow(struct cov *c, void *p, uint32_t *nr, size_t size)
{
	void *n = realloc(p, (*nr + 1) * size);

	if (!n) {
		c->oom = true;
		return NULL;
	}
	memset((char *)n + *nr * size, 0, size);
	(*nr)++;
	return n;
}

static struct cov_file *file_of(struct cov *c, const char *name)
{
	for (uint32_t k = 0; k < c->nr_files; k++)
		if (!strcmp(c->files[k].name, name))
			return &c->files[k];
	struct cov_file *f = grow(c, c->files, &c->nr_files, sizeof(*f));
	if (!f)
		return NULL;
	c->files = f;
	f = &c->files[c->nr_files - 1];
	f->name = name;
	return f;
}

static struct cov_line *line_of(struct cov *c, struct cov_file *f, uint32_t line)
{
	if (line >= MAX_LINE)
		return NULL;
	if (line >= f->nr_lines) {
		struct cov_line *l = realloc(f->lines, (line + 1) * sizeof(*l));
		if (!l) {
			c->oom = true;
			return NULL;
		}
		memset(l + f->nr_lines, 0, (line + 1 - f->nr_lines) * sizeof(*l));
		f->lines = l;
		f->nr_lines = line + 1;
	}
	return &f->lines[line];
}

static bool is_cond_jump(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA && op != BPF_CALL &&
	       op != BPF_EXIT;
}

/* The line_info record instruction i belongs to (records are sorted by insn_off). */
static const struct bpf_line_info *line_at(const struct prog_lines *p, uint32_t i, uint32_t *cursor)
{
	while (*cursor + 1 < p->nr_lines && p->lines[*cursor + 1].insn_off <= i)
		(*cursor)++;
	return p->nr_lines && p->lines[*cursor].insn_off <= i ? &p->lines[*cursor] : NULL;
}

/* One program's counts into c: lines (max per program, summed), branches, functions. */
static void add_program(struct cov *c, const struct btf *btf, const struct prog_lines *p)
{
	uint32_t cursor = 0;
	uint64_t *best = calloc(p->nr_lines ? p->nr_lines : 1, sizeof(*best));

	if (!best) {
		c->oom = true;
		return;
	}
	for (uint32_t i = 0; i < p->nr_insns; i++) {
		const struct bpf_line_info *li = line_at(p, i, &cursor);
		if (!li)
			continue;
		best[cursor] = best[cursor] > p->hits[i] ? best[cursor] : p->hits[i];
		if (!is_cond_jump(&p->insns[i]))
			continue;
		const char *name = btf__name_by_offset(btf, li->file_name_off);
		struct cov_file *f = name ? file_of(c, name) : NULL;
		struct cov_branch *b = f ? grow(c, f->branches, &f->nr_branches, sizeof(*b)) : NULL;
		if (!b)
			continue;
		f->branches = b;
		f->branches[f->nr_branches - 1] = (struct cov_branch){
			BPF_LINE_INFO_LINE_NUM(li->line_col), i, p->hits[i], p->taken[i]
		};
	}
	/* a line split over several records (interleaved code) keeps its largest count */
	for (uint32_t r = 0; r < p->nr_lines; r++) {
		const char *name = btf__name_by_offset(btf, p->lines[r].file_name_off);
		struct cov_file *f = name ? file_of(c, name) : NULL;
		struct cov_line *l = f ? line_of(c, f,
						 BPF_LINE_INFO_LINE_NUM(p->lines[r].line_col)) :
					 NULL;
		if (!l)
			continue;
		uint64_t most = best[r];
		for (uint32_t q = 0; q < p->nr_lines; q++)
			if (q != r && p->lines[q].line_col == p->lines[r].line_col &&
			    p->lines[q].file_name_off == p->lines[r].file_name_off &&
			    best[q] > most)
				most = best[q];
		/* added once per (file, line) of this program: at its first record */
		bool first = true;
		for (uint32_t q = 0; q < r && first; q++)
			first = !(BPF_LINE_INFO_LINE_NUM(p->lines[q].line_col) ==
					  BPF_LINE_INFO_LINE_NUM(p->lines[r].line_col) &&
				  p->lines[q].file_name_off == p->lines[r].file_name_off);
		if (first)
			l->hits += most;
		l->instrumented = true;
	}
	free(best);
}

static void add_functions(struct cov *c, const struct btf *btf, const struct prog_lines *p)
{
	for (uint32_t k = 0; k < p->nr_funcs; k++) {
		const struct btf_type *t = btf__type_by_id(btf, p->funcs[k].type_id);
		uint32_t off = p->funcs[k].insn_off, cursor = 0;
		const struct bpf_line_info *li = off < p->nr_insns ? line_at(p, off, &cursor) :
								     NULL;
		const char *file = li ? btf__name_by_offset(btf, li->file_name_off) : NULL;
		struct cov_file *f = file ? file_of(c, file) : NULL;
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (!f || !name)
			continue;
		struct cov_func *fn = NULL;
		for (uint32_t q = 0; q < f->nr_funcs; q++)
			if (!strcmp(f->funcs[q].name, name))
				fn = &f->funcs[q];
		if (!fn) {
			fn = grow(c, f->funcs, &f->nr_funcs, sizeof(*fn));
			if (!fn)
				continue;
			f->funcs = fn;
			fn = &f->funcs[f->nr_funcs - 1];
			fn->name = name;
			fn->line = BPF_LINE_INFO_LINE_NUM(li->line_col);
		}
		fn->hits += p->hits[off];
	}
}

static void prog_lines_free(struct prog_lines *p)
{
	free(p->insns);
	free(p->lines);
	free(p->funcs);
	free(p->hits);
	free(p->taken);
}

/* GET_INFO in two steps (the sizes, then the records) and the hit counts. */
static int prog_lines_get(int fd, struct prog_lines *p)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	memset(p, 0, sizeof(*p));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	long n = bpfrun_prog_coverage(fd, NULL, NULL, 0);
	if (n < 0)
		return -errno;
	p->nr_insns = (uint32_t)n;
	p->nr_lines = info.nr_line_info;
	p->nr_funcs = info.nr_func_info;
	p->insns = calloc(p->nr_insns ? p->nr_insns : 1, sizeof(*p->insns));
	p->lines = calloc(p->nr_lines ? p->nr_lines : 1, sizeof(*p->lines));
	p->funcs = calloc(p->nr_funcs ? p->nr_funcs : 1, sizeof(*p->funcs));
	p->hits = calloc(p->nr_insns ? p->nr_insns : 1, sizeof(*p->hits));
	p->taken = calloc(p->nr_insns ? p->nr_insns : 1, sizeof(*p->taken));
	if (!p->insns || !p->lines || !p->funcs || !p->hits || !p->taken)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = p->nr_insns * sizeof(struct bpf_insn);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)p->insns;
	info.nr_line_info = p->nr_lines;
	info.line_info_rec_size = sizeof(struct bpf_line_info);
	info.line_info = (uint64_t)(uintptr_t)p->lines;
	info.nr_func_info = p->nr_funcs;
	info.func_info_rec_size = sizeof(struct bpf_func_info);
	info.func_info = (uint64_t)(uintptr_t)p->funcs;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (bpfrun_prog_coverage(fd, p->hits, p->taken, p->nr_insns) < 0)
		return -errno;
	return 0;
}

static void write_file(FILE *out, const struct cov_file *f)
{
	uint32_t found = 0, hit = 0;

	fprintf(out, "TN:\nSF:%s\n", f->name);
	for (uint32_t k = 0; k < f->nr_funcs; k++)
		fprintf(out, "FN:%u,%s\n", f->funcs[k].line, f->funcs[k].name);
	for (uint32_t k = 0; k < f->nr_funcs; k++) {
		fprintf(out, "FNDA:%" PRIu64 ",%s\n", f->funcs[k].hits, f->funcs[k].name);
		hit += f->funcs[k].hits != 0;
	}
	fprintf(out, "FNF:%u\nFNH:%u\n", f->nr_funcs, hit);
	hit = 0;
	for (uint32_t k = 0; k < f->nr_branches; k++) {
		const struct cov_branch *b = &f->branches[k];
		if (!b->hits) {
			fprintf(out, "BRDA:%u,%u,0,-\nBRDA:%u,%u,1,-\n", b->line, b->block, b->line,
				b->block);
			continue;
		}
		fprintf(out, "BRDA:%u,%u,0,%" PRIu64 "\nBRDA:%u,%u,1,%" PRIu64 "\n", b->line,
			b->block, b->taken, b->line, b->block, b->hits - b->taken);
		hit += (b->taken != 0) + (b->hits != b->taken);
	}
	fprintf(out, "BRF:%u\nBRH:%u\n", 2 * f->nr_branches, hit);
	hit = 0;
	for (uint32_t l = 1; l < f->nr_lines; l++) {
		if (!f->lines[l].instrumented)
			continue;
		fprintf(out, "DA:%u,%" PRIu64 "\n", l, f->lines[l].hits);
		found++;
		hit += f->lines[l].hits != 0;
	}
	fprintf(out, "LF:%u\nLH:%u\nend_of_record\n", found, hit);
}

static void cov_free(struct cov *c)
{
	for (uint32_t k = 0; k < c->nr_files; k++) {
		free(c->files[k].lines);
		free(c->files[k].branches);
		free(c->files[k].funcs);
	}
	free(c->files);
}

int coverage_write(struct bpf_object *obj, const char *path)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_program *prog;
	struct cov c = {};
	int ret = -1;

	if (!btf) {
		cli_error("--coverage: the object has no BTF (compile with -g)");
		return -1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		struct prog_lines p;
		if (bpf_program__fd(prog) < 0)
			continue;
		int err = prog_lines_get(bpf_program__fd(prog), &p);
		if (!err) {
			add_program(&c, btf, &p);
			add_functions(&c, btf, &p);
		}
		prog_lines_free(&p);
		if (err) {
			cli_error("--coverage: program '%s': %s", bpf_program__name(prog),
				  strerror(-err));
			goto out;
		}
	}
	if (c.oom) {
		cli_error("--coverage: out of memory");
		goto out;
	}
	FILE *out = fopen(path, "w");
	if (!out) {
		cli_error("%s: %s", path, strerror(errno));
		goto out;
	}
	for (uint32_t k = 0; k < c.nr_files; k++)
		write_file(out, &c.files[k]);
	ret = fclose(out) ? -1 : 0;
	if (ret)
		cli_error("%s: %s", path, strerror(errno));
out:
	cov_free(&c);
	return ret;
}
