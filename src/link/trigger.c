/* bpfrun_fire(): the trigger API (bpfrun.h).  It names a hook as libbpf's section names
 * do, resolves it to an attach point (prog/attach.h) and fires it.  Tracepoints attach
 * by the id tracefs gives them (that is what perf_event_open carries), so the name is
 * looked up there.  "sk_skb/MAP/KEY" names a socket map's socket instead: its verdict
 * program runs on the data (maps/sockmap.h).  No state, no locking. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "bpfrun.h"
#include "../lib/ksyms.h"
#include "../lib/uaccess.h"
#include "commands.h"
#include "netdev.h"
#include "../lib/sys.h"
#include "../maps/sockmap.h"
#include "../prog/attach.h"

#define MAX_CTX_SIZE 4096u
#define SK_SKB_PREFIX "sk_skb/"

enum fire_how { FIRE_PROBE, FIRE_RETPROBE, FIRE_TRAMP, FIRE_LSM, FIRE_PACKET, FIRE_TC };

static const struct {
	const char *prefix;
	enum hook_kind kind;
	enum fire_how how;
} prefixes[] = {
	{ "kprobe/", HOOK_KPROBE, FIRE_PROBE },
	{ "kretprobe/", HOOK_KPROBE, FIRE_RETPROBE },
	{ "uprobe/", HOOK_UPROBE, FIRE_PROBE },
	{ "uretprobe/", HOOK_UPROBE, FIRE_RETPROBE },
	{ "tracepoint/", HOOK_TRACEPOINT, FIRE_PROBE },
	{ "tp/", HOOK_TRACEPOINT, FIRE_PROBE },
	{ "raw_tp/", HOOK_RAW_TP, FIRE_PROBE },
	{ "raw_tracepoint/", HOOK_RAW_TP, FIRE_PROBE },
	{ "tp_btf/", HOOK_RAW_TP, FIRE_PROBE },
	{ "fentry/", HOOK_TRAMP, FIRE_TRAMP },
	{ "fexit/", HOOK_TRAMP, FIRE_TRAMP },
	{ "fmod_ret/", HOOK_TRAMP, FIRE_TRAMP },
	{ "lsm/", HOOK_TRAMP, FIRE_LSM },
	{ "xdp/", HOOK_XDP, FIRE_PACKET },
	{ "tc/", HOOK_TC, FIRE_TC },
};

/* "CAT/NAME" -> the id tracefs gives the tracepoint, as text: 0 or -ENOENT. */
static int tracepoint_id(const char *cat_name, char *out, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[512];
	unsigned long long id;

	if (strstr(cat_name, ".."))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		char text[32];
		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i], cat_name);
		if (read_text_file(path, text, sizeof(text)) > 0 &&
		    sscanf(text, "%llu", &id) == 1) {
			snprintf(out, len, "%llu", id);
			return 0;
		}
	}
	return -ENOENT;
}

/* "PATH:OFFSET" with the offset in any base -> "PATH:0xOFFSET" as perf events name it. */
static int uprobe_name(const char *spec, char *out, size_t len)
{
	const char *colon = strrchr(spec, ':');
	char *end;

	if (!colon || colon == spec)
		return -EINVAL;
	unsigned long long off = strtoull(colon + 1, &end, 0);
	if (*end || end == colon + 1)
		return -EINVAL;
	int n = snprintf(out, len, "%.*s:0x%llx", (int)(colon - spec), spec, off);
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

/* A device by name or index -> its index in decimal, as XDP attachments name it. */
static int netdev_name(const char *spec, char *out, size_t len)
{
	char *end;
	unsigned long idx = strtoul(spec, &end, 10);

	if (*end || end == spec)
		idx = if_nametoindex(spec);
	if (!idx)
		return -ENODEV;
	snprintf(out, len, "%lu", idx);
	return 0;
}

/* A packet through the XDP program attached to a device: its action in *ret. */
static int fire_packet(const char *name, void *ctx, size_t ctx_size, u64 *ret)
{
	struct bpf_prog *prog = attach_first_prog(HOOK_XDP, name);
	u32 retval = 0;

	if (!prog)
		return -ENOENT;
	int err = attach_run_packet(prog, ctx, (u32)ctx_size, &retval);
	prog_put(prog);
	*ret = retval;
	return err;
}

/* "ingress/DEV" or "egress/DEV" -> "IFINDEX/ingress" as tc filters are named. */
static int tc_name(const char *spec, char *out, size_t len)
{
	const char *slash = strchr(spec, '/');
	char dev[32];

	if (!slash || (strncmp(spec, "ingress/", 8) && strncmp(spec, "egress/", 7)))
		return -EINVAL;
	int err = netdev_name(slash + 1, dev, sizeof(dev));
	if (!err)
		snprintf(out, len, "%s/%.*s", dev, (int)(slash - spec), spec);
	return err;
}

/* The socket map a hook names, by id or by name (the first with that name), with a
 * reference; NULL when there is none. */
static struct bpf_map *sock_map_named(const char *spec, size_t len)
{
	char name[BPF_OBJ_NAME_LEN] = "";
	char *end;
	unsigned long id = strtoul(spec, &end, 10);

	if (end != spec + len || !len) {
		id = 0;
		if (len >= sizeof(name))
			return NULL;
		memcpy(name, spec, len);
	}
	for (u32 next = obj_next_id(OBJ_MAP, 0); next; next = obj_next_id(OBJ_MAP, next)) {
		if (id && next != id)
			continue;
		struct obj *o = obj_by_id(OBJ_MAP, next);
		struct bpf_map *map = o ? map_of(o) : NULL;
		if (map && is_sock_map(map) && (id || !strcmp(map->name, name)))
			return map;
		if (o)
			obj_put(o);
	}
	return NULL;
}

/* "MAP/KEY": data arriving at the socket at KEY (a u32) of socket map MAP runs through
 * the map's verdict program; its verdict in *ret. */
static int fire_sk_skb(const char *spec, void *data, size_t size, u64 *ret)
{
	const char *slash = strrchr(spec, '/');
	char *end;

	if (!slash)
		return -EINVAL;
	unsigned long key = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1 || key > UINT32_MAX)
		return -EINVAL;
	struct bpf_map *map = sock_map_named(spec, (size_t)(slash - spec));
	if (!map)
		return -ENOENT;
	u32 k = (u32)key, verdict = 0;
	struct bpf_prog *prog = map->key_size == sizeof(k) ? sock_map_verdict(map) : NULL;
	int sock = prog ? sock_map_dup_fd(map, &k) : -ENOENT;
	int err = sock < 0 ? sock : sk_skb_run(prog, sock, data, (u32)size, &verdict);
	if (sock >= 0)
		sys_close(sock);
	if (prog)
		prog_put(prog);
	map_put(map);
	*ret = verdict;
	return err;
}

static int hook_name(enum fire_how how, enum hook_kind kind, const char *spec, char *out,
		     size_t len)
{
	if (how == FIRE_LSM) /* LSM programs attach to the hook's bpf_lsm_ function */
		return snprintf(out, len, "bpf_lsm_%s", spec) < (int)len && *spec ? 0 : -EINVAL;
	if (kind == HOOK_TC)
		return tc_name(spec, out, len);
	if (kind == HOOK_XDP)
		return netdev_name(spec, out, len);
	if (kind == HOOK_TRACEPOINT)
		return tracepoint_id(spec, out, len);
	if (kind == HOOK_UPROBE)
		return uprobe_name(spec, out, len);
	if (!*spec || strlen(spec) >= len)
		return -EINVAL;
	strcpy(out, spec);
	return 0;
}

static int fire(const char *hook, void *ctx, size_t ctx_size, uint64_t *ret)
{
	char name[4200];
	u64 r = ret ? *ret : 0;

	if (!hook || ctx_size > MAX_CTX_SIZE || (ctx_size && !ctx))
		return -EINVAL;
	if (!strncmp(hook, SK_SKB_PREFIX, strlen(SK_SKB_PREFIX))) { /* not an attach point */
		int err = fire_sk_skb(hook + strlen(SK_SKB_PREFIX), ctx, ctx_size, &r);
		if (ret)
			*ret = r;
		return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i].prefix);
		if (strncmp(hook, prefixes[i].prefix, n))
			continue;
		enum fire_how how = prefixes[i].how;
		int err = hook_name(how, prefixes[i].kind, hook + n, name, sizeof(name));
		if (err)
			return err;
		if (how == FIRE_PACKET) {
			err = fire_packet(name, ctx, ctx_size, &r);
		} else if (how == FIRE_TC) {
			u32 verdict = 0;
			err = netdev_tc_run(name, ctx, (u32)ctx_size, &verdict);
			r = verdict;
		} else if (how == FIRE_TRAMP || how == FIRE_LSM) {
			u64 args[MAX_FUNC_ARGS] = { 0 };
			if (ctx_size > sizeof(args))
				return -EINVAL;
			memcpy(args, ctx, ctx_size);
			struct tramp_result res;
			r = attach_tramp_call(name, args, (u32)(ctx_size / 8), NULL, r, &res);
			err = res.faults ? -EFAULT : 0;
		} else {
			int n_run = attach_fire(prefixes[i].kind, name, how == FIRE_RETPROBE, ctx,
						(u32)ctx_size, &r, NULL);
			err = n_run < 0 ? n_run : 0;
		}
		if (ret)
			*ret = r;
		return err;
	}
	return -EINVAL;
}

int bpfrun_fire(const char *hook, void *ctx, size_t ctx_size, uint64_t *ret)
{
	int err = fire(hook, ctx, ctx_size, ret);

	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

/* BPFRUN_BPF_FIRE (bpfrun.h): the attr, the hook and the context are the caller's memory
 * (another process's when the runtime serves the call), copied in first. */
int link_fire_command(const void *uattr, u32 size)
{
	struct bpfrun_fire_attr a = { 0 };
	char hook[4300];
	u8 ctx[MAX_CTX_SIZE];
	u64 r = 0;

	int err = check_uarg_tail_zero(uattr, sizeof(a), size);
	if (err)
		return err;
	if (copy_from_user(&a, uattr, MIN((size_t)size, sizeof(a))))
		return -EFAULT;
	long n = strncpy_from_user(hook, u64_to_ptr(a.hook), sizeof(hook));
	if (n < 0)
		return -EFAULT;
	if ((size_t)n == sizeof(hook) || a.ctx_size > MAX_CTX_SIZE)
		return -EINVAL;
	if (copy_from_user(ctx, u64_to_ptr(a.ctx), a.ctx_size) ||
	    (a.ret && copy_from_user(&r, u64_to_ptr(a.ret), sizeof(r))))
		return -EFAULT;
	/* the programs run on our copies: a packet's test run reads them as "user" memory */
	pid_t caller = uaccess_remote_pid();
	uaccess_set_remote(0);
	err = fire(hook, ctx, a.ctx_size, &r);
	uaccess_set_remote(caller);
	if (a.ret && copy_to_user(u64_to_ptr(a.ret), &r, sizeof(r)))
		return -EFAULT;
	return err;
}
