/* Writes the captures that drive the timer examples (classic pcap, microsecond stamps):
 *   gen_pcap flow_idle OUT.pcap    four UDP flows that go quiet at known times
 *   gen_pcap rate_limit OUT.pcap   bursts of one flow at known times
 * Every packet is Ethernet + IPv4 + UDP, 60 bytes, from 10.0.0.<host>:<1000+host> to
 * 10.0.0.100:53. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CAPTURE_START 1700000000u /* seconds: any fixed instant */

struct packet_at {
	uint32_t ms;  /* since the capture's first packet */
	uint8_t host; /* source 10.0.0.<host>, port 1000 + host */
};

/* Idle timeout 5 s: B (last seen 1.0 s) expires at 6.0 s and C (3.0 s) at 8.0 s, before
 * the last packet; A is refreshed at 6.5 s (its 2.0 s timer would fire at 7.0 s), C comes
 * back at 8.5 s as a new flow.  Left at the end (9.0 s): A, C and D, expiring at 11.5 s,
 * 13.5 s and 14.0 s. */
static const struct packet_at flow_idle[] = {
	{ 0, 1 }, { 1000, 2 }, { 2000, 1 }, { 3000, 3 }, { 6500, 1 }, { 8500, 3 }, { 9000, 4 },
};

/* Bucket of 4, +2 every 100 ms from the first packet: 6 packets at 0 ms (4 pass), 3 at
 * 150 ms (2 pass: one refill), 5 at 550 ms (4 pass: full again). */
static const struct packet_at rate_limit[] = {
	{ 0, 1 },   { 0, 1 },   { 0, 1 },   { 0, 1 },   { 0, 1 },   { 0, 1 },   { 150, 1 },
	{ 150, 1 }, { 150, 1 }, { 550, 1 }, { 550, 1 }, { 550, 1 }, { 550, 1 }, { 550, 1 },
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void build_packet(uint8_t *p, uint8_t host)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 100, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	uint32_t sum = 0;

	memset(p, 0, 60);
	memcpy(p, eth, sizeof(eth));
	p[14] = 0x45;
	put16(p + 16, 60 - 14);
	p[22] = 64;
	p[23] = 17; /* UDP */
	memcpy(p + 26, (uint8_t[]){ 10, 0, 0, host }, 4);
	memcpy(p + 30, (uint8_t[]){ 10, 0, 0, 100 }, 4);
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(p + 24, (uint16_t)~sum);
	put16(p + 34, (uint16_t)(1000 + host));
	put16(p + 36, 53);
	put16(p + 38, 60 - 34);
}

static int write_capture(const char *path, const struct packet_at *pkts, size_t n)
{
	/* magic, version 2.4, thiszone, sigfigs, snaplen, linktype Ethernet */
	const uint32_t header[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	uint8_t packet[60];
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		return 1;
	}
	fwrite(header, sizeof(header), 1, f);
	for (size_t i = 0; i < n; i++) {
		uint32_t rec[4] = { CAPTURE_START + pkts[i].ms / 1000, pkts[i].ms % 1000 * 1000,
				    sizeof(packet), sizeof(packet) };
		build_packet(packet, pkts[i].host);
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(packet, sizeof(packet), 1, f);
	}
	if (fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "flow_idle"))
		return write_capture(argv[2], flow_idle, sizeof(flow_idle) / sizeof(flow_idle[0]));
	if (argc == 3 && !strcmp(argv[1], "rate_limit"))
		return write_capture(argv[2], rate_limit,
				     sizeof(rate_limit) / sizeof(rate_limit[0]));
	fprintf(stderr, "usage: gen_pcap flow_idle|rate_limit OUT.pcap\n");
	return 2;
}
