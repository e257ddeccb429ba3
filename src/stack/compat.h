/* compat.h: what a stack keeps for F-Stack's calls beyond sockets
 * (src/api/ff_compat*.c).
 *
 *   - Zero-copy writes: the mbuf chains ff_zc_mbuf_get gave the application
 *     and ff_write has not taken yet.  They come from the stack's pool, the
 *     application fills them in place (ff_zc_mbuf_write), and ff_write of
 *     the chain's head links those very mbufs into the TCP send buffer.  The
 *     list is bounded (STACK_ZC_MAX); what is still listed when the stack
 *     ends is freed then.
 *   - The packet dispatcher (ff_regist_packet_dispatcher[_context]): one
 *     function for the process, as in F-Stack, shown every received frame
 *     before Ethernet input; its verdict is honoured (stack_dispatch).
 *   - The source-address chooser of active opens (ff_regist_pcblddr_fun).
 */
#ifndef FASTACK_STACK_COMPAT_H
#define FASTACK_STACK_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct stack;
struct port;

#define STACK_ZC_MAX 64 /* chains one stack lets the application hold */

struct stack_compat {
	struct rte_mbuf *zc[STACK_ZC_MAX]; /* heads of the chains given out */
	unsigned nzc;
};

/* The dispatcher's two shapes (include/ff_api.h's dispatch_func_t and
 * dispatch_func_context_t); at most one is set. */
struct stack_dispatcher {
	int (*plain)(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues);
	int (*with_ctx)(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues,
	                uint8_t vlan_stripped, uint16_t vlan_tci);
};

/* Sets the process's dispatcher (NULL, or NULL functions: none).  Read by
 * every stack at each frame, one atomic pointer per shape. */
void stack_dispatcher_set(const struct stack_dispatcher *d);
/* Whether one is set (one relaxed load). */
bool stack_dispatcher_on(void);

/* Shows m (received on p) to the dispatcher and acts on its verdict: its
 * own queue (or a single-queue process's 0): true, the frame goes on to
 * Ethernet input; FF_DISPATCH_RESPONSE: m, with the length the dispatcher
 * gave, goes back out of p; FF_DISPATCH_ERROR, another stack's queue (no
 * hand-over between stacks yet) or anything else: freed.  Each verdict but
 * the first is counted (port.dispatch_*). */
bool stack_dispatch(struct stack *s, struct port *p, struct rte_mbuf *m);

/* The application's choice of source address for an active open
 * (ff_regist_pcblddr_fun): process-wide, NULL for none. */
typedef int (*stack_pcbladdr_fn)(uint16_t family, void *dst_addr, uint16_t dst_port,
                                 void *src_addr);
void stack_pcbladdr_set(stack_pcbladdr_fn fn);
/* Asks it for the IPv4 source towards dst:port (network order): the
 * address it gave, or 0 (none registered, it failed or said INADDR_ANY:
 * the routes choose). */
uint32_t stack_pcbladdr4(uint32_t dst, uint16_t port);

/* Frees the chains the application still holds (stack_destroy). */
void stack_compat_fini(struct stack *s);

#endif
