/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-zone -- the in-memory view that DNS answers are read from. A snapshot
 * holds every zone rackd serves: forward zones from machine hostnames and
 * interface names, reverse zones from subnets (in-addr.arpa with RFC 2317
 * classless zones, ip6.arpa), synthesized SOA and apex NS, and records added
 * over the API. Snapshots are immutable once built; the builder runs on one
 * thread (the DNS refresher, or `rackd zone export`) and never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "dns/dns-wire.h"
#include "store/store-dns.h"

#define DNS_NS_MAX           8
#define DNS_ZONES_MAX        4096 /* zones in one snapshot */
#define DNS_RECORDS_MAX      1000000
#define DNS_RDATA_MAX        65535
#define DNS_IXFR_HISTORY_MAX 32         /* versions kept per zone for IXFR */
#define DNS_IXFR_BYTES_MAX   (8u << 20) /* diff bytes kept per zone */

/* Zone-wide settings from the [dns] section. */
struct dns_zone_params {
	uint32_t ttl;          /* generated records, and API records without a TTL */
	uint32_t negative_ttl; /* SOA MINIMUM (RFC 2308 §4) */
	uint32_t refresh;
	uint32_t retry;
	uint32_t expire;
	uint8_t ns[DNS_NS_MAX][DNS_NAME_MAX]; /* apex NS targets, wire form, lower case */
	size_t n_ns;
	uint8_t rname[DNS_NAME_MAX];           /* SOA RNAME: hostmaster.example.org. */
	char default_domain[STORE_DOMAIN_MAX]; /* hosts on subnets without a domain */
	char zones[16][STORE_DOMAIN_MAX];      /* extra forward zones */
	size_t n_zones;
};

/* One RRset of a node: n_rr entries of (u16 length, RDATA) at rdata. */
struct dns_rrset {
	uint16_t type;
	uint16_t n_rr;
	uint32_t ttl;
	const uint8_t *rdata;
};

#define DNS_NODE_CUT   0x01 /* NS below the apex: a delegation point */
#define DNS_NODE_CNAME 0x02

struct dns_node {
	const uint8_t *name; /* wire form, lower case */
	uint32_t hash;
	uint8_t name_len;
	uint8_t flags;
	uint16_t n_rrsets; /* 0 for an empty non-terminal */
	const struct dns_rrset *rrsets;
};

struct dns_arena;

/* The nodes of one zone from one source (inventory or API), in an open-addressing hash table. */
struct dns_table {
	struct dns_node **slots;
	size_t mask;
	size_t n_nodes;
	size_t n_rrs;
	uint64_t content_hash; /* order-independent sum over the RRs */
	bool has_cuts;
	unsigned refs; /* snapshots using it; touched only by the building thread */
	struct dns_arena *arena;
};

enum dns_layer {
	DNS_LAYER_INVENTORY = 0,
	DNS_LAYER_API = 1,
	DNS_LAYERS = 2,
};

/* One IXFR step (RFC 1995): RRs removed and added between two serials. */
struct dns_ixfr_step {
	uint32_t from_serial;
	uint32_t to_serial;
	uint8_t *removed; /* RRs as owner, type, ttl, rdlength, RDATA */
	size_t removed_len;
	uint8_t *added;
	size_t added_len;
	unsigned refs;
};

struct dns_zone {
	uint8_t apex[DNS_NAME_MAX];
	size_t apex_len;
	uint32_t apex_hash;
	uint32_t serial;
	uint32_t ttl;
	uint32_t negative_ttl; /* min(SOA TTL, MINIMUM), for negative answers */
	uint8_t soa[2 * DNS_NAME_MAX + 20];
	uint16_t soa_len;
	struct dns_rrset ns;
	uint8_t ns_rdata[DNS_NS_MAX * (DNS_NAME_MAX + 2)];
	struct dns_table *layers[DNS_LAYERS];
	uint64_t content_hash;
	struct dns_ixfr_step *history[DNS_IXFR_HISTORY_MAX]; /* newest first */
	size_t n_history;
};

struct dns_snapshot {
	struct dns_zone *zones;
	size_t n_zones;
	uint32_t *zone_slots; /* hash table of zone index + 1 by apex hash */
	size_t zone_mask;
	uint64_t generation;
};

/*
 * Builds a snapshot from the inventory and the API records. prev (may be
 * NULL) lends its inventory tables when reuse_inventory is true and the zone
 * list is unchanged, and its serials and IXFR history: a zone whose content
 * changed gets prev's serial + 1 and a history step. Zones new to this
 * snapshot get serial 1; the caller then calls dns_snapshot_set_serial() with
 * the persisted state. Records that do not fit (name outside every zone,
 * CNAME beside other data) are skipped and counted in *ret_skipped.
 * Caller frees with dns_snapshot_free(). Errors: -ENOMEM, -E2BIG.
 */
int dns_snapshot_build(const struct dns_zone_params *params, const struct store_dns_inventory *inv,
                       const struct store_dns_record *records, size_t n_records,
                       struct dns_snapshot *prev, bool reuse_inventory,
                       struct dns_snapshot **ret_snapshot, size_t *ret_skipped);

/* Frees the snapshot and the tables and history steps no other snapshot uses. NULL is fine. */
void dns_snapshot_free(struct dns_snapshot *snap);

/* Sets zone i's serial and rewrites its SOA RDATA. */
void dns_snapshot_set_serial(struct dns_snapshot *snap, size_t i, uint32_t serial);

/* Returns the zone whose apex is the longest suffix of name, or NULL. */
const struct dns_zone *dns_snapshot_find_zone(const struct dns_snapshot *snap, const uint8_t *name,
                                              size_t name_len);

/* Returns the zone with exactly this apex, or NULL. */
const struct dns_zone *dns_snapshot_zone_by_apex(const struct dns_snapshot *snap,
                                                 const uint8_t *apex, size_t apex_len);

/* Looks name (lower case) up in one table; hash from dns_name_hash(). */
const struct dns_node *dns_table_lookup(const struct dns_table *t, const uint8_t *name, size_t len,
                                        uint32_t hash);

const struct dns_rrset *dns_node_rrset(const struct dns_node *node, uint16_t type);

/* Steps through the RRs of an RRset: returns the RDATA of RR i and its length. */
const uint8_t *dns_rrset_rdata(const struct dns_rrset *rrset, uint16_t i, uint16_t *ret_len);

/* Calls fn for every RR of the zone except the SOA: apex NS first, then the tables. */
typedef int (*dns_rr_fn)(void *ctx, const uint8_t *owner, uint16_t type, uint32_t ttl,
                         const uint8_t *rdata, uint16_t rdlen);
int dns_zone_foreach_rr(const struct dns_zone *zone, dns_rr_fn fn, void *ctx);

/* Record data */

/* "A", "AAAA", ... to a type number, or 0. */
uint16_t dns_type_from_name(const char *name);
/* Type mnemonic, or "TYPE%u" written into buf (16 bytes). */
const char *dns_type_name(uint16_t type, char buf[16]);

/* Types the API accepts: A, AAAA, CNAME, TXT, SRV, MX, NS. */
bool dns_type_is_api(uint16_t type);

/*
 * Parses presentation-form RDATA of an API type into wire form (names lower
 * case): "192.0.2.1", "2001:db8::1", "target.example.", TXT as quoted
 * strings ("\"v=spf1 -all\" \"more\"", with \" and \DDD escapes) or one
 * unquoted word, "10 mail.example.", "0 5 5060 sip.example.". Target names
 * must be host names. Returns 0 or -EINVAL with a reason in err.
 */
int dns_rdata_from_text(uint16_t type, const char *text, uint8_t *ret_rdata, size_t cap,
                        size_t *ret_len, char *err, size_t err_size);

/* Writes RDATA in master-file form (RFC 1035 §5.1) into buf. Returns 0 or -ENOSPC. */
int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *buf, size_t size);

/*
 * Checks an API record before it is stored: the owner must be a name of RFC
 * 1123 host labels (underscores allowed for SRV and TXT owners) inside one of
 * the zones that params and subnets define, the type one of
 * dns_type_is_api(), the data valid for the type, and CNAME and NS not at a
 * zone apex. On success writes the owner normalized (lower case, no trailing
 * dot) to ret_name. Returns 0, or -EINVAL with a reason in err and the JSON
 * field at fault in *ret_field.
 */
int dns_record_check(const struct dns_zone_params *params, const struct store_dns_subnet *subnets,
                     size_t n_subnets, const char *name, uint16_t type, const char *data,
                     char ret_name[STORE_DOMAIN_MAX], char *err, size_t err_size,
                     const char **ret_field);

/*
 * Checks an API record against the inventory records in snap (RFC 1034
 * §3.6.2): a CNAME cannot share its name with machine or address records,
 * and no record can share its name with an inventory CNAME (RFC 2317
 * reverse names). name is in presentation form. Returns 0, -EINVAL when name
 * does not parse, or -EEXIST with the conflicting records named in err.
 */
int dns_record_check_inventory(const struct dns_snapshot *snap, const char *name, uint16_t type,
                               char *err, size_t err_size);

/* Fills params from the [dns] section. Returns 0 or -EINVAL when a name there is invalid. */
int dns_zone_params_from_config(const struct config *cfg, struct dns_zone_params *ret_params);

/* Writes the zone in RFC 1035 master-file form: $ORIGIN, SOA, then every RR sorted by owner. */
int dns_zone_write_master(const struct dns_zone *zone, FILE *out);
