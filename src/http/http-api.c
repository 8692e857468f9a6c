/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-api -- REST API under /api/v1: machines, leases and subnets.
 * Responses are {"items": [...], "total": N} for lists and the object for
 * single resources; errors use the shape of http_send_error().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/log.h"
#include "http/http-internal.h"

static json_t *ipv4_json(uint32_t addr)
{
	char buf[ADDR_IPV4_STRLEN];

	if (addr == 0)
		return json_null();
	addr_format_ipv4(addr, buf);
	return json_string(buf);
}

static json_t *mac_json(const uint8_t mac[ADDR_MAC_LEN])
{
	char buf[ADDR_MAC_STRLEN];

	addr_format_mac(mac, buf);
	return json_string(buf);
}

static json_t *list_json(json_t *items)
{
	return json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items));
}

static json_t *machine_json(const struct store_machine *m)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s?, s:o, s:I, s:I, s:I, s:I}", "id",
			 (json_int_t)m->id, "mac", mac_json(m->mac), "hostname", m->hostname,
			 "state", m->state, "arch", m->arch, "firmware", m->firmware, "uuid",
			 m->uuid[0] ? m->uuid : NULL, "first_address", ipv4_json(m->first_address),
			 "first_seen", (json_int_t)m->first_seen, "reported_at",
			 (json_int_t)m->reported_at, "cpu_count", (json_int_t)m->cpu_count,
			 "memory_bytes", (json_int_t)m->memory_bytes);
}

static enum MHD_Result list_machines(struct http_request *req)
{
	struct store_machine *machines;
	json_t *items;
	size_t n;

	if (store_machine_list(req->srv->store, &machines, &n) < 0)
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
				       NULL, "the inventory store failed; retry later");
	items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, machine_json(&machines[i]));
	free(machines);
	return http_send_json(req, MHD_HTTP_OK, list_json(items));
}

static const char *lease_state_name(enum store_lease_state state)
{
	switch (state) {
	case STORE_LEASE_BOUND:
		return "bound";
	case STORE_LEASE_RELEASED:
		return "released";
	case STORE_LEASE_DECLINED:
		return "declined";
	}
	return "unknown";
}

static json_t *lease_json(const struct store_lease *l)
{
	char client_id[2 * STORE_CLIENT_ID_MAX + 1];

	for (size_t i = 0; i < l->client_id_len; i++)
		(void)snprintf(client_id + 2 * i, 3, "%02x", l->client_id[i]);
	client_id[2 * l->client_id_len] = '\0';
	return json_pack("{s:o, s:I, s:o, s:s, s:s, s:I, s:I, s:s}", "address",
			 ipv4_json(l->address), "subnet_id", (json_int_t)l->subnet_id, "mac",
			 mac_json(l->mac), "client_id", client_id, "hostname", l->hostname,
			 "expires", (json_int_t)l->expires, "updated", (json_int_t)l->updated,
			 "state", lease_state_name(l->state));
}

static enum MHD_Result list_leases(struct http_request *req)
{
	struct store_lease *leases;
	json_t *items;
	size_t n;

	if (store_lease_list(req->srv->store, &leases, &n) < 0)
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
				       NULL, "the inventory store failed; retry later");
	items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, lease_json(&leases[i]));
	free(leases);
	return http_send_json(req, MHD_HTTP_OK, list_json(items));
}

static json_t *subnet_json(const struct store_subnet *s, const struct store_range *ranges,
			   size_t n_ranges)
{
	char cidr[ADDR_IPV4_STRLEN + 4], net[ADDR_IPV4_STRLEN];
	json_t *dns = json_array(), *rl = json_array();

	addr_format_ipv4(s->network, net);
	(void)snprintf(cidr, sizeof(cidr), "%s/%u", net, s->prefix_len);
	for (size_t i = 0; i < s->n_dns; i++)
		json_array_append_new(dns, ipv4_json(s->dns[i]));
	for (size_t i = 0; i < n_ranges; i++) {
		if (ranges[i].subnet_id != s->id)
			continue;
		json_array_append_new(rl, json_pack("{s:I, s:o, s:o, s:s}", "id",
						    (json_int_t)ranges[i].id, "first",
						    ipv4_json(ranges[i].first), "last",
						    ipv4_json(ranges[i].last), "kind",
						    ranges[i].kind == STORE_RANGE_RESERVED
							    ? "reserved"
							    : "dynamic"));
	}
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:b, s:o}", "id",
			 (json_int_t)s->id, "name", s->name, "cidr", cidr, "gateway",
			 ipv4_json(s->gateway), "dns", dns, "domain", s->domain, "lease_time",
			 (json_int_t)s->lease_time, "interface", s->interface, "dhcp",
			 s->dhcp_enabled, "ranges", rl);
}

static enum MHD_Result list_subnets(struct http_request *req)
{
	struct store_subnet *subnets = NULL;
	struct store_range *ranges = NULL;
	size_t n, n_ranges;
	json_t *items;

	if (store_subnet_list(req->srv->store, &subnets, &n) < 0 ||
	    store_range_list(req->srv->store, &ranges, &n_ranges) < 0) {
		free(subnets);
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
				       NULL, "the inventory store failed; retry later");
	}
	items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, subnet_json(&subnets[i], ranges, n_ranges));
	free(subnets);
	free(ranges);
	return http_send_json(req, MHD_HTTP_OK, list_json(items));
}

/* Field readers for request bodies: each queues a 400 or 422 naming the field. */
struct body_reader {
	struct http_request *req;
	json_t *obj;
	enum MHD_Result ret;
	bool failed;
};

static bool body_fail(struct body_reader *b, unsigned status, const char *code, const char *field,
		      const char *message)
{
	if (!b->failed)
		b->ret = http_send_error(b->req, status, code, field, "%s", message);
	b->failed = true;
	return false;
}

static const char *body_string(struct body_reader *b, const char *key, bool required,
			       size_t max_len)
{
	json_t *v = json_object_get(b->obj, key);
	char msg[160];

	if (b->failed)
		return NULL;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			(void)snprintf(msg, sizeof(msg), "missing required field %s", key);
			body_fail(b, MHD_HTTP_BAD_REQUEST, "missing_field", key, msg);
		}
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max_len) {
		(void)snprintf(msg, sizeof(msg), "%s must be a non-empty string of at most %zu bytes",
			       key, max_len);
		body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", key, msg);
		return NULL;
	}
	return json_string_value(v);
}

static bool body_ipv4(struct body_reader *b, const char *key, uint32_t *ret)
{
	const char *s = body_string(b, key, false, ADDR_IPV4_STRLEN);
	char msg[160];

	if (s == NULL)
		return !b->failed;
	if (addr_parse_ipv4(s, ret) < 0) {
		(void)snprintf(msg, sizeof(msg), "invalid %s \"%s\": expected an IPv4 address", key,
			       s);
		return body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_address", key, msg);
	}
	return true;
}

static void read_subnet_body(struct body_reader *b, struct store_subnet *s)
{
	const char *name = body_string(b, "name", true, STORE_NAME_MAX - 1);
	const char *cidr = body_string(b, "cidr", true, 32);
	const char *domain = body_string(b, "domain", false, STORE_DOMAIN_MAX - 1);
	const char *iface = body_string(b, "interface", false, STORE_IFNAME_MAX - 1);
	json_t *lease_time = json_object_get(b->obj, "lease_time");
	json_t *dhcp = json_object_get(b->obj, "dhcp");
	char msg[160];
	int r;

	if (b->failed)
		return;
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->name, sizeof(s->name), "%s", name);
	r = addr_parse_prefix4(cidr, &s->network, &s->prefix_len);
	if (r < 0) {
		(void)snprintf(msg, sizeof(msg), "invalid cidr \"%s\": %s", cidr,
			       r == -EADDRNOTAVAIL ? "host bits are set"
						   : "expected e.g. 192.0.2.0/24");
		body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_cidr", "cidr", msg);
		return;
	}
	if (!body_ipv4(b, "gateway", &s->gateway))
		return;
	if (s->gateway && !addr_in_prefix4(s->gateway, s->network, s->prefix_len)) {
		body_fail(b, MHD_HTTP_UNPROCESSABLE_CONTENT, "gateway_outside_subnet", "gateway",
			  "gateway is outside the subnet's cidr");
		return;
	}
	(void)snprintf(s->domain, sizeof(s->domain), "%s", domain ? domain : "");
	(void)snprintf(s->interface, sizeof(s->interface), "%s", iface ? iface : "");
	s->lease_time = 3600;
	if (lease_time) {
		if (!json_is_integer(lease_time) || json_integer_value(lease_time) < 60 ||
		    json_integer_value(lease_time) > 31536000) {
			body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "lease_time",
				  "lease_time must be an integer from 60 to 31536000 seconds");
			return;
		}
		s->lease_time = (uint32_t)json_integer_value(lease_time);
	}
	s->dhcp_enabled = true;
	if (dhcp) {
		if (!json_is_boolean(dhcp)) {
			body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "dhcp",
				  "dhcp must be true or false");
			return;
		}
		s->dhcp_enabled = json_is_true(dhcp);
	}
}

static void read_subnet_dns(struct body_reader *b, struct store_subnet *s)
{
	json_t *dns = json_object_get(b->obj, "dns");
	json_t *v;
	size_t i;

	if (b->failed || dns == NULL)
		return;
	if (!json_is_array(dns) || json_array_size(dns) > STORE_DNS_MAX) {
		body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "dns",
			  "dns must be an array of at most 4 IPv4 addresses");
		return;
	}
	json_array_foreach(dns, i, v) {
		if (!json_is_string(v) || addr_parse_ipv4(json_string_value(v), &s->dns[i]) < 0) {
			body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_address", "dns",
				  "dns entries must be IPv4 addresses");
			return;
		}
		s->n_dns = i + 1;
	}
}

#define SUBNET_RANGES_MAX 64

static size_t read_subnet_ranges(struct body_reader *b, struct store_range *ranges)
{
	json_t *list = json_object_get(b->obj, "ranges");
	size_t i, n = 0;
	json_t *v;

	if (b->failed || list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > SUBNET_RANGES_MAX) {
		body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "ranges",
			  "ranges must be an array of at most 64 objects");
		return 0;
	}
	json_array_foreach(list, i, v) {
		struct body_reader rb = { .req = b->req, .obj = v };
		const char *kind;

		if (!json_is_object(v)) {
			body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "ranges",
				  "each range must be an object with first, last and kind");
			return 0;
		}
		memset(&ranges[n], 0, sizeof(ranges[n]));
		kind = body_string(&rb, "kind", false, 16);
		if (!rb.failed && (body_string(&rb, "first", true, 16) == NULL ||
				   body_string(&rb, "last", true, 16) == NULL)) {
			b->ret = rb.ret;
			b->failed = true;
			return 0;
		}
		if (!body_ipv4(&rb, "first", &ranges[n].first) ||
		    !body_ipv4(&rb, "last", &ranges[n].last)) {
			b->ret = rb.ret;
			b->failed = true;
			return 0;
		}
		if (kind && strcmp(kind, "reserved") != 0 && strcmp(kind, "dynamic") != 0) {
			body_fail(b, MHD_HTTP_BAD_REQUEST, "invalid_field", "ranges",
				  "range kind must be dynamic or reserved");
			return 0;
		}
		ranges[n].kind = kind && strcmp(kind, "reserved") == 0 ? STORE_RANGE_RESERVED
								       : STORE_RANGE_DYNAMIC;
		n++;
	}
	return n;
}

static enum MHD_Result create_subnet(struct http_request *req)
{
	struct store_range ranges[SUBNET_RANGES_MAX];
	struct body_reader b = { .req = req };
	struct store_subnet s;
	json_error_t jerr;
	int64_t id, conflict = 0;
	size_t n_ranges;
	int r;

	b.obj = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
			   &jerr);
	if (b.obj == NULL || !json_is_object(b.obj)) {
		json_decref(b.obj);
		return http_send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_json", NULL,
				       "body is not a JSON object: %s", jerr.text);
	}
	read_subnet_body(&b, &s);
	read_subnet_dns(&b, &s);
	n_ranges = read_subnet_ranges(&b, ranges);
	json_decref(b.obj);
	if (b.failed)
		return b.ret;
	for (size_t i = 0; i < n_ranges; i++) {
		if (!addr_in_prefix4(ranges[i].first, s.network, s.prefix_len) ||
		    !addr_in_prefix4(ranges[i].last, s.network, s.prefix_len) ||
		    ranges[i].first > ranges[i].last)
			return http_send_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_range",
					       "ranges",
					       "range %zu must lie inside the subnet with first <= last",
					       i);
	}

	r = store_subnet_add(req->srv->store, &s, &id, &conflict);
	if (r == -EEXIST)
		return http_send_error(req, MHD_HTTP_CONFLICT, "name_taken", "name",
				       "a subnet named \"%s\" exists", s.name);
	if (r == -EADDRINUSE)
		return http_send_error(req, MHD_HTTP_CONFLICT, "subnet_overlap", "cidr",
				       "the subnet overlaps subnet %lld", (long long)conflict);
	if (r == 0 && n_ranges > 0)
		r = store_range_replace(req->srv->store, id, ranges, n_ranges);
	if (r == -EADDRINUSE)
		return http_send_error(req, MHD_HTTP_CONFLICT, "range_overlap", "ranges",
				       "ranges overlap each other");
	if (r < 0)
		return http_send_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
				       NULL, "the inventory store failed; retry later");
	log_info("api", "subnet %s created id=%lld peer=%s", s.name, (long long)id, req->peer);
	(void)store_event_add(req->srv->store, req->peer, "subnet.created", s.name, NULL);
	s.id = id;
	for (size_t i = 0; i < n_ranges; i++)
		ranges[i].subnet_id = id;
	return http_send_json(req, MHD_HTTP_CREATED, subnet_json(&s, ranges, n_ranges));
}

/* TODO: the API has no authentication yet, so any client that reaches the listen address may use it. */
enum MHD_Result http_api_route(struct http_request *req)
{
	const char *path = req->path + strlen("/api/v1");
	bool get = strcmp(req->method, "GET") == 0;

	if (strcmp(path, "/machines") == 0 && get)
		return list_machines(req);
	if (strcmp(path, "/leases") == 0 && get)
		return list_leases(req);
	if (strcmp(path, "/subnets") == 0 && get)
		return list_subnets(req);
	if (strcmp(path, "/subnets") == 0 && strcmp(req->method, "POST") == 0)
		return create_subnet(req);
	if (strcmp(path, "/machines") == 0 || strcmp(path, "/leases") == 0 ||
	    strcmp(path, "/subnets") == 0)
		return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
				       "%s is not allowed on %s", req->method, req->path);
	return http_send_error(req, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no route for %s",
			       req->path);
}
