/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-zone -- builds immutable snapshots of the served zones and looks names
 * up in them. Each zone has two tables, one generated from the inventory and
 * one from API records, so an API change rebuilds only the small table and
 * shares the inventory one with the previous snapshot.
 */
#include "dns/dns-zone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns-zone-internal.h"

/* Arena */

#define ARENA_CHUNK (64u << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t cap;
	uint8_t data[];
};

struct dns_arena {
	struct arena_chunk *head;
};

struct dns_arena *dns_arena_new(void)
{
	return calloc(1, sizeof(struct dns_arena));
}

void dns_arena_free(struct dns_arena *a)
{
	if (a == NULL)
		return;
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
	free(a);
}

void *dns_arena_alloc(struct dns_arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

void *dns_arena_dup(struct dns_arena *a, const void *src, size_t n)
{
	void *p = dns_arena_alloc(a, n ? n : 1);

	if (p && n)
		memcpy(p, src, n);
	return p;
}

/* RR lists */

int dns_rrlist_add(struct dns_rrlist *l, const uint8_t *owner, size_t owner_len, uint16_t type,
                   uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	struct dns_rr *rr;

	if (rdlen > DNS_RDATA_MAX || owner_len > DNS_NAME_MAX)
		return -E2BIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		void *p = cap > DNS_RECORDS_MAX * 4 ? NULL : realloc(l->rrs, cap * sizeof(*l->rrs));

		if (p == NULL)
			return -ENOMEM;
		l->rrs = p;
		l->cap = cap;
	}
	if (l->arena == NULL && (l->arena = dns_arena_new()) == NULL)
		return -ENOMEM;
	rr = &l->rrs[l->n];
	rr->owner = dns_arena_dup(l->arena, owner, owner_len);
	rr->rdata = dns_arena_dup(l->arena, rdata, rdlen);
	if (rr->owner == NULL || rr->rdata == NULL)
		return -ENOMEM;
	dns_name_lower(rr->owner);
	rr->owner_len = (uint8_t)owner_len;
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	rr->zone = 0;
	l->n++;
	return 0;
}

void dns_rrlist_done(struct dns_rrlist *l)
{
	free(l->rrs);
	dns_arena_free(l->arena);
	memset(l, 0, sizeof(*l));
}

/* Orders RRs by zone, owner, type and RDATA; the TTL does not take part. */
static int rr_compare_data(const struct dns_rr *a, const struct dns_rr *b)
{
	size_t n;
	int c;

	if (a->zone != b->zone)
		return a->zone < b->zone ? -1 : 1;
	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	c = memcmp(a->owner, b->owner, a->owner_len);
	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = memcmp(a->rdata, b->rdata, n);
	if (c)
		return c;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	return 0;
}

/* Sorts equal RRs together, lowest TTL first. */
static int rr_compare(const void *pa, const void *pb)
{
	const struct dns_rr *a = *(const struct dns_rr *const *)pa;
	const struct dns_rr *b = *(const struct dns_rr *const *)pb;
	int c = rr_compare_data(a, b);

	if (c)
		return c;
	return a->ttl < b->ttl ? -1 : a->ttl > b->ttl;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t fnv64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t dns_rr_hash(const uint8_t *owner, size_t owner_len, uint16_t type, uint32_t ttl,
                     const uint8_t *rdata, size_t rdlen)
{
	uint8_t fixed[6] = { (uint8_t)(type >> 8), (uint8_t)type,       (uint8_t)(ttl >> 24),
		             (uint8_t)(ttl >> 16), (uint8_t)(ttl >> 8), (uint8_t)ttl };
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv64(h, owner, owner_len);
	h = fnv64(h, fixed, sizeof(fixed));
	h = fnv64(h, rdata, rdlen);
	return mix64(h);
}

/* Tables */

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

const struct dns_node *dns_table_lookup(const struct dns_table *t, const uint8_t *name, size_t len,
                                        uint32_t hash)
{
	if (t == NULL || t->n_nodes == 0)
		return NULL;
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		const struct dns_node *n = t->slots[i];

		if (n == NULL)
			return NULL;
		if (n->hash == hash && n->name_len == len && memcmp(n->name, name, len) == 0)
			return n;
	}
}

static void table_insert(struct dns_table *t, struct dns_node *node)
{
	size_t i = node->hash & t->mask;

	while (t->slots[i])
		i = (i + 1) & t->mask;
	t->slots[i] = node;
	t->n_nodes++;
}

static struct dns_node *node_new(struct dns_table *t, const uint8_t *name, size_t len)
{
	struct dns_node *node = dns_arena_alloc(t->arena, sizeof(*node));

	if (node == NULL)
		return NULL;
	memset(node, 0, sizeof(*node));
	node->name = dns_arena_dup(t->arena, name, len);
	if (node->name == NULL)
		return NULL;
	node->name_len = (uint8_t)len;
	node->hash = dns_name_hash(name, len);
	return node;
}

/* Fills one node from rrs[0..n) (same owner, sorted by type). */
static int node_fill(struct dns_table *t, struct dns_node *node, const uint8_t *apex,
                     size_t apex_len, struct dns_rr *const *rrs, size_t n)
{
	struct dns_rrset *sets;
	size_t n_sets = 0, bytes = 0;
	uint8_t *data;

	for (size_t i = 0; i < n; i++) {
		if (i == 0 || rrs[i]->type != rrs[i - 1]->type)
			n_sets++;
		bytes += 2u + rrs[i]->rdlen;
	}
	if (n_sets > UINT16_MAX)
		return -E2BIG;
	sets = dns_arena_alloc(t->arena, n_sets * sizeof(*sets));
	data = dns_arena_alloc(t->arena, bytes);
	if (sets == NULL || data == NULL)
		return -ENOMEM;
	n_sets = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dns_rr *rr = rrs[i];
		struct dns_rrset *set;

		if (i == 0 || rr->type != rrs[i - 1]->type) {
			set = &sets[n_sets++];
			set->type = rr->type;
			set->n_rr = 0;
			set->ttl = rr->ttl;
			set->rdata = data;
		}
		set = &sets[n_sets - 1];
		if (set->n_rr == UINT16_MAX)
			return -E2BIG;
		set->n_rr++;
		/* RFC 2181 §5.2: one TTL per RRset; the lowest wins. */
		if (rr->ttl < set->ttl)
			set->ttl = rr->ttl;
		data[0] = (uint8_t)(rr->rdlen >> 8);
		data[1] = (uint8_t)rr->rdlen;
		memcpy(data + 2, rr->rdata, rr->rdlen);
		data += 2u + rr->rdlen;
		t->content_hash += dns_rr_hash(rr->owner, rr->owner_len, rr->type, rr->ttl,
		                               rr->rdata, rr->rdlen);
		t->n_rrs++;
		if (rr->type == DNS_TYPE_CNAME)
			node->flags |= DNS_NODE_CNAME;
		if (rr->type == DNS_TYPE_NS &&
		    !(rr->owner_len == apex_len && memcmp(rr->owner, apex, apex_len) == 0)) {
			node->flags |= DNS_NODE_CUT;
			t->has_cuts = true;
		}
	}
	node->rrsets = sets;
	node->n_rrsets = (uint16_t)n_sets;
	return 0;
}

/* Adds empty non-terminals for the ancestors of name strictly between it and the apex. */
static int add_ancestors(struct dns_table *t, const uint8_t *name, size_t len, size_t apex_len)
{
	size_t off = 1u + name[0];

	while (len - off > apex_len) {
		uint32_t h = dns_name_hash(name + off, len - off);
		struct dns_node *node;

		if (dns_table_lookup(t, name + off, len - off, h))
			return 0; /* present, so its own ancestors are present too */
		node = node_new(t, name + off, len - off);
		if (node == NULL)
			return -ENOMEM;
		table_insert(t, node);
		off += 1u + name[off];
	}
	return 0;
}

void dns_table_unref(struct dns_table *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	free(t->slots);
	dns_arena_free(t->arena);
	free(t);
}

/* Builds a table from sorted, de-duplicated RRs of one zone. */
int dns_table_build(const uint8_t *apex, size_t apex_len, struct dns_rr *const *rrs, size_t n,
                    struct dns_table **ret_table)
{
	unsigned apex_labels = dns_name_labels(apex);
	size_t bound = 0, start;
	struct dns_table *t;
	int r = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || rrs[i]->owner != rrs[i - 1]->owner)
			bound += dns_name_labels(rrs[i]->owner) - apex_labels + 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->refs = 1;
	t->arena = dns_arena_new();
	t->mask = pow2_at_least(bound * 2) - 1;
	t->slots = calloc(t->mask + 1, sizeof(*t->slots));
	if (t->arena == NULL || t->slots == NULL)
		goto fail;
	for (size_t i = 0; i < n; i = start) {
		struct dns_node *node;

		start = i + 1;
		while (start < n && rrs[start]->owner_len == rrs[i]->owner_len &&
		       memcmp(rrs[start]->owner, rrs[i]->owner, rrs[i]->owner_len) == 0)
			start++;
		node = node_new(t, rrs[i]->owner, rrs[i]->owner_len);
		if (node == NULL)
			goto fail;
		r = node_fill(t, node, apex, apex_len, rrs + i, start - i);
		if (r < 0)
			goto fail;
		table_insert(t, node);
		r = -ENOMEM;
	}
	/* Empty non-terminals (RFC 8020): names with data below them exist. */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && rrs[i]->owner_len == rrs[i - 1]->owner_len &&
		    memcmp(rrs[i]->owner, rrs[i - 1]->owner, rrs[i]->owner_len) == 0)
			continue;
		if (add_ancestors(t, rrs[i]->owner, rrs[i]->owner_len, apex_len) < 0)
			goto fail;
	}
	*ret_table = t;
	return 0;

fail:
	dns_table_unref(t);
	return r;
}

const struct dns_rrset *dns_node_rrset(const struct dns_node *node, uint16_t type)
{
	if (node == NULL)
		return NULL;
	for (uint16_t i = 0; i < node->n_rrsets; i++)
		if (node->rrsets[i].type == type)
			return &node->rrsets[i];
	return NULL;
}

const uint8_t *dns_rrset_rdata(const struct dns_rrset *rrset, uint16_t i, uint16_t *ret_len)
{
	const uint8_t *p = rrset->rdata;

	for (uint16_t k = 0; k < i; k++)
		p += 2u + ((size_t)p[0] << 8 | p[1]);
	*ret_len = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
	return p + 2;
}

/* Zones */

static void zone_write_soa(struct dns_zone *z, const struct dns_zone_params *p)
{
	struct wire_writer w;

	wire_writer_init(&w, z->soa, sizeof(z->soa));
	wire_write_bytes(&w, p->ns[0], dns_name_length(p->ns[0], DNS_NAME_MAX));
	wire_write_bytes(&w, p->rname, dns_name_length(p->rname, DNS_NAME_MAX));
	wire_write_u32(&w, z->serial);
	wire_write_u32(&w, p->refresh);
	wire_write_u32(&w, p->retry);
	wire_write_u32(&w, p->expire);
	wire_write_u32(&w, p->negative_ttl);
	z->soa_len = (uint16_t)wire_writer_len(&w);
}

void dns_snapshot_set_serial(struct dns_snapshot *snap, size_t i, uint32_t serial)
{
	struct dns_zone *z = &snap->zones[i];
	struct wire_writer w;
	size_t first = dns_name_length(z->soa, z->soa_len);
	size_t second = dns_name_length(z->soa + first, z->soa_len - first);

	z->serial = serial;
	wire_writer_init(&w, z->soa + first + second, 4);
	wire_write_u32(&w, serial);
}

static void zone_init(struct dns_zone *z, const uint8_t *apex, size_t apex_len,
                      const struct dns_zone_params *p)
{
	size_t off = 0;

	memset(z, 0, sizeof(*z));
	memcpy(z->apex, apex, apex_len);
	z->apex_len = apex_len;
	z->apex_hash = dns_name_hash(apex, apex_len);
	z->ttl = p->ttl;
	z->serial = 1;
	/* RFC 2308 §3: negative answers live min(SOA TTL, MINIMUM). */
	z->negative_ttl = p->negative_ttl < p->ttl ? p->negative_ttl : p->ttl;
	zone_write_soa(z, p);
	z->ns.type = DNS_TYPE_NS;
	z->ns.ttl = p->ttl;
	z->ns.rdata = z->ns_rdata;
	for (size_t i = 0; i < p->n_ns; i++) {
		size_t len = dns_name_length(p->ns[i], DNS_NAME_MAX);

		z->ns_rdata[off] = 0;
		z->ns_rdata[off + 1] = (uint8_t)len;
		memcpy(z->ns_rdata + off + 2, p->ns[i], len);
		off += 2 + len;
		z->ns.n_rr++;
	}
}

const struct dns_zone *dns_snapshot_zone_by_apex(const struct dns_snapshot *snap,
                                                 const uint8_t *apex, size_t apex_len)
{
	uint32_t h = dns_name_hash(apex, apex_len);

	if (snap == NULL || snap->n_zones == 0)
		return NULL;
	for (size_t i = h & snap->zone_mask;; i = (i + 1) & snap->zone_mask) {
		uint32_t slot = snap->zone_slots[i];
		const struct dns_zone *z;

		if (slot == 0)
			return NULL;
		z = &snap->zones[slot - 1];
		if (z->apex_hash == h && z->apex_len == apex_len &&
		    memcmp(z->apex, apex, apex_len) == 0)
			return z;
	}
}

const struct dns_zone *dns_snapshot_find_zone(const struct dns_snapshot *snap, const uint8_t *name,
                                              size_t name_len)
{
	for (size_t off = 0; off < name_len; off += 1u + name[off]) {
		const struct dns_zone *z =
		        dns_snapshot_zone_by_apex(snap, name + off, name_len - off);

		if (z)
			return z;
		if (name[off] == 0)
			break;
	}
	return NULL;
}

int dns_zone_foreach_rr(const struct dns_zone *zone, dns_rr_fn fn, void *ctx)
{
	int r;

	for (uint16_t i = 0; i < zone->ns.n_rr; i++) {
		uint16_t len;
		const uint8_t *rd = dns_rrset_rdata(&zone->ns, i, &len);

		r = fn(ctx, zone->apex, DNS_TYPE_NS, zone->ns.ttl, rd, len);
		if (r < 0)
			return r;
	}
	for (int l = 0; l < DNS_LAYERS; l++) {
		const struct dns_table *t = zone->layers[l];

		for (size_t s = 0; t && s <= t->mask; s++) {
			const struct dns_node *node = t->slots[s];

			for (uint16_t k = 0; node && k < node->n_rrsets; k++) {
				const struct dns_rrset *set = &node->rrsets[k];

				for (uint16_t i = 0; i < set->n_rr; i++) {
					uint16_t len;
					const uint8_t *rd = dns_rrset_rdata(set, i, &len);

					r = fn(ctx, node->name, set->type, set->ttl, rd, len);
					if (r < 0)
						return r;
				}
			}
		}
	}
	return 0;
}

/* Snapshots */

static void history_unref(struct dns_ixfr_step *step)
{
	if (step == NULL || --step->refs > 0)
		return;
	free(step->removed);
	free(step->added);
	free(step);
}

void dns_snapshot_free(struct dns_snapshot *snap)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; i < snap->n_zones; i++) {
		struct dns_zone *z = &snap->zones[i];

		for (int l = 0; l < DNS_LAYERS; l++)
			dns_table_unref(z->layers[l]);
		for (size_t h = 0; h < z->n_history; h++)
			history_unref(z->history[h]);
	}
	free(snap->zones);
	free(snap->zone_slots);
	free(snap);
}

static int snapshot_index_zones(struct dns_snapshot *snap)
{
	snap->zone_mask = pow2_at_least(snap->n_zones * 2) - 1;
	snap->zone_slots = calloc(snap->zone_mask + 1, sizeof(*snap->zone_slots));
	if (snap->zone_slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < snap->n_zones; i++) {
		size_t s = snap->zones[i].apex_hash & snap->zone_mask;

		while (snap->zone_slots[s])
			s = (s + 1) & snap->zone_mask;
		snap->zone_slots[s] = (uint32_t)(i + 1);
	}
	return 0;
}

static bool same_zone_list(const struct dns_snapshot *a, const struct dns_apex_list *b)
{
	if (a == NULL || a->n_zones != b->n)
		return false;
	for (size_t i = 0; i < b->n; i++)
		if (a->zones[i].apex_len != b->len[i] ||
		    memcmp(a->zones[i].apex, b->names[i], b->len[i]) != 0)
			return false;
	return true;
}

/* Hash of what the SOA and apex NS contribute, apart from the serial. */
static uint64_t params_hash(const struct dns_zone *z)
{
	uint64_t h = dns_rr_hash(z->apex, z->apex_len, DNS_TYPE_NS, z->ns.ttl, z->ns_rdata,
	                         sizeof(z->ns_rdata));
	size_t names = dns_name_length(z->soa, z->soa_len);

	names += dns_name_length(z->soa + names, z->soa_len - names);
	h += dns_rr_hash(z->apex, z->apex_len, DNS_TYPE_SOA, z->ttl, z->soa, names);
	return h + dns_rr_hash(z->apex, z->apex_len, DNS_TYPE_SOA, z->ttl, z->soa + names + 4, 16);
}

/* Takes serial and history from the previous version of the zone. */
static int zone_follow(struct dns_zone *z, const struct dns_zone *old)
{
	struct dns_ixfr_step *step = NULL;
	size_t keep;
	int r;

	z->serial = old->serial;
	if (z->content_hash != old->content_hash) {
		z->serial = old->serial + 1;
		r = dns_ixfr_step_new(old, z, &step);
		if (r < 0 && r != -E2BIG)
			return r;
	}
	keep = old->n_history;
	if (step) {
		z->history[z->n_history++] = step;
		if (keep > DNS_IXFR_HISTORY_MAX - 1)
			keep = DNS_IXFR_HISTORY_MAX - 1;
	} else if (z->serial != old->serial) {
		keep = 0; /* a step too large to keep breaks the chain */
	}
	for (size_t i = 0; i < keep; i++) {
		old->history[i]->refs++;
		z->history[z->n_history++] = old->history[i];
	}
	return 0;
}

int dns_snapshot_build(const struct dns_zone_params *params, const struct store_dns_inventory *inv,
                       const struct store_dns_record *records, size_t n_records,
                       struct dns_snapshot *prev, bool reuse_inventory,
                       struct dns_snapshot **ret_snapshot, size_t *ret_skipped)
{
	struct dns_apex_list apexes = { 0 };
	struct dns_snapshot *snap;
	size_t skipped = 0;
	int r;

	r = dns_apex_list_build(params, inv->subnets, inv->n_subnets, &apexes);
	if (r < 0)
		return r;
	snap = calloc(1, sizeof(*snap));
	if (snap == NULL) {
		dns_apex_list_done(&apexes);
		return -ENOMEM;
	}
	snap->zones = calloc(apexes.n ? apexes.n : 1, sizeof(*snap->zones));
	if (snap->zones == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	snap->n_zones = apexes.n;
	for (size_t i = 0; i < apexes.n; i++)
		zone_init(&snap->zones[i], apexes.names[i], apexes.len[i], params);
	r = snapshot_index_zones(snap);
	if (r < 0)
		goto fail;

	if (reuse_inventory && same_zone_list(prev, &apexes)) {
		for (size_t i = 0; i < snap->n_zones; i++) {
			snap->zones[i].layers[DNS_LAYER_INVENTORY] =
			        prev->zones[i].layers[DNS_LAYER_INVENTORY];
			if (snap->zones[i].layers[DNS_LAYER_INVENTORY])
				snap->zones[i].layers[DNS_LAYER_INVENTORY]->refs++;
		}
	} else {
		r = dns_inventory_tables_build(snap, params, inv, &skipped);
		if (r < 0)
			goto fail;
	}
	r = dns_api_tables_build(snap, params, records, n_records, &skipped);
	if (r < 0)
		goto fail;

	for (size_t i = 0; i < snap->n_zones; i++) {
		struct dns_zone *z = &snap->zones[i];
		const struct dns_zone *old;

		z->content_hash = params_hash(z);
		for (int l = 0; l < DNS_LAYERS; l++)
			if (z->layers[l])
				z->content_hash += z->layers[l]->content_hash;
		old = dns_snapshot_zone_by_apex(prev, z->apex, z->apex_len);
		if (old) {
			r = zone_follow(z, old);
			if (r < 0)
				goto fail;
		}
		dns_snapshot_set_serial(snap, i, z->serial);
	}
	snap->generation = prev ? prev->generation + 1 : 1;
	dns_apex_list_done(&apexes);
	*ret_snapshot = snap;
	if (ret_skipped)
		*ret_skipped = skipped;
	return 0;

fail:
	dns_apex_list_done(&apexes);
	dns_snapshot_free(snap);
	return r;
}

/* Builds the tables of one layer from an RR list whose zone fields are set. */
int dns_layer_build(struct dns_snapshot *snap, enum dns_layer layer, struct dns_rrlist *list)
{
	struct dns_rr **sorted;
	size_t n = 0, start;
	int r = 0;

	sorted = malloc((list->n ? list->n : 1) * sizeof(*sorted));
	if (sorted == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < list->n; i++)
		sorted[i] = &list->rrs[i];
	qsort(sorted, list->n, sizeof(*sorted), rr_compare);
	/* Drop exact duplicates: RRsets are sets (RFC 2181 §5). */
	for (size_t i = 0; i < list->n; i++) {
		if (n > 0 && rr_compare_data(sorted[n - 1], sorted[i]) == 0)
			continue;
		/* Entries with the same owner share one owner pointer for the node walk. */
		if (n > 0 && sorted[n - 1]->zone == sorted[i]->zone &&
		    sorted[n - 1]->owner_len == sorted[i]->owner_len &&
		    memcmp(sorted[n - 1]->owner, sorted[i]->owner, sorted[i]->owner_len) == 0)
			sorted[i]->owner = sorted[n - 1]->owner;
		sorted[n++] = sorted[i];
	}
	for (size_t i = 0; i < n && r == 0; i = start) {
		struct dns_zone *z = &snap->zones[sorted[i]->zone];

		start = i + 1;
		while (start < n && sorted[start]->zone == sorted[i]->zone)
			start++;
		r = dns_table_build(z->apex, z->apex_len, sorted + i, start - i, &z->layers[layer]);
	}
	free(sorted);
	return r;
}
