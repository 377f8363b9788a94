/* --pcap-out: the packets as the programs left them, in a pcapng file (libpcap and
 * Wireshark read it), each with a comment naming the program and its verdict, and the
 * timestamp of the input packet (nanosecond resolution).  Written by the run loop's
 * thread only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_EPB 6u
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_IF_TSRESOL 9
#define LINKTYPE_ETHERNET 1

struct pcap_writer {
	FILE *f;
	const char *path;
	bool failed;
};

static uint32_t pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

static void put(struct pcap_writer *w, const void *p, size_t n)
{
	static const uint8_t zeros[4];

	if (fwrite(p ? p : zeros, 1, n, w->f) != n)
		w->failed = true;
}

static void put32(struct pcap_writer *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_option(struct pcap_writer *w, uint16_t code, const void *p, uint16_t len)
{
	uint16_t h[2] = { code, len };

	put(w, h, 4);
	put(w, p, len);
	put(w, NULL, pad4(len) - len);
}

struct pcap_writer *pcap_writer_open(const char *path)
{
	struct pcap_writer *w = calloc(1, sizeof(*w));
	uint8_t tsresol = 9; /* 10^-9 s */

	if (!w || !(w->f = fopen(path, "wb"))) {
		cli_error("%s: %s", path, strerror(w ? errno : ENOMEM));
		free(w);
		return NULL;
	}
	w->path = path;
	/* section header: byte-order magic, version 1.0, section length unknown */
	put32(w, BT_SHB);
	put32(w, 28);
	put32(w, 0x1a2b3c4d);
	put32(w, 1);
	put32(w, 0xffffffffu);
	put32(w, 0xffffffffu);
	put32(w, 28);
	/* the one interface: Ethernet, no snap length, nanosecond timestamps */
	put32(w, BT_IDB);
	put32(w, 32);
	put32(w, LINKTYPE_ETHERNET);
	put32(w, 0);
	put_option(w, OPT_IF_TSRESOL, &tsresol, 1);
	put_option(w, OPT_END, NULL, 0);
	put32(w, 32);
	return w;
}

int pcap_writer_add(struct pcap_writer *w, const uint8_t *data, uint32_t len, uint64_t ts_ns,
		    const char *comment)
{
	uint16_t clen = (uint16_t)strnlen(comment, 1024);
	uint32_t total = 28 + pad4(len) + 4 + pad4(clen) + 4 + 4;

	put32(w, BT_EPB);
	put32(w, total);
	put32(w, 0);
	put32(w, (uint32_t)(ts_ns >> 32));
	put32(w, (uint32_t)ts_ns);
	put32(w, len);
	put32(w, len);
	put(w, data, len);
	put(w, NULL, pad4(len) - len);
	put_option(w, OPT_COMMENT, comment, clen);
	put_option(w, OPT_END, NULL, 0);
	put32(w, total);
	if (w->failed) {
		cli_error("%s: cannot write: %s", w->path, strerror(errno));
		return -1;
	}
	return 0;
}

int pcap_writer_close(struct pcap_writer *w)
{
	bool failed = w->failed; /* already reported */
	int ret = fclose(w->f) || failed ? -1 : 0;

	if (ret && !failed)
		cli_error("%s: cannot write: %s", w->path, strerror(errno));
	free(w);
	return ret;
}
