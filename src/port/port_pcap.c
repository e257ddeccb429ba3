/* port_pcap.c: the pcap capture wrapper (see port_pcap.h).
 *
 * The classic pcap layout: a 24-byte global header once per file, then per
 * frame a 16-byte record header (seconds, microseconds, captured length,
 * original length) followed by the captured bytes.  Fields are in host byte
 * order; readers detect it from the magic number.
 *
 * Writes go through stdio, committed with one fflush() per burst (and before
 * a rotation closes a file).  What a commit covers is written whole or not at
 * all: after a failed write the file is cut back to its last commit and the
 * frames since are counted in pcap_errors, so the file stays readable and
 * later records line up.  A rotation file that cannot be opened ends the
 * capture (every later frame is counted); the port itself goes on.
 */
#include "port/port_pcap.h"

#include <errno.h>
#include <limits.h>
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
	FILE *f;          /* NULL: a rotation file could not be opened */
	off_t good;       /* file length at the last commit */
	off_t len;        /* file length once what is buffered is written */
	unsigned pending; /* frames since the last commit */
	bool failed;      /* a write since the last commit failed */
	bool warned;      /* the first error is logged, the rest counted */
	uint32_t snaplen;
	uint64_t savelen; /* 0: no rotation */
	unsigned seq;     /* number of the current file in the rotation */
	char path[PATH_MAX];
	char cur[PATH_MAX + 16]; /* the current file's name, for messages */
	/* Record times are the stack clock (monotonic, or virtual in tests)
	 * shifted to wall-clock time at the first record, so captures show
	 * real dates and keep the stack's spacing. */
	bool have_offset;
	int64_t wall_offset_ns;
};

/* The name of file seq: path, or with rotation path with "_<seq>" before a
 * final ".pcap".  -ENAMETOOLONG if it does not fit. */
static int pcap_file_name(const struct pcap_priv *pp, unsigned seq, char *buf, size_t len)
{
	size_t n = strlen(pp->path), stem = n;
	int r;

	if (!pp->savelen) {
		r = snprintf(buf, len, "%s", pp->path);
	} else {
		if (n >= 5 && strcmp(pp->path + n - 5, ".pcap") == 0)
			stem = n - 5;
		r = snprintf(buf, len, "%.*s_%u%s", (int)stem, pp->path, seq, pp->path + stem);
	}
	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

/* Creates file seq and writes its header; 0 or -errno (pp->f NULL). */
static int pcap_file_open(struct pcap_priv *pp, unsigned seq)
{
	const struct pcap_file_hdr fh = {
		.magic = PCAP_MAGIC_US,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = pp->snaplen,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	int rc;

	pp->f = NULL;
	pp->seq = seq;
	rc = pcap_file_name(pp, seq, pp->cur, sizeof(pp->cur));
	if (rc < 0)
		return rc;
	pp->f = fopen(pp->cur, "wb");
	if (!pp->f)
		return -errno;
	if (fwrite(&fh, sizeof(fh), 1, pp->f) != 1 || fflush(pp->f) != 0) {
		rc = errno ? -errno : -EIO;
		fclose(pp->f);
		pp->f = NULL;
		return rc;
	}
	pp->good = pp->len = (off_t)sizeof(fh);
	pp->pending = 0;
	pp->failed = false;
	return 0;
}

static void pcap_warn_once(struct pcap_priv *pp, const char *what, int err)
{
	if (!pp->warned)
		LOG_WARN("capture %s: %s (%s); counting pcap_errors", pp->cur, what, strerror(err));
	pp->warned = true;
}

/* Ends a commit: flush, or cut the file back to the last commit and count
 * the frames since. */
static void pcap_commit(struct port *p)
{
	struct pcap_priv *pp = p->priv;

	if (!pp->failed && fflush(pp->f) == 0) {
		pp->good = pp->len;
		pp->pending = 0;
		return;
	}
	pcap_warn_once(pp, "write failed", errno ? errno : EIO);
	p->stats->pcap_errors += pp->pending;
	__fpurge(pp->f);
	clearerr(pp->f);
	if (ftruncate(fileno(pp->f), pp->good) != 0 || fseeko(pp->f, pp->good, SEEK_SET) != 0)
		clearerr(pp->f); /* the next commit will fail and count again */
	pp->len = pp->good;
	pp->pending = 0;
	pp->failed = false;
}

/* Closes the current file (committing it) and begins the next. */
static void pcap_rotate(struct port *p)
{
	struct pcap_priv *pp = p->priv;
	int rc;

	pcap_commit(p);
	if (fclose(pp->f) != 0)
		pcap_warn_once(pp, "close failed", errno);
	rc = pcap_file_open(pp, (pp->seq + 1) % PORT_PCAP_FILES);
	if (rc < 0)
		pcap_warn_once(pp, "cannot begin the next file, capture stopped", -rc);
}

/* Writes one record; false on a write error. */
static bool pcap_write_frame(FILE *f, const struct rte_mbuf *m, uint32_t caplen, uint64_t now_ns)
{
	struct pcap_rec_hdr h = {
		.ts_sec = (uint32_t)(now_ns / 1000000000u),
		.ts_usec = (uint32_t)(now_ns % 1000000000u / 1000u),
		.caplen = caplen,
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

	if (n == 0)
		return;
	if (!pp->have_offset) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		pp->wall_offset_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)now;
		pp->have_offset = true;
	}
	now = (uint64_t)((int64_t)now + pp->wall_offset_ns);
	for (uint16_t i = 0; i < n; i++) {
		uint32_t caplen = RTE_MIN(pkts[i]->pkt_len, pp->snaplen);
		off_t rec = (off_t)(sizeof(struct pcap_rec_hdr) + caplen);

		/* A file holds at least one record, and no more than savelen
		 * bytes unless that one record is larger. */
		if (pp->f && pp->savelen && pp->len > (off_t)sizeof(struct pcap_file_hdr) &&
		    (uint64_t)(pp->len + rec) > pp->savelen)
			pcap_rotate(p);
		if (!pp->f) {
			p->stats->pcap_errors++;
			continue;
		}
		if (!pcap_write_frame(pp->f, pkts[i], caplen, now))
			pp->failed = true;
		pp->len += rec;
		pp->pending++;
	}
	if (pp->f && pp->pending)
		pcap_commit(p);
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

	if (pp->f && fclose(pp->f) != 0)
		p->stats->pcap_errors++;
	port_close(p->lower);
	port_free(p);
}

static const struct port_ops pcap_ops = {
	.rx_burst = pcap_rx_burst,
	.tx_burst = pcap_tx_burst,
	.close = pcap_close,
};

struct port *port_pcap_wrap_conf(struct port *lower, const struct port_pcap_conf *conf, char *err,
                                 size_t errlen)
{
	struct pcap_priv *pp;
	struct port *p;
	int rc;

	if (!lower || !conf || !conf->path || !*conf->path) {
		snprintf(err, errlen, "pcap: no file name");
		return NULL;
	}
	if (conf->snaplen > PORT_PCAP_SNAPLEN) {
		snprintf(err, errlen, "pcap: snaplen %u is above %u", conf->snaplen,
		         PORT_PCAP_SNAPLEN);
		return NULL;
	}
	if (strlen(conf->path) >= sizeof(pp->path)) {
		snprintf(err, errlen, "pcap: file name too long");
		return NULL;
	}
	p = port_alloc(&pcap_ops, lower->name, sizeof(*pp));
	if (!p) {
		snprintf(err, errlen, "pcap: %s: out of memory", conf->path);
		return NULL;
	}
	pp = p->priv;
	snprintf(pp->path, sizeof(pp->path), "%s", conf->path);
	pp->snaplen = conf->snaplen ? conf->snaplen : PORT_PCAP_SNAPLEN;
	pp->savelen = conf->savelen;
	rc = pcap_file_open(pp, 0);
	if (rc < 0) {
		snprintf(err, errlen, "pcap: cannot create %s: %s", pp->cur[0] ? pp->cur : pp->path,
		         strerror(-rc));
		port_free(p);
		return NULL;
	}
	p->lower = lower;
	p->mac = lower->mac;
	p->mtu = lower->mtu;
	p->offloads = lower->offloads;
	return p;
}

struct port *port_pcap_wrap(struct port *lower, const char *path, char *err, size_t errlen)
{
	const struct port_pcap_conf conf = { .path = path };

	return port_pcap_wrap_conf(lower, &conf, err, errlen);
}
