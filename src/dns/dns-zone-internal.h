/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-zone-internal -- pieces shared by the files of the zone builder:
 * an arena, RR lists, the zone list and the per-layer table builders.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dns/dns-zone.h"

struct dns_arena *dns_arena_new(void);
void dns_arena_free(struct dns_arena *a);
/* 8-byte aligned; NULL on allocation failure. Freed with the arena. */
void *dns_arena_alloc(struct dns_arena *a, size_t n);
void *dns_arena_dup(struct dns_arena *a, const void *src, size_t n);

/* One RR while a snapshot is built. */
struct dns_rr {
	uint8_t *owner; /* wire form, lower case */
	uint8_t *rdata;
	uint32_t ttl;
	uint32_t zone; /* index into the snapshot's zones */
	uint16_t type;
	uint16_t rdlen;
	uint8_t owner_len;
};

struct dns_rrlist {
	struct dns_rr *rrs;
	size_t n;
	size_t cap;
	struct dns_arena *arena;
};

/* Copies owner (lower-casing it) and rdata. Errors: -ENOMEM, -E2BIG. */
int dns_rrlist_add(struct dns_rrlist *l, const uint8_t *owner, size_t owner_len, uint16_t type,
                   uint32_t ttl, const uint8_t *rdata, size_t rdlen);
void dns_rrlist_done(struct dns_rrlist *l);

uint64_t dns_rr_hash(const uint8_t *owner, size_t owner_len, uint16_t type, uint32_t ttl,
                     const uint8_t *rdata, size_t rdlen);

/* Served zone apexes, sorted and unique. */
struct dns_apex_list {
	uint8_t (*names)[DNS_NAME_MAX];
	size_t *len;
	size_t n;
	size_t cap;
};

int dns_apex_list_build(const struct dns_zone_params *params,
                        const struct store_dns_subnet *subnets, size_t n_subnets,
                        struct dns_apex_list *ret_list);
void dns_apex_list_done(struct dns_apex_list *list);

/* Index of the zone with the longest apex that is a suffix of name, or -1. */
long dns_apex_list_find(const struct dns_apex_list *list, const uint8_t *name, size_t len);

int dns_table_build(const uint8_t *apex, size_t apex_len, struct dns_rr *const *rrs, size_t n,
                    struct dns_table **ret_table);
void dns_table_unref(struct dns_table *t);

/* Sorts list by zone and owner and builds one table per zone in layer. */
int dns_layer_build(struct dns_snapshot *snap, enum dns_layer layer, struct dns_rrlist *list);

/* Generates the inventory layer: host names, interface names, PTRs, delegations. */
int dns_inventory_tables_build(struct dns_snapshot *snap, const struct dns_zone_params *params,
                               const struct store_dns_inventory *inv, size_t *skipped);

/* Generates the API layer, skipping records that conflict with the inventory. */
int dns_api_tables_build(struct dns_snapshot *snap, const struct dns_zone_params *params,
                         const struct store_dns_record *records, size_t n_records, size_t *skipped);

/* Computes the RRs removed and added between two versions of a zone. -E2BIG when too large. */
int dns_ixfr_step_new(const struct dns_zone *old, const struct dns_zone *cur,
                      struct dns_ixfr_step **ret_step);
