/* port_pcap.h: a wrapper for any port that writes every frame received and
 * sent through it to a pcap file (the [portN] pcap= key; `fastack capture`).
 *
 * Format: classic pcap (magic 0xa1b2c3d4 in host byte order, version 2.4,
 * LINKTYPE_ETHERNET, microsecond timestamps, snaplen PORT_PCAP_SNAPLEN),
 * written by this file, readable by tcpdump/Wireshark/libpcap.  Timestamps
 * are the owning stack's clock (*p->now): virtual time in tests, the
 * monotonic clock under ff_run (so they count from boot, not 1970).
 *
 * What is written: received frames as the port below delivered them; sent
 * frames as they are offered to the port below (a frame it then refuses is
 * in the file and counted in tx_dropped).  Multi-segment frames are written
 * whole; frames longer than the snaplen are truncated (the record keeps the
 * original length).  The file is flushed after every burst, so a capture can
 * be read while the program runs.  A failed write is counted (pcap_errors)
 * and never stops the port.
 */
#ifndef FASTACK_PORT_PORT_PCAP_H
#define FASTACK_PORT_PORT_PCAP_H

#include <stddef.h>

#include "port/port.h"

#define PORT_PCAP_SNAPLEN 262144u

/* Wraps lower, creating (truncating) path.  NULL with a message in err when
 * the file cannot be created or written; lower is then still the caller's.
 * mac, mtu, offloads and name are copied from lower. */
struct port *port_pcap_wrap(struct port *lower, const char *path, char *err, size_t errlen);

#endif
