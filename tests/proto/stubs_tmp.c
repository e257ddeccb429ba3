/* stubs_tmp.c: TEMPORARY stand-ins for layers other engineers are still
 * writing (UDP, sockets), so that the L2/L3 tests link
 * before those land.  tests/proto/meson.build compiles each part only while
 * the real source file is missing; delete this file once they all exist. */
#include <errno.h>

#include "stack/stack.h"

#ifdef STUB_UDP
int udp_init(struct stack *s)
{
	(void)s;
	return 0;
}
void udp_fini(struct stack *s)
{
	(void)s;
}
void udp_input(struct stack *s, struct netif *ifp, struct rte_mbuf *m)
{
	(void)ifp;
	STAT_INC(s, udp, udps_ipackets);
	rte_pktmbuf_free(m);
}
#endif

#ifdef STUB_SOCK
int sock_init(struct stack *s)
{
	(void)s;
	return 0;
}
void sock_fini(struct stack *s)
{
	(void)s;
}
#endif
