/* The probe kinds of perf events (perf_event.h): kprobe and uprobe events (the dynamic
 * PMUs whose type numbers libbpf reads from /sys/bus/event_source/devices/{kprobe,uprobe}/
 * type, with the return-probe bit named in their format/retprobe) and tracepoint events
 * (PERF_TYPE_TRACEPOINT, config: the tracepoint's id in tracefs).
 *
 * Kprobes attach at the function's name (config1 points to it; offset config2; a kprobe
 * given by address, config1 0, attaches at "0xADDR"), uprobes at "PATH:0xOFFSET",
 * tracepoints at their id.
 *
 * A kernel built without kprobes has no kprobe PMU; bpfrun then models one, with a type
 * number no real PMU has and the files libbpf reads served by the bridge's fopen
 * (perf_probe_sysfs_file), so that kprobe loaders attach under bpfrun anyway.
 *
 * Locking: the PMU numbers are read once (pthread_once). */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_event.h"
#include "../lib/bpf_newer.h"
#include "../lib/ksyms.h"
#include "../lib/uaccess.h"

struct pmu {
	const char *name;
	int type;          /* -1: no such PMU */
	u32 retprobe_mask; /* config bit of format/retprobe */
};

#define MODELLED_PMU_TYPE 0x7f00 /* above every dynamic PMU type a kernel hands out */
#define PMU_DIR "/sys/bus/event_source/devices/"

static struct pmu kprobe_pmu = { "kprobe", -1, 1 }, uprobe_pmu = { "uprobe", -1, 1 };
static pthread_once_t pmu_once = PTHREAD_ONCE_INIT;
static bool kprobe_modelled;

static void pmu_read(struct pmu *pmu)
{
	char path[128], text[64];
	int v;

	snprintf(path, sizeof(path), PMU_DIR "%s/type", pmu->name);
	if (read_text_file(path, text, sizeof(text)) > 0 && sscanf(text, "%d", &v) == 1)
		pmu->type = v;
	snprintf(path, sizeof(path), PMU_DIR "%s/format/retprobe", pmu->name);
	if (read_text_file(path, text, sizeof(text)) > 0 && sscanf(text, "config:%d", &v) == 1 &&
	    v >= 0 && v < 32)
		pmu->retprobe_mask = 1u << v;
}

static void pmus_read(void)
{
	pmu_read(&kprobe_pmu);
	pmu_read(&uprobe_pmu);
	if (kprobe_pmu.type < 0) {
		kprobe_pmu.type = MODELLED_PMU_TYPE;
		kprobe_modelled = true;
	}
}

bool perf_probe_sysfs_file(const char *path, char *buf, size_t len)
{
	pthread_once(&pmu_once, pmus_read);
	if (!kprobe_modelled || !path)
		return false;
	if (!strcmp(path, PMU_DIR "kprobe/type"))
		snprintf(buf, len, "%d\n", kprobe_pmu.type);
	else if (!strcmp(path, PMU_DIR "kprobe/format/retprobe"))
		snprintf(buf, len, "config:0\n");
	else
		return false;
	return true;
}

static bool is_pmu(const struct pmu *pmu, const struct perf_event_attr *attr)
{
	pthread_once(&pmu_once, pmus_read);
	return pmu->type >= 0 && attr->type == (u32)pmu->type;
}

static bool kprobe_match(const struct perf_event_attr *attr)
{
	return is_pmu(&kprobe_pmu, attr);
}

static bool uprobe_match(const struct perf_event_attr *attr)
{
	return is_pmu(&uprobe_pmu, attr);
}

static bool tracepoint_match(const struct perf_event_attr *attr)
{
	return attr->type == PERF_TYPE_TRACEPOINT;
}

/* The string config1 points to (a function name or a path). */
static int user_string(u64 uptr, char *buf, size_t len)
{
	long n = strncpy_from_user(buf, u64_to_ptr(uptr), len);

	if (n < 0)
		return -EFAULT;
	if ((size_t)n == len || !n)
		return -EINVAL;
	return 0;
}

static int kprobe_init(struct perf_event *ev, const struct perf_event_attr *attr)
{
	char name[256];

	ev->hook = HOOK_KPROBE;
	ev->retprobe = attr->config & kprobe_pmu.retprobe_mask;
	if (attr->config1) {
		int err = user_string(attr->config1, name, sizeof(name));
		if (err)
			return err;
		ev->offset = attr->config2;
	} else {
		snprintf(name, sizeof(name), "0x%" PRIx64, (u64)attr->config2);
	}
	ev->hook_name = strdup(name);
	return ev->hook_name ? 0 : -ENOMEM;
}

static int uprobe_init(struct perf_event *ev, const struct perf_event_attr *attr)
{
	char path[4096];

	ev->hook = HOOK_UPROBE;
	ev->retprobe = attr->config & uprobe_pmu.retprobe_mask;
	ev->offset = attr->config2;
	int err = user_string(attr->config1, path, sizeof(path));
	if (err)
		return err;
	if (asprintf(&ev->hook_name, "%s:0x%" PRIx64, path, ev->offset) < 0) {
		ev->hook_name = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int tracepoint_init(struct perf_event *ev, const struct perf_event_attr *attr)
{
	ev->hook = HOOK_TRACEPOINT;
	if (asprintf(&ev->hook_name, "%" PRIu64, (u64)attr->config) < 0) {
		ev->hook_name = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The kernel's perf_event_set_bpf_prog: kprobe and uprobe events take KPROBE programs
 * (not kprobe.multi ones), tracepoint events TRACEPOINT programs. */
static int probe_check_prog(struct perf_event *ev, const struct bpf_prog *prog)
{
	u32 want = ev->hook == HOOK_TRACEPOINT ? BPF_PROG_TYPE_TRACEPOINT : BPF_PROG_TYPE_KPROBE;

	if (prog->type != want)
		return -EINVAL;
	if (prog->type == BPF_PROG_TYPE_KPROBE &&
	    prog->expected_attach_type == BPF_TRACE_KPROBE_MULTI)
		return -EINVAL;
	return 0;
}

#define PROBE_KIND(var, kname, kmatch, kinit)       \
	static const struct perf_event_kind var = { \
		.name = kname,                      \
		.match = kmatch,                    \
		.init = kinit,                      \
		.check_prog = probe_check_prog,     \
	}

PROBE_KIND(kprobe_kind, "kprobe", kprobe_match, kprobe_init);
PROBE_KIND(uprobe_kind, "uprobe", uprobe_match, uprobe_init);
PROBE_KIND(tracepoint_kind, "tracepoint", tracepoint_match, tracepoint_init);

__attribute__((constructor)) static void perf_probe_register(void)
{
	perf_event_kind_register(&kprobe_kind);
	perf_event_kind_register(&uprobe_kind);
	perf_event_kind_register(&tracepoint_kind);
}

/* ---- what link info tells (perf_event_describe) ---- */

/* The name of the tracepoint whose tracefs id is id ("sched_switch"), found by reading
 * the ids of tracefs's events: "" when none has it. */
static void tracepoint_name(u64 id, char *name, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	char path[1024], text[32];

	*name = 0;
	for (size_t r = 0; r < ARRAY_SIZE(roots) && !*name; r++) {
		DIR *cats = opendir(roots[r]);
		struct dirent *c, *e;
		while (cats && !*name && (c = readdir(cats))) {
			snprintf(path, sizeof(path), "%s/%s", roots[r], c->d_name);
			DIR *evs = c->d_name[0] != '.' ? opendir(path) : NULL;
			while (evs && !*name && (e = readdir(evs))) {
				snprintf(path, sizeof(path), "%s/%s/%s/id", roots[r], c->d_name,
					 e->d_name);
				if (e->d_name[0] != '.' &&
				    read_text_file(path, text, sizeof(text)) > 0 &&
				    strtoull(text, NULL, 10) == id)
					snprintf(name, len, "%s", e->d_name);
			}
			if (evs)
				closedir(evs);
		}
		if (cats)
			closedir(cats);
	}
}

int perf_event_describe(const struct perf_event *ev, struct perf_event_desc *d)
{
	const char *colon;

	memset(d, 0, sizeof(*d));
	pthread_mutex_lock((pthread_mutex_t *)&ev->lock);
	d->cookie = ev->cookie;
	pthread_mutex_unlock((pthread_mutex_t *)&ev->lock);
	switch (ev->hook) {
	case HOOK_TRACEPOINT:
		d->type = BPFRUN_PERF_EVENT_TRACEPOINT;
		tracepoint_name(ev->attr.config, d->name, sizeof(d->name));
		return 0;
	case HOOK_UPROBE: /* hook_name: "PATH:0xOFFSET" */
		d->type = ev->retprobe ? BPFRUN_PERF_EVENT_URETPROBE : BPFRUN_PERF_EVENT_UPROBE;
		colon = strrchr(ev->hook_name, ':');
		snprintf(d->name, sizeof(d->name), "%.*s", (int)(colon ? colon - ev->hook_name : 0),
			 ev->hook_name);
		d->offset = ev->offset;
		d->ref_ctr_offset = ev->attr.config >> 32; /* PERF_UPROBE_REF_CTR_OFFSET_SHIFT */
		return 0;
	case HOOK_KPROBE: /* by name, or "0xADDR" for a kprobe by address */
		d->type = ev->retprobe ? BPFRUN_PERF_EVENT_KRETPROBE : BPFRUN_PERF_EVENT_KPROBE;
		if (ev->attr.config1) {
			snprintf(d->name, sizeof(d->name), "%s", ev->hook_name);
			d->offset = ev->offset;
			u64 base = ksym_addr(ev->hook_name);
			d->addr = base ? base + ev->offset : 0;
		} else {
			d->addr = ev->attr.config2;
		}
		return 0;
	default:
		return -EINVAL;
	}
}
