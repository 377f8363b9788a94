/* `bpfrun run OBJ.o --fire HOOK`: attaches every program of the object (as its loader
 * would: bpf_program__attach, by section name), fires HOOK through bpfrun_fire() with
 * the bytes of --ctx (or --data) as the context (else a zeroed context of the hook's usual size),
 * --repeat times, and prints each firing's return value.  Programs libbpf cannot attach
 * by their section alone are reported and left out, but for TCX programs (tcx/ingress,
 * tcx/egress), which attach to the fired tc hook's device.  No locking (one thread). */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrun.h"
#include "cli.h"

#define PT_REGS_SIZE 168   /* struct pt_regs on x86-64 */
#define TRAMP_ARGS_SIZE 48 /* six u64 arguments */
#define MAX_CTX 4096

/* A zeroed context of the size programs of the hook's kind read. */
static size_t default_ctx_size(const char *hook)
{
	if (strstr(hook, "probe/"))
		return PT_REGS_SIZE;
	if (!strncmp(hook, "tp/", 3) || !strncmp(hook, "tracepoint/", 11))
		return 256;
	return TRAMP_ARGS_SIZE;
}

void *fire_ctx_load(const char *hook, const char *path, size_t *size)
{
	uint8_t *buf = calloc(1, MAX_CTX);

	*size = default_ctx_size(hook);
	if (!buf || !path)
		return buf;
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error("%s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	*size = fread(buf, 1, MAX_CTX, f);
	fclose(f);
	return buf;
}

int attach_all(struct bpf_object *obj, const char *path, FILE *out, struct bpf_link ***links,
	       unsigned int *n)
{
	struct bpf_program *p;
	unsigned int cap = 0;

	bpf_object__for_each_program(p, obj) cap++;
	*links = calloc(cap ? cap : 1, sizeof(**links));
	*n = 0;
	if (!*links)
		return -1;
	bpf_object__for_each_program(p, obj)
	{
		if (!strncmp(bpf_program__section_name(p), "tcx/", 4))
			continue; /* attach_tcx's, on a fired tc hook's device */
		struct bpf_link *l = bpf_program__attach(p);
		if (l)
			(*links)[(*n)++] = l;
		else /* e.g. a bare SEC("uprobe"): its loader names the target */
			fprintf(out, "%s: '%s' not attached: %s\n", path, bpf_program__name(p),
				strerror(errno));
	}
	return 0;
}

#define MAX_TCX 64

/* Programs of libbpf 1.3's sections "tcx/ingress" and "tcx/egress" (which libbpf 1.1
 * cannot attach: they load with --type sched_cls) get a TCX link, in the object's order,
 * on the device of a fired "tc/ingress/DEV" or "tc/egress/DEV" hook, on its side: their
 * descriptors in fds, *n of them. */
static void attach_tcx(struct bpf_object *obj, const char *hook, int *fds, unsigned int *n)
{
	bool ingress = !strncmp(hook, "tc/ingress/", 11);
	const char *dev = strchr(hook + 3, '/');
	char *end;
	unsigned long ifindex = dev ? strtoul(dev + 1, &end, 10) : 0;
	struct bpf_program *p;

	*n = 0;
	if (strncmp(hook, "tc/", 3) || !dev)
		return;
	if (!ifindex || *end)
		ifindex = if_nametoindex(dev + 1);
	bpf_object__for_each_program(p, obj)
	{
		const char *sec = bpf_program__section_name(p);
		if (*n == MAX_TCX || strcmp(sec, ingress ? "tcx/ingress" : "tcx/egress"))
			continue;
		int fd = bpf_link_create(bpf_program__fd(p), (int)ifindex,
					 ingress ? CLI_TCX_INGRESS : CLI_TCX_EGRESS, NULL);
		if (fd >= 0)
			fds[(*n)++] = fd;
	}
}

int fire_session(struct bpf_object *obj, const char *path, const struct run_opts *o, FILE *out)
{
	struct bpf_link **links = NULL;
	unsigned int n = 0, ntcx = 0;
	int tcx[MAX_TCX];
	size_t size;
	int ret = 1;
	uint8_t *ctx = fire_ctx_load(o->fire_hook, o->ctx_path ? o->ctx_path : o->data_path, &size);

	if (!ctx || attach_all(obj, path, out, &links, &n))
		goto out;
	attach_tcx(obj, o->fire_hook, tcx, &ntcx);
	n += ntcx;
	fprintf(out, "%s: %u program%s attached\n", path, n, n == 1 ? "" : "s");
	n -= ntcx;
	ret = 0;
	for (uint64_t r = 0; r < o->repeat; r++) {
		uint64_t rv = 0;
		if (bpfrun_fire(o->fire_hook, ctx, size, &rv)) {
			cli_error("--fire %s: %s", o->fire_hook, strerror(errno));
			ret = 1;
			break;
		}
		fprintf(out, "fired %s: return value %" PRIu64 "\n", o->fire_hook, rv);
	}
out:
	links_destroy(links, n);
	for (unsigned int i = 0; i < ntcx; i++)
		close(tcx[i]);
	free(ctx);
	return ret;
}

void links_destroy(struct bpf_link **links, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	free(links);
}
