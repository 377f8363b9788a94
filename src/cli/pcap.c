/* Packets of a capture file, read with libpcap (pcap and pcapng), with nanosecond
 * timestamps whatever the file's own precision. */
#include <stdlib.h>
#include <pcap/pcap.h>

#include "cli.h"

struct pcap_reader {
	pcap_t *p;
};

struct pcap_reader *pcap_reader_open(const char *path, char *why, size_t len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							    errbuf);

	if (!p) {
		snprintf(why, len, "%s", errbuf[0] ? errbuf : "cannot open it");
		return NULL;
	}
	struct pcap_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		pcap_close(p);
		snprintf(why, len, "out of memory");
		return NULL;
	}
	r->p = p;
	return r;
}

int pcap_reader_next(struct pcap_reader *r, const uint8_t **data, uint32_t *len, uint64_t *ts_ns,
		     char *why, size_t whylen)
{
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int ret = pcap_next_ex(r->p, &h, &bytes);

	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		snprintf(why, whylen, "%s", pcap_geterr(r->p));
		return -1;
	}
	*data = bytes;
	*len = h->caplen;
	/* tv_usec holds nanoseconds: the file was opened with nanosecond precision */
	*ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	return 1;
}

void pcap_reader_close(struct pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}
