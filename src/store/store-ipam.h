/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-ipam -- IPv4 and IPv6 subnets, ranges, IP addresses, next-free
 * allocation, utilisation, leases for the REST API, and the reservations
 * DHCP serves. Transaction rules are those of store-inventory.h.
 *
 * Changes to subnets, ranges, IPv4 addresses and leases mark the
 * transaction so its commit bumps store_config_generation(): the DHCP
 * server reloads its view on the next packet, without a restart.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ipaddr.h"
#include "store/store-inventory.h"

/* Subnets */

struct store_ipam_subnet {
	int64_t id;
	char name[STORE_NAME_MAX];
	struct ipaddr network; /* family 4 or 6 */
	uint8_t prefix_len;    /* within the family: 0..32 or 0..128 */
	bool has_gateway;
	struct ipaddr gateway;
	struct ipaddr dns[STORE_DNS_MAX];
	size_t n_dns;
	char domain[STORE_DOMAIN_MAX];
	uint32_t lease_time; /* seconds */
	char interface[STORE_IFNAME_MAX];
	bool dhcp_enabled;
	uint16_t vlan; /* 802.1Q id 1..4094, 0: none */
	int64_t version;
};

struct store_ipam_subnet_filter {
	uint8_t family; /* 0: both */
	const char *name;
	uint16_t vlan;
	const struct ipaddr *contains; /* subnets holding this address */
};

int store_ipam_subnet_list(struct store_txn *tx, const struct store_ipam_subnet_filter *filter,
                           const struct store_page *page, struct store_ipam_subnet **ret_items,
                           size_t *ret_n, int64_t *ret_total);
int store_ipam_subnet_get(struct store_txn *tx, int64_t id, struct store_ipam_subnet *ret);

/* Finds the subnet that contains addr; -ENOENT when none. */
int store_ipam_subnet_containing(struct store_txn *tx, const struct ipaddr *addr,
                                 struct store_ipam_subnet *ret);

/*
 * Adds a subnet. -EEXIST when the name is taken; -EADDRINUSE when it
 * overlaps a subnet of the same family, whose id goes to *ret_conflict_id.
 */
int store_ipam_subnet_insert(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                             int64_t *ret_id, int64_t *ret_conflict_id);

/*
 * Rewrites a subnet. Besides -ENOENT, -ESTALE, -EEXIST and -EADDRINUSE as
 * above: -ERANGE when a range or address of the subnet would fall outside
 * a new prefix, -EINVAL when the family would change.
 */
int store_ipam_subnet_update(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                             int64_t expected_version, int64_t *ret_conflict_id);

/*
 * Deletes a subnet with its ranges and leases. -EBUSY while IP addresses
 * are recorded in it (delete those first), -ENOENT, -ESTALE.
 */
int store_ipam_subnet_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Ranges */

struct store_ipam_range {
	int64_t id;
	int64_t subnet_id;
	struct ipaddr first;
	struct ipaddr last;
	enum store_range_kind kind;
	int64_t version;
};

/* subnet_id 0: all subnets; kind -1: both kinds. */
int store_ipam_range_list(struct store_txn *tx, int64_t subnet_id, int kind,
                          const struct store_page *page, struct store_ipam_range **ret_items,
                          size_t *ret_n, int64_t *ret_total);
int store_ipam_range_get(struct store_txn *tx, int64_t id, struct store_ipam_range *ret);

/*
 * Adds a range. -ENOENT when the subnet is gone, -EINVAL when first > last
 * or either end lies outside the subnet, -EADDRINUSE when it overlaps
 * another range of the subnet (its id goes to *ret_conflict_id).
 */
int store_ipam_range_insert(struct store_txn *tx, const struct store_ipam_range *range,
                            int64_t *ret_id, int64_t *ret_conflict_id);
/* Writes first, last and kind; the subnet stays. Errors as for insert plus -ESTALE. */
int store_ipam_range_update(struct store_txn *tx, const struct store_ipam_range *range,
                            int64_t expected_version, int64_t *ret_conflict_id);
int store_ipam_range_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* IP addresses */

enum store_ip_kind {
	STORE_IP_STATIC, /* configured on the host; DHCP also hands it to the bound MAC */
	STORE_IP_STICKY, /* handed out by DHCP, always to the bound MAC */
	STORE_IP_DHCP,   /* a record of a DHCP-assigned address; not reserved */
};

struct store_ip_address {
	int64_t id;
	struct ipaddr address;
	int64_t subnet_id;    /* the subnet containing the address */
	int64_t interface_id; /* 0: not bound */
	enum store_ip_kind kind;
	char description[STORE_TEXT_MAX];
	char dns_name[STORE_DOMAIN_MAX];
	int64_t created; /* Unix seconds */
	int64_t version;
	/* Read only, from the bound interface. */
	int64_t machine_id;
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN];
};

struct store_ip_filter {
	uint8_t family;
	int64_t subnet_id;
	int64_t range_id;
	const struct ipaddr *address;
	int kind; /* -1: any */
	int64_t interface_id;
	int64_t machine_id;
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN];
};

int store_ipam_address_list(struct store_txn *tx, const struct store_ip_filter *filter,
                            const struct store_page *page, struct store_ip_address **ret_items,
                            size_t *ret_n, int64_t *ret_total);
int store_ipam_address_get(struct store_txn *tx, int64_t id, struct store_ip_address *ret);
int store_ipam_address_find(struct store_txn *tx, const struct ipaddr *addr,
                            struct store_ip_address *ret);

/*
 * Records an address (address, subnet_id, interface_id, kind, description,
 * dns_name). -EEXIST when it is recorded already, -ENOENT when the subnet
 * or interface is gone.
 */
int store_ipam_address_insert(struct store_txn *tx, const struct store_ip_address *ip,
                              int64_t *ret_id);
/* Writes interface_id, kind, description and dns_name. */
int store_ipam_address_update(struct store_txn *tx, const struct store_ip_address *ip,
                              int64_t expected_version);
int store_ipam_address_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/*
 * Finds the lowest free address of a subnet (range_id 0) or of one range,
 * without writing it: call store_ipam_address_insert() in the same write
 * transaction, which makes the pair atomic. A free address is a host
 * address of the subnet (see ipaddr_host_bounds()), not the gateway, not
 * recorded in ip_addresses and not held by an unexpired lease or
 * quarantine. For a whole subnet it also lies outside every range, because
 * dynamic ranges belong to DHCP and reserved ones are held back. The scan
 * walks the recorded addresses from the lowest one, so it costs time in
 * their number. Errors: -ENOENT, -ENOSPC when full.
 */
int store_ipam_next_free(struct store_txn *tx, int64_t subnet_id, int64_t range_id, int64_t now,
                         struct ipaddr *ret_addr);

/* How much of a subnet or range is in use. */
struct store_ipam_usage {
	double size;   /* host addresses; exact up to 2^53 */
	uint64_t used; /* recorded addresses, unexpired leases and a subnet's gateway, each once */
};

int store_ipam_subnet_usage(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                            int64_t now, struct store_ipam_usage *ret);
int store_ipam_range_usage(struct store_txn *tx, const struct store_ipam_range *range, int64_t now,
                           struct store_ipam_usage *ret);

/* Leases */

struct store_lease_filter {
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN];
	int64_t subnet_id;
	bool has_address;
	uint32_t address;
	int state; /* 0: any, else enum store_lease_state */
	const char *hostname;
	int active; /* -1: any; 1: unexpired; 0: expired */
	int64_t now;
};

/* Ordered by address; page.after is an address (host order) here, not an id. */
int store_ipam_lease_list(struct store_txn *tx, const struct store_lease_filter *filter,
                          const struct store_page *page, struct store_lease **ret_items,
                          size_t *ret_n, int64_t *ret_total);
int store_ipam_lease_get(struct store_txn *tx, uint32_t address, struct store_lease *ret);
/* Deletes the lease so the address is free again; DHCP drops it from its view on its next packet.
 */
int store_ipam_lease_delete(struct store_txn *tx, uint32_t address);

/*
 * Reservations, for the DHCP server: every IPv4 address recorded with kind
 * static or sticky. One bound to an interface (has_mac) is to be offered
 * to that MAC and to no other client. An unbound one is offered to no
 * client at all. These functions lock the store themselves, so call them
 * outside any transaction, for example when the DHCP view reloads after
 * store_config_generation() moved (every reservation change bumps it).
 */
struct store_reservation {
	uint32_t address;
	int64_t subnet_id;
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN];
	char hostname[STORE_HOSTNAME_MAX]; /* the bound machine's hostname, "" when none */
};

/* Caller frees *ret_items with free(). Ordered by address. */
int store_reservation_list(struct store *st, struct store_reservation **ret_items, size_t *ret_n);

/* The reservation of mac in subnet_id (0: any subnet); -ENOENT when none. */
int store_reservation_find(struct store *st, const uint8_t mac[ADDR_MAC_LEN], int64_t subnet_id,
                           struct store_reservation *ret);
