/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-dns -- what the DNS server reads from and writes to the store:
 * records added over the API, the inventory rows that zones are generated
 * from, per-zone serial state, and change counters so the DNS view rebuilds
 * when any of those tables changes. Thread-safe; returns 0 or -errno; never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_DNS_DATA_MAX 4096 /* presentation-form RDATA of one API record */
#define STORE_DNS_TYPE_MAX 8

struct store_dns_record {
	int64_t id;
	char name[STORE_DOMAIN_MAX];   /* lower case, no trailing dot */
	char type[STORE_DNS_TYPE_MAX]; /* "A", "AAAA", "CNAME", "TXT", "SRV", "MX", "NS" */
	uint32_t ttl;                  /* 0: the zone default */
	char data[STORE_DNS_DATA_MAX];
	int64_t created; /* Unix time */
	int64_t updated;
};

/* Adds a record. -EEXIST when the same name, type and data exist. */
int store_dns_record_add(struct store *st, const struct store_dns_record *rec, int64_t *ret_id);

/* -ENOENT when there is no record id. */
int store_dns_record_get(struct store *st, int64_t id, struct store_dns_record *ret_rec);

/* Replaces name, type, ttl and data of rec->id. -ENOENT, -EEXIST. */
int store_dns_record_update(struct store *st, const struct store_dns_record *rec);

int store_dns_record_delete(struct store *st, int64_t id);

/* Caller frees *ret_recs with free(). Ordered by id. */
int store_dns_record_list(struct store *st, struct store_dns_record **ret_recs, size_t *ret_n);

struct store_dns_subnet {
	int64_t id;
	int family;          /* 4 or 6 */
	uint8_t network[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint8_t prefix_len;
	char domain[STORE_DOMAIN_MAX];
};

/* One address of a machine's interface, or an address with its own DNS name. */
struct store_dns_host {
	int64_t machine_id; /* 0 for an address on no machine's interface */
	char hostname[STORE_HOSTNAME_MAX];
	char dns_name[STORE_DOMAIN_MAX]; /* the address's own name, "" when none */
	char ifname[STORE_IFNAME_MAX];
	bool boot;  /* the PXE interface */
	int family; /* 4 or 6 */
	uint8_t address[16];
	int64_t subnet_id; /* 0 when none */
};

struct store_dns_inventory {
	struct store_dns_subnet *subnets; /* ordered by id */
	size_t n_subnets;
	struct store_dns_host *hosts; /* ordered by machine, interface, address */
	size_t n_hosts;
};

/*
 * Reads subnets, every address that belongs to a machine's interface, and
 * every address that has a DNS name of its own.
 * Rows whose address or CIDR text does not parse are skipped. Release with
 * store_dns_inventory_done().
 */
int store_dns_inventory_load(struct store *st, struct store_dns_inventory *ret_inv);

/* Subnets only, for checking record names. Caller frees with free(). */
int store_dns_subnet_list(struct store *st, struct store_dns_subnet **ret_subnets, size_t *ret_n);

void store_dns_inventory_done(struct store_dns_inventory *inv);

/* Serial state of one zone (apex in presentation form, no trailing dot). */
struct store_dns_zone_state {
	uint32_t serial;
	uint64_t content_hash;
	uint32_t serial_ceiling; /* no serial above this was served before it was stored */
};

int store_dns_zone_state_get(struct store *st, const char *apex,
                             struct store_dns_zone_state *ret_state);
int store_dns_zone_state_put(struct store *st, const char *apex,
                             const struct store_dns_zone_state *state);

/* Change counters, bumped by any row change in the tables the zones come from. */
struct store_dns_changes {
	uint32_t inventory; /* machines, interfaces, ip_addresses, subnets */
	uint32_t records;   /* dns_records */
};

void store_dns_changes(struct store *st, struct store_dns_changes *ret_changes);

/*
 * Blocks until a counter differs from *seen or timeout_ms passes. Returns
 * true when something changed. Runs on the DNS refresher thread.
 */
bool store_dns_wait_changes(struct store *st, const struct store_dns_changes *seen,
                            unsigned timeout_ms);

/* Records that the DNS view now reflects every change counted in *applied. */
void store_dns_set_applied(struct store *st, const struct store_dns_changes *applied);

/*
 * Waits until the DNS view reflects the changes counted in *target, polling
 * every 100 µs for at most timeout_ms. Returns true when it does. Runs on API
 * threads after a write, so the next query sees the change.
 */
bool store_dns_wait_applied(struct store *st, const struct store_dns_changes *target,
                            unsigned timeout_ms);
