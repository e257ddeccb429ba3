/* port_fault_cfg.h: what the fault-injecting wrapper (port_fault.h) is
 * asked to do.  The port layer owns it; the configuration ([portN] fault_*
 * keys, stack/config.h) and tests fill it in.  No DPDK here, so the
 * configuration parser needs only this.
 */
#ifndef FASTACK_PORT_PORT_FAULT_CFG_H
#define FASTACK_PORT_PORT_FAULT_CFG_H

#include <stdbool.h>
#include <stdint.h>

enum fault_dir { FAULT_DIR_BOTH = 0, FAULT_DIR_RX, FAULT_DIR_TX };

struct fault_cfg {
	double loss, dup, reorder, corrupt; /* probabilities, 0..1 */
	uint32_t delay_us;                  /* added to every frame; reordered
					       frames wait 2x this (or 1 ms) */
	uint64_t seed;
	enum fault_dir dir;
};

/* Whether f asks for any fault at all (else no wrapper is needed). */
static inline bool fault_cfg_active(const struct fault_cfg *f)
{
	return f->loss > 0 || f->dup > 0 || f->reorder > 0 || f->corrupt > 0 || f->delay_us > 0;
}

#endif
