/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-dns -- REST API for DNS records under /api/v1/dns/records: list,
 * create, read, update (PATCH) and delete. Records are checked against the
 * served zones before they are stored; the DNS server picks them up through
 * the store's change counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dns/dns-zone.h"
#include "http/http-internal.h"
#include "http/http-rest.h"
#include "store/store-dns.h"

#define RECORDS_PATH  "/dns/records"
#define APPLY_WAIT_MS 1000 /* how long a write waits for the DNS view to show it */

/*
 * Waits until the DNS server answers from a view that includes the write just
 * made, so a query sent after the response sees it.
 */
static void wait_for_dns(struct http_request *req)
{
	struct store_dns_changes target;

	if (!req->srv->cfg->dns_enabled)
		return;
	store_dns_changes(req->srv->store, &target);
	if (!store_dns_wait_applied(req->srv->store, &target, APPLY_WAIT_MS))
		log_warning("api", "dns view did not apply a record change within %d ms",
		            APPLY_WAIT_MS);
}

static json_t *record_json(const struct store_dns_record *r)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:I, s:I}", "id", (json_int_t)r->id, "name",
	                 r->name, "type", r->type, "ttl",
	                 r->ttl ? json_integer(r->ttl) : json_null(), "data", r->data, "created",
	                 (json_int_t)r->created, "updated", (json_int_t)r->updated);
}

static enum MHD_Result store_failed(struct http_request *req)
{
	return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL,
	                       "the inventory store failed; retry later");
}

static enum MHD_Result list_records(struct http_request *req)
{
	static const char *const no_filters[] = { NULL };
	struct rest_request rq = { .req = req, .store = req->srv->store };
	struct store_dns_record *recs;
	struct store_page page;
	enum MHD_Result ret;
	int64_t last = 0, skipped = 0;
	json_t *items;
	size_t n;

	if (!rest_parse_query(&rq, no_filters, &page, &ret))
		return ret;
	if (store_dns_record_list(req->srv->store, &recs, &n) < 0)
		return store_failed(req);
	/* API records are few (each one is in every zone snapshot), so pages are cut in memory. */
	items = json_array();
	for (size_t k = 0; k < n && (int64_t)json_array_size(items) < page.limit; k++) {
		const struct store_dns_record *r = &recs[page.descending ? n - 1 - k : k];

		if (page.after > 0 && (page.descending ? r->id >= page.after : r->id <= page.after))
			continue;
		if (skipped < page.offset) {
			skipped++;
			continue;
		}
		json_array_append_new(items, record_json(r));
		last = r->id;
	}
	free(recs);
	return rest_send_list(&rq, items, (int64_t)n, &page, last);
}

/* Copies string member key of obj into dst; false with a 400 queued when it is not a string. */
static bool body_text(struct http_request *req, json_t *obj, const char *key, char *dst,
                      size_t size, bool required, enum MHD_Result *ret)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL && !required)
		return true;
	if (v == NULL) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "missing_field", key,
		                       "missing required field %s", key);
		return false;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= size) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_field", key,
		                       "%s must be a non-empty string of at most %zu bytes", key,
		                       size - 1);
		return false;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return true;
}

/* Reads name, type, ttl and data from the body over the values already in rec. */
static bool read_body(struct http_request *req, json_t *obj, struct store_dns_record *rec,
                      bool create, enum MHD_Result *ret)
{
	json_t *ttl = json_object_get(obj, "ttl");
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (strcmp(key, "name") && strcmp(key, "type") && strcmp(key, "ttl") &&
		    strcmp(key, "data")) {
			*ret = http_send_error(
			        req, MHD_HTTP_BAD_REQUEST, "unknown_field", key,
			        "unknown field %s: allowed are name, type, ttl, data", key);
			return false;
		}
	}
	if (!body_text(req, obj, "name", rec->name, sizeof(rec->name), create, ret) ||
	    !body_text(req, obj, "type", rec->type, sizeof(rec->type), create, ret) ||
	    !body_text(req, obj, "data", rec->data, sizeof(rec->data), create, ret))
		return false;
	if (ttl && !json_is_null(ttl)) {
		/* RFC 2181 §8: TTLs are below 2^31. */
		if (!json_is_integer(ttl) || json_integer_value(ttl) < 0 ||
		    json_integer_value(ttl) > 2147483647) {
			*ret = http_send_error(
			        req, MHD_HTTP_BAD_REQUEST, "invalid_field", "ttl",
			        "ttl must be an integer from 0 to 2147483647 seconds");
			return false;
		}
		rec->ttl = (uint32_t)json_integer_value(ttl);
	} else if (ttl) {
		rec->ttl = 0;
	}
	return true;
}

/* Checks the record against the served zones and normalizes its name and type. */
static bool check_record(struct http_request *req, struct store_dns_record *rec,
                         enum MHD_Result *ret)
{
	struct store_dns_subnet *subnets = NULL;
	struct dns_zone_params params;
	char name[STORE_DOMAIN_MAX], err[256];
	const char *field = NULL;
	uint16_t type = dns_type_from_name(rec->type);
	size_t n_subnets = 0;
	char tbuf[16];
	int r;

	if (!req->srv->cfg->dns_enabled ||
	    dns_zone_params_from_config(req->srv->cfg, &params) < 0) {
		*ret = http_send_error(req, MHD_HTTP_CONFLICT, "dns_disabled", NULL,
		                       "the DNS server is not enabled: set [dns] enabled and ns");
		return false;
	}
	if (store_dns_subnet_list(req->srv->store, &subnets, &n_subnets) < 0) {
		*ret = store_failed(req);
		return false;
	}
	r = dns_record_check(&params, subnets, n_subnets, rec->name, type, rec->data, name, err,
	                     sizeof(err), &field);
	free(subnets);
	/* Malformed data is a bad request; a well-formed record that does not fit the zones is not.
	 */
	if (r < 0 && field && strcmp(field, "data") == 0) {
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_field", field, "%s",
		                       err);
		return false;
	}
	if (r < 0) {
		*ret = http_send_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_record", field,
		                       "%s", err);
		return false;
	}
	memcpy(rec->name, name, strlen(name) + 1);
	(void)snprintf(rec->type, sizeof(rec->type), "%s", dns_type_name(type, tbuf));
	return true;
}

/* True when name is strictly below parent; both lower case without the final dot. */
static bool name_is_below(const char *name, const char *parent)
{
	size_t len = strlen(name), plen = strlen(parent);

	return len > plen + 1 && name[len - plen - 1] == '.' &&
	       strcmp(name + len - plen, parent) == 0;
}

static bool is_glue_type(const char *type)
{
	return strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0;
}

/*
 * Finds a stored record that rec cannot be served beside, or NULL. A CNAME
 * owner has no other data (RFC 1034 §3.6.2). An NS below the apex is a
 * delegation: queries at and below its name get a referral, so only A and
 * AAAA records (glue for the name servers) are served there besides the NS.
 */
static const struct store_dns_record *find_conflict(const struct store_dns_record *rec,
                                                    const struct store_dns_record *recs, size_t n,
                                                    const char **ret_code)
{
	bool cname = strcmp(rec->type, "CNAME") == 0, ns = strcmp(rec->type, "NS") == 0;

	for (size_t i = 0; i < n; i++) {
		const struct store_dns_record *o = &recs[i];
		bool same = strcmp(o->name, rec->name) == 0;
		bool o_ns = strcmp(o->type, "NS") == 0;

		if (o->id == rec->id)
			continue;
		*ret_code = "cname_conflict";
		if (same && (cname || strcmp(o->type, "CNAME") == 0))
			return o;
		*ret_code = "delegation_conflict";
		if (o_ns && !is_glue_type(rec->type) &&
		    (name_is_below(rec->name, o->name) || (same && !ns)))
			return o;
		if (ns && !is_glue_type(o->type) &&
		    (name_is_below(o->name, rec->name) || (same && !o_ns)))
			return o;
	}
	return NULL;
}

/* Rejects a CNAME at a name the inventory fills, or any record at an inventory CNAME. */
static bool check_inventory_conflict(struct http_request *req, const struct store_dns_record *rec,
                                     enum MHD_Result *ret)
{
	struct store_dns_inventory inv;
	struct dns_zone_params params;
	struct dns_snapshot *snap = NULL;
	size_t skipped = 0, len = strlen(rec->name);
	char err[512];
	int r;

	/* The inventory has CNAMEs only in reverse zones (RFC 2317), so other checks are free. */
	if (strcmp(rec->type, "CNAME") != 0 &&
	    (len < 5 || strcmp(rec->name + len - 5, ".arpa") != 0))
		return true;
	if (dns_zone_params_from_config(req->srv->cfg, &params) < 0 ||
	    store_dns_inventory_load(req->srv->store, &inv) < 0) {
		*ret = store_failed(req);
		return false;
	}
	r = dns_snapshot_build(&params, &inv, NULL, 0, NULL, false, &snap, &skipped);
	store_dns_inventory_done(&inv);
	if (r < 0) {
		*ret = store_failed(req);
		return false;
	}
	r = dns_record_check_inventory(snap, rec->name, dns_type_from_name(rec->type), err,
	                               sizeof(err));
	dns_snapshot_free(snap);
	if (r == -EEXIST) {
		*ret = http_send_error(req, MHD_HTTP_CONFLICT, "cname_conflict", "name", "%s", err);
		return false;
	}
	return true;
}

/* Rejects records the DNS server would never serve because of the records beside them. */
static bool check_conflicts(struct http_request *req, const struct store_dns_record *rec,
                            enum MHD_Result *ret)
{
	const struct store_dns_record *o;
	struct store_dns_record *recs;
	const char *code = NULL;
	size_t n;

	if (store_dns_record_list(req->srv->store, &recs, &n) < 0) {
		*ret = store_failed(req);
		return false;
	}
	o = find_conflict(rec, recs, n, &code);
	if (o && strcmp(code, "cname_conflict") == 0)
		*ret = http_send_error(req, MHD_HTTP_CONFLICT, code, "name",
		                       "%s already has a %s record (id %" PRId64
		                       "); a CNAME cannot share its name",
		                       o->name, o->type, o->id);
	else if (o)
		*ret = http_send_error(
		        req, MHD_HTTP_CONFLICT, code, "name",
		        "%s %s conflicts with %s %s (id %" PRId64
		        "): at and below a delegation (NS) only NS, A and AAAA records are served",
		        rec->name, rec->type, o->name, o->type, o->id);
	free(recs);
	if (o)
		return false;
	return check_inventory_conflict(req, rec, ret);
}

static json_t *load_body(struct http_request *req, enum MHD_Result *ret)
{
	json_error_t jerr;
	json_t *obj;

	obj = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		*ret = http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_json", NULL,
		                       "body is not a JSON object: %s", jerr.text);
		return NULL;
	}
	return obj;
}

static enum MHD_Result save_failed(struct http_request *req, int r,
                                   const struct store_dns_record *rec)
{
	if (r == -EEXIST)
		return http_send_error(req, MHD_HTTP_CONFLICT, "record_exists", NULL,
		                       "a %s record for %s with this data exists", rec->type,
		                       rec->name);
	if (r == -ENOENT)
		return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                       "no DNS record %" PRId64, rec->id);
	return store_failed(req);
}

static enum MHD_Result create_record(struct http_request *req)
{
	struct store_dns_record rec = { 0 };
	enum MHD_Result ret = MHD_NO;
	json_t *obj = load_body(req, &ret);
	int64_t id;
	int r;

	if (obj == NULL)
		return ret;
	if (!read_body(req, obj, &rec, true, &ret)) {
		json_decref(obj);
		return ret;
	}
	json_decref(obj);
	if (!check_record(req, &rec, &ret) || !check_conflicts(req, &rec, &ret))
		return ret;
	r = store_dns_record_add(req->srv->store, &rec, &id);
	if (r < 0)
		return save_failed(req, r, &rec);
	log_info("api", "dns record %s %s created id=%" PRId64 " peer=%s", rec.name, rec.type, id,
	         req->peer);
	/* The view reads the store under its lock: let it in before the audit write. */
	wait_for_dns(req);
	(void)store_event_add(req->srv->store, req->peer, "dns_record.created", rec.name, rec.data);
	if (store_dns_record_get(req->srv->store, id, &rec) < 0)
		return store_failed(req);
	return http_send_json(req, MHD_HTTP_CREATED, record_json(&rec));
}

static enum MHD_Result update_record(struct http_request *req, int64_t id)
{
	struct store_dns_record rec;
	enum MHD_Result ret = MHD_NO;
	json_t *obj;
	int r;

	r = store_dns_record_get(req->srv->store, id, &rec);
	if (r < 0) {
		rec.id = id;
		return save_failed(req, r, &rec);
	}
	obj = load_body(req, &ret);
	if (obj == NULL)
		return ret;
	if (!read_body(req, obj, &rec, false, &ret)) {
		json_decref(obj);
		return ret;
	}
	json_decref(obj);
	if (!check_record(req, &rec, &ret) || !check_conflicts(req, &rec, &ret))
		return ret;
	r = store_dns_record_update(req->srv->store, &rec);
	if (r < 0)
		return save_failed(req, r, &rec);
	log_info("api", "dns record %s %s updated id=%" PRId64 " peer=%s", rec.name, rec.type, id,
	         req->peer);
	/* The view reads the store under its lock: let it in before the audit write. */
	wait_for_dns(req);
	(void)store_event_add(req->srv->store, req->peer, "dns_record.updated", rec.name, rec.data);
	if (store_dns_record_get(req->srv->store, id, &rec) < 0)
		return store_failed(req);
	return http_send_json(req, MHD_HTTP_OK, record_json(&rec));
}

static enum MHD_Result delete_record(struct http_request *req, int64_t id)
{
	struct store_dns_record rec = { .id = id };
	int r = store_dns_record_get(req->srv->store, id, &rec);

	if (r == 0)
		r = store_dns_record_delete(req->srv->store, id);
	if (r < 0)
		return save_failed(req, r, &rec);
	log_info("api", "dns record %s %s deleted id=%" PRId64 " peer=%s", rec.name, rec.type, id,
	         req->peer);
	/* The view reads the store under its lock: let it in before the audit write. */
	wait_for_dns(req);
	(void)store_event_add(req->srv->store, req->peer, "dns_record.deleted", rec.name, rec.data);
	return http_send_json(req, MHD_HTTP_OK, record_json(&rec));
}

/* Parses the {id} path segment: 1 to 18 digits. */
static bool parse_id(const char *s, int64_t *ret_id)
{
	char *end;
	long long v;

	if (s[0] < '1' || s[0] > '9' || strlen(s) > 18)
		return false;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return false;
	*ret_id = v;
	return true;
}

enum MHD_Result http_dns_route(struct http_request *req, const char *path)
{
	const char *m = req->method;
	struct store_dns_record rec;
	int64_t id;

	if (strcmp(path, RECORDS_PATH) == 0) {
		if (strcmp(m, "GET") == 0)
			return list_records(req);
		if (strcmp(m, "POST") == 0)
			return create_record(req);
	} else if (strncmp(path, RECORDS_PATH "/", strlen(RECORDS_PATH) + 1) == 0) {
		if (!parse_id(path + strlen(RECORDS_PATH) + 1, &id))
			return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL,
			                       "no route for %s", req->path);
		if (strcmp(m, "GET") == 0) {
			int r = store_dns_record_get(req->srv->store, id, &rec);

			if (r < 0) {
				rec.id = id;
				return save_failed(req, r, &rec);
			}
			return http_send_json(req, MHD_HTTP_OK, record_json(&rec));
		}
		if (strcmp(m, "PATCH") == 0)
			return update_record(req, id);
		if (strcmp(m, "DELETE") == 0)
			return delete_record(req, id);
	} else {
		return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                       "no route for %s", req->path);
	}
	return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
	                       "%s is not allowed on %s", m, req->path);
}
