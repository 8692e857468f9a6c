/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-lease -- the DHCP server's in-memory view of subnets, ranges,
 * reservations and leases, and the allocation policy on top of it. Loaded
 * from the store; changes are grouped in batches whose lease rows are
 * written in one store transaction before any of them is acknowledged.
 * Offers live only in memory. Not thread-safe: one DHCP thread owns a
 * table. Does not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct dhcp_leases;

/* Hard cap on lease entries, whatever the size of the configured ranges. */
#define DHCP_LEASES_MAX (1u << 20)
/* Lease time used when a subnet has none. */
#define DHCP_LEASE_TIME_DEFAULT 3600u
/* Addresses of rackd itself, never handed out. */
#define DHCP_LEASES_EXCLUDED_MAX 32
/* Store rows one batch may hold; a change beyond it fails with -ENOBUFS. */
#define DHCP_LEASES_BATCH_MAX 4096

/* Both clocks, in seconds: monotonic for expiry in memory, Unix time for the store. */
struct dhcp_clock {
	uint64_t mono;
	int64_t unix_time;
};

/* Reads CLOCK_MONOTONIC and CLOCK_REALTIME. */
void dhcp_clock_now(struct dhcp_clock *ret_clock);

/* Client identity: option 61 when present, else 0x01 (Ethernet) + chaddr. */
struct dhcp_client_id {
	uint8_t len;
	uint8_t data[STORE_CLIENT_ID_MAX];
};

/*
 * Fills *ret_id from option 61 (data, len) when len >= 2 (RFC 2132 §9.14),
 * else from the 6-byte chaddr. Returns -EINVAL when len is 1 or more than
 * STORE_CLIENT_ID_MAX.
 */
int dhcp_client_id_set(const uint8_t *option, size_t len, const uint8_t mac[ADDR_MAC_LEN],
                       struct dhcp_client_id *ret_id);

/* A DHCP-enabled subnet and its ranges, as loaded from the store. */
struct dhcp_subnet {
	struct store_subnet subnet;
	const struct store_range *ranges; /* this subnet's ranges, sorted by first address */
	size_t n_ranges;
	uint32_t next_hint; /* where the search for a never-used address starts */
};

/*
 * Creates a table over st (borrowed; must outlive the table) and loads
 * subnets, ranges and leases from it. offer_hold and decline_hold are in
 * seconds. Caller frees with dhcp_leases_free(). Errors: -ENOMEM, or the
 * store's error.
 */
int dhcp_leases_new(struct store *st, uint32_t offer_hold, uint32_t decline_hold,
                    const struct dhcp_clock *now, struct dhcp_leases **ret_leases);
void dhcp_leases_free(struct dhcp_leases *t);

/*
 * Caps the offers and leases one MAC (chaddr) may hold at once, across all
 * subnets and client ids; 0 (the default) means no cap. An offer or request
 * beyond it fails with -EDQUOT. A MAC's own reservation is exempt.
 */
void dhcp_leases_set_max_per_mac(struct dhcp_leases *t, uint32_t max);

/*
 * Opens a batch. Until dhcp_leases_commit(), offers, requests, releases,
 * declines and forgotten offers change the view at once, and the store rows
 * of requests, releases and declines wait in the batch. Without an open
 * batch each of those calls is a batch of its own: its row is durable when
 * it returns 0. -EBUSY when a batch is open already.
 */
int dhcp_leases_begin(struct dhcp_leases *t);

/*
 * Writes the batch's rows in one store transaction (one disk flush) and
 * closes the batch. When that write fails, every entry goes back to its
 * value at dhcp_leases_begin(), except quarantines from declines, and the
 * store's error is returned: nothing of the batch may be acknowledged then.
 * Returns 0 with no batch open, or with no rows to write.
 */
int dhcp_leases_commit(struct dhcp_leases *t);

/* Rows waiting in the open batch, 0 when none is open. */
size_t dhcp_leases_batch_rows(const struct dhcp_leases *t);

/*
 * Reloads subnets, ranges, reservations and leases when
 * store_config_generation() moved since the last load; offers still held
 * survive when their address is still in a pool. Returns 1 after a reload,
 * 0 when nothing changed, -EBUSY while a batch is open, or the store's error
 * (the old view is kept). Call before each batch.
 */
int dhcp_leases_sync(struct dhcp_leases *t, const struct dhcp_clock *now);

/* Never hands out addr (an address of the server itself). -E2BIG when the list is full. */
int dhcp_leases_exclude(struct dhcp_leases *t, uint32_t addr);

/*
 * Finds the subnet for a message: the one containing giaddr when relayed,
 * else one served on ifname (its interface, or containing iface_addr),
 * preferring the one containing hint when hint is non-zero. NULL when none.
 * The pointer is valid until the next dhcp_leases_sync().
 */
struct dhcp_subnet *dhcp_leases_find_subnet(struct dhcp_leases *t, const char *ifname,
                                            uint32_t iface_addr, uint32_t giaddr, uint32_t hint);

/*
 * True when addr may be leased in subnet to a client without a reservation:
 * in a dynamic range, in no reserved range, not a static or sticky address
 * of ip_addresses, not excluded.
 */
bool dhcp_leases_is_allocatable(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                                uint32_t addr);

/*
 * Picks the address to offer: the address reserved for mac in the subnet
 * unless another client holds it, else the client's current or previous
 * address in the subnet, else the requested one (option 50) when free, else
 * a never-used address, else the one unused for longest. Reserved addresses
 * go to no other MAC. Holds it for the client for offer_hold seconds in
 * memory. requested may be 0. Returns 0, -ENOSPC when the pool is
 * exhausted, -EDQUOT when mac is at its cap, -ENOMEM, -ENOBUFS.
 */
int dhcp_leases_offer(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                      const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                      uint32_t requested, const struct dhcp_clock *now, uint32_t *ret_address);

/* Client state that a REQUEST's fields show (RFC 2131 §4.3.2). */
enum dhcp_request_kind {
	DHCP_REQUEST_SELECTING,   /* reply to an offer: server id and requested address */
	DHCP_REQUEST_INIT_REBOOT, /* requested address, no server id, ciaddr 0 */
	DHCP_REQUEST_RENEWING,    /* ciaddr, unicast to the server */
	DHCP_REQUEST_REBINDING,   /* ciaddr, broadcast */
};

/*
 * Binds address to the client for the subnet's lease time and queues its
 * row in the batch; without an open batch, writes it to the store before
 * returning 0 (durable before the ACK). The client's other lease rows in
 * the subnet are dropped, as the store does. hostname may be NULL. Returns:
 *   -EADDRNOTAVAIL  address not in the subnet's pool (NAK)
 *   -EACCES         address reserved for another MAC (NAK)
 *   -EADDRINUSE     address bound or offered to another client, quarantined,
 *                   not the address this client has, or not the address
 *                   reserved for it (NAK)
 *   -ENOENT         INIT-REBOOT from a client with no record (stay silent)
 *   -EDQUOT         mac is at its cap of leases (stay silent)
 *   -ENOMEM, -ENOBUFS, or the store's error (no ACK)
 * *ret_expires (Unix time) is written only on success; it may be NULL.
 */
int dhcp_leases_request(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                        const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                        const char *hostname, uint32_t address, enum dhcp_request_kind kind,
                        const struct dhcp_clock *now, int64_t *ret_expires);

/*
 * True when address is offered or bound to client, so a REQUEST for it goes
 * on with a binding the client already has rather than starting a new one.
 */
bool dhcp_leases_holds(const struct dhcp_leases *t, const struct dhcp_client_id *client,
                       uint32_t address);

/*
 * Frees the client's lease on address (state released, kept as the client's
 * preferred address) and queues its row. -ENOENT when the client holds no
 * such lease, -ENOMEM, -ENOBUFS, or the store's error.
 */
int dhcp_leases_release(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now);

/*
 * Quarantines address for decline_hold seconds because the client found it
 * in use (RFC 2131 §4.3.3) and queues its row. -ENOENT when the client
 * holds no lease or offer for it. On a store error the quarantine still
 * applies in memory and the error is returned.
 */
int dhcp_leases_decline(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now);

/* Drops the client's pending offer in subnet (it chose another server). */
void dhcp_leases_forget_offer(struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                              const struct dhcp_client_id *client, const struct dhcp_clock *now);

/* Lease states as seen by tests and the server. */
enum dhcp_lease_state {
	DHCP_LEASE_FREE,    /* never used, released or expired */
	DHCP_LEASE_OFFERED, /* held for an offer */
	DHCP_LEASE_BOUND,
	DHCP_LEASE_DECLINED, /* quarantined */
};

/*
 * State of address at time now, and its holder when client is non-NULL and
 * the address has one. Returns DHCP_LEASE_FREE for unknown addresses.
 */
enum dhcp_lease_state dhcp_leases_state(const struct dhcp_leases *t, uint32_t address,
                                        const struct dhcp_clock *now,
                                        struct dhcp_client_id *ret_client);

/* Number of lease entries in memory (for tests and stats). */
size_t dhcp_leases_count(const struct dhcp_leases *t);
