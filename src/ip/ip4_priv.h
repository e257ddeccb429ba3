/* ip4_priv.h: what ip4.c and icmp.c share (not for other layers). */
#ifndef FASTACK_IP_IP4_PRIV_H
#define FASTACK_IP_IP4_PRIV_H

struct stack;

/* ICMP state (the error rate limiter); set up and torn down by ip4_init()
 * and ip4_fini(). */
int icmp_init(struct stack *s);
void icmp_fini(struct stack *s);

#endif
