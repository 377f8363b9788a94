/* The bpfrun command: one file per command group, dispatched by main.c.
 * Conventions follow bpftool: `bpfrun OBJECT COMMAND [ARGS]`, --json output.
 *
 * The CLI links libbpfrun.so: its own libbpf calls are served by bpfrun (the bridge), so
 * every object it loads lives in this process.  The inspection commands (prog, map)
 * therefore load an object themselves, optionally run it (the same options as `run`),
 * and then inspect what the run left behind. */
#ifndef BPFRUN_CLI_H
#define BPFRUN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BPFRUN_VERSION "0.1.0"

int cmd_run(int argc, char **argv);  /* run.c: bpfrun run OBJ.o [options] */
int cmd_prog(int argc, char **argv); /* prog.c: bpfrun prog list|show */
int cmd_map(int argc, char **argv);  /* map.c: bpfrun map list|dump|lookup|update|delete */
int cmd_exec(int argc, char **argv); /* exec.c: bpfrun exec -- CMD ARGS... */
int cmd_version(int argc, char **argv);
int cmd_timer(int argc, char **argv);   /* timer.c: bpfrun timer list */
int cmd_test(int argc, char **argv);    /* test.c: bpfrun test OBJ.o [options] */
int cmd_runtime(int argc, char **argv); /* runtime.c: bpfrun runtime status|stop */
int cmd_link(int argc, char **argv);    /* link.c: bpfrun link list|show */

/* One-line error on stderr: "bpfrun: <message>". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True for "-h" / "--help". */
bool cli_is_help(const char *arg);

/* ---- elfcheck.c: opening a BPF object file, whatever it holds ----
 * elf_open_file() reads the file once and hands its bytes to elf_open_image(): the ELF
 * checks, then libbpf's open, first in a child process (a libbpf crash there refuses the
 * file), then in this one.  The object (libbpf's, not loaded), or NULL with the reason in
 * why ("not an ELF file", "ELF object for x86-64, not BPF", "corrupt BPF object: libbpf
 * crashes parsing it (SIGSEGV)", "not a usable BPF object: ..."); libbpf's messages go to
 * its print callback.  name is libbpf's object name (the prefix of its .data/.bss maps).
 * elf_check_image() is the first step alone: 0, or -1 with the reason. */
struct bpf_object;
struct bpf_object *elf_open_file(const char *path, char *why, size_t len);
struct bpf_object *elf_open_image(const void *img, size_t size, const char *name, char *why,
				  size_t len);
int elf_check_image(const void *img, size_t size, char *why, size_t len);
/* libbpf's btf_custom_path and pin_root_path for the opens that follow (NULL: default). */
void elf_set_open_paths(const char *btf_custom_path, const char *pin_root_path);

/* ---- pcap.c: packets of a capture file, in order ---- */
struct pcap_reader;
struct pcap_reader *pcap_reader_open(const char *path, char *why, size_t len);
/* Next packet: 1 with data/len/ts_ns set (valid until the next call), 0 at the end,
 * -1 on a read error (reason in why). */
int pcap_reader_next(struct pcap_reader *r, const uint8_t **data, uint32_t *len, uint64_t *ts_ns,
		     char *why, size_t whylen);
void pcap_reader_close(struct pcap_reader *r);

/* ---- json.c: a streaming JSON writer (bpftool's compact form) ---- */
struct json {
	FILE *out;
	int depth;
	bool need_comma[32];
};
void json_init(struct json *j, FILE *out);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key); /* the value follows */
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
/* A member of the object being written: its key, then its value. */
void json_uint_field(struct json *j, const char *key, uint64_t v);
void json_string_field(struct json *j, const char *key, const char *s);
/* A value already written as JSON text (a whole document another writer made). */
void json_raw(struct json *j, const char *text);
/* ["0x00","0x01",...] as bpftool prints raw bytes. */
void json_hex_bytes(struct json *j, const void *p, size_t len);

/* btfjson.c: data of BTF type type_id as JSON, as bpftool's "formatted" output. */
struct btf;
/* The `size` bytes at data as the BTF type type_id describes them (never read past). */
void json_btf_value(struct json *j, const struct btf *btf, uint32_t type_id, const void *data,
		    uint32_t size);

/* ---- session.c: an object loaded (and optionally run) in this process ---- */
struct bpf_object;
struct bpf_program;
struct bpf_map;

/* A repeatable option's values, in the order given (--map, --set, --fail). */
struct opt_list {
	const char **v; /* nr * width strings */
	int nr, width;
};

struct run_opts {
	const char *prog_name; /* --prog */
	const char *section;   /* --section */
	const char *data_path; /* --data */
	const char *ctx_path;  /* --ctx */
	const char *pcap_path; /* --pcap */
	uint32_t packet_size;  /* --packet-size (generated packet) */
	uint64_t repeat;       /* --repeat */
	int64_t for_ns;        /* --for; -1: until no timer is armed */
	enum { RUN_CLOCK_DEFAULT, RUN_CLOCK_REAL, RUN_CLOCK_VIRTUAL } clock; /* --clock */
	const char *pin_dir;                                                 /* --pin-maps */
	const char *fire_hook; /* --fire: attach the programs, fire this hook (fire.c) */
	const char *pin_root;  /* --pin-root: where the maps' own pin paths go */
	int prog_type;         /* --type (0: libbpf's, from the section) */
	const char *btf_path;  /* --btf */
	const char *pcap_out;  /* --pcap-out */
	const char *coverage;  /* --coverage */
	struct opt_list maps;  /* --map NAME KEY VALUE | NAME FILE: width 3 (third NULL: FILE) */
	struct opt_list sets;  /* --set NAME=VALUE: width 1 */
	struct opt_list fails; /* --fail WHAT=ERR[@N]: width 1 */
	bool has_seed;         /* --seed */
	uint64_t seed;
	int cpu;            /* --cpu, -1: the thread's own */
	bool keep;          /* --keep: dump the maps after the run */
	bool json;          /* --json */
	bool verbose;       /* -v: libbpf's messages */
	bool run_requested; /* an option that asks for a run was given */
	bool timeline;      /* --timeline: print each timer firing */
};

/* ---- options.c: the run options, one table row each ---- */
/* Parses argv[*i] (and its values) if it is a run option: 1 consumed, 0 not a run option,
 * -1 error (already reported). */
int run_opts_parse(struct run_opts *o, int argc, char **argv, int *i);
void run_opts_init(struct run_opts *o);
void run_opts_free(struct run_opts *o);
/* Options that exclude each other: -1 after reporting. */
int run_opts_check(const struct run_opts *o);
/* The option list for --help texts. */
void run_opts_print_help(FILE *out);
/* The arguments of `run` and `test` (argv[0], the command's name, then one object path and
 * run options): 0 with *path set and the options checked; 1 after printing help, then
 * the option list; -1 after reporting. */
int run_opts_parse_command(struct run_opts *o, int argc, char **argv, const char *help,
			   const char **path);
/* The counts of --fail rule k (bpfrun_fail_stats of the name before '='): false when
 * the runtime has no such rule. */
struct fault_count {
	char name[128];
	uint64_t calls, fails;
};
bool run_opts_fault_count(const struct run_opts *o, int k, struct fault_count *f);
/* Parses a number from min to max (0x... allowed) for option opt: 0, or -1 after
 * reporting. */
int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* ---- session.c ---- */
/* Checks the object and input files, selects the clock, opens the object, applies the
 * set-up options (setup.c), loads it (printing the loader's log on failure), pins its
 * maps.  NULL after reporting. */
struct bpf_object *session_load(const char *path, const struct run_opts *o);
/* Runs the object as `bpfrun run` does.  Trace lines and the summary go to `out` (one
 * JSON document there with --json, when j is given: the caller may add members, e.g. the
 * maps, before closing it).  0, or 1 after reporting an error. */
int session_run(struct bpf_object *obj, const char *path, const struct run_opts *o, FILE *out,
		struct json *j);
/* `bpfrun run --fire HOOK` (fire.c): attaches every program of the object as its loader
 * would, then fires HOOK --repeat times with the context --ctx or --data gives (else
 * zeros), and prints what ran.  0, or 1 after reporting an error. */
/* TCX's attach types (Linux 6.6), which libbpf 1.1's header lacks. */
#define CLI_TCX_INGRESS 46
#define CLI_TCX_EGRESS 47
/* The context to fire hook with: the bytes of the file at path (at most 4096), else a
 * zeroed one of the size the hook's programs read; NULL after reporting. */
void *fire_ctx_load(const char *hook, const char *path, size_t *size);
int fire_session(struct bpf_object *obj, const char *path, const struct run_opts *o, FILE *out);
struct bpf_link;
/* Attaches every program of obj as its loader would (bpf_program__attach); the ones
 * libbpf cannot attach by their section alone are reported on out and left out.  The
 * links in a malloc'd *links (*n of them): 0, or -1 when out of memory. */
int attach_all(struct bpf_object *obj, const char *path, FILE *out, struct bpf_link ***links,
	       unsigned int *n);
/* Destroys n links and frees the array. */
void links_destroy(struct bpf_link **links, unsigned int n);
/* Closes the object and stops the runtime. */
void session_close(struct bpf_object *obj);

/* ---- setup.c: the set-up options around the load ---- */
/* After open, before load: --type, --btf, --pin-root, --set on .rodata/.data/.bss,
 * --fail, --seed, --cpu, --coverage's counting.  0, or -1 after reporting. */
int setup_before_load(struct bpf_object *obj, const char *path, const struct run_opts *o);
/* After load: --set on writable sections, --map (values, program-array slots by program
 * name).  0, or -1 after reporting. */
int setup_after_load(struct bpf_object *obj, const char *path, const struct run_opts *o);
/* A global variable of obj's data sections by name: its bytes (the mmapped map after
 * load, the initial image before), size and whether it is read-only.  NULL when absent. */
void *setup_global(struct bpf_object *obj, const char *name, uint32_t *size, bool *rdonly);
/* After the load: writes len bytes into the writable global `name` (its size must be
 * len).  0 or -errno (-ENOENT: no such variable). */
int setup_global_write(struct bpf_object *obj, const char *name, const void *val, uint32_t len);
/* Bytes as bpftool takes them ("hex 0a 0b", "10 11", "0x0a 0x0b") into buf (exactly len
 * bytes): 0, or -1 after reporting, what naming the thing parsed. */
int parse_bytes_words(const char *s, uint8_t *buf, uint32_t len, const char *what);
/* Is the program test-runnable, and does its test run take packet data? */
bool prog_type_test_runnable(int type);
bool prog_type_takes_packet(int type);
/* Is p a `bpfrun test` program (SEC("test/NAME"))? */
bool prog_is_test(const struct bpf_program *p);
/* Does --prog or --section name p (true when neither is given)? */
bool prog_named(const struct bpf_program *p, const struct run_opts *o);

/* The arguments of an inspection command (prog, map): the object, the words that are not
 * run options (selectors, keys, values), and the run options. */
struct inspect_args {
	const char *path;
	char **words;
	int nr_words;
	struct run_opts o;
};
/* Parses argv[1..] (argv[0] is the subcommand). -1 after reporting. */
int inspect_parse(int argc, char **argv, struct inspect_args *a);
/* Loads the object and runs it first when run options ask for it (the run's trace lines
 * and summary go to stderr so stdout carries only the inspection).  NULL after reporting. */
struct bpf_object *inspect_open(const struct inspect_args *a);

/* An inspection command group: `bpfrun NAME SUB OBJ [words] [run options]`. */
struct inspect_cmd {
	const char *name;
	const char *help;
	const char *const *subs; /* its subcommands, NULL-terminated */
	const char *subs_text;   /* the same for the error message: "list or show" */
	/* Checks the words before the object is loaded (NULL: any): 0, or 2 after reporting. */
	int (*check)(const char *sub, const struct inspect_args *a);
	/* The subcommand on the loaded (and possibly run) object: 0, or 1 after reporting. */
	int (*run)(struct bpf_object *obj, const char *sub, const struct inspect_args *a,
		   struct json *j);
};
/* Help, subcommand and argument checks, loading, the subcommand, cleanup: the exit status. */
int inspect_main(const struct inspect_cmd *cmd, int argc, char **argv);

/* timer.c: one line of `bpfrun run --timeline` (no newline) into buf: a timer callback
 * about to run, `since_ns` after the run's start.  snprintf's return value. */
struct bpfrun_timer_info;
int timer_format_firing(const struct bpfrun_timer_info *t, uint64_t since_ns, char *buf,
			size_t len);

/* map.c: dumps every map of obj (after a run with --keep); with j, as a JSON array
 * written into j. */
int map_dump_all(struct bpf_object *obj, struct json *j);

/* run.c: the bytes of a file (at most 4 GiB), or NULL after reporting. */
uint8_t *cli_read_file(const char *path, uint32_t *len);

/* coverage.c: the line coverage of obj's programs, summed over every run since the load,
 * as an lcov tracefile.  0, or -1 after reporting. */
int coverage_write(struct bpf_object *obj, const char *path);

/* Parses a duration ("10s", "250ms", "1.5m", "100us", "42ns"; bare numbers are seconds)
 * into ns. -1 when malformed. */
int64_t parse_duration(const char *s);

#endif
