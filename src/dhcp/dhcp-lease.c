/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-lease -- lease table: entries in one array, indexed by three chained
 * hash tables (address, client id, MAC), rebuilt from the store when the
 * subnets, ranges or reservations change. Changes are grouped in batches
 * whose rows reach the store in one transaction; when that write fails,
 * the entries go back to what they were when the batch began.
 */
#include "dhcp/dhcp-lease.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store-ipam.h"

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
	uint8_t mac[ADDR_MAC_LEN];    /* the holder's chaddr, indexed while client.len > 0 */
	char hostname[STORE_HOSTNAME_MAX];
	enum entry_state state;
	uint64_t expires; /* CLOCK_MONOTONIC seconds, which for free entries is their last use */
	uint32_t next_by_address;
	uint32_t next_by_client;
	uint32_t next_by_mac;
	uint32_t batch_mark; /* the batch whose undo log contains this entry's old value */
};

/* A reservation's place in the MAC index. */
struct resv_key {
	uint8_t mac[ADDR_MAC_LEN];
	int64_t subnet_id;
	uint32_t idx; /* into view.resv */
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
	uint32_t *by_mac;
	size_t n_buckets;               /* power of two, at least twice cap_entries */
	struct store_reservation *resv; /* sorted by address */
	size_t n_resv;
	struct resv_key *resv_by_mac; /* reservations with a MAC, sorted by MAC then subnet */
	size_t n_resv_by_mac;
};

struct undo_record {
	uint32_t idx;
	struct lease_entry saved;
};

/* Changes since dhcp_leases_begin(): the undo log and the rows to write. */
struct batch {
	bool open;
	uint32_t mark;
	size_t base_entries; /* entries added after this index vanish on rollback */
	struct undo_record *undo;
	size_t n_undo, cap_undo;
	struct store_lease *rows;
	size_t n_rows, cap_rows;
};

struct dhcp_leases {
	struct store *st;
	uint32_t offer_hold;
	uint32_t decline_hold;
	uint32_t max_per_mac; /* 0: no limit */
	uint64_t generation;
	struct view view;
	uint32_t excluded[DHCP_LEASES_EXCLUDED_MAX];
	size_t n_excluded;
	struct batch batch;
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

/* FNV-1a over bytes. */
static size_t hash_bytes(const uint8_t *data, size_t len, size_t n_buckets)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return (size_t)(h & (uint32_t)(n_buckets - 1));
}

static size_t hash_client(const struct dhcp_client_id *id, size_t n_buckets)
{
	return hash_bytes(id->data, id->len, n_buckets);
}

static size_t hash_mac(const uint8_t mac[ADDR_MAC_LEN], size_t n_buckets)
{
	return hash_bytes(mac, ADDR_MAC_LEN, n_buckets);
}

static void view_free(struct view *v)
{
	free(v->subnets);
	free(v->ranges);
	free(v->entries);
	free(v->by_address);
	free(v->by_client);
	free(v->by_mac);
	free(v->resv);
	free(v->resv_by_mac);
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

/* Adds an entry with a holder to the client id and MAC indexes. */
static void link_holder(struct view *v, uint32_t idx)
{
	struct lease_entry *e = &v->entries[idx];
	size_t b = hash_client(&e->client, v->n_buckets);

	e->next_by_client = v->by_client[b];
	v->by_client[b] = idx;
	b = hash_mac(e->mac, v->n_buckets);
	e->next_by_mac = v->by_mac[b];
	v->by_mac[b] = idx;
}

/* Removes the entry's holder, and the entry from the client id and MAC indexes. */
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
	for (link = &v->by_mac[hash_mac(e->mac, v->n_buckets)]; *link != NONE;
	     link = &v->entries[*link].next_by_mac) {
		if (*link == idx) {
			*link = e->next_by_mac;
			break;
		}
	}
	e->next_by_client = NONE;
	e->next_by_mac = NONE;
	e->client.len = 0;
}

/* Gives the entry to client with chaddr mac, keeping both indexes in step. */
static void set_holder(struct view *v, uint32_t idx, const struct dhcp_client_id *client,
                       const uint8_t mac[ADDR_MAC_LEN])
{
	struct lease_entry *e = &v->entries[idx];

	if (client_equal(&e->client, client) && memcmp(e->mac, mac, ADDR_MAC_LEN) == 0)
		return;
	unlink_client(v, idx);
	e->client = *client;
	memcpy(e->mac, mac, ADDR_MAC_LEN);
	if (client->len > 0)
		link_holder(v, idx);
}

/* Rebuilds every chain of the three indexes from the entries, in the existing bucket arrays. */
static void view_relink(struct view *v)
{
	for (size_t b = 0; b < v->n_buckets; b++) {
		v->by_address[b] = NONE;
		v->by_client[b] = NONE;
		v->by_mac[b] = NONE;
	}
	for (uint32_t i = 0; i < (uint32_t)v->n_entries; i++) {
		size_t b = hash_address(v->entries[i].address, v->n_buckets);

		v->entries[i].next_by_address = v->by_address[b];
		v->by_address[b] = i;
		v->entries[i].next_by_client = NONE;
		v->entries[i].next_by_mac = NONE;
		if (v->entries[i].client.len > 0)
			link_holder(v, i);
	}
}

/* Rebuilds the three hash indexes with n_buckets heads. */
static int view_rehash(struct view *v, size_t n_buckets)
{
	uint32_t *by_address = malloc(n_buckets * sizeof(*by_address));
	uint32_t *by_client = malloc(n_buckets * sizeof(*by_client));
	uint32_t *by_mac = malloc(n_buckets * sizeof(*by_mac));

	if (by_address == NULL || by_client == NULL || by_mac == NULL) {
		free(by_address);
		free(by_client);
		free(by_mac);
		return -ENOMEM;
	}
	free(v->by_address);
	free(v->by_client);
	free(v->by_mac);
	v->by_address = by_address;
	v->by_client = by_client;
	v->by_mac = by_mac;
	v->n_buckets = n_buckets;
	view_relink(v);
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
	e->next_by_mac = NONE;
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

/* True when addr is a host address of the subnet that is neither its gateway nor rackd's own. */
static bool address_usable(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                           uint32_t addr)
{
	const struct store_subnet *s = &subnet->subnet;
	uint32_t mask = addr_prefix_mask(s->prefix_len);

	if (!addr_in_prefix4(addr, s->network, s->prefix_len))
		return false;
	/* RFC 3021: a /31 has no network or broadcast address; a /32 is one host. */
	if (s->prefix_len <= 30 && (addr == s->network || addr == (s->network | ~mask)))
		return false;
	return addr != s->gateway && !address_excluded(t, addr);
}

static const struct store_reservation *find_resv_by_address(const struct view *v, uint32_t addr)
{
	size_t lo = 0, hi = v->n_resv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->resv[mid].address == addr)
			return &v->resv[mid];
		if (v->resv[mid].address < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int compare_resv_key(const uint8_t mac[ADDR_MAC_LEN], int64_t subnet_id,
                            const struct resv_key *k)
{
	int c = memcmp(mac, k->mac, ADDR_MAC_LEN);

	if (c != 0)
		return c;
	return subnet_id < k->subnet_id ? -1 : subnet_id > k->subnet_id;
}

/* The reservation of mac in the subnet, or NULL. */
static const struct store_reservation *
find_resv_by_mac(const struct view *v, const uint8_t mac[ADDR_MAC_LEN], int64_t subnet_id)
{
	size_t lo = 0, hi = v->n_resv_by_mac;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_resv_key(mac, subnet_id, &v->resv_by_mac[mid]);

		if (c == 0)
			return &v->resv[v->resv_by_mac[mid].idx];
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool resv_owned_by(const struct store_reservation *r, const struct dhcp_subnet *subnet,
                          const uint8_t *mac)
{
	return mac != NULL && r->has_mac && memcmp(r->mac, mac, ADDR_MAC_LEN) == 0 &&
	       (r->subnet_id == 0 || r->subnet_id == subnet->subnet.id);
}

/*
 * True when addr may be leased in subnet to the client with chaddr mac (NULL:
 * to any client). A reserved address (static or sticky in ip_addresses) goes
 * only to the MAC it is bound to, inside or outside the dynamic ranges; any
 * other address must lie in a dynamic range and in no reserved range.
 */
static bool view_allocatable(const struct dhcp_leases *t, const struct view *v,
                             const struct dhcp_subnet *subnet, uint32_t addr, const uint8_t *mac)
{
	const struct store_reservation *resv;
	bool dynamic = false;

	if (!address_usable(t, subnet, addr))
		return false;
	resv = find_resv_by_address(v, addr);
	if (resv != NULL)
		return resv_owned_by(resv, subnet, mac);
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

bool dhcp_leases_is_allocatable(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                                uint32_t addr)
{
	return view_allocatable(t, &t->view, subnet, addr, NULL);
}

static bool allocatable_for(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                            uint32_t addr, const uint8_t mac[ADDR_MAC_LEN])
{
	return view_allocatable(t, &t->view, subnet, addr, mac);
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

static int compare_resv_address(const void *a, const void *b)
{
	const struct store_reservation *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

static int compare_resv_keys(const void *a, const void *b)
{
	const struct resv_key *y = b;
	const struct resv_key *x = a;

	return compare_resv_key(x->mac, x->subnet_id, y);
}

/* Loads the static and sticky addresses and indexes them by address and by MAC. */
static int view_load_reservations(struct store *st, struct view *v)
{
	size_t n = 0;
	int ret;

	ret = store_reservation_list(st, &v->resv, &v->n_resv);
	if (ret < 0)
		return ret;
	if (v->n_resv == 0)
		return 0;
	qsort(v->resv, v->n_resv, sizeof(*v->resv), compare_resv_address);
	v->resv_by_mac = calloc(v->n_resv, sizeof(*v->resv_by_mac));
	if (v->resv_by_mac == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_resv; i++) {
		if (!v->resv[i].has_mac)
			continue;
		memcpy(v->resv_by_mac[n].mac, v->resv[i].mac, ADDR_MAC_LEN);
		v->resv_by_mac[n].subnet_id = v->resv[i].subnet_id;
		v->resv_by_mac[n].idx = (uint32_t)i;
		n++;
	}
	qsort(v->resv_by_mac, n, sizeof(*v->resv_by_mac), compare_resv_keys);
	v->n_resv_by_mac = n;
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

	if (subnet == NULL || !view_allocatable(t, v, subnet, l->address, l->mac))
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
		set_holder(v, idx, &id, l->mac);
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
	ret = view_load_reservations(t->st, v);
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
		if (!view_allocatable(t, v, subnet, o->address, o->mac) ||
		    find_by_client(v, &o->client, o->subnet_id) != NONE)
			continue;
		idx = find_by_address(v, o->address);
		if (idx != NONE && entry_active(&v->entries[idx], now))
			continue;
		if (idx == NONE && entry_add(v, o->address, o->subnet_id, &idx) < 0)
			return;
		set_holder(v, idx, &o->client, o->mac);
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
	free(t->batch.undo);
	free(t->batch.rows);
	free(t);
}

void dhcp_leases_set_max_per_mac(struct dhcp_leases *t, uint32_t max)
{
	t->max_per_mac = max;
}

int dhcp_leases_sync(struct dhcp_leases *t, const struct dhcp_clock *now)
{
	uint64_t generation = store_config_generation(t->st);
	struct view v;
	int ret;

	if (generation == t->generation)
		return 0;
	if (t->batch.open)
		return -EBUSY;
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

/* Batches */

/* Makes room for n_undo more undo records and n_rows more rows, before anything changes. */
static int batch_reserve(struct dhcp_leases *t, size_t n_undo, size_t n_rows)
{
	struct batch *b = &t->batch;

	if (b->n_rows + n_rows > DHCP_LEASES_BATCH_MAX)
		return -ENOBUFS;
	if (b->n_undo + n_undo > b->cap_undo) {
		size_t cap = b->cap_undo ? b->cap_undo : 64;
		struct undo_record *undo;

		while (cap < b->n_undo + n_undo)
			cap *= 2;
		undo = realloc(b->undo, cap * sizeof(*undo));
		if (undo == NULL)
			return -ENOMEM;
		b->undo = undo;
		b->cap_undo = cap;
	}
	if (b->n_rows + n_rows > b->cap_rows) {
		size_t cap = b->cap_rows ? b->cap_rows : 64;
		struct store_lease *rows;

		while (cap < b->n_rows + n_rows)
			cap *= 2;
		rows = realloc(b->rows, cap * sizeof(*rows));
		if (rows == NULL)
			return -ENOMEM;
		b->rows = rows;
		b->cap_rows = cap;
	}
	return 0;
}

/* Records the entry's value at the start of the batch; needs room from batch_reserve(). */
static void batch_save(struct dhcp_leases *t, uint32_t idx)
{
	struct batch *b = &t->batch;
	struct lease_entry *e = &t->view.entries[idx];

	if (idx >= b->base_entries || e->batch_mark == b->mark)
		return;
	e->batch_mark = b->mark;
	b->undo[b->n_undo].idx = idx;
	b->undo[b->n_undo].saved = *e;
	b->n_undo++;
}

static void batch_add_row(struct dhcp_leases *t, const struct store_lease *row)
{
	t->batch.rows[t->batch.n_rows++] = *row;
}

static void batch_close(struct dhcp_leases *t)
{
	t->batch.open = false;
	t->batch.n_undo = 0;
	t->batch.n_rows = 0;
}

/* Puts every entry back as it was at dhcp_leases_begin() and drops the entries added since. */
static void batch_rollback(struct dhcp_leases *t)
{
	struct batch *b = &t->batch;
	struct view *v = &t->view;

	if (b->n_undo == 0 && v->n_entries == b->base_entries) {
		batch_close(t);
		return;
	}
	for (size_t i = b->n_undo; i-- > 0;)
		v->entries[b->undo[i].idx] = b->undo[i].saved;
	v->n_entries = b->base_entries;
	/* The restored entries carry stale chain links, so every chain is rebuilt. */
	view_relink(v);
	batch_close(t);
}

int dhcp_leases_begin(struct dhcp_leases *t)
{
	struct batch *b = &t->batch;

	if (b->open)
		return -EBUSY;
	b->open = true;
	b->mark++;
	if (b->mark == 0) {
		/* After a wrap, old marks could match the new one: clear them. */
		for (size_t i = 0; i < t->view.n_entries; i++)
			t->view.entries[i].batch_mark = 0;
		b->mark = 1;
	}
	b->base_entries = t->view.n_entries;
	b->n_undo = 0;
	b->n_rows = 0;
	return 0;
}

size_t dhcp_leases_batch_rows(const struct dhcp_leases *t)
{
	return t->batch.open ? t->batch.n_rows : 0;
}

int dhcp_leases_commit(struct dhcp_leases *t)
{
	struct batch *b = &t->batch;
	int ret;

	if (!b->open)
		return 0;
	if (b->n_rows == 0) {
		batch_close(t);
		return 0;
	}
	ret = store_lease_put_many(t->st, b->rows, b->n_rows);
	if (ret < 0) {
		batch_rollback(t);
		return ret;
	}
	batch_close(t);
	return 0;
}

/* Opens a batch for a single call when the caller has none open. */
static bool batch_begin_own(struct dhcp_leases *t)
{
	if (t->batch.open)
		return false;
	(void)dhcp_leases_begin(t);
	return true;
}

/* Ends a batch opened by batch_begin_own(): commits it after success, else rolls it back. */
static int batch_end_own(struct dhcp_leases *t, bool own, int ret)
{
	if (!own)
		return ret;
	if (ret < 0) {
		batch_rollback(t);
		return ret;
	}
	return dhcp_leases_commit(t);
}

/* Limits */

/*
 * Counts the MAC's offers and leases still running in any subnet, except
 * the one of client in subnet_id, which a new offer or lease would replace.
 */
static size_t count_active_by_mac(const struct view *v, const uint8_t mac[ADDR_MAC_LEN],
                                  const struct dhcp_client_id *client, int64_t subnet_id,
                                  const struct dhcp_clock *now)
{
	size_t n = 0;

	if (v->n_buckets == 0)
		return 0;
	for (uint32_t i = v->by_mac[hash_mac(mac, v->n_buckets)]; i != NONE;
	     i = v->entries[i].next_by_mac) {
		const struct lease_entry *e = &v->entries[i];

		if (memcmp(e->mac, mac, ADDR_MAC_LEN) != 0 || !entry_active(e, now) ||
		    (e->state != ENTRY_BOUND && e->state != ENTRY_OFFERED))
			continue;
		if (e->subnet_id == subnet_id && client_equal(&e->client, client))
			continue;
		n++;
	}
	return n;
}

static bool over_mac_limit(const struct dhcp_leases *t, const uint8_t mac[ADDR_MAC_LEN],
                           const struct dhcp_client_id *client, int64_t subnet_id,
                           const struct dhcp_clock *now)
{
	return t->max_per_mac > 0 &&
	       count_active_by_mac(&t->view, mac, client, subnet_id, now) >= t->max_per_mac;
}

/*
 * The address reserved for mac in the subnet when the client can have it
 * now: usable, and not held by another client. Else 0.
 */
static uint32_t reserved_address(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                                 const struct dhcp_client_id *client,
                                 const uint8_t mac[ADDR_MAC_LEN], const struct dhcp_clock *now)
{
	const struct view *v = &t->view;
	const struct store_reservation *r = find_resv_by_mac(v, mac, subnet->subnet.id);
	uint32_t idx;

	if (r == NULL || !address_usable(t, subnet, r->address))
		return 0;
	idx = find_by_address(v, r->address);
	if (idx != NONE && entry_active(&v->entries[idx], now) &&
	    !client_equal(&v->entries[idx].client, client))
		return 0;
	return r->address;
}

/* Offers */

/* Chooses the entry to offer to a client with no entry in the subnet. */
static int pick_new_entry(struct dhcp_leases *t, struct dhcp_subnet *subnet, uint32_t requested,
                          const uint8_t mac[ADDR_MAC_LEN], const struct dhcp_clock *now,
                          uint32_t *ret_idx)
{
	struct view *v = &t->view;
	uint32_t idx, addr;

	if (requested != 0 && allocatable_for(t, subnet, requested, mac)) {
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

/* Frees the client's entry idx in memory; the store row stays until the next write for it. */
static void drop_entry(struct dhcp_leases *t, uint32_t idx, const struct dhcp_clock *now)
{
	batch_save(t, idx);
	unlink_client(&t->view, idx);
	t->view.entries[idx].state = ENTRY_FREE;
	t->view.entries[idx].expires = now->mono;
}

/*
 * Chooses the entry for an offer: the reserved address, else the client's
 * entry while the client may still have its address, else a new one.
 */
static int choose_offer_entry(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                              const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                              uint32_t requested, const struct dhcp_clock *now, uint32_t *ret_idx)
{
	struct view *v = &t->view;
	uint32_t own = find_by_client(v, client, subnet->subnet.id);
	uint32_t reserved = reserved_address(t, subnet, client, mac, now);
	uint32_t idx;

	if (reserved != 0) {
		idx = find_by_address(v, reserved);
		if (own != NONE && own != idx)
			drop_entry(t, own, now);
		if (idx == NONE)
			return entry_add(v, reserved, subnet->subnet.id, ret_idx);
		*ret_idx = idx;
		return 0;
	}
	if (own != NONE && !allocatable_for(t, subnet, v->entries[own].address, mac)) {
		/* The address left the pool, was reserved or became the server's own since. */
		drop_entry(t, own, now);
		own = NONE;
	}
	if (own != NONE) {
		*ret_idx = own;
		return 0;
	}
	if (over_mac_limit(t, mac, client, subnet->subnet.id, now))
		return -EDQUOT;
	return pick_new_entry(t, subnet, requested, mac, now, ret_idx);
}

int dhcp_leases_offer(struct dhcp_leases *t, struct dhcp_subnet *subnet,
                      const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                      uint32_t requested, const struct dhcp_clock *now, uint32_t *ret_address)
{
	struct lease_entry *e;
	bool own = batch_begin_own(t);
	uint32_t idx, address = 0;
	int ret;

	/* At most two entries change: the client's old one and the offered one. */
	ret = batch_reserve(t, 2, 0);
	if (ret < 0)
		goto out;
	ret = choose_offer_entry(t, subnet, client, mac, requested, now, &idx);
	if (ret < 0)
		goto out;
	batch_save(t, idx);
	set_holder(&t->view, idx, client, mac);
	e = &t->view.entries[idx];
	/* A client with a lease still running keeps it, because an offer must not shorten it. */
	if (!(e->state == ENTRY_BOUND && entry_active(e, now))) {
		e->state = ENTRY_OFFERED;
		e->expires = now->mono + t->offer_hold;
	}
	address = e->address;
out:
	ret = batch_end_own(t, own, ret);
	if (ret == 0)
		*ret_address = address;
	return ret;
}

/* Requests */

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

/* Counts the client's entries in the subnet other than keep. */
static size_t count_other_entries(const struct view *v, const struct dhcp_client_id *client,
                                  int64_t subnet_id, uint32_t keep)
{
	size_t n = 0;

	for (uint32_t i = v->by_client[hash_client(client, v->n_buckets)]; i != NONE;
	     i = v->entries[i].next_by_client) {
		if (i != keep && v->entries[i].subnet_id == subnet_id &&
		    client_equal(&v->entries[i].client, client))
			n++;
	}
	return n;
}

/*
 * Drops the client from its other entries in the subnet of keep, mirroring
 * the store, which removes the client's other rows of that subnet on each put.
 */
static void forget_other_entries(struct dhcp_leases *t, const struct dhcp_client_id *client,
                                 uint32_t keep, const struct dhcp_clock *now)
{
	struct view *v = &t->view;
	uint32_t i = v->by_client[hash_client(client, v->n_buckets)];

	while (i != NONE) {
		uint32_t next = v->entries[i].next_by_client;

		if (i != keep && v->entries[i].subnet_id == v->entries[keep].subnet_id &&
		    client_equal(&v->entries[i].client, client))
			drop_entry(t, i, now);
		i = next;
	}
}

/* Applies the RFC 2131 §4.3.2 checks; returns 0 when the client may have address. */
static int check_request(const struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                         const struct dhcp_client_id *client, const uint8_t mac[ADDR_MAC_LEN],
                         uint32_t address, enum dhcp_request_kind kind,
                         const struct dhcp_clock *now)
{
	const struct view *v = &t->view;
	const struct store_reservation *resv = find_resv_by_address(v, address);
	uint32_t idx, own, reserved;

	if (resv != NULL && address_usable(t, subnet, address) && !resv_owned_by(resv, subnet, mac))
		return -EACCES;
	if (!allocatable_for(t, subnet, address, mac))
		return -EADDRNOTAVAIL;
	idx = find_by_address(v, address);
	own = find_by_client(v, client, subnet->subnet.id);
	if (idx != NONE && entry_active(&v->entries[idx], now) && idx != own)
		return -EADDRINUSE;
	/* A client with a reservation it can have gets that address and no other. */
	reserved = reserved_address(t, subnet, client, mac, now);
	if (reserved != 0 && reserved != address)
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
	if (over_mac_limit(t, mac, client, subnet->subnet.id, now))
		return -EDQUOT;
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
	bool own = batch_begin_own(t);
	struct store_lease row;
	struct lease_entry *e;
	uint32_t idx;
	int ret;

	ret = check_request(t, subnet, client, mac, address, kind, now);
	if (ret < 0)
		goto out;
	idx = find_by_address(v, address);
	ret = batch_reserve(t, 1 + count_other_entries(v, client, subnet->subnet.id, idx), 1);
	if (ret < 0)
		goto out;
	if (idx == NONE) {
		ret = entry_add(v, address, subnet->subnet.id, &idx);
		if (ret < 0)
			goto out;
	}
	batch_save(t, idx);
	forget_other_entries(t, client, idx, now);
	set_holder(v, idx, client, mac);
	e = &v->entries[idx];
	(void)snprintf(e->hostname, sizeof(e->hostname), "%s", hostname ? hostname : "");
	e->state = ENTRY_BOUND;
	e->expires = now->mono + lease_time;
	lease_to_store(e, now, STORE_LEASE_BOUND, &row);
	batch_add_row(t, &row);
out:
	ret = batch_end_own(t, own, ret);
	if (ret == 0 && ret_expires != NULL)
		*ret_expires = row.expires;
	return ret;
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

bool dhcp_leases_holds(const struct dhcp_leases *t, const struct dhcp_client_id *client,
                       uint32_t address)
{
	return held_by(&t->view, client, address) != NONE;
}

int dhcp_leases_release(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now)
{
	struct view *v = &t->view;
	uint32_t idx = held_by(v, client, address);
	struct store_lease row;
	bool own;
	int ret;

	if (idx == NONE)
		return -ENOENT;
	own = batch_begin_own(t);
	ret = batch_reserve(t, 1, 1);
	if (ret == 0) {
		batch_save(t, idx);
		v->entries[idx].state = ENTRY_RELEASED;
		v->entries[idx].expires = now->mono;
		lease_to_store(&v->entries[idx], now, STORE_LEASE_RELEASED, &row);
		batch_add_row(t, &row);
	}
	return batch_end_own(t, own, ret);
}

int dhcp_leases_decline(struct dhcp_leases *t, const struct dhcp_client_id *client,
                        uint32_t address, const struct dhcp_clock *now)
{
	struct view *v = &t->view;
	uint32_t idx = held_by(v, client, address);
	char text[ADDR_IPV4_STRLEN], tag[32];
	struct store_lease row;
	struct lease_entry *e;
	bool own;
	int n, ret;

	if (idx == NONE)
		return -ENOENT;
	own = batch_begin_own(t);
	ret = batch_reserve(t, 0, 1);
	if (ret < 0)
		return batch_end_own(t, own, ret);
	/*
	 * The quarantine is not in the undo log: the address stays out of use
	 * even when the batch's write fails (then only until a restart).
	 */
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
	batch_add_row(t, &row);
	return batch_end_own(t, own, 0);
}

void dhcp_leases_forget_offer(struct dhcp_leases *t, const struct dhcp_subnet *subnet,
                              const struct dhcp_client_id *client, const struct dhcp_clock *now)
{
	uint32_t idx = find_by_client(&t->view, client, subnet->subnet.id);
	bool own;

	if (idx == NONE || t->view.entries[idx].state != ENTRY_OFFERED)
		return;
	own = batch_begin_own(t);
	if (batch_reserve(t, 1, 0) == 0) {
		batch_save(t, idx);
		t->view.entries[idx].state = ENTRY_RELEASED;
		t->view.entries[idx].expires = now->mono;
	}
	(void)batch_end_own(t, own, 0);
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
