/* addr.h: an IPv4-or-IPv6 address, used by every table from the start
 * (DESIGN.md: "IPv6 from the first struct").  IPv4 is kept in network byte
 * order in v4; family uses the Linux AF_INET/AF_INET6 values. */
#ifndef FASTACK_BASE_ADDR_H
#define FASTACK_BASE_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct ip_addr {
	uint8_t family; /* AF_INET or AF_INET6; 0 = unspecified */
	uint8_t pad[3];
	union {
		uint32_t v4; /* network byte order */
		uint8_t v6[16];
	};
};

static inline struct ip_addr ip_addr_v4(uint32_t be)
{
	struct ip_addr a = { .family = AF_INET };
	a.v4 = be;
	return a;
}

static inline bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, 16) == 0;
}

static inline bool ip_addr_is_any(const struct ip_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == AF_INET6)
		return memcmp(a->v6, zero, 16) == 0;
	return a->v4 == 0;
}

/* Formats into buf (at least 46 bytes); returns buf. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len);

#endif
