/* ff_config.h: F-Stack's view of the configuration, for F-Stack programs,
 * which include it beside ff_api.h.
 *
 * ff_global_cfg is filled by ff_init from fastack's configuration (the same
 * INI file, docs/config.md): the values a program may read, under F-Stack's
 * names.  It is a copy for reading: changing it changes nothing in the
 * stack (knobs are changed by name with ff_sysctl_knob or ff_sysctl).
 * Fields F-Stack has for features fastack lacks (KNI, bonding, vdevs) read
 * as off; the README's table of F-Stack's API and configuration says what
 * each is.
 */
#ifndef FASTACK_FF_CONFIG_H
#define FASTACK_FF_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "ff_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct ff_config {
	char *filename; /* the configuration file ff_init read */
	struct {
		char *proc_type;  /* "primary", "secondary" or "auto" */
		char *lcore_mask; /* hexadecimal, without 0x */
		int nb_channel;   /* 0: not given */
		int memory;       /* MiB given to the EAL; 0: not given */
		int no_huge;
		int nb_procs; /* lcores of lcore_mask: one process (or stack) each */
		int proc_id;
		int promiscuous;
		int numa_on; /* 1: pools are on their lcore's node */
		int tso;     /* 0: not used */
		int tx_csum_offoad_skip;
		int vlan_strip;        /* 0: tags are removed in software */
		unsigned idle_sleep;   /* us */
		unsigned pkt_tx_delay; /* 0: TX is flushed every loop pass */
		int nb_ports;
		uint16_t *portid_list; /* nb_ports DPDK port ids */
		int nb_vdev, nb_bond;  /* 0 */
	} dpdk;
	struct {
		int enable; /* 0: no KNI */
		char *method, *tcp_port, *udp_port;
	} kni;
	struct {
		int level;       /* [dpdk] fstack_log_level */
		const char *dir; /* [dpdk] fstack_log_file_prefix */
		FILE *f;         /* the file ff_log_open_set opened, or NULL */
	} log;
	struct {
		int enable;
		uint32_t snap_len;
		uint32_t save_len;
		char *save_path;
	} pcap;
	struct {
		int hz; /* 1000: timers run on a 1 ms wheel */
	} freebsd;
};

extern struct ff_config ff_global_cfg;

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
