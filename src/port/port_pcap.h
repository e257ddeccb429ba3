/* port_pcap.h: a wrapper for any port that writes every frame received and
 * sent through it to a pcap file (the [portN] pcap= key, [pcap] enable=1).
 *
 * Format: classic pcap (magic 0xa1b2c3d4 in host byte order, version 2.4,
 * LINKTYPE_ETHERNET, microsecond timestamps, the configured snaplen),
 * written by this file, readable by tcpdump/Wireshark/libpcap.  Timestamps
 * are the owning stack's clock (*p->now: virtual time in tests, the monotonic
 * clock under ff_run) shifted to wall-clock time at the first record.
 *
 * What is written: received frames as the port below delivered them; sent
 * frames as they are offered to the port below (a frame it then refuses is
 * in the file and counted in tx_dropped).  Multi-segment frames are written
 * whole; frames longer than the snaplen are cut to it (the record keeps the
 * original length).  The file is flushed after every burst, so a capture can
 * be read while the program runs.  A failed write is counted (pcap_errors)
 * and never stops the port.
 *
 * Rotation ([pcap] savelen): with savelen set, the capture is a ring of
 * PORT_PCAP_FILES files, path with "_0" .. "_9" inserted before a final
 * ".pcap" (appended otherwise).  The next file is begun (truncated) when the
 * next record would take the current one past savelen, so no file grows
 * past it unless a single record does; after the last file comes the first
 * again.  Every file starts with its own pcap header.
 */
#ifndef FASTACK_PORT_PORT_PCAP_H
#define FASTACK_PORT_PORT_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "port/port.h"

#define PORT_PCAP_SNAPLEN 262144u /* the default, and largest, snaplen */
#define PORT_PCAP_FILES 10        /* files in a rotation */

struct port_pcap_conf {
	const char *path; /* the file, or the name the rotation's files derive from */
	uint32_t snaplen; /* bytes kept of each frame; 0: PORT_PCAP_SNAPLEN */
	uint64_t savelen; /* 0: one file of any size; else rotate (see above) */
};

/* Wraps lower, creating (truncating) the first file.  NULL with a message in
 * err when the file cannot be created or written, or conf is invalid; lower
 * is then still the caller's.  mac, mtu, offloads and name are copied from
 * lower. */
struct port *port_pcap_wrap_conf(struct port *lower, const struct port_pcap_conf *conf, char *err,
                                 size_t errlen);
/* The same with whole frames into one file. */
struct port *port_pcap_wrap(struct port *lower, const char *path, char *err, size_t errlen);

#endif
