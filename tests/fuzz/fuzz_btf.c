/* fuzz_btf: BTF blobs through BPF_BTF_LOAD, then the maps and JSON that use them.
 *
 * Input: a control byte (log level and size), a byte choosing the value types to try,
 * 64 bytes of value contents, then the blob. When bpfrun accepts the blob, types of it
 * whose size libbpf resolves become the value type of an array and a hash map (key: the
 * first 4-byte type, or none), each element is updated with the input's bytes, looked
 * up, deleted, and printed as JSON the way `bpfrun map dump --json` prints values; the
 * BTF object's info is read back. Everything is closed before the next input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "bpfrun.h"
#include "cli/cli.h"
#include "fuzz_common.h"

#define MAX_VALUE 4096
#define TRIES 4

static FILE *devnull;

static int map_create(uint32_t type, int btf, uint32_t key_id, uint32_t val_id, uint32_t size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = size;
	a.max_entries = 2;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = key_id;
	a.btf_value_type_id = val_id;
	return (int)fuzz_bpf(BPF_MAP_CREATE, &a);
}

static void elem(int cmd, int map, const uint32_t *key, void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	fuzz_bpf(cmd, &a);
}

/* The value as the CLI prints it, from a buffer of exactly its size (ASan sees overruns). */
static void print_json(const struct btf *btf, uint32_t id, const uint8_t *value, uint32_t size)
{
	uint8_t *copy = malloc(size);
	struct json j;

	if (!copy)
		return;
	memcpy(copy, value, size);
	json_init(&j, devnull);
	json_btf_value(&j, btf, id, copy, size);
	free(copy);
}

static void use_type(int btf_fd, const struct btf *btf, uint32_t key_id, uint32_t id,
		     const uint8_t *contents)
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH };
	static uint8_t value[MAX_VALUE], out[MAX_VALUE];
	long size = btf__resolve_size(btf, id);

	if (size <= 0 || size > MAX_VALUE)
		return;
	for (uint32_t i = 0; i < (uint32_t)size; i++)
		value[i] = contents[i % 64];
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		int map = map_create(types[t], btf_fd, key_id, id, (uint32_t)size);
		uint32_t key = 1;
		if (map < 0)
			continue;
		elem(BPF_MAP_UPDATE_ELEM, map, &key, value);
		elem(BPF_MAP_LOOKUP_ELEM, map, &key, out);
		print_json(btf, id, out, (uint32_t)size);
		elem(BPF_MAP_DELETE_ELEM, map, &key, NULL);
		bpfrun_close(map);
	}
}

static void read_info(int fd)
{
	static uint8_t raw[65536];
	struct bpf_btf_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	info.btf = (uintptr_t)raw;
	info.btf_size = sizeof(raw);
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info = (uintptr_t)&info;
	a.info.info_len = sizeof(info);
	fuzz_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	devnull = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char log[4096];
	struct fuzz_in in = { data, size };
	uint8_t ctl = in_u8(&in), pick = in_u8(&in), contents[64];

	in_bytes(&in, contents, sizeof(contents));
	/* the blob in a buffer of its own size, so that ASan sees reads past its end */
	uint8_t *blob = malloc(in.n ? in.n : 1);
	if (!blob)
		return 0;
	memcpy(blob, in.p, in.n);
	int fd = fuzz_btf_load(blob, (uint32_t)in.n, ctl & 3 ? log : NULL,
			       ctl & 3 ? (ctl & 4 ? 32 : sizeof(log)) : 0, ctl & 3);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "BTF_LOAD: %d (%s) %s\n", fd, fd < 0 ? strerror(errno) : "ok",
			ctl & 3 ? log : "");
	if (fd >= 0) {
		struct btf *btf = btf__new(blob, (uint32_t)in.n);
		if (btf) {
			uint32_t n = btf__type_cnt(btf), key_id = 0;
			for (uint32_t id = 1; id < n && !key_id; id++)
				if (btf__resolve_size(btf, id) == 4)
					key_id = id;
			for (uint32_t k = 0; k < TRIES && n > 1; k++)
				use_type(fd, btf, key_id, 1 + (pick + k * 7) % (n - 1), contents);
			btf__free(btf);
		}
		read_info(fd);
		bpfrun_close(fd);
	}
	free(blob);
	return 0;
}
