/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store -- the persistent inventory: subnets, ranges, leases, machines,
 * interfaces and events. The interface hides the backend; the only backend so
 * far is SQLite in WAL mode with synchronous=FULL, so every write call has
 * reached the disk when it returns 0. All calls are thread-safe (one
 * connection behind a mutex). Calls return 0 or a negative errno and never log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct store;

#define STORE_NAME_MAX      64
#define STORE_DOMAIN_MAX    254
#define STORE_IFNAME_MAX    16
#define STORE_DNS_MAX       4
#define STORE_CLIENT_ID_MAX 255
#define STORE_HOSTNAME_MAX  64
#define STORE_TOKEN_MAX     65

/*
 * Opens (creating if needed) the database at path and applies pending
 * migrations. path may be ":memory:" for tests. Caller frees with
 * store_free(). Errors: -EIO (cannot open), -EPROTO (migration failed).
 */
int store_open(const char *path, struct store **ret_store);
void store_free(struct store *st);

/* Text of the last SQLite error on this store, for the caller's log line. */
const char *store_last_error(struct store *st);

/*
 * Counter bumped by every change to subnets or ranges. DHCP compares it per
 * packet and reloads its view when it moved, so changes apply without restart.
 */
uint64_t store_config_generation(struct store *st);

struct store_subnet {
	int64_t id;
	char name[STORE_NAME_MAX];
	uint32_t network;
	uint8_t prefix_len;
	uint32_t gateway; /* 0 when none */
	uint32_t dns[STORE_DNS_MAX];
	size_t n_dns;
	char domain[STORE_DOMAIN_MAX];
	uint32_t lease_time;              /* seconds */
	char interface[STORE_IFNAME_MAX]; /* served interface, "" for relayed subnets */
	bool dhcp_enabled;
};

enum store_range_kind {
	STORE_RANGE_DYNAMIC,
	STORE_RANGE_RESERVED,
};

struct store_range {
	int64_t id;
	int64_t subnet_id;
	uint32_t first;
	uint32_t last;
	enum store_range_kind kind;
};

/*
 * Adds a subnet. -EEXIST when the name is taken; -EADDRINUSE when it overlaps
 * an existing subnet, whose id is then written to *ret_conflict_id (may be
 * NULL). On success writes the new id to *ret_id.
 */
int store_subnet_add(struct store *st, const struct store_subnet *subnet, int64_t *ret_id,
                     int64_t *ret_conflict_id);

/*
 * Creates or updates the subnet with subnet->name (used for subnets defined
 * in the config file). Writes the id to *ret_id.
 */
int store_subnet_upsert(struct store *st, const struct store_subnet *subnet, int64_t *ret_id,
                        int64_t *ret_conflict_id);

/* Caller frees *ret_subnets with free(). Ordered by id. */
int store_subnet_list(struct store *st, struct store_subnet **ret_subnets, size_t *ret_n);

/*
 * Adds a range. -EINVAL when first > last or outside the subnet; -EADDRINUSE
 * when it overlaps another range of the subnet.
 */
int store_range_add(struct store *st, const struct store_range *range, int64_t *ret_id);

/* Replaces all ranges of a subnet (config-file subnets). */
int store_range_replace(struct store *st, int64_t subnet_id, const struct store_range *ranges,
                        size_t n);

/* Caller frees *ret_ranges with free(). Ordered by subnet, then first address. */
int store_range_list(struct store *st, struct store_range **ret_ranges, size_t *ret_n);

enum store_lease_state {
	STORE_LEASE_BOUND = 1,
	STORE_LEASE_RELEASED = 2,
	STORE_LEASE_DECLINED = 3, /* quarantined until expires */
};

struct store_lease {
	uint32_t address;
	int64_t subnet_id;
	uint8_t client_id[STORE_CLIENT_ID_MAX];
	uint8_t client_id_len; /* option 61 bytes, or 0x01 + chaddr when absent */
	uint8_t mac[ADDR_MAC_LEN];
	char hostname[STORE_HOSTNAME_MAX];
	int64_t expires; /* Unix time, seconds */
	int64_t updated; /* Unix time, seconds */
	enum store_lease_state state;
};

/*
 * Inserts or replaces the lease for lease->address. Durable on return 0.
 * Any other lease row with the same client id is removed in the same
 * transaction, so one client never holds two addresses in a subnet.
 */
int store_lease_put(struct store *st, const struct store_lease *lease);

/* Writes several leases in one transaction (one disk flush). */
int store_lease_put_many(struct store *st, const struct store_lease *leases, size_t n);

/* Removes the lease for address; -ENOENT when there is none. */
int store_lease_delete(struct store *st, uint32_t address);

/* Caller frees *ret_leases with free(). Ordered by address. */
int store_lease_list(struct store *st, struct store_lease **ret_leases, size_t *ret_n);

struct store_machine {
	int64_t id;
	uint8_t mac[ADDR_MAC_LEN]; /* the booting interface */
	char hostname[STORE_HOSTNAME_MAX];
	char state[16];    /* "new" at enrolment */
	char arch[16];     /* "x86_64", "arm64" */
	char firmware[16]; /* "bios", "uefi", "uefi-http" */
	char uuid[37];     /* SMBIOS UUID from option 97, "" when unknown */
	uint32_t first_address;
	int64_t first_seen;  /* Unix time */
	int64_t reported_at; /* Unix time of the last agent report, 0 when none */
	uint32_t cpu_count;
	uint64_t memory_bytes;
	char agent_token_hash[STORE_TOKEN_MAX]; /* hex BLAKE2b of the agent token, "" when none */
};

/*
 * Returns the machine whose interface has mac, enrolling it in state "new"
 * with the fields of *candidate when none exists. A candidate hostname
 * that another machine has already is left empty instead. *ret_created is
 * true when this call enrolled it. With max_new non-zero, a new machine is
 * enrolled only while fewer than max_new machines are in state "new":
 * -EDQUOT otherwise.
 */
int store_machine_enroll(struct store *st, const struct store_machine *candidate, uint32_t max_new,
                         struct store_machine *ret_machine, bool *ret_created);

/* -ENOENT when no interface has mac. */
int store_machine_find_by_mac(struct store *st, const uint8_t mac[ADDR_MAC_LEN],
                              struct store_machine *ret_machine);

int store_machine_get(struct store *st, int64_t id, struct store_machine *ret_machine);

/* Caller frees *ret_machines with free(). Ordered by id. */
int store_machine_list(struct store *st, struct store_machine **ret_machines, size_t *ret_n);

/*
 * Records an agent report: CPU count, memory, the full report as JSON text
 * (kept verbatim), the MACs it found (each added as an interface of the
 * machine unless another machine owns it: -EADDRINUSE), and the time.
 */
int store_machine_report(struct store *st, int64_t id, uint32_t cpu_count, uint64_t memory_bytes,
                         const char *facts_json, const uint8_t (*macs)[ADDR_MAC_LEN], size_t n_macs,
                         int64_t now);

/* Replaces the agent token hash of machine id (hex, at most 64 characters). */
int store_machine_set_agent_token_hash(struct store *st, int64_t id, const char *hash_hex);

/* Appends to the audit log. actor and detail may be NULL. */
int store_event_add(struct store *st, const char *actor, const char *kind, const char *object,
                    const char *detail);

/*
 * Deletes at most max audit events older than cutoff (Unix seconds), oldest
 * first, in one short transaction. Returns how many went, or a negative errno.
 */
int store_event_prune(struct store *st, int64_t cutoff, int max);
