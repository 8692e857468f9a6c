/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/dhcp/dhcp-lease: allocation, requests, release, decline,
 * reload, batches and their rollback, the per-MAC cap and reservations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include <sqlite3.h>
#include <unistd.h>

#include "core/ipaddr.h"
#include "dhcp/dhcp-lease.h"
#include "store/store-inventory.h"
#include "store/store-ipam.h"
#include "store/store.h"

#define OFFER_HOLD     60
#define DECLINE_HOLD   3600
#define LEASE_TIME     600

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct fixture {
	struct store *st;
	struct dhcp_leases *t;
	struct dhcp_clock now;
	int64_t subnet_id;
	int64_t relay_subnet_id;
};

static void add_range(struct store *st, int64_t subnet_id, uint32_t first, uint32_t last,
                      enum store_range_kind kind)
{
	struct store_range r = {
		.subnet_id = subnet_id, .first = first, .last = last, .kind = kind
	};

	assert_int_equal(store_range_add(st, &r, NULL), 0);
}

static int64_t add_subnet(struct store *st, const char *name, uint32_t network, uint8_t len,
                          const char *iface)
{
	struct store_subnet s = { .network = network,
		                  .prefix_len = len,
		                  .lease_time = LEASE_TIME,
		                  .dhcp_enabled = true };
	int64_t id;

	(void)snprintf(s.name, sizeof(s.name), "%s", name);
	(void)snprintf(s.interface, sizeof(s.interface), "%s", iface);
	s.gateway = network + 1;
	assert_int_equal(store_subnet_add(st, &s, &id, NULL), 0);
	return id;
}

/* lab: 192.0.2.0/24 on br0, pool .100-.103, reserved .110-.119; relay: 198.51.100.0/24. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(store_open(":memory:", &f->st), 0);
	f->subnet_id = add_subnet(f->st, "lab", IP(192, 0, 2, 0), 24, "br0");
	add_range(f->st, f->subnet_id, IP(192, 0, 2, 100), IP(192, 0, 2, 103), STORE_RANGE_DYNAMIC);
	add_range(f->st, f->subnet_id, IP(192, 0, 2, 110), IP(192, 0, 2, 119),
	          STORE_RANGE_RESERVED);
	f->relay_subnet_id = add_subnet(f->st, "relay", IP(198, 51, 100, 0), 24, "");
	add_range(f->st, f->relay_subnet_id, IP(198, 51, 100, 10), IP(198, 51, 100, 20),
	          STORE_RANGE_DYNAMIC);
	f->now.mono = 1000;
	f->now.unix_time = 1700000000;
	assert_int_equal(dhcp_leases_new(f->st, OFFER_HOLD, DECLINE_HOLD, &f->now, &f->t), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dhcp_leases_free(f->t);
	store_free(f->st);
	free(f);
	return 0;
}

static void advance(struct fixture *f, uint32_t seconds)
{
	f->now.mono += seconds;
	f->now.unix_time += seconds;
}

/* Frees the table and loads a new one from the same store, as a restart does. */
static void restart(struct fixture *f)
{
	dhcp_leases_free(f->t);
	f->t = NULL;
	assert_int_equal(dhcp_leases_new(f->st, OFFER_HOLD, DECLINE_HOLD, &f->now, &f->t), 0);
}

static struct dhcp_client_id mac_client(uint8_t last, uint8_t mac[6])
{
	struct dhcp_client_id id;

	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = 0;
	mac[5] = last;
	assert_int_equal(dhcp_client_id_set(NULL, 0, mac, &id), 0);
	return id;
}

static struct dhcp_subnet *lab(struct fixture *f)
{
	struct dhcp_subnet *s = dhcp_leases_find_subnet(f->t, "br0", 0, 0, 0);

	assert_non_null(s);
	assert_int_equal(s->subnet.id, f->subnet_id);
	return s;
}

static uint32_t offer(struct fixture *f, const struct dhcp_client_id *id, const uint8_t *mac,
                      uint32_t requested)
{
	uint32_t addr = 0;

	assert_int_equal(dhcp_leases_offer(f->t, lab(f), id, mac, requested, &f->now, &addr), 0);
	return addr;
}

static int request(struct fixture *f, const struct dhcp_client_id *id, const uint8_t *mac,
                   uint32_t addr, enum dhcp_request_kind kind)
{
	return dhcp_leases_request(f->t, lab(f), id, mac, "node", addr, kind, &f->now, NULL);
}

static const struct store_lease *stored(struct fixture *f, uint32_t addr, struct store_lease **list)
{
	size_t n;

	assert_int_equal(store_lease_list(f->st, list, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if ((*list)[i].address == addr)
			return &(*list)[i];
	}
	return NULL;
}

static void client_id_forms(void **state)
{
	static const uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 };
	struct dhcp_client_id id;

	(void)state;
	assert_int_equal(dhcp_client_id_set(NULL, 0, mac, &id), 0);
	assert_int_equal(id.len, 7);
	assert_int_equal(id.data[0], 1);
	assert_memory_equal(&id.data[1], mac, 6);
	assert_int_equal(dhcp_client_id_set((const uint8_t *)"\xff\x01\x02", 3, mac, &id), 0);
	assert_int_equal(id.len, 3);
	/* RFC 2132 §9.14: at least two bytes. */
	assert_int_equal(dhcp_client_id_set((const uint8_t *)"\x01", 1, mac, &id), -EINVAL);
}

static void offer_then_ack(void **state)
{
	struct fixture *f = *state;
	struct store_lease *list = NULL;
	const struct store_lease *l;
	struct dhcp_client_id id, holder;
	uint8_t mac[6];
	int64_t expires = 0;

	id = mac_client(1, mac);
	assert_int_equal(offer(f, &id, mac, 0), IP(192, 0, 2, 100));
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, &holder),
	                 DHCP_LEASE_OFFERED);
	/* An offer lives in memory only. */
	assert_null(stored(f, IP(192, 0, 2, 100), &list));
	free(list);

	assert_int_equal(dhcp_leases_request(f->t, lab(f), &id, mac, "node1", IP(192, 0, 2, 100),
	                                     DHCP_REQUEST_SELECTING, &f->now, &expires),
	                 0);
	assert_int_equal(expires, f->now.unix_time + LEASE_TIME);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, &holder),
	                 DHCP_LEASE_BOUND);
	assert_memory_equal(holder.data, id.data, id.len);
	l = stored(f, IP(192, 0, 2, 100), &list);
	assert_non_null(l);
	assert_int_equal(l->state, STORE_LEASE_BOUND);
	assert_int_equal(l->expires, f->now.unix_time + LEASE_TIME);
	assert_int_equal(l->subnet_id, f->subnet_id);
	assert_int_equal(l->client_id_len, 7);
	assert_memory_equal(l->mac, mac, 6);
	assert_string_equal(l->hostname, "node1");
	free(list);
}

static void offer_is_stable_per_client(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(offer(f, &b, mac_b, 0), IP(192, 0, 2, 101));
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(dhcp_leases_count(f->t), 2);
}

static void offer_honours_requested_address(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(offer(f, &a, mac_a, IP(192, 0, 2, 103)), IP(192, 0, 2, 103));
	/* Taken, reserved or foreign requests fall back to the pool. */
	assert_int_equal(offer(f, &b, mac_b, IP(192, 0, 2, 103)), IP(192, 0, 2, 100));
	dhcp_leases_forget_offer(f->t, lab(f), &b, &f->now);
	assert_int_equal(offer(f, &b, mac_b, IP(192, 0, 2, 115)), IP(192, 0, 2, 100));
}

static void option_61_identifies_client(void **state)
{
	struct fixture *f = *state;
	static const uint8_t opt61[] = { 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04 };
	struct dhcp_client_id by_opt, same_mac;
	uint8_t mac[6], other_mac[6];

	same_mac = mac_client(1, mac);
	(void)mac_client(9, other_mac);
	assert_int_equal(dhcp_client_id_set(opt61, sizeof(opt61), mac, &by_opt), 0);
	assert_int_equal(offer(f, &by_opt, mac, 0), IP(192, 0, 2, 100));
	assert_int_equal(request(f, &by_opt, mac, IP(192, 0, 2, 100), DHCP_REQUEST_SELECTING), 0);
	/* Same chaddr without option 61 is another client. */
	assert_int_equal(offer(f, &same_mac, mac, 0), IP(192, 0, 2, 101));
	/* Same option 61 behind another NIC is the same client. */
	assert_int_equal(offer(f, &by_opt, other_mac, 0), IP(192, 0, 2, 100));
}

static void returning_client_after_restart(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(offer(f, &b, mac_b, 0), IP(192, 0, 2, 100));
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 101));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 101), DHCP_REQUEST_SELECTING), 0);
	restart(f);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 101), &f->now, NULL),
	                 DHCP_LEASE_BOUND);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 101));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 101), DHCP_REQUEST_INIT_REBOOT), 0);
	/* Even after the lease expired, the address waits for its last holder. */
	advance(f, LEASE_TIME + 1);
	restart(f);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 101), &f->now, NULL),
	                 DHCP_LEASE_FREE);
	assert_int_equal(offer(f, &b, mac_b, 0), IP(192, 0, 2, 100));
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 101));
}

static void init_reboot_rules(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a, b, c;
	uint8_t mac_a[6], mac_b[6], mac_c[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	c = mac_client(3, mac_c);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 100), DHCP_REQUEST_SELECTING), 0);
	/* A client with no record gets no reply (RFC 2131 §4.3.2). */
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 102), DHCP_REQUEST_INIT_REBOOT),
	                 -ENOENT);
	/* Someone else's address, a foreign subnet, a reserved address: NAK. */
	assert_int_equal(request(f, &c, mac_c, IP(192, 0, 2, 100), DHCP_REQUEST_INIT_REBOOT),
	                 -EADDRINUSE);
	assert_int_equal(request(f, &a, mac_a, IP(198, 51, 100, 10), DHCP_REQUEST_INIT_REBOOT),
	                 -EADDRNOTAVAIL);
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 111), DHCP_REQUEST_INIT_REBOOT),
	                 -EADDRNOTAVAIL);
	/* Its own client asking for another address than the one it holds. */
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 102), DHCP_REQUEST_INIT_REBOOT),
	                 -EADDRINUSE);
}

static void renew_and_one_lease_per_client(void **state)
{
	struct fixture *f = *state;
	struct store_lease *list = NULL;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 100), DHCP_REQUEST_SELECTING), 0);
	advance(f, LEASE_TIME / 2);
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 100), DHCP_REQUEST_RENEWING), 0);
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 100), DHCP_REQUEST_REBINDING),
	                 -EADDRINUSE);
	/* A bound client cannot take a second address in the subnet. */
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 102), DHCP_REQUEST_REBINDING),
	                 -EADDRINUSE);
	advance(f, LEASE_TIME + 1);
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 102), DHCP_REQUEST_REBINDING), 0);
	assert_null(stored(f, IP(192, 0, 2, 100), &list));
	free(list);
	assert_non_null(stored(f, IP(192, 0, 2, 102), &list));
	free(list);
}

static void offer_hold_expires(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id id[5];
	uint8_t mac[5][6];
	uint32_t addr;

	for (int i = 0; i < 4; i++) {
		id[i] = mac_client((uint8_t)(i + 1), mac[i]);
		assert_int_equal(offer(f, &id[i], mac[i], 0), IP(192, 0, 2, 100 + i));
	}
	id[4] = mac_client(5, mac[4]);
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id[4], mac[4], 0, &f->now, &addr),
	                 -ENOSPC);
	advance(f, OFFER_HOLD);
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id[4], mac[4], 0, &f->now, &addr), 0);
	assert_true(addr >= IP(192, 0, 2, 100) && addr <= IP(192, 0, 2, 103));
}

static void pool_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id id;
	uint8_t mac[6];
	uint32_t addr;

	for (int i = 0; i < 4; i++) {
		id = mac_client((uint8_t)(i + 1), mac);
		addr = offer(f, &id, mac, 0);
		assert_int_equal(request(f, &id, mac, addr, DHCP_REQUEST_SELECTING), 0);
	}
	id = mac_client(5, mac);
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id, mac, 0, &f->now, &addr), -ENOSPC);
	assert_int_equal(dhcp_leases_count(f->t), 4);
}

static void release_frees_and_prefers_holder(void **state)
{
	struct fixture *f = *state;
	struct store_lease *list = NULL;
	const struct store_lease *l;
	struct dhcp_client_id a, b, c;
	uint8_t mac_a[6], mac_b[6], mac_c[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	c = mac_client(3, mac_c);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 100), DHCP_REQUEST_SELECTING), 0);
	assert_int_equal(dhcp_leases_release(f->t, &b, IP(192, 0, 2, 100), &f->now), -ENOENT);
	assert_int_equal(dhcp_leases_release(f->t, &a, IP(192, 0, 2, 100), &f->now), 0);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, NULL),
	                 DHCP_LEASE_FREE);
	l = stored(f, IP(192, 0, 2, 100), &list);
	assert_non_null(l);
	assert_int_equal(l->state, STORE_LEASE_RELEASED);
	free(list);
	/* Others get never-used addresses first; the releaser gets its own back. */
	assert_int_equal(offer(f, &b, mac_b, 0), IP(192, 0, 2, 101));
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	/* With nothing else left, a released address is reusable by anyone. */
	dhcp_leases_forget_offer(f->t, lab(f), &a, &f->now);
	assert_int_equal(offer(f, &c, mac_c, 0), IP(192, 0, 2, 102));
	for (uint8_t i = 10; i < 12; i++) {
		struct dhcp_client_id x;
		uint8_t mac_x[6];

		x = mac_client(i, mac_x);
		(void)offer(f, &x, mac_x, 0);
	}
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, NULL),
	                 DHCP_LEASE_OFFERED);
}

static void decline_quarantines(void **state)
{
	struct fixture *f = *state;
	struct store_lease *list = NULL;
	const struct store_lease *l;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 100));
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 100), DHCP_REQUEST_SELECTING), 0);
	/* Only the holder can decline an address. */
	assert_int_equal(dhcp_leases_decline(f->t, &b, IP(192, 0, 2, 100), &f->now), -ENOENT);
	assert_int_equal(dhcp_leases_decline(f->t, &a, IP(192, 0, 2, 100), &f->now), 0);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, NULL),
	                 DHCP_LEASE_DECLINED);
	l = stored(f, IP(192, 0, 2, 100), &list);
	assert_non_null(l);
	assert_int_equal(l->state, STORE_LEASE_DECLINED);
	assert_int_equal(l->expires, f->now.unix_time + DECLINE_HOLD);
	free(list);

	/* The declining client gets another address, and no client can request the declined one. */
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 101));
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 100), DHCP_REQUEST_REBINDING),
	                 -EADDRINUSE);
	/* The quarantine survives a restart and a second client's lease. */
	assert_int_equal(request(f, &a, mac_a, IP(192, 0, 2, 101), DHCP_REQUEST_SELECTING), 0);
	restart(f);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, NULL),
	                 DHCP_LEASE_DECLINED);
	advance(f, DECLINE_HOLD);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100), &f->now, NULL),
	                 DHCP_LEASE_FREE);
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 100), DHCP_REQUEST_REBINDING), 0);
}

static void network_and_broadcast_never_leased(void **state)
{
	struct fixture *f = *state;
	struct dhcp_subnet *s;
	struct store_subnet n30 = { .network = IP(203, 0, 113, 0),
		                    .prefix_len = 30,
		                    .dhcp_enabled = true,
		                    .name = "p2p30",
		                    .interface = "p30" };
	struct store_subnet n31 = { .network = IP(203, 0, 113, 8),
		                    .prefix_len = 31,
		                    .dhcp_enabled = true,
		                    .name = "p2p31",
		                    .interface = "p31" };
	int64_t id30, id31;

	assert_int_equal(store_subnet_add(f->st, &n30, &id30, NULL), 0);
	add_range(f->st, id30, IP(203, 0, 113, 0), IP(203, 0, 113, 3), STORE_RANGE_DYNAMIC);
	assert_int_equal(store_subnet_add(f->st, &n31, &id31, NULL), 0);
	add_range(f->st, id31, IP(203, 0, 113, 8), IP(203, 0, 113, 9), STORE_RANGE_DYNAMIC);
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 1);

	s = dhcp_leases_find_subnet(f->t, "p30", 0, 0, 0);
	assert_non_null(s);
	assert_false(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 0)));
	assert_true(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 1)));
	assert_true(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 2)));
	assert_false(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 3)));
	/* RFC 3021: both addresses of a /31 are hosts. */
	s = dhcp_leases_find_subnet(f->t, "p31", 0, 0, 0);
	assert_non_null(s);
	assert_true(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 8)));
	assert_true(dhcp_leases_is_allocatable(f->t, s, IP(203, 0, 113, 9)));
	/* The gateway and the server's own address are never handed out. */
	s = lab(f);
	assert_int_equal(dhcp_leases_exclude(f->t, IP(192, 0, 2, 100)), 0);
	assert_false(dhcp_leases_is_allocatable(f->t, s, IP(192, 0, 2, 100)));
	assert_false(dhcp_leases_is_allocatable(f->t, s, IP(192, 0, 2, 1)));
	assert_false(dhcp_leases_is_allocatable(f->t, s, IP(192, 0, 2, 50)));
}

static void excluded_address_skipped(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a;
	uint8_t mac_a[6];

	a = mac_client(1, mac_a);
	assert_int_equal(dhcp_leases_exclude(f->t, IP(192, 0, 2, 100)), 0);
	assert_int_equal(offer(f, &a, mac_a, 0), IP(192, 0, 2, 101));
}

static void subnet_selection(void **state)
{
	struct fixture *f = *state;
	struct dhcp_subnet *s;

	s = dhcp_leases_find_subnet(f->t, "br0", 0, IP(198, 51, 100, 1), 0);
	assert_non_null(s);
	assert_int_equal(s->subnet.id, f->relay_subnet_id);
	s = dhcp_leases_find_subnet(f->t, "br0", 0, IP(203, 0, 113, 1), 0);
	assert_null(s);
	s = dhcp_leases_find_subnet(f->t, "eth9", 0, 0, 0);
	assert_null(s);
	/* A subnet without an interface is served where the interface address lies in it. */
	s = dhcp_leases_find_subnet(f->t, "eth9", IP(198, 51, 100, 2), 0, 0);
	assert_non_null(s);
	assert_int_equal(s->subnet.id, f->relay_subnet_id);
	/* A hint outside every subnet of the interface still finds the interface's subnet. */
	s = dhcp_leases_find_subnet(f->t, "br0", 0, 0, IP(203, 0, 113, 5));
	assert_non_null(s);
	assert_int_equal(s->subnet.id, f->subnet_id);
}

static void reload_on_config_change(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id id[6];
	uint8_t mac[6][6];
	uint32_t addr;

	for (int i = 0; i < 4; i++) {
		id[i] = mac_client((uint8_t)(i + 1), mac[i]);
		(void)offer(f, &id[i], mac[i], 0);
	}
	id[4] = mac_client(5, mac[4]);
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id[4], mac[4], 0, &f->now, &addr),
	                 -ENOSPC);
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 0);
	add_range(f->st, f->subnet_id, IP(192, 0, 2, 150), IP(192, 0, 2, 150), STORE_RANGE_DYNAMIC);
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 1);
	/* Offers held before the reload are still held. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 100 + i), &f->now, NULL),
		                 DHCP_LEASE_OFFERED);
	}
	assert_int_equal(offer(f, &id[4], mac[4], 0), IP(192, 0, 2, 150));
	assert_int_equal(request(f, &id[4], mac[4], IP(192, 0, 2, 150), DHCP_REQUEST_SELECTING), 0);
}

static void disabled_subnet_not_served(void **state)
{
	struct fixture *f = *state;
	struct store_subnet off = { .network = IP(203, 0, 113, 0),
		                    .prefix_len = 24,
		                    .dhcp_enabled = false,
		                    .name = "off",
		                    .interface = "br1" };
	int64_t id;

	assert_int_equal(store_subnet_add(f->st, &off, &id, NULL), 0);
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 1);
	assert_null(dhcp_leases_find_subnet(f->t, "br1", 0, 0, 0));
}

static size_t stored_leases(struct fixture *f)
{
	struct store_lease *list = NULL;
	size_t n = 0;

	assert_int_equal(store_lease_list(f->st, &list, &n), 0);
	free(list);
	return n;
}

static void batch_writes_at_commit(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id a, b;
	uint8_t mac_a[6], mac_b[6];

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	assert_int_equal(dhcp_leases_begin(f->t), 0);
	assert_int_equal(dhcp_leases_begin(f->t), -EBUSY);
	assert_int_equal(request(f, &a, mac_a, offer(f, &a, mac_a, 0), DHCP_REQUEST_SELECTING), 0);
	assert_int_equal(request(f, &b, mac_b, offer(f, &b, mac_b, 0), DHCP_REQUEST_SELECTING), 0);
	assert_int_equal(dhcp_leases_batch_rows(f->t), 2);
	/* Nothing is in the store before the commit, both rows are after it. */
	assert_int_equal(stored_leases(f), 0);
	assert_int_equal(dhcp_leases_commit(f->t), 0);
	assert_int_equal(stored_leases(f), 2);
	assert_int_equal(dhcp_leases_batch_rows(f->t), 0);
	/* An empty batch commits without a write. */
	assert_int_equal(dhcp_leases_begin(f->t), 0);
	assert_int_equal(dhcp_leases_commit(f->t), 0);
}

/* The lab fixture on a database file, so a second connection can break lease writes. */
struct file_fixture {
	struct fixture f;
	char dir[64];
	char path[96];
};

static int setup_file(void **state)
{
	struct file_fixture *ff = calloc(1, sizeof(*ff));
	struct fixture *f = &ff->f;

	assert_non_null(ff);
	(void)snprintf(ff->dir, sizeof(ff->dir), "/tmp/rackd-lease-XXXXXX");
	assert_non_null(mkdtemp(ff->dir));
	(void)snprintf(ff->path, sizeof(ff->path), "%s/rackd.db", ff->dir);
	assert_int_equal(store_open(ff->path, &f->st), 0);
	f->subnet_id = add_subnet(f->st, "lab", IP(192, 0, 2, 0), 24, "br0");
	add_range(f->st, f->subnet_id, IP(192, 0, 2, 100), IP(192, 0, 2, 103), STORE_RANGE_DYNAMIC);
	f->now.mono = 1000;
	f->now.unix_time = 1700000000;
	assert_int_equal(dhcp_leases_new(f->st, OFFER_HOLD, DECLINE_HOLD, &f->now, &f->t), 0);
	*state = ff;
	return 0;
}

static int teardown_file(void **state)
{
	struct file_fixture *ff = *state;
	char path[128];

	dhcp_leases_free(ff->f.t);
	store_free(ff->f.st);
	(void)unlink(ff->path);
	(void)snprintf(path, sizeof(path), "%s-wal", ff->path);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s-shm", ff->path);
	(void)unlink(path);
	(void)rmdir(ff->dir);
	free(ff);
	return 0;
}

/* Runs sql on the database file through a connection of its own. */
static void run_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void failed_commit_rolls_back(void **state)
{
	struct file_fixture *ff = *state;
	struct fixture *f = &ff->f;
	struct dhcp_client_id a, b, holder;
	uint8_t mac_a[6], mac_b[6];
	uint32_t addr_a, addr_b;
	struct store_lease *list = NULL;
	size_t n = 0;

	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	addr_a = offer(f, &a, mac_a, 0);
	assert_int_equal(request(f, &a, mac_a, addr_a, DHCP_REQUEST_SELECTING), 0);
	assert_int_equal(dhcp_leases_count(f->t), 1);

	assert_int_equal(dhcp_leases_begin(f->t), 0);
	assert_int_equal(dhcp_leases_release(f->t, &a, addr_a, &f->now), 0);
	addr_b = offer(f, &b, mac_b, 0);
	assert_int_equal(request(f, &b, mac_b, addr_b, DHCP_REQUEST_SELECTING), 0);
	run_sql(ff->path, "CREATE TRIGGER broken_insert BEFORE INSERT ON leases BEGIN"
	                  " SELECT RAISE(ABORT, 'write failed'); END;"
	                  "CREATE TRIGGER broken_update BEFORE UPDATE ON leases BEGIN"
	                  " SELECT RAISE(ABORT, 'write failed'); END;");
	assert_true(dhcp_leases_commit(f->t) < 0);

	/* Memory is back where the batch began: a bound to its address, b nowhere. */
	assert_int_equal(dhcp_leases_state(f->t, addr_a, &f->now, &holder), DHCP_LEASE_BOUND);
	assert_memory_equal(holder.data, a.data, a.len);
	assert_int_equal(dhcp_leases_state(f->t, addr_b, &f->now, NULL), DHCP_LEASE_FREE);
	assert_int_equal(dhcp_leases_count(f->t), 1);
	/* The store holds a's bound row only. */
	assert_int_equal(store_lease_list(f->st, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].address, addr_a);
	assert_int_equal(list[0].state, STORE_LEASE_BOUND);
	free(list);
	/* Without a batch open, a failed write is the call's error and changes nothing. */
	assert_true(request(f, &b, mac_b, addr_b, DHCP_REQUEST_SELECTING) < 0);
	assert_int_equal(dhcp_leases_state(f->t, addr_b, &f->now, NULL), DHCP_LEASE_FREE);

	run_sql(ff->path, "DROP TRIGGER broken_insert; DROP TRIGGER broken_update;");
	assert_int_equal(request(f, &b, mac_b, addr_b, DHCP_REQUEST_SELECTING), 0);
	assert_int_equal(dhcp_leases_state(f->t, addr_b, &f->now, NULL), DHCP_LEASE_BOUND);
	/* The indexes were rebuilt: each client still finds its own entry. */
	assert_int_equal(offer(f, &a, mac_a, 0), addr_a);
	assert_int_equal(offer(f, &b, mac_b, 0), addr_b);
}

/* A client id from option 61 that differs per n but shares the chaddr. */
static struct dhcp_client_id option61_client(uint8_t n, const uint8_t mac[6])
{
	const uint8_t opt[] = { 0xff, 0, 0, 0, n, 0, 1 };
	struct dhcp_client_id id;

	assert_int_equal(dhcp_client_id_set(opt, sizeof(opt), mac, &id), 0);
	return id;
}

static void cap_per_mac(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id id[4], other;
	struct dhcp_subnet *relay;
	uint8_t mac[6], other_mac[6];
	uint32_t addr;

	(void)mac_client(7, mac);
	other = mac_client(8, other_mac);
	for (uint8_t i = 0; i < 4; i++)
		id[i] = option61_client(i, mac);
	dhcp_leases_set_max_per_mac(f->t, 2);
	addr = offer(f, &id[0], mac, 0);
	assert_int_equal(request(f, &id[0], mac, addr, DHCP_REQUEST_SELECTING), 0);
	(void)offer(f, &id[1], mac, 0);
	/* A third client id behind the same MAC gets nothing, in this subnet or another. */
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id[2], mac, 0, &f->now, &addr), -EDQUOT);
	relay = dhcp_leases_find_subnet(f->t, "br0", 0, IP(198, 51, 100, 1), 0);
	assert_non_null(relay);
	assert_int_equal(dhcp_leases_offer(f->t, relay, &id[2], mac, 0, &f->now, &addr), -EDQUOT);
	assert_int_equal(dhcp_leases_request(f->t, lab(f), &id[2], mac, NULL, IP(192, 0, 2, 103),
	                                     DHCP_REQUEST_SELECTING, &f->now, NULL),
	                 -EDQUOT);
	/* The clients under the cap keep being served, and other MACs are not affected. */
	assert_int_equal(offer(f, &id[0], mac, 0), IP(192, 0, 2, 100));
	assert_int_equal(offer(f, &other, other_mac, 0), IP(192, 0, 2, 102));
	/* A released lease no longer counts. */
	assert_int_equal(dhcp_leases_release(f->t, &id[0], IP(192, 0, 2, 100), &f->now), 0);
	assert_int_equal(dhcp_leases_offer(f->t, relay, &id[2], mac, 0, &f->now, &addr), 0);
	/* An expired offer no longer counts either. */
	advance(f, OFFER_HOLD + 1);
	assert_int_equal(dhcp_leases_offer(f->t, lab(f), &id[3], mac, 0, &f->now, &addr), 0);
}

/* Records address as a sticky address bound to a new machine whose PXE interface has mac. */
static void reserve(struct fixture *f, uint8_t last, uint32_t address)
{
	struct store_machine candidate = { 0 }, machine;
	struct store_ip_address ip = { 0 };
	struct store_interface iface;
	struct store_txn *tx;
	bool created;

	(void)mac_client(last, candidate.mac);
	(void)snprintf(candidate.state, sizeof(candidate.state), "new");
	assert_int_equal(store_machine_enroll(f->st, &candidate, 0, &machine, &created), 0);
	assert_int_equal(store_txn_begin(f->st, true, &tx), 0);
	assert_int_equal(store_interface_find_mac(tx, candidate.mac, &iface), 0);
	ipaddr_from_v4(address, &ip.address);
	ip.subnet_id = f->subnet_id;
	ip.interface_id = iface.id;
	ip.kind = STORE_IP_STICKY;
	assert_int_equal(store_ipam_address_insert(tx, &ip, &ip.id), 0);
	assert_int_equal(store_txn_commit(tx), 0);
}

static void reservation_only_for_its_mac(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id owner, far, a, b;
	uint8_t owner_mac[6], far_mac[6], mac_a[6], mac_b[6];

	owner = mac_client(0x51, owner_mac);
	far = mac_client(0x52, far_mac);
	a = mac_client(1, mac_a);
	b = mac_client(2, mac_b);
	reserve(f, 0x51, IP(192, 0, 2, 101));
	reserve(f, 0x52, IP(192, 0, 2, 50)); /* outside the dynamic range */
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 1);

	assert_false(dhcp_leases_is_allocatable(f->t, lab(f), IP(192, 0, 2, 101)));
	assert_int_equal(offer(f, &a, mac_a, IP(192, 0, 2, 101)), IP(192, 0, 2, 100));
	assert_int_equal(offer(f, &b, mac_b, 0), IP(192, 0, 2, 102));
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 101), DHCP_REQUEST_SELECTING),
	                 -EACCES);
	assert_int_equal(request(f, &b, mac_b, IP(192, 0, 2, 50), DHCP_REQUEST_SELECTING), -EACCES);

	assert_int_equal(offer(f, &owner, owner_mac, 0), IP(192, 0, 2, 101));
	assert_int_equal(request(f, &owner, owner_mac, IP(192, 0, 2, 101), DHCP_REQUEST_SELECTING),
	                 0);
	/* A client with a reservation gets no other address. */
	assert_int_equal(request(f, &owner, owner_mac, IP(192, 0, 2, 103), DHCP_REQUEST_SELECTING),
	                 -EADDRINUSE);
	assert_int_equal(offer(f, &far, far_mac, 0), IP(192, 0, 2, 50));
	assert_int_equal(request(f, &far, far_mac, IP(192, 0, 2, 50), DHCP_REQUEST_SELECTING), 0);
	/* Both survive a restart as the owners' leases. */
	restart(f);
	assert_int_equal(dhcp_leases_state(f->t, IP(192, 0, 2, 50), &f->now, NULL),
	                 DHCP_LEASE_BOUND);
	assert_int_equal(offer(f, &owner, owner_mac, 0), IP(192, 0, 2, 101));
}

static void random_macs_cannot_take_reservation(void **state)
{
	struct fixture *f = *state;
	struct dhcp_client_id owner, id;
	uint8_t owner_mac[6], mac[6];
	size_t offered = 0, refused = 0;
	uint32_t addr;

	owner = mac_client(0x51, owner_mac);
	reserve(f, 0x51, IP(192, 0, 2, 103));
	assert_int_equal(dhcp_leases_sync(f->t, &f->now), 1);
	srandom(7);
	for (int i = 0; i < 5000; i++) {
		for (size_t k = 0; k < sizeof(mac); k++)
			mac[k] = (uint8_t)random();
		mac[0] &= 0xfe;
		assert_int_equal(dhcp_client_id_set(NULL, 0, mac, &id), 0);
		if (dhcp_leases_offer(f->t, lab(f), &id, mac, IP(192, 0, 2, 103), &f->now, &addr) ==
		    0) {
			assert_int_not_equal(addr, IP(192, 0, 2, 103));
			assert_int_equal(dhcp_leases_request(f->t, lab(f), &id, mac, NULL, addr,
			                                     DHCP_REQUEST_SELECTING, &f->now, NULL),
			                 0);
			offered++;
		} else {
			refused++;
		}
		assert_int_equal(dhcp_leases_request(f->t, lab(f), &id, mac, NULL,
		                                     IP(192, 0, 2, 103), DHCP_REQUEST_INIT_REBOOT,
		                                     &f->now, NULL),
		                 -EACCES);
	}
	/* Three dynamic addresses went to the first clients; the reserved one stayed free. */
	assert_int_equal(offered, 3);
	assert_int_equal(refused, 4997);
	assert_int_equal(offer(f, &owner, owner_mac, 0), IP(192, 0, 2, 103));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_id_forms),
		cmocka_unit_test_setup_teardown(offer_then_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(offer_is_stable_per_client, setup, teardown),
		cmocka_unit_test_setup_teardown(offer_honours_requested_address, setup, teardown),
		cmocka_unit_test_setup_teardown(option_61_identifies_client, setup, teardown),
		cmocka_unit_test_setup_teardown(returning_client_after_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(init_reboot_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(renew_and_one_lease_per_client, setup, teardown),
		cmocka_unit_test_setup_teardown(offer_hold_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(pool_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(release_frees_and_prefers_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(decline_quarantines, setup, teardown),
		cmocka_unit_test_setup_teardown(network_and_broadcast_never_leased, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(excluded_address_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(subnet_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_on_config_change, setup, teardown),
		cmocka_unit_test_setup_teardown(disabled_subnet_not_served, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_writes_at_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_commit_rolls_back, setup_file,
		                                teardown_file),
		cmocka_unit_test_setup_teardown(cap_per_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(reservation_only_for_its_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(random_macs_cannot_take_reservation, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
