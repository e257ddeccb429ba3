/* config_priv.h: value parsers shared by the knob table (knobs.c) and the
 * configuration parser (config.c).  Each returns 0 or -EINVAL (not the
 * expected form) / -ERANGE (does not fit). */
#ifndef FASTACK_STACK_CONFIG_PRIV_H
#define FASTACK_STACK_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/config.h"
#include "stack/knobs.h"

/* An unsigned integer: decimal, or hexadecimal with 0x.  No sign, no
 * white space, no suffix. */
int cfg_parse_u64(const char *s, uint64_t *out);
/* A signed integer in the same forms, with an optional '-'. */
int cfg_parse_i64(const char *s, int64_t *out);
/* 0/1, yes/no, on/off, true/false (any case). */
int cfg_parse_bool(const char *s, bool *out);
/* The candidate closest to word by edit distance if it is close enough to
 * be a likely typo, else NULL.  Call cfg_suggest_begin() first, then
 * cfg_suggest_offer() for each candidate. */
struct cfg_suggest {
	const char *word;
	const char *best;
	unsigned best_dist;
};
void cfg_suggest_begin(struct cfg_suggest *sg, const char *word);
void cfg_suggest_offer(struct cfg_suggest *sg, const char *candidate);

/* ---- between config.c, config_keys.c, config_file.c, config_args.c and
 * config_validate.c (not for other layers) ---- */

enum cfg_type {
	CT_BOOL,     /* 0/1, yes/no, on/off, true/false */
	CT_UINT,     /* unsigned integer of field size, within min..max */
	CT_HEXMASK,  /* hexadecimal bit mask (0x optional), not zero */
	CT_PORTLIST, /* "0,2-3": struct config's port_list and nb_ports */
	CT_IP4,      /* dotted quad */
	CT_NETMASK,  /* dotted quad, contiguous ones */
	CT_IP6,      /* RFC 4291 text form */
	CT_STR,      /* text shorter than the field */
	CT_PROB,     /* probability 0..1 (double) */
	CT_FAULTDIR, /* rx|tx|both (enum fault_dir) */
	CT_LOGLEVEL, /* error|warning|info|debug (enum log_level in an int) */
};

/* Which struct a key's offset is into. */
enum cfg_scope {
	SC_DPDK, /* struct config */
	SC_PORT, /* struct port_cfg */
	SC_VLAN, /* struct vlan_cfg */
	SC_IFA,  /* struct ifaddr_cfg of a port or a VLAN */
	SC_PCAP, /* struct config ([pcap]) */
};

struct cfg_key {
	const char *name;
	enum cfg_scope scope;
	enum cfg_type type;
	uint32_t off, size; /* of the field */
	uint64_t min, max;  /* CT_UINT */
	const char *def;    /* as written in a file; NULL: unset */
	const char *unit;
	const char *desc;
};

enum cfg_key_id {
	K_LCORE_MASK,
	K_CHANNEL,
	K_PROMISCUOUS,
	K_TX_CSUM_OFFLOAD_SKIP,
	K_IDLE_SLEEP,
	K_SYMMETRIC_RSS,
	K_SOFT_RSS,
	K_PORT_LIST,
	K_NB_MBUFS,
	K_NO_HUGE,
	K_EAL_ARGS,
	K_LOG_LEVEL,
	K_MEMORY,
	K_FSTACK_LOG_LEVEL,
	K_FSTACK_LOG_PREFIX,
	K_CTL,
	K_CTL_DIR,
	K_CTL_GROUP,
	K_PCAP_ENABLE,
	K_PCAP_SNAPLEN,
	K_PCAP_SAVELEN,
	K_PCAP_SAVEPATH,
	K_ADDR,
	K_NETMASK,
	K_BROADCAST,
	K_GATEWAY,
	K_ADDR6,
	K_PREFIX_LEN,
	K_GATEWAY6,
	K_MTU,
	K_PCAP,
	K_FAULT_LOSS,
	K_FAULT_DUP,
	K_FAULT_REORDER,
	K_FAULT_CORRUPT,
	K_FAULT_DELAY_US,
	K_FAULT_SEED,
	K_FAULT_DIR,
	K_VLAN_PORT,
	K_VLAN_ID,
	K_COUNT
};
_Static_assert(K_COUNT <= CFG_KEYS_MAX, "raise CFG_KEYS_MAX in config.h");

enum sec_kind {
	SEC_NONE,
	SEC_DPDK,
	SEC_PORT,
	SEC_VLAN,
	SEC_SYSCTL,
	SEC_BOOT,
	SEC_PCAP,
	SEC_KNI,
	SEC_RSS_CHECK
};

struct sect {
	enum sec_kind kind;
	unsigned idx; /* N of [portN] / [vlanN] */
};

#define IN_(kind) (1u << (kind))
#define IN_FREEBSD (IN_(SEC_BOOT) | IN_(SEC_SYSCTL))
#define IN_IFACE (IN_(SEC_PORT) | IN_(SEC_VLAN))

/* The form a value must have even when it is ignored (a typo in it is still
 * an error). */
enum fv_type { FV_TEXT, FV_BOOL, FV_UINT };

/* One key of F-Stack's (or a FreeBSD tunable or sysctl that F-Stack users
 * set) that fastack does not implement, and the values it takes anyway:
 *
 *   ignored NULL              every value is an error: refused says why;
 *   ignored set, ok NULL      every value (of its type) is accepted with the
 *                             warning "ignored: <ignored>";
 *   ignored set, ok "a|b"     a and b are (with the warning), others are
 *                             errors: refused says what fastack lacks;
 *   sets                      honoured under another name: sets that knob.
 */
struct cfg_foreign {
	unsigned in; /* the sections it may appear in: IN_() bits */
	const char *name;
	enum fv_type type;
	const char *ok;      /* '|'-separated values; "" is the empty value */
	const char *ignored; /* why an accepted value makes no difference here */
	const char *refused; /* what fastack lacks, for the other values */
	const char *sets;    /* a knob name */
};

/* Where a value comes from, for the message prefix. */
struct where {
	const char *file; /* may be "" */
	uint32_t line;    /* 0: none; CFG_LINE_SET: a --set option */
	const char *set;  /* the --set argument, if known */
};

/* Lines where each key was first given in the file being parsed, for
 * "key given twice". */
struct seen {
	uint32_t dpdk[K_COUNT];
	uint32_t port[CFG_MAX_PORTS][K_COUNT];
	uint32_t vlan[CFG_MAX_VLANS][K_COUNT];
	uint32_t knob[KNOB_COUNT];
};

extern const struct cfg_key cfg_keys[K_COUNT];
extern const struct cfg_foreign cfg_foreign[];
extern const unsigned cfg_nforeign;

/* config.c */
/* Writes "<where>: <message>" into err; returns -EINVAL. */
__attribute__((format(printf, 4, 5))) int cfg_fail(char *err, size_t errlen, const struct where *w,
                                                   const char *fmt, ...);
/* Applies name=value in section sc (seen: the file's, for "given twice"; NULL
 * for --set).  0 or -EINVAL + err. */
int cfg_apply(struct config *cfg, struct sect sc, const char *name, const char *value,
              const struct where *w, struct seen *seen, char *err, size_t errlen);
/* Marks a port or VLAN section as given (line: of its header, or 0). */
void cfg_sect_enter(struct config *cfg, struct sect sc, uint32_t line);
/* Values derived from others once everything is read (broadcast, ...). */
void cfg_derive(struct config *cfg);
/* The values of foreign key f that are accepted, for messages. */
const char *cfg_foreign_ok_str(const struct cfg_foreign *f, char *buf, size_t len);

/* config_keys.c */
const char *cfg_sect_label(struct sect sc, char *buf, size_t len);
bool cfg_has_prefix(const char *s, const char *prefix);
/* A section name to its kind and index; 0, or -EINVAL with why. */
int cfg_sect_resolve(const char *name, struct sect *sc, char *why, size_t len);
unsigned cfg_netmask_len(uint32_t be);
/* Parses v as key k into dst; 0, or -EINVAL with why. */
int cfg_parse_value(const struct cfg_key *k, const char *v, void *dst, char *why, size_t len);

/* config_args.c */
/* proc-id N runs on the Nth set bit of lcore_mask. */
int cfg_check_proc_id(const struct config *cfg, char *err, size_t errlen);

#endif
