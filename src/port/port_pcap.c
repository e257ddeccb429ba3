/* port_pcap.c: the pcap capture wrapper (see port_pcap.h).
 *
 * The classic pcap layout: a 24-byte global header once, then per frame a
 * 16-byte record header (seconds, microseconds, captured length, original
 * length) followed by the captured bytes.  Fields are in host byte order;
 * readers detect it from the magic number.  Writes go through stdio with
 * one fflush() per burst.  A burst is written whole or not at all: after a
 * failed write the file is cut back to the end of the last good burst.
 */
#include "port/port_pcap.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "port/port_priv.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_LINKTYPE_ETHERNET 1

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;  /* GMT offset: always 0 */
	uint32_t sigfigs;  /* always 0 */
	uint32_t snaplen;  /* longest record */
	uint32_t linktype; /* LINKTYPE_* */
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec;
	uint32_t caplen; /* bytes that follow */
	uint32_t len;    /* length of the frame on the wire */
};

_Static_assert(sizeof(struct pcap_file_hdr) == 24, "pcap file header");
_Static_assert(sizeof(struct pcap_rec_hdr) == 16, "pcap record header");

struct pcap_priv {
	FILE *f;
	off_t good;     /* file length after the last complete burst */
	bool warned;    /* the first write error is logged, the rest counted */
	char path[256]; /* for that message */
	/* Record times are the stack clock (monotonic, or virtual in tests)
	 * shifted to wall-clock time at the first record, so captures show
	 * real dates and keep the stack's spacing. */
	bool have_offset;
	int64_t wall_offset_ns;
};

/* Writes one record; false on a write error. */
static bool pcap_write_frame(FILE *f, const struct rte_mbuf *m, uint64_t now_ns)
{
	struct pcap_rec_hdr h = {
		.ts_sec = (uint32_t)(now_ns / 1000000000u),
		.ts_usec = (uint32_t)(now_ns % 1000000000u / 1000u),
		.caplen = RTE_MIN(m->pkt_len, PORT_PCAP_SNAPLEN),
		.len = m->pkt_len,
	};
	uint32_t left = h.caplen;

	if (fwrite(&h, sizeof(h), 1, f) != 1)
		return false;
	for (const struct rte_mbuf *seg = m; seg && left; seg = seg->next) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len, left);

		if (n && fwrite(rte_pktmbuf_mtod(seg, const void *), n, 1, f) != 1)
			return false;
		left -= n;
	}
	/* A chain shorter than pkt_len says (a broken mbuf): keep the file
	 * well-formed by padding what the header promised. */
	while (left) {
		static const uint8_t zero[64];
		uint32_t n = RTE_MIN(left, (uint32_t)sizeof(zero));

		if (fwrite(zero, n, 1, f) != 1)
			return false;
		left -= n;
	}
	return true;
}

static void pcap_write_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcap_priv *pp = p->priv;
	uint64_t now = *p->now;
	bool failed = false;

	if (n == 0)
		return;
	if (!pp->have_offset) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		pp->wall_offset_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)now;
		pp->have_offset = true;
	}
	now = (uint64_t)((int64_t)now + pp->wall_offset_ns);
	for (uint16_t i = 0; i < n; i++)
		if (!pcap_write_frame(pp->f, pkts[i], now))
			failed = true;
	if (!failed && fflush(pp->f) == 0) {
		pp->good = ftello(pp->f);
		return;
	}
	/* Drop the whole burst and cut the file back to its last complete
	 * record, so that it stays readable and later bursts line up. */
	if (!pp->warned)
		LOG_WARN("capture %s: write failed (%s); counting pcap_errors", pp->path,
		         strerror(errno));
	pp->warned = true;
	p->stats->pcap_errors += n;
	__fpurge(pp->f);
	clearerr(pp->f);
	if (ftruncate(fileno(pp->f), pp->good) != 0 || fseeko(pp->f, pp->good, SEEK_SET) != 0)
		clearerr(pp->f); /* the next burst will fail and count again */
}

static uint16_t pcap_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k;

	port_lower_sync(p);
	k = p->lower->ops->rx_burst(p->lower, pkts, n);
	pcap_write_burst(p, pkts, k);
	return k;
}

static uint16_t pcap_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	port_lower_sync(p);
	/* Written before the port below takes them: after, they are its. */
	pcap_write_burst(p, pkts, n);
	return p->lower->ops->tx_burst(p->lower, pkts, n);
}

static void pcap_close(struct port *p)
{
	struct pcap_priv *pp = p->priv;

	if (fclose(pp->f) != 0)
		p->stats->pcap_errors++;
	port_close(p->lower);
	port_free(p);
}

static const struct port_ops pcap_ops = {
	.rx_burst = pcap_rx_burst,
	.tx_burst = pcap_tx_burst,
	.close = pcap_close,
};

struct port *port_pcap_wrap(struct port *lower, const char *path, char *err, size_t errlen)
{
	const struct pcap_file_hdr fh = {
		.magic = PCAP_MAGIC_US,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = PORT_PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct pcap_priv *pp;
	struct port *p;
	FILE *f;

	if (!lower || !path || !*path) {
		snprintf(err, errlen, "pcap: no file name");
		return NULL;
	}
	f = fopen(path, "wb");
	if (!f) {
		snprintf(err, errlen, "pcap: cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fwrite(&fh, sizeof(fh), 1, f) != 1 || fflush(f) != 0) {
		snprintf(err, errlen, "pcap: cannot write %s: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	p = port_alloc(&pcap_ops, lower->name, sizeof(*pp));
	if (!p) {
		snprintf(err, errlen, "pcap: %s: out of memory", path);
		fclose(f);
		return NULL;
	}
	pp = p->priv;
	pp->f = f;
	pp->good = (off_t)sizeof(fh);
	snprintf(pp->path, sizeof(pp->path), "%s", path);
	p->lower = lower;
	p->mac = lower->mac;
	p->mtu = lower->mtu;
	p->offloads = lower->offloads;
	return p;
}
