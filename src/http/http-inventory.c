/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-inventory -- REST routes for sites, racks, tags, machines,
 * interfaces, the audit log (read only) and API tokens.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/ipaddr.h"
#include "http/http-rest.h"
#include "http/rest-json.h"
#include "store/store-ipam.h"

/* Maps the store's answers that a request can cause to 4xx; others stay store failures. */
static int conflict(struct rest_error *err, int r, const char *code, const char *field,
                    const char *message)
{
	if (r == -ESTALE)
		return rest_fail(err, 412, "precondition_failed", NULL,
		                 "the object changed during the request; retry");
	if (r == -EEXIST || r == -EBUSY || r == -EADDRINUSE || r == -ERANGE)
		return rest_fail(err, 409, code, field, "%s", message);
	if (r == -ENOENT)
		return rest_fail(err, 404, "not_found", NULL, "the object is gone");
	return r;
}

/* Checks that a referenced object exists; 422 naming the field otherwise. */
static int check_ref(int r, struct rest_error *err, const char *field, const char *kind, int64_t id)
{
	if (r == -ENOENT)
		return rest_fail(err, 422, "invalid_reference", field, "no %s with id %" PRId64,
		                 kind, id);
	return r;
}

/* Runs a read-only list under one transaction; fills *ret on failure. */
static struct store_txn *begin_read(struct rest_request *rq, enum MHD_Result *ret)
{
	struct store_txn *tx = NULL;
	int r = store_txn_begin(rq->store, false, &tx);

	if (r < 0) {
		*ret = rest_store_failed(rq, r, "opening a read transaction");
		return NULL;
	}
	return tx;
}

/* Sites */

static int site_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_site(obj, create, rec, err);
}

static int site_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_site_get(tx, id, rec);
}

static int site_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	const struct store_site *s = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "a site named \"%s\" exists", s->name);
	return conflict(err, store_site_insert(tx, s, ret_id), "name_taken", "name", msg);
}

static int site_update(struct store_txn *tx, const void *rec, int64_t version,
                       struct rest_error *err)
{
	const struct store_site *s = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "a site named \"%s\" exists", s->name);
	return conflict(err, store_site_update(tx, s, version), "name_taken", "name", msg);
}

static int site_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return conflict(err, store_site_delete(tx, id, version), "in_use", NULL,
	                "the site still has racks; delete or move them first");
}

static json_t *site_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_site_json(rec);
}

static int64_t site_version(const void *rec)
{
	return ((const struct store_site *)rec)->version;
}

static const struct rest_resource site_resource = {
	.name = "site",
	.path = "sites",
	.size = sizeof(struct store_site),
	.decode = site_decode,
	.get = site_get,
	.insert = site_insert,
	.update = site_update,
	.remove = site_remove,
	.to_json = site_json,
	.version = site_version,
};

enum MHD_Result http_sites_list(struct rest_request *rq)
{
	static const char *const filters[] = { "name", NULL };
	struct store_site *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) || (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_site_list(tx, rest_query(rq, "name"), &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing sites");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_site_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_sites_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &site_resource);
}

enum MHD_Result http_sites_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &site_resource);
}

enum MHD_Result http_sites_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &site_resource);
}

enum MHD_Result http_sites_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &site_resource);
}

/* Racks */

static void rack_init(void *rec)
{
	((struct store_rack *)rec)->height = 42;
}

static int rack_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_rack(obj, create, rec, err);
}

static int rack_check(struct store_txn *tx, const void *old, void *rec, struct rest_error *err)
{
	const struct store_rack *r = rec;
	struct store_site site;

	(void)old;
	return check_ref(store_site_get(tx, r->site_id, &site), err, "site_id", "site", r->site_id);
}

static int rack_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_rack_get(tx, id, rec);
}

static int rack_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	const struct store_rack *r = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "site %" PRId64 " has a rack named \"%s\"", r->site_id,
	               r->name);
	return conflict(err, store_rack_insert(tx, r, ret_id), "name_taken", "name", msg);
}

static int rack_update(struct store_txn *tx, const void *rec, int64_t version,
                       struct rest_error *err)
{
	const struct store_rack *r = rec;
	int ret = store_rack_update(tx, r, version);
	char msg[128];

	if (ret == -ERANGE)
		return rest_fail(err, 409, "rack_too_small", "height",
		                 "machines sit above unit %u of the rack; move them first",
		                 r->height);
	(void)snprintf(msg, sizeof(msg), "site %" PRId64 " has a rack named \"%s\"", r->site_id,
	               r->name);
	return conflict(err, ret, "name_taken", "name", msg);
}

static int rack_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return conflict(err, store_rack_delete(tx, id, version), "in_use", NULL, "rack in use");
}

static json_t *rack_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_rack_json(rec);
}

static int64_t rack_version(const void *rec)
{
	return ((const struct store_rack *)rec)->version;
}

static const struct rest_resource rack_resource = {
	.name = "rack",
	.path = "racks",
	.size = sizeof(struct store_rack),
	.init = rack_init,
	.decode = rack_decode,
	.check = rack_check,
	.get = rack_get,
	.insert = rack_insert,
	.update = rack_update,
	.remove = rack_remove,
	.to_json = rack_json,
	.version = rack_version,
};

enum MHD_Result http_racks_list(struct rest_request *rq)
{
	static const char *const filters[] = { "site", "name", NULL };
	struct store_rack *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total, site;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !rest_query_id(rq, "site", &site, &ret) || (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_rack_list(tx, site, rest_query(rq, "name"), &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing racks");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_rack_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_racks_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &rack_resource);
}

enum MHD_Result http_racks_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &rack_resource);
}

enum MHD_Result http_racks_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &rack_resource);
}

enum MHD_Result http_racks_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &rack_resource);
}

/* Tags */

static int tag_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_tag(obj, create, rec, err);
}

static int tag_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_tag_get(tx, id, rec);
}

static int tag_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	const struct store_tag *t = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "a tag named \"%s\" exists", t->name);
	return conflict(err, store_tag_insert(tx, t, ret_id), "name_taken", "name", msg);
}

static int tag_update(struct store_txn *tx, const void *rec, int64_t version,
                      struct rest_error *err)
{
	const struct store_tag *t = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "a tag named \"%s\" exists", t->name);
	return conflict(err, store_tag_update(tx, t, version), "name_taken", "name", msg);
}

static int tag_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return conflict(err, store_tag_delete(tx, id, version), "in_use", NULL, "tag in use");
}

static json_t *tag_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_tag_json(rec);
}

static int64_t tag_version(const void *rec)
{
	return ((const struct store_tag *)rec)->version;
}

static const struct rest_resource tag_resource = {
	.name = "tag",
	.path = "tags",
	.size = sizeof(struct store_tag),
	.decode = tag_decode,
	.get = tag_get,
	.insert = tag_insert,
	.update = tag_update,
	.remove = tag_remove,
	.to_json = tag_json,
	.version = tag_version,
};

enum MHD_Result http_tags_list(struct rest_request *rq)
{
	static const char *const filters[] = { "name", NULL };
	struct store_tag *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) || (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_tag_list(tx, rest_query(rq, "name"), &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing tags");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_tag_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_tags_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &tag_resource);
}

enum MHD_Result http_tags_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &tag_resource);
}

enum MHD_Result http_tags_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &tag_resource);
}

enum MHD_Result http_tags_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &tag_resource);
}

/* Machines */

struct machine_rec {
	struct store_machine_info info;
	struct rest_machine_extra extra;
};

static void machine_init(void *rec)
{
	struct machine_rec *m = rec;

	(void)snprintf(m->info.m.state, sizeof(m->info.m.state), "new");
	(void)snprintf(m->info.m.arch, sizeof(m->info.m.arch), "x86_64");
	(void)snprintf(m->info.m.firmware, sizeof(m->info.m.firmware), "bios");
}

static int machine_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	struct machine_rec *m = rec;

	memset(&m->extra, 0, sizeof(m->extra));
	return rest_decode_machine(obj, create, &m->info, &m->extra, err);
}

/* Site, rack and position of a machine: references exist and agree. */
static int check_placement(struct store_txn *tx, const struct store_machine_info *old,
                           struct store_machine_info *info, struct rest_error *err)
{
	struct store_rack rack = { 0 };
	struct store_site site;
	int64_t other;
	int r;

	/* Leaving a rack also leaves its position. */
	if (old && old->rack_id && !info->rack_id && info->position == old->position)
		info->position = 0;
	if (info->rack_id) {
		r = check_ref(store_rack_get(tx, info->rack_id, &rack), err, "rack_id", "rack",
		              info->rack_id);
		if (r < 0)
			return r;
		/* A rack picks the site unless the request named another one. */
		if (!info->site_id || (old && old->site_id == info->site_id))
			info->site_id = rack.site_id;
		if (info->site_id != rack.site_id)
			return rest_fail(err, 422, "rack_site_mismatch", "rack_id",
			                 "rack %" PRId64 " stands in site %" PRId64
			                 ", not in site %" PRId64,
			                 rack.id, rack.site_id, info->site_id);
	}
	if (info->site_id) {
		r = check_ref(store_site_get(tx, info->site_id, &site), err, "site_id", "site",
		              info->site_id);
		if (r < 0)
			return r;
	}
	if (!info->position)
		return 0;
	if (!info->rack_id)
		return rest_fail(err, 422, "position_without_rack", "position",
		                 "position needs rack_id");
	if (info->position > rack.height)
		return rest_fail(err, 422, "invalid_position", "position",
		                 "position %u is above the %u units of rack %" PRId64,
		                 info->position, rack.height, rack.id);
	r = store_machine_find_position(tx, info->rack_id, info->position, &other);
	if (r == 0 && other != info->m.id)
		return rest_fail(err, 409, "position_taken", "position",
		                 "machine %" PRId64 " sits at position %u of rack %" PRId64, other,
		                 info->position, rack.id);
	return r == -ENOENT ? 0 : r;
}

static int check_mac_free(struct store_txn *tx, const uint8_t mac[ADDR_MAC_LEN], int64_t except,
                          struct rest_error *err)
{
	struct store_interface other;
	char text[ADDR_MAC_STRLEN];
	int r;

	r = store_interface_find_mac(tx, mac, &other);
	if (r == -ENOENT || (r == 0 && other.id == except))
		return 0;
	if (r < 0)
		return r;
	addr_format_mac(mac, text);
	return rest_fail(err, 409, "mac_taken", "mac",
	                 "MAC %s is interface %" PRId64 " of machine %" PRId64, text, other.id,
	                 other.machine_id);
}

static int machine_check(struct store_txn *tx, const void *old, void *rec, struct rest_error *err)
{
	const struct machine_rec *o = old;
	struct machine_rec *m = rec;
	int64_t other;
	int r;

	if (m->info.m.hostname[0] &&
	    (o == NULL || strcmp(o->info.m.hostname, m->info.m.hostname) != 0)) {
		r = store_machine_find_hostname(tx, m->info.m.hostname, &other);
		if (r == 0 && other != m->info.m.id)
			return rest_fail(err, 409, "hostname_taken", "hostname",
			                 "hostname \"%s\" belongs to machine %" PRId64,
			                 m->info.m.hostname, other);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (o == NULL && m->extra.has_mac) {
		r = check_mac_free(tx, m->info.m.mac, 0, err);
		if (r < 0)
			return r;
	}
	return check_placement(tx, o ? &o->info : NULL, &m->info, err);
}

static int machine_get(struct store_txn *tx, int64_t id, void *rec)
{
	struct machine_rec *m = rec;

	return store_machine_info_get(tx, id, &m->info);
}

static int machine_set_tags(struct store_txn *tx, int64_t id, const struct rest_machine_extra *e)
{
	const char *names[STORE_MACHINE_TAGS_MAX];

	if (!e->has_tags)
		return 0;
	for (size_t i = 0; i < e->n_tags; i++)
		names[i] = e->tags[i];
	return store_machine_set_tags(tx, id, names, e->n_tags);
}

static int machine_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	struct machine_rec *m = rec;
	int r;

	r = store_machine_insert(tx, &m->info, m->extra.has_mac, ret_id);
	if (r == 0)
		r = machine_set_tags(tx, *ret_id, &m->extra);
	return conflict(err, r, "conflict", NULL, "the hostname, MAC or position is taken");
}

static int machine_update(struct store_txn *tx, const void *rec, int64_t version,
                          struct rest_error *err)
{
	const struct machine_rec *m = rec;
	int r;

	r = store_machine_update(tx, &m->info, version);
	if (r == 0)
		r = machine_set_tags(tx, m->info.m.id, &m->extra);
	return conflict(err, r, "conflict", NULL, "the hostname or position is taken");
}

static int machine_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return conflict(err, store_machine_delete(tx, id, version), "in_use", NULL,
	                "machine in use");
}

static json_t *machine_json(struct store_txn *tx, const void *rec)
{
	const struct machine_rec *m = rec;
	struct store_interface_filter filter = { .machine_id = m->info.m.id, .pxe = -1 };
	struct store_page page = { .limit = STORE_PAGE_MAX };
	struct store_interface *ifaces = NULL;
	json_t *facts = NULL, *obj;
	char *facts_text = NULL;
	int64_t total;
	size_t n = 0;

	if (store_interface_list(tx, &filter, &page, &ifaces, &n, &total) < 0)
		n = 0;
	if (store_machine_facts(tx, m->info.m.id, &facts_text) == 0) {
		facts = json_loads(facts_text, 0, NULL);
		free(facts_text);
	}
	obj = rest_machine_detail_json(&m->info, ifaces, n, facts);
	free(ifaces);
	return obj;
}

static int64_t machine_version(const void *rec)
{
	return ((const struct machine_rec *)rec)->info.version;
}

static const struct rest_resource machine_resource = {
	.name = "machine",
	.path = "machines",
	.size = sizeof(struct machine_rec),
	.init = machine_init,
	.decode = machine_decode,
	.check = machine_check,
	.get = machine_get,
	.insert = machine_insert,
	.update = machine_update,
	.remove = machine_remove,
	.to_json = machine_json,
	.version = machine_version,
};

/* Reads the machine list filters; queues a 400 for a value that cannot match anything valid. */
static bool machine_filter(struct rest_request *rq, struct store_machine_filter *f,
                           struct ipaddr *addr, char *key, enum MHD_Result *ret)
{
	const char *mac = rest_query(rq, "mac"), *address = rest_query(rq, "address");

	memset(f, 0, sizeof(*f));
	if (mac && addr_parse_mac(mac, f->mac) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "mac",
		                  "invalid mac \"%.64s\": expected e.g. 52:54:00:ab:cd:ef,"
		                  " 52-54-00-AB-CD-EF, 5254.00ab.cdef or 525400abcdef",
		                  mac);
		return false;
	}
	f->has_mac = mac != NULL;
	f->state = rest_query(rq, "state");
	if (f->state && !rest_valid_state(f->state)) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "state",
		                  "invalid state \"%.64s\": expected new, commissioning, ready,"
		                  " deploying, deployed, releasing, broken or retired",
		                  f->state);
		return false;
	}
	if (address && ipaddr_parse(address, addr) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "address",
		                  "invalid address \"%.64s\": expected an IPv4 or IPv6 address",
		                  address);
		return false;
	}
	if (address) {
		ipaddr_key(addr, key);
		f->address_key = key;
		f->has_v4_address = addr->family == 4;
		f->v4_address = ipaddr_to_v4(addr);
	}
	f->hostname = rest_query(rq, "hostname");
	f->tag = rest_query(rq, "tag");
	f->site = rest_query(rq, "site");
	f->rack = rest_query(rq, "rack");
	return rest_query_id(rq, "subnet", &f->subnet_id, ret);
}

enum MHD_Result http_machines_list(struct rest_request *rq)
{
	static const char *const filters[] = { "mac",  "hostname", "state",   "tag", "site",
		                               "rack", "subnet",   "address", NULL };
	struct store_machine_info *items = NULL;
	struct store_machine_filter filter;
	char key[IPADDR_KEYLEN];
	struct store_page page;
	struct store_txn *tx;
	struct ipaddr addr;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !machine_filter(rq, &filter, &addr, key, &ret) || (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_machine_info_list(tx, &filter, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing machines");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_machine_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].m.id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_machines_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &machine_resource);
}

enum MHD_Result http_machines_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &machine_resource);
}

enum MHD_Result http_machines_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &machine_resource);
}

enum MHD_Result http_machines_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &machine_resource);
}

/* Interfaces */

static int interface_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_interface(obj, create, rec, err);
}

static int interface_check(struct store_txn *tx, const void *old, void *rec, struct rest_error *err)
{
	const struct store_interface *o = old;
	struct store_interface *i = rec;
	struct store_machine_info machine;
	int r;

	r = check_ref(store_machine_info_get(tx, i->machine_id, &machine), err, "machine_id",
	              "machine", i->machine_id);
	if (r < 0)
		return r;
	return check_mac_free(tx, i->mac, o ? o->id : 0, err);
}

static int interface_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_interface_get(tx, id, rec);
}

static int interface_insert(struct store_txn *tx, void *rec, int64_t *ret_id,
                            struct rest_error *err)
{
	return conflict(err, store_interface_insert(tx, rec, ret_id), "mac_taken", "mac",
	                "the MAC belongs to another interface");
}

static int interface_update(struct store_txn *tx, const void *rec, int64_t version,
                            struct rest_error *err)
{
	return conflict(err, store_interface_update(tx, rec, version), "mac_taken", "mac",
	                "the MAC belongs to another interface");
}

static int interface_remove(struct store_txn *tx, int64_t id, int64_t version,
                            struct rest_error *err)
{
	return conflict(err, store_interface_delete(tx, id, version), "in_use", NULL,
	                "interface in use");
}

static json_t *interface_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_interface_json(rec);
}

static int64_t interface_version(const void *rec)
{
	return ((const struct store_interface *)rec)->version;
}

static const struct rest_resource interface_resource = {
	.name = "interface",
	.path = "interfaces",
	.size = sizeof(struct store_interface),
	.decode = interface_decode,
	.check = interface_check,
	.get = interface_get,
	.insert = interface_insert,
	.update = interface_update,
	.remove = interface_remove,
	.to_json = interface_json,
	.version = interface_version,
};

enum MHD_Result http_interfaces_list(struct rest_request *rq)
{
	static const char *const filters[] = { "machine", "mac", "name", "pxe", NULL };
	struct store_interface_filter filter = { .pxe = -1 };
	struct store_interface *items = NULL;
	const char *mac = rest_query(rq, "mac"), *pxe = rest_query(rq, "pxe");
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !rest_query_id(rq, "machine", &filter.machine_id, &ret))
		return ret;
	if (mac && addr_parse_mac(mac, filter.mac) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "mac",
		                  "invalid mac \"%.64s\": expected e.g. 52:54:00:ab:cd:ef", mac);
	filter.has_mac = mac != NULL;
	if (pxe && strcmp(pxe, "true") != 0 && strcmp(pxe, "false") != 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "pxe",
		                  "invalid pxe \"%.64s\": expected true or false", pxe);
	if (pxe)
		filter.pxe = strcmp(pxe, "true") == 0;
	filter.name = rest_query(rq, "name");
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_interface_list(tx, &filter, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing interfaces");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_interface_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_interfaces_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &interface_resource);
}

enum MHD_Result http_interfaces_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &interface_resource);
}

enum MHD_Result http_interfaces_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &interface_resource);
}

enum MHD_Result http_interfaces_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &interface_resource);
}

/* Events */

/* Reads a Unix time filter (?since=); queues a 400 for anything but digits. */
static bool query_time(struct rest_request *rq, const char *key, int64_t *ret_time,
                       enum MHD_Result *ret)
{
	const char *v = rest_query(rq, key);
	uint32_t t;

	*ret_time = 0;
	if (v == NULL)
		return true;
	if (addr_parse_u32(v, 0, UINT32_MAX, &t) < 0) {
		*ret = rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", key,
		                  "invalid %s \"%.64s\": expected Unix seconds", key, v);
		return false;
	}
	*ret_time = t;
	return true;
}

enum MHD_Result http_events_list(struct rest_request *rq)
{
	static const char *const filters[] = { "kind", "actor", "object", "since", "until", NULL };
	struct store_event_filter filter = { 0 };
	struct store_event *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !query_time(rq, "since", &filter.since, &ret) ||
	    !query_time(rq, "until", &filter.until, &ret))
		return ret;
	filter.kind = rest_query(rq, "kind");
	filter.actor = rest_query(rq, "actor");
	filter.object = rest_query(rq, "object");
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_event_list(tx, &filter, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing events");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_event_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	store_event_list_free(items, n);
	return ret;
}

enum MHD_Result http_events_get(struct rest_request *rq)
{
	struct store_event event;
	struct store_txn *tx;
	enum MHD_Result ret;
	int r;

	if (!rest_no_query(rq, &ret) || (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_event_get(tx, rq->id, &event);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_not_found(rq, "event");
	if (r < 0)
		return rest_store_failed(rq, r, "reading an event");
	ret = rest_send(rq, MHD_HTTP_OK, rest_event_json(&event), 0, NULL);
	store_event_done(&event);
	return ret;
}

/* API tokens */

static int token_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_token(obj, create, rec, err);
}

static int token_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_token_get(tx, id, rec);
}

static int token_update(struct store_txn *tx, const void *rec, int64_t version,
                        struct rest_error *err)
{
	const struct store_token *t = rec;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "a token named \"%s\" exists", t->name);
	return conflict(err, store_token_update(tx, t, version), "name_taken", "name", msg);
}

static int token_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return conflict(err, store_token_delete(tx, id, version), "in_use", NULL, "token in use");
}

static json_t *token_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_token_json(rec);
}

static int64_t token_version(const void *rec)
{
	return ((const struct store_token *)rec)->version;
}

static const struct rest_resource token_resource = {
	.name = "token",
	.path = "tokens",
	.size = sizeof(struct store_token),
	.decode = token_decode,
	.get = token_get,
	.update = token_update,
	.remove = token_remove,
	.to_json = token_json,
	.version = token_version,
};

enum MHD_Result http_tokens_list(struct rest_request *rq)
{
	static const char *const filters[] = { "role", NULL };
	const char *role = rest_query(rq, "role");
	struct store_token *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret))
		return ret;
	if (role && !rest_valid_role(role))
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "role",
		                  "invalid role \"%.64s\": expected admin, operator or reader",
		                  role);
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_token_list(tx, role, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing tokens");
		store_txn_abort(tx);
		return ret;
	}
	store_txn_abort(tx);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_token_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_tokens_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &token_resource);
}

/*
 * Creates a token. The response is the only place the secret ever
 * appears: the store keeps its hash, and the audit event leaves it out.
 */
enum MHD_Result http_tokens_create(struct rest_request *rq)
{
	char secret[REST_TOKEN_TEXT_MAX + 1], hash[REST_TOKEN_HASH_HEX + 1];
	char object[STORE_NAME_MAX], location[96];
	struct rest_error err = { 0 };
	struct store_token t = { 0 };
	struct store_txn *tx;
	enum MHD_Result ret;
	json_t *body, *after;
	int64_t id;
	int r;

	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	r = rest_decode_token(body, true, &t, &err);
	json_decref(body);
	if (r < 0)
		return rest_send_error(rq, &err);
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "opening a write transaction");
	rest_token_generate(secret, sizeof(secret), hash);
	r = store_token_insert(tx, &t, hash, &id);
	if (r == 0)
		r = store_token_get(tx, id, &t);
	if (r < 0) {
		ret = r == -EEXIST ? rest_error(rq, MHD_HTTP_CONFLICT, "name_taken", "name",
		                                "a token named \"%s\" exists", t.name)
		                   : rest_store_failed(rq, r, "creating a token");
		store_txn_abort(tx);
		sodium_memzero(secret, sizeof(secret));
		return ret;
	}
	after = rest_token_json(&t);
	(void)snprintf(object, sizeof(object), "token/%" PRId64, id);
	r = rest_event(tx, rq, "token.created", object, NULL, after);
	r = r == 0 ? store_txn_commit(tx) : (store_txn_abort(tx), r);
	if (r < 0) {
		json_decref(after);
		sodium_memzero(secret, sizeof(secret));
		return rest_store_failed(rq, r, "creating a token");
	}
	rest_log_change(rq, "token.created", object);
	json_object_set_new(after, "token", json_string(secret));
	sodium_memzero(secret, sizeof(secret));
	(void)snprintf(location, sizeof(location), "/api/v1/tokens/%" PRId64, id);
	return rest_send(rq, MHD_HTTP_CREATED, after, t.version, location);
}

enum MHD_Result http_tokens_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &token_resource);
}

enum MHD_Result http_tokens_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &token_resource);
}

enum MHD_Result http_whoami(struct rest_request *rq)
{
	enum MHD_Result ret;

	if (!rest_no_query(rq, &ret))
		return ret;
	return rest_send(rq, MHD_HTTP_OK,
	                 json_pack("{s:I, s:s, s:s}", "id", (json_int_t)rq->token.id, "name",
	                           rq->token.name, "role", rq->token.role),
	                 0, NULL);
}
