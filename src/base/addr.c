/* addr.c: see addr.h. */
#include "base/addr.h"

#include <arpa/inet.h>
#include <stdio.h>

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->v6, buf, len);
	else if (a->family == AF_INET)
		inet_ntop(AF_INET, &a->v4, buf, len);
	else
		snprintf(buf, len, "(none)");
	return buf;
}
