/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-lease -- lease table: entries in one array, indexed by two chained
 * hash tables (address, and client id), rebuilt from the store when the
 * subnets or ranges change.
 */
#include "dhcp/dhcp-lease.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE UINT32_MAX

enum entry_state {
	ENTRY_FREE,    /* no row in the store yet, or the store row was dropped */
	ENTRY_OFFERED, /* memory only; the store keeps what it had */
	ENTRY_BOUND,
	ENTRY_RELEASED,
	ENTRY_DECLINED,
};

struct lease_entry {
	uint32_t address;
	int64_t subnet_id;
	struct dhcp_client_id client; /* len 0: no holder */
	uint8_t mac[ADDR_MAC_LEN];
	char hostname[STORE_HOSTNAME_MAX];
	enum entry_state state;
	uint64_t expires; /* CLOCK_MONOTONIC seconds, which for free entries is their last use */
	uint32_t next_by_address;
	uint32_t next_by_client;
};

/* Everything loaded from the store, replaced as a whole on reload. */
struct view {
	struct dhcp_subnet *subnets;
	size_t n_subnets;
	struct store_range *ranges;
	size_t n_ranges;
	struct lease_entry *entries;
	size_t n_entries;
	size_t cap_entries;
	uint32_t *by_address; /* bucket heads, n_buckets of them */
	uint32_t *by_client;
	size_t n_buckets; /* power of two, at least twice cap_entries */
};

struct dhcp_leases {
	struct store *st;
	uint32_t offer_hold;
	uint32_t decline_hold;
	uint64_t generation;
	struct view view;
	uint32_t excluded[DHCP_LEASES_EXCLUDED_MAX];
	size_t n_excluded;
};

void dhcp_clock_now(struct dhcp_clock *ret_clock)
{
	struct timespec mono, real;

	(void)clock_gettime(CLOCK_MONOTONIC, &mono);
	(void)clock_gettime(CLOCK_REALTIME, &real);
	ret_clock->mono = (uint64_t)mono.tv_sec;
	ret_clock->unix_time = (int64_t)real.tv_sec;
}

int dhcp_client_id_set(const uint8_t *option, size_t len, const uint8_t mac[ADDR_MAC_LEN],
                       struct dhcp_client_id *ret_id)
{
	if (option != NULL) {
		if (len < 2 || len > STORE_CLIENT_ID_MAX)
			return -EINVAL;
		ret_id->len = (uint8_t)len;
		memcpy(ret_id->data, option, len);
		return 0;
	}
	ret_id->len = 1 + ADDR_MAC_LEN;
	ret_id->data[0] = 1; /* hardware type Ethernet, RFC 2132 §9.14 */
	memcpy(&ret_id->data[1], mac, ADDR_MAC_LEN);
	return 0;
}

static bool client_equal(const struct dhcp_client_id *a, const struct dhcp_client_id *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static size_t hash_address(uint32_t addr, size_t n_buckets)
{
	return (size_t)((addr * 2654435761u) & (uint32_t)(n_buckets - 1));
}

/* FNV-1a over the client id bytes. */
static size_t hash_client(const struct dhcp_client_id *id, size_t n_buckets)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < id->len; i++)
		h = (h ^ id->data[i]) * 16777619u;
	return (size_t)(h & (uint32_t)(n_buckets - 1));
}

static void view_free(struct view *v)
{
	free(v->subnets);
	free(v->ranges);
	free(v->entries);
	free(v->by_address);
	free(v->by_client);
	memset(v, 0, sizeof(*v));
}

static bool entry_active(const struct lease_entry *e, const struct dhcp_clock *now)
{
	if (e->state != ENTRY_BOUND && e->state != ENTRY_OFFERED && e->state != ENTRY_DECLINED)
		return false;
	return e->expires > now->mono;
}

static uint32_t find_by_address(const struct view *v, uint32_t addr)
{
	if (v->n_buckets == 0)
		return NONE;
	for (uint32_t i = v->by_address[hash_address(addr, v->n_buckets)]; i != NONE;
	     i = v->entries[i].next_by_address) {
		if (v->entries[i].address == addr)
			return i;
	}
	return NONE;
}

/* Finds the client's entry in a subnet, where a client has at most one. */
static uint32_t find_by_client(const struct view *v, const struct dhcp_client_id *client,
                               int64_t subnet_id)
{
	if (v->n_buckets == 0 || client->len == 0)
		return NONE;
	for (uint32_t i = v->by_client[hash_client(client, v->n_buckets)]; i != NONE;
	     i = v->entries[i].next_by_client) {
		if (v->entries[i].subnet_id == subnet_id &&
		    client_equal(&v->entries[i].client, client))
			return i;
	}
	return NONE;
}

static void link_client(struct view *v, uint32_t idx)
{
	size_t b = hash_client(&v->entries[idx].client, v->n_buckets);

	v->entries[idx].next_by_client = v->by_client[b];
	v->by_client[b] = idx;
}

static void unlink_client(struct view *v, uint32_t idx)
{
	struct lease_entry *e = &v->entries[idx];
	uint32_t *link;

	if (e->client.len == 0)
		return;
	for (link = &v->by_client[hash_client(&e->client, v->n_buckets)]; *link != NONE;
	     link = &v->entries[*link].next_by_client) {
		if (*link == idx) {
			*link = e->next_by_client;
			break;
		}
	}
	e->next_by_client = NONE;
	e->client.len = 0;
}

static void set_client(struct view *v, uint32_t idx, const struct dhcp_client_id *client)
{
	struct lease_entry *e = &v->entries[idx];

	if (client_equal(&e->client, client))
		return;
	unlink_client(v, idx);
	e->client = *client;
	if (client->len > 0)
		link_client(v, idx);
}

/* Rebuilds both hash indexes with n_buckets heads. */
static int view_rehash(struct view *v, size_t n_buckets)
{
	uint32_t *by_address = malloc(n_buckets * sizeof(*by_address));
	uint32_t *by_client = malloc(n_buckets * sizeof(*by_client));

	if (by_address == NULL || by_client == NULL) {
		free(by_address);
		free(by_client);
		return -ENOMEM;
	}
	free(v->by_address);
	free(v->by_client);
	v->by_address = by_address;
	v->by_client = by_client;
	v->n_buckets = n_buckets;
	for (size_t b = 0; b < n_buckets; b++) {
		by_address[b] = NONE;
		by_client[b] = NONE;
	}
	for (uint32_t i = 0; i < (uint32_t)v->n_entries; i++) {
		size_t b = hash_address(v->entries[i].address, n_buckets);

		v->entries[i].next_by_address = by_address[b];
		by_address[b] = i;
		v->entries[i].next_by_client = NONE;
		if (v->entries[i].client.len > 0)
			link_client(v, i);
	}
	return 0;
}

/* Appends a free entry for addr, growing the array and indexes as needed. */
static int entry_add(struct view *v, uint32_t addr, int64_t subnet_id, uint32_t *ret_idx)
{
	struct lease_entry *e;
	size_t b;

	if (v->n_entries >= DHCP_LEASES_MAX)
		return -ENOSPC;
	if (v->n_entries == v->cap_entries) {
		size_t cap = v->cap_entries ? v->cap_entries * 2 : 64;
		struct lease_entry *entries = realloc(v->entries, cap * sizeof(*entries));
		int ret;

		if (entries == NULL)
			return -ENOMEM;
		v->entries = entries;
		v->cap_entries = cap;
		ret = view_rehash(v, cap * 2);
		if (ret < 0)
			return ret;
	}
	e = &v->entries[v->n_entries];
	memset(e, 0, sizeof(*e));
	e->address = addr;
	e->subnet_id = subnet_id;
	e->state = ENTRY_FREE;
	e->next_by_client = NONE;
	b = hash_address(addr, v->n_buckets);
	e->next_by_address = v->by_address[b];
	v->by_address[b] = (uint32_t)v->n_entries;
	*ret_idx = (uint32_t)v->n_entries++;
	return 0;
}

static const struct dhcp_subnet *view_subnet_by_id(const struct view *v, int64_t id)
{
	for (size_t i = 0; i < v->n_subnets; i++) {
		if (v->subnets[i].subnet.id == id)
			return &v->subnets[i];
	}
	return NULL;
}

static bool address_excluded(const struct dhcp_leases *t, uint32_t addr)
{
	for (size_t i = 0; i < t->n_excluded; i++) {
		if (t->excluded[i] == addr)
			return true;
	}
	return false;
}

bool dhcp_leases_is_allocatable(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                                uint32_t addr)
{
	const struct store_subnet *s = &subnet->subnet;
	uint32_t mask = addr_prefix_mask(s->prefix_len);
	bool dynamic = false;

	if (!addr_in_prefix4(addr, s->network, s->prefix_len))
		return false;
	/* RFC 3021: a /31 has no network or broadcast address; a /32 is one host. */
	if (s->prefix_len <= 30 && (addr == s->network || addr == (s->network | ~mask)))
		return false;
	if (addr == s->gateway || address_excluded(t, addr))
		return false;
	for (size_t i = 0; i < subnet->n_ranges; i++) {
		const struct store_range *r = &subnet->ranges[i];

		if (addr < r->first || addr > r->last)
			continue;
		if (r->kind == STORE_RANGE_RESERVED)
			return false;
		dynamic = true;
	}
	return dynamic;
}

/* Converts a Unix time to the monotonic clock, clamped at 0 for times long past. */
static uint64_t mono_from_unix(const struct dhcp_clock *now, int64_t unix_time)
{
	int64_t delta = unix_time - now->unix_time;

	if (delta < 0 && (uint64_t)-delta >= now->mono)
		return 0;
	return (uint64_t)((int64_t)now->mono + delta);
}

static int64_t unix_from_mono(const struct dhcp_clock *now, uint64_t mono)
{
	return now->unix_time + ((int64_t)mono - (int64_t)now->mono);
}

static int view_load_subnets(struct store *st, struct view *v)
{
	struct store_subnet *subnets = NULL;
	size_t n_subnets = 0, n = 0;
	int ret;

	ret = store_range_list(st, &v->ranges, &v->n_ranges);
	if (ret < 0)
		return ret;
	ret = store_subnet_list(st, &subnets, &n_subnets);
	if (ret < 0)
		return ret;
	v->subnets = calloc(n_subnets > 0 ? n_subnets : 1, sizeof(*v->subnets));
	if (v->subnets == NULL) {
		free(subnets);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_subnets; i++) {
		struct dhcp_subnet *ds = &v->subnets[n];
		size_t first = 0;

		if (!subnets[i].dhcp_enabled)
			continue;
		ds->subnet = subnets[i];
		/* Ranges come ordered by subnet, so each subnet's are contiguous. */
		while (first < v->n_ranges && v->ranges[first].subnet_id != subnets[i].id)
			first++;
		ds->ranges = &v->ranges[first];
		while (first + ds->n_ranges < v->n_ranges &&
		       v->ranges[first + ds->n_ranges].subnet_id == subnets[i].id)
			ds->n_ranges++;
		ds->next_hint = ds->n_ranges > 0 ? ds->ranges[0].first : 0;
		n++;
	}
	v->n_subnets = n;
	free(subnets);
	return 0;
}

/* Adds one stored lease to the view, unless its address is outside today's pools. */
static int view_add_lease(const struct dhcp_leases *t, struct view *v, const struct store_lease *l,
                          const struct dhcp_clock *now)
{
	const struct dhcp_subnet *subnet = view_subnet_by_id(v, l->subnet_id);
	struct lease_entry *e;
	uint32_t idx;
	int ret;

	if (subnet == NULL || !dhcp_leases_is_allocatable(t, subnet, l->address))
		return 0;
	if (find_by_address(v, l->address) != NONE)
		return 0;
	ret = entry_add(v, l->address, l->subnet_id, &idx);
	if (ret < 0)
		return ret;
	e = &v->entries[idx];
	memcpy(e->mac, l->mac, sizeof(e->mac));
	(void)snprintf(e->hostname, sizeof(e->hostname), "%s", l->hostname);
	e->expires = mono_from_unix(now, l->expires);
	switch (l->state) {
	case STORE_LEASE_BOUND:
		e->state = ENTRY_BOUND;
		break;
	case STORE_LEASE_RELEASED:
		e->state = ENTRY_RELEASED;
		break;
	case STORE_LEASE_DECLINED:
		/* The client id of a quarantine row only keeps store rows apart. */
		e->state = ENTRY_DECLINED;
		return 0;
	default:
		e->state = ENTRY_FREE;
		return 0;
	}
	if (l->client_id_len > 0) {
		struct dhcp_client_id id = { .len = l->client_id_len };

		memcpy(id.data, l->client_id, l->client_id_len);
		set_client(v, idx, &id);
	}
	return 0;
}

static int view_load(const struct dhcp_leases *t, const struct dhcp_clock *now, struct view *v)
{
	struct store_lease *leases = NULL;
	size_t n_leases = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = view_load_subnets(t->st, v);
	if (ret < 0)
		goto out_free_view;
	ret = view_rehash(v, 128);
	if (ret < 0)
		goto out_free_view;
	ret = store_lease_list(t->st, &leases, &n_leases);
	if (ret < 0)
		goto out_free_view;
	for (size_t i = 0; i < n_leases; i++) {
		ret = view_add_lease(t, v, &leases[i], now);
		if (ret < 0)
			goto out_free_leases;
	}
	free(leases);
	return 0;

out_free_leases:
	free(leases);
out_free_view:
	view_free(v);
	return ret;
}

/* Moves offers still held in the old view into the new one when their pool still has them. */
static void view_carry_offers(const struct dhcp_leases *t, const struct view *old, struct view *v,
                              const struct dhcp_clock *now)
{
	for (size_t i = 0; i < old->n_entries; i++) {
		const struct lease_entry *o = &old->entries[i];
		const struct dhcp_subnet *subnet = view_subnet_by_id(v, o->subnet_id);
		uint32_t idx;

		if (o->state != ENTRY_OFFERED || !entry_active(o, now) || subnet == NULL)
			continue;
		if (!dhcp_leases_is_allocatable(t, subnet, o->address) ||
		    find_by_client(v, &o->client, o->subnet_id) != NONE)
			continue;
		idx = find_by_address(v, o->address);
		if (idx != NONE && entry_active(&v->entries[idx], now))
			continue;
		if (idx == NONE && entry_add(v, o->address, o->subnet_id, &idx) < 0)
			return;
		set_client(v, idx, &o->client);
		memcpy(v->entries[idx].mac, o->mac, sizeof(o->mac));
		v->entries[idx].state = ENTRY_OFFERED;
		v->entries[idx].expires = o->expires;
	}
}

int dhcp_leases_new(struct store *st, uint32_t offer_hold, uint32_t decline_hold,
                    const struct dhcp_clock *now, struct dhcp_leases **ret_leases)
{
	struct dhcp_leases *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->st = st;
	t->offer_hold = offer_hold;
	t->decline_hold = decline_hold;
	t->generation = store_config_generation(st);
	ret = view_load(t, now, &t->view);
	if (ret < 0) {
		free(t);
		return ret;
	}
	*ret_leases = t;
	return 0;
}

void dhcp_leases_free(struct dhcp_leases *t)
{
	if (t == NULL)
		return;
	view_free(&t->view);
	free(t);
}

int dhcp_leases_sync(struct dhcp_leases *t, const struct dhcp_clock *now)
{
	uint64_t generation = store_config_generation(t->st);
	struct view v;
	int ret;

	if (generation == t->generation)
		return 0;
	ret = view_load(t, now, &v);
	if (ret < 0)
		return ret;
	view_carry_offers(t, &t->view, &v, now);
	view_free(&t->view);
	t->view = v;
	t->generation = generation;
	return 1;
}

int dhcp_leases_exclude(struct dhcp_leases *t, uint32_t addr)
{
	if (address_excluded(t, addr))
		return 0;
	if (t->n_excluded >= DHCP_LEASES_EXCLUDED_MAX)
		return -E2BIG;
	t->excluded[t->n_excluded++] = addr;
	return 0;
}

static bool subnet_on_interface(const struct dhcp_subnet *ds, const char *ifname,
                                uint32_t iface_addr)
{
	const struct store_subnet *s = &ds->subnet;

	if (s->interface[0] != '\0')
		return strcmp(s->interface, ifname) == 0;
	return iface_addr != 0 && addr_in_prefix4(iface_addr, s->network, s->prefix_len);
}

struct dhcp_subnet *dhcp_leases_find_subnet(struct dhcp_leases *t, const char *ifname,
                                            uint32_t iface_addr, uint32_t giaddr, uint32_t hint)
{
	struct view *v = &t->view;
	struct dhcp_subnet *first = NULL;

	for (size_t i = 0; i < v->n_subnets; i++) {
		struct dhcp_subnet *ds = &v->subnets[i];
		const struct store_subnet *s = &ds->subnet;

		/* RFC 2131 §4.3.1: a relayed message is served from the subnet of giaddr. */
		if (giaddr != 0) {
			if (addr_in_prefix4(giaddr, s->network, s->prefix_len))
				return ds;
			continue;
		}
		if (!subnet_on_interface(ds, ifname, iface_addr))
			continue;
		if (hint == 0 || addr_in_prefix4(hint, s->network, s->prefix_len))
			return ds;
		if (first == NULL)
			first = ds;
	}
	return first;
}

/*
 * First address in [lo, hi] of the subnet's pool with no entry at all, or 0.
 * NOTE: this walks the pool address by address, so a DISCOVER on a nearly
 * full /16 pool costs about 65k hash lookups.
 */
static uint32_t scan_unused(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                            uint32_t lo, uint32_t hi)
{
	for (size_t i = 0; i < subnet->n_ranges; i++) {
		const struct store_range *r = &subnet->ranges[i];
		uint64_t a = r->first > lo ? r->first : lo;
		uint64_t b = r->last < hi ? r->last : hi;

		if (r->kind != STORE_RANGE_DYNAMIC)
			continue;
		for (uint64_t x = a; x <= b; x++) {
			if (dhcp_leases_is_allocatable(t, subnet, (uint32_t)x) &&
			    find_by_address(&t->view, (uint32_t)x) == NONE)
				return (uint32_t)x;
		}
	}
	return 0;
}

/*
 * Inactive entry of the subnet to reuse: one with no holder first, then the
 * one unused for longest, so recent holders keep their address longest.
 */
static uint32_t find_reusable(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                              const struct dhcp_clock *now)
{
	const struct view *v = &t->view;
	uint32_t best = NONE;

	for (uint32_t i = 0; i < (uint32_t)v->n_entries; i++) {
		const struct lease_entry *e = &v->entries[i];
		const struct lease_entry *b;

		if (e->subnet_id != subnet->subnet.id || entry_active(e, now) ||
		    !dhcp_leases_is_allocatable(t, subnet, e->address))
			continue;
		if (best == NONE) {
			best = i;
			continue;
		}
		b = &v->entries[best];
		if ((e->client.len == 0 && b->client.len > 0) ||
		    ((e->client.len == 0) == (b->client.len == 0) && e->expires < b->expires))
			best = i;
	}
	return best;
}

/* Chooses the entry to offer to a client with no entry in the subnet. */
static int pick_new_entry(struct dhcp_leases *t, struct dhcp_subnet *subnet, uint32_t requested,
                          const struct dhcp_clock *now, uint32_t *ret_idx)
{
	struct view *v = &t->view;
	uint32_t idx, addr;

	if (requested != 0 && dhcp_leases_is_allocatable(t, subnet, requested)) {
		idx = find_by_address(v, requested);
		if (idx == NONE)
			return entry_add(v, requested, subnet->subnet.id, ret_idx);
		if (!entry_active(&v->entries[idx], now) && v->entries[idx].client.len == 0) {
			*ret_idx = idx;
			return 0;
		}
	}
	/* The search starts after the last address handed out, so a fill is linear overall. */
	addr = scan_unused(t, subnet, subnet->next_hint, UINT32_MAX);
	if (addr == 0 && subnet->next_hint > 0)
		addr = scan_unused(t, subnet, 0, subnet->next_hint - 1);
	if (addr != 0) {
		subnet->next_hint = addr + 1;
		return entry_add(v, addr, subnet->subnet.id, ret_idx);
	}
	idx = find_reusable(t, subnet, now);
	if (idx == NONE)
		return -ENOSPC;
	*ret_idx = idx;
	return 0;
}

int dhcp_leases_offer(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                      const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                      uint32_t requested, const struct dhcp_clock *now, uint32_t *ret_address)
{
	struct view *v = &t->view;
	struct lease_entry *e;
	uint32_t idx;
	int ret;

	idx = find_by_client(v, client, subnet->subnet.id);
	if (idx != NONE && !dhcp_leases_is_allocatable(t, subnet, v->entries[idx].address)) {
		/* The address left the pool (or became the server's own) since it was leased. */
		unlink_client(v, idx);
		v->entries[idx].state = ENTRY_FREE;
		idx = NONE;
	}
	if (idx == NONE) {
		ret = pick_new_entry(t, subnet, requested, now, &idx);
		if (ret < 0)
			return ret;
	}
	set_client(v, idx, client);
	e = &v->entries[idx];
	memcpy(e->mac, mac, sizeof(e->mac));
	/* A client with a lease still running keeps it, because an offer must not shorten it. */
	if (!(e->state == ENTRY_BOUND && entry_active(e, now))) {
		e->state = ENTRY_OFFERED;
		e->expires = now->mono + t->offer_hold;
	}
	*ret_address = e->address;
	return 0;
}

static void lease_to_store(const struct lease_entry *e, const struct dhcp_clock *now,
                           enum store_lease_state state, struct store_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->address = e->address;
	l->subnet_id = e->subnet_id;
	l->client_id_len = e->client.len;
	memcpy(l->client_id, e->client.data, e->client.len);
	memcpy(l->mac, e->mac, sizeof(l->mac));
	(void)snprintf(l->hostname, sizeof(l->hostname), "%s", e->hostname);
	l->expires = unix_from_mono(now, e->expires);
	l->updated = now->unix_time;
	l->state = state;
}

/*
 * Drops the client from its other entries in the subnet of keep, mirroring
 * the store, which removes the client's other rows of that subnet on each put.
 */
static void forget_other_entries(struct view *v, const struct dhcp_client_id *client, uint32_t keep,
                                 const struct dhcp_clock *now)
{
	uint32_t i = v->by_client[hash_client(client, v->n_buckets)];

	while (i != NONE) {
		uint32_t next = v->entries[i].next_by_client;

		if (i != keep && v->entries[i].subnet_id == v->entries[keep].subnet_id &&
		    client_equal(&v->entries[i].client, client)) {
			unlink_client(v, i);
			v->entries[i].state = ENTRY_FREE;
			v->entries[i].expires = now->mono;
		}
		i = next;
	}
}

/* Applies the RFC 2131 §4.3.2 checks; returns 0 when the client may have address. */
static int check_request(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                         const struct dhcp_client_id *client, uint32_t address,
                         enum dhcp_request_kind kind, const struct dhcp_clock *now)
{
	const struct view *v = &t->view;
	uint32_t idx, own;

	if (!dhcp_leases_is_allocatable(t, subnet, address))
		return -EADDRNOTAVAIL;
	idx = find_by_address(v, address);
	own = find_by_client(v, client, subnet->subnet.id);
	if (idx != NONE && entry_active(&v->entries[idx], now) && idx != own)
		return -EADDRINUSE;
	if (kind == DHCP_REQUEST_INIT_REBOOT) {
		/* A client the server has no record of gets no reply at all. */
		if (own == NONE)
			return -ENOENT;
		if (own != idx)
			return -EADDRINUSE;
		return 0;
	}
	if (own != NONE && own != idx && entry_active(&v->entries[own], now))
		return -EADDRINUSE;
	return 0;
}

int dhcp_leases_request(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                        const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                        const char *hostname, uint32_t address, enum dhcp_request_kind kind,
                        const struct dhcp_clock *now, int64_t *ret_expires)
{
	uint32_t lease_time =
	        subnet->subnet.lease_time ? subnet->subnet.lease_time : DHCP_LEASE_TIME_DEFAULT;
	struct view *v = &t->view;
	struct lease_entry *e, staged;
	struct store_lease row;
	uint32_t idx;
	int ret;

	ret = check_request(t, subnet, client, address, kind, now);
	if (ret < 0)
		return ret;
	idx = find_by_address(v, address);
	if (idx == NONE) {
		ret = entry_add(v, address, subnet->subnet.id, &idx);
		if (ret < 0)
			return ret;
	}

	/* The row reaches the disk before memory changes, so a failed write leaves no trace. */
	staged = v->entries[idx];
	staged.client = *client;
	memcpy(staged.mac, mac, sizeof(staged.mac));
	(void)snprintf(staged.hostname, sizeof(staged.hostname), "%s", hostname ? hostname : "");
	staged.expires = now->mono + lease_time;
	lease_to_store(&staged, now, STORE_LEASE_BOUND, &row);
	ret = store_lease_put(t->st, &row);
	if (ret < 0)
		return ret;

	forget_other_entries(v, client, idx, now);
	set_client(v, idx, client);
	e = &v->entries[idx];
	memcpy(e->mac, staged.mac, sizeof(e->mac));
	memcpy(e->hostname, staged.hostname, sizeof(e->hostname));
	e->state = ENTRY_BOUND;
	e->expires = staged.expires;
	if (ret_expires != NULL)
		*ret_expires = row.expires;
	return 0;
}

/* Finds the entry of address when it is bound or offered to the client, else NONE. */
static uint32_t held_by(const struct view *v, const struct dhcp_client_id *client, uint32_t address)
{
	uint32_t idx = find_by_address(v, address);

	if (idx == NONE || !client_equal(&v->entries[idx].client, client))
		return NONE;
	if (v->entries[idx].state != ENTRY_BOUND && v->entries[idx].state != ENTRY_OFFERED)
		return NONE;
	return idx;
}

int dhcp_leases_release(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now)
{
	struct view *v = &t->view;
	struct store_lease row;
	struct lease_entry staged;
	uint32_t idx = held_by(v, client, address);
	int ret;

	if (idx == NONE)
		return -ENOENT;
	staged = v->entries[idx];
	staged.expires = now->mono;
	lease_to_store(&staged, now, STORE_LEASE_RELEASED, &row);
	ret = store_lease_put(t->st, &row);
	if (ret < 0)
		return ret;
	v->entries[idx].state = ENTRY_RELEASED;
	v->entries[idx].expires = now->mono;
	return 0;
}

int dhcp_leases_decline(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now)
{
	struct view *v = &t->view;
	struct store_lease row;
	struct lease_entry *e;
	uint32_t idx = held_by(v, client, address);
	char text[ADDR_IPV4_STRLEN], tag[32];
	int n;

	if (idx == NONE)
		return -ENOENT;
	e = &v->entries[idx];
	unlink_client(v, idx);
	e->state = ENTRY_DECLINED;
	e->expires = now->mono + t->decline_hold;
	e->hostname[0] = '\0';

	/*
	 * The store keeps one row per client id and drops the others on each
	 * put, so a quarantine row carries an id of its own (type 0, RFC 2132
	 * §9.14, then a text naming the address) rather than the client's.
	 */
	lease_to_store(e, now, STORE_LEASE_DECLINED, &row);
	addr_format_ipv4(address, text);
	n = snprintf(tag, sizeof(tag), "declined %s", text);
	row.client_id[0] = 0;
	memcpy(&row.client_id[1], tag, (size_t)n);
	row.client_id_len = (uint8_t)(1 + n);
	return store_lease_put(t->st, &row);
}

void dhcp_leases_forget_offer(struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                              const struct dhcp_client_id *client, const struct dhcp_clock *now)
{
	uint32_t idx = find_by_client(&t->view, client, subnet->subnet.id);

	if (idx == NONE || t->view.entries[idx].state != ENTRY_OFFERED)
		return;
	t->view.entries[idx].state = ENTRY_RELEASED;
	t->view.entries[idx].expires = now->mono;
}

enum dhcp_lease_state dhcp_leases_state(const struct dhcp_leases *t, uint32_t address,
                                        const struct dhcp_clock *now,
                                        struct dhcp_client_id *ret_client)
{
	uint32_t idx = find_by_address(&t->view, address);
	const struct lease_entry *e;

	if (idx == NONE)
		return DHCP_LEASE_FREE;
	e = &t->view.entries[idx];
	if (ret_client != NULL && e->client.len > 0)
		*ret_client = e->client;
	if (!entry_active(e, now))
		return DHCP_LEASE_FREE;
	switch (e->state) {
	case ENTRY_OFFERED:
		return DHCP_LEASE_OFFERED;
	case ENTRY_BOUND:
		return DHCP_LEASE_BOUND;
	case ENTRY_DECLINED:
		return DHCP_LEASE_DECLINED;
	default:
		return DHCP_LEASE_FREE;
	}
}

size_t dhcp_leases_count(const struct dhcp_leases *t)
{
	return t->view.n_entries;
}
