/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-ipam -- REST routes for subnets, ranges, IP addresses, next-free
 * allocation and DHCP leases. Every write marks its transaction so the
 * DHCP server reloads its view on the next packet.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/ipaddr.h"
#include "http/http-rest.h"
#include "http/rest-json.h"
#include "store/store-ipam.h"

#define SUBNET_RANGES_MAX 1000 /* ranges shown inside one subnet */

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

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

static int check_ref(int r, struct rest_error *err, const char *field, const char *kind, int64_t id)
{
	if (r == -ENOENT)
		return rest_fail(err, 422, "invalid_reference", field, "no %s with id %" PRId64,
		                 kind, id);
	return r;
}

static int stale_or(struct rest_error *err, int r)
{
	if (r == -ESTALE)
		return rest_fail(err, 412, "precondition_failed", NULL,
		                 "the object changed during the request; retry");
	if (r == -ENOENT)
		return rest_fail(err, 404, "not_found", NULL, "the object is gone");
	return r;
}

/* Subnets */

/* A subnet with the ranges a create may give inline. */
struct subnet_rec {
	struct store_ipam_subnet s;
	struct store_ipam_range ranges[REST_SUBNET_RANGES_MAX];
	size_t n_ranges;
};

static void subnet_init(void *rec)
{
	struct subnet_rec *r = rec;

	r->s.lease_time = 3600;
	r->s.dhcp_enabled = true;
}

static int subnet_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	struct subnet_rec *r = rec;
	int ret;

	r->n_ranges = 0;
	ret = rest_decode_subnet(obj, create, &r->s, err);
	if (ret == 0 && create)
		ret = rest_decode_subnet_ranges(obj, &r->s, r->ranges, &r->n_ranges, err);
	return ret < 0 ? ret : 0;
}

static int subnet_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_ipam_subnet_get(tx, id, &((struct subnet_rec *)rec)->s);
}

/* Fills *err with a 409 that names the subnet s overlaps: id, name and cidr. */
static int subnet_overlap(struct store_txn *tx, const struct store_ipam_subnet *s, int64_t other_id,
                          struct rest_error *err)
{
	char cidr[IPADDR_STRLEN + 4], other_cidr[IPADDR_STRLEN + 4];
	struct store_ipam_subnet other;
	int r;

	ipaddr_format_prefix(&s->network, s->prefix_len, cidr, sizeof(cidr));
	r = store_ipam_subnet_get(tx, other_id, &other);
	if (r < 0)
		return r;
	ipaddr_format_prefix(&other.network, other.prefix_len, other_cidr, sizeof(other_cidr));
	return rest_fail(err, 409, "subnet_overlap", "cidr",
	                 "%s overlaps subnet %" PRId64 " \"%s\" (%s)", cidr, other.id, other.name,
	                 other_cidr);
}

static int subnet_write_result(struct store_txn *tx, const struct store_ipam_subnet *s, int r,
                               int64_t conflict_id, struct rest_error *err)
{
	if (r == -EEXIST)
		return rest_fail(err, 409, "name_taken", "name", "a subnet named \"%s\" exists",
		                 s->name);
	if (r == -EADDRINUSE)
		return subnet_overlap(tx, s, conflict_id, err);
	if (r == -ERANGE)
		return rest_fail(err, 409, "subnet_in_use", "cidr",
		                 "ranges or IP addresses of the subnet lie outside the new cidr;"
		                 " move or delete them first");
	if (r == -EINVAL)
		return rest_fail(err, 422, "family_change", "cidr",
		                 "a subnet cannot change its address family");
	return stale_or(err, r);
}

static int subnet_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	struct subnet_rec *sr = rec;
	int64_t conflict = 0, range_id;
	int r;

	r = store_ipam_subnet_insert(tx, &sr->s, ret_id, &conflict);
	if (r < 0)
		return subnet_write_result(tx, &sr->s, r, conflict, err);
	for (size_t i = 0; i < sr->n_ranges; i++) {
		sr->ranges[i].subnet_id = *ret_id;
		r = store_ipam_range_insert(tx, &sr->ranges[i], &range_id, &conflict);
		if (r == -EADDRINUSE)
			return rest_fail(err, 409, "range_overlap", "ranges",
			                 "ranges[%zu] overlaps another range of the subnet", i);
		if (r == -EINVAL)
			return rest_fail(err, 422, "range_outside_subnet", "ranges",
			                 "ranges[%zu] must lie inside the subnet", i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int subnet_update(struct store_txn *tx, const void *rec, int64_t version,
                         struct rest_error *err)
{
	const struct subnet_rec *sr = rec;
	int64_t conflict = 0;
	int r = store_ipam_subnet_update(tx, &sr->s, version, &conflict);

	return subnet_write_result(tx, &sr->s, r, conflict, err);
}

static int subnet_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	int r = store_ipam_subnet_delete(tx, id, version);

	if (r == -EBUSY)
		return rest_fail(
		        err, 409, "subnet_in_use", NULL,
		        "IP addresses are recorded in subnet %" PRId64 "; delete them first", id);
	return stale_or(err, r);
}

/* The subnet with its ranges and utilisation. */
static json_t *subnet_full_json(struct store_txn *tx, const struct store_ipam_subnet *s)
{
	struct store_page all = { .limit = SUBNET_RANGES_MAX };
	struct store_ipam_range *ranges = NULL;
	struct store_ipam_usage usage;
	size_t n = 0;
	int64_t total;
	json_t *obj;

	if (store_ipam_range_list(tx, s->id, -1, &all, &ranges, &n, &total) < 0)
		n = 0;
	obj = rest_subnet_json(s, ranges, n,
	                       store_ipam_subnet_usage(tx, s, now_unix(), &usage) == 0 ? &usage
	                                                                               : NULL);
	free(ranges);
	return obj;
}

static json_t *subnet_json(struct store_txn *tx, const void *rec)
{
	return subnet_full_json(tx, &((const struct subnet_rec *)rec)->s);
}

static int64_t subnet_version(const void *rec)
{
	return ((const struct subnet_rec *)rec)->s.version;
}

static const struct rest_resource subnet_resource = {
	.name = "subnet",
	.path = "subnets",
	.size = sizeof(struct subnet_rec),
	.init = subnet_init,
	.decode = subnet_decode,
	.get = subnet_get,
	.insert = subnet_insert,
	.update = subnet_update,
	.remove = subnet_remove,
	.to_json = subnet_json,
	.version = subnet_version,
};

enum MHD_Result http_subnets_list(struct rest_request *rq)
{
	static const char *const filters[] = { "family", "name", "vlan", "address", NULL };
	struct store_ipam_subnet_filter filter = { 0 };
	const char *family = rest_query(rq, "family"), *vlan = rest_query(rq, "vlan");
	const char *address = rest_query(rq, "address");
	struct store_ipam_subnet *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	struct ipaddr addr;
	enum MHD_Result ret;
	uint32_t value;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret))
		return ret;
	if (family && strcmp(family, "4") != 0 && strcmp(family, "6") != 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "family",
		                  "invalid family \"%.64s\": expected 4 or 6", family);
	filter.family = family ? (uint8_t)(family[0] - '0') : 0;
	if (vlan && addr_parse_u32(vlan, 1, 4094, &value) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "vlan",
		                  "invalid vlan \"%.64s\": expected 1 to 4094", vlan);
	filter.vlan = vlan ? (uint16_t)value : 0;
	if (address && ipaddr_parse(address, &addr) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "address",
		                  "invalid address \"%.64s\": expected an IPv4 or IPv6 address",
		                  address);
	filter.contains = address ? &addr : NULL;
	filter.name = rest_query(rq, "name");
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_ipam_subnet_list(tx, &filter, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing subnets");
		store_txn_abort(tx);
		return ret;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, subnet_full_json(tx, &items[i]));
	store_txn_abort(tx);
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_subnets_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &subnet_resource);
}

enum MHD_Result http_subnets_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &subnet_resource);
}

enum MHD_Result http_subnets_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &subnet_resource);
}

enum MHD_Result http_subnets_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &subnet_resource);
}

/* Ranges */

static void range_init(void *rec)
{
	((struct store_ipam_range *)rec)->kind = STORE_RANGE_DYNAMIC;
}

static int range_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_range(obj, create, rec, err);
}

static int range_check(struct store_txn *tx, const void *old, void *rec, struct rest_error *err)
{
	const struct store_ipam_range *rg = rec;
	char first[IPADDR_STRLEN], last[IPADDR_STRLEN], cidr[IPADDR_STRLEN + 4];
	struct store_ipam_subnet s;
	int r;

	(void)old;
	r = check_ref(store_ipam_subnet_get(tx, rg->subnet_id, &s), err, "subnet_id", "subnet",
	              rg->subnet_id);
	if (r < 0)
		return r;
	if (ipaddr_in_prefix(&rg->first, &s.network, s.prefix_len) &&
	    ipaddr_in_prefix(&rg->last, &s.network, s.prefix_len))
		return 0;
	ipaddr_format(&rg->first, first);
	ipaddr_format(&rg->last, last);
	ipaddr_format_prefix(&s.network, s.prefix_len, cidr, sizeof(cidr));
	return rest_fail(err, 422, "range_outside_subnet", "first",
	                 "range %s-%s is not inside subnet %" PRId64 " (%s)", first, last, s.id,
	                 cidr);
}

static int range_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_ipam_range_get(tx, id, rec);
}

static int range_write_result(struct store_txn *tx, int r, int64_t conflict_id,
                              struct rest_error *err)
{
	char first[IPADDR_STRLEN], last[IPADDR_STRLEN];
	struct store_ipam_range other;
	int g;

	if (r == -EADDRINUSE) {
		g = store_ipam_range_get(tx, conflict_id, &other);
		if (g < 0)
			return g;
		ipaddr_format(&other.first, first);
		ipaddr_format(&other.last, last);
		return rest_fail(err, 409, "range_overlap", "first",
		                 "the range overlaps range %" PRId64 " (%s-%s)", other.id, first,
		                 last);
	}
	if (r == -EINVAL)
		return rest_fail(err, 422, "range_outside_subnet", "first",
		                 "the range must lie inside its subnet with first <= last");
	return stale_or(err, r);
}

static int range_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	int64_t conflict = 0;
	int r = store_ipam_range_insert(tx, rec, ret_id, &conflict);

	return range_write_result(tx, r, conflict, err);
}

static int range_update(struct store_txn *tx, const void *rec, int64_t version,
                        struct rest_error *err)
{
	int64_t conflict = 0;
	int r = store_ipam_range_update(tx, rec, version, &conflict);

	return range_write_result(tx, r, conflict, err);
}

static int range_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return stale_or(err, store_ipam_range_delete(tx, id, version));
}

static json_t *range_full_json(struct store_txn *tx, const struct store_ipam_range *rg)
{
	struct store_ipam_usage usage;

	return rest_range_json(rg, store_ipam_range_usage(tx, rg, now_unix(), &usage) == 0 ? &usage
	                                                                                   : NULL);
}

static json_t *range_json(struct store_txn *tx, const void *rec)
{
	return range_full_json(tx, rec);
}

static int64_t range_version(const void *rec)
{
	return ((const struct store_ipam_range *)rec)->version;
}

static const struct rest_resource range_resource = {
	.name = "range",
	.path = "ranges",
	.size = sizeof(struct store_ipam_range),
	.init = range_init,
	.decode = range_decode,
	.check = range_check,
	.get = range_get,
	.insert = range_insert,
	.update = range_update,
	.remove = range_remove,
	.to_json = range_json,
	.version = range_version,
};

enum MHD_Result http_ranges_list(struct rest_request *rq)
{
	static const char *const filters[] = { "subnet", "kind", NULL };
	const char *kind = rest_query(rq, "kind");
	struct store_ipam_range *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t total, subnet;
	int kind_value = -1;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !rest_query_id(rq, "subnet", &subnet, &ret))
		return ret;
	if (kind && strcmp(kind, "dynamic") != 0 && strcmp(kind, "reserved") != 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "kind",
		                  "invalid kind \"%.64s\": expected dynamic or reserved", kind);
	if (kind)
		kind_value =
		        strcmp(kind, "reserved") == 0 ? STORE_RANGE_RESERVED : STORE_RANGE_DYNAMIC;
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_ipam_range_list(tx, subnet, kind_value, &page, &items, &n, &total);
	if (r < 0) {
		ret = rest_store_failed(rq, r, "listing ranges");
		store_txn_abort(tx);
		return ret;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, range_full_json(tx, &items[i]));
	store_txn_abort(tx);
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_ranges_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &range_resource);
}

enum MHD_Result http_ranges_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &range_resource);
}

enum MHD_Result http_ranges_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &range_resource);
}

enum MHD_Result http_ranges_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &range_resource);
}

/* IP addresses */

static void address_init(void *rec)
{
	((struct store_ip_address *)rec)->kind = STORE_IP_STATIC;
}

static int address_decode(json_t *obj, bool create, void *rec, struct rest_error *err)
{
	return rest_decode_address(obj, create, rec, err);
}

/*
 * Checks that an address may be handed to ip's interface: no unexpired
 * lease of another MAC holds it (a lease of the interface's own MAC is the
 * same client and is fine).
 */
static int check_lease(struct store_txn *tx, const struct store_ip_address *ip,
                       const struct store_interface *iface, struct rest_error *err)
{
	char text[IPADDR_STRLEN], mac[ADDR_MAC_STRLEN];
	struct store_lease lease;
	int r;

	if (ip->address.family != 4)
		return 0;
	r = store_ipam_lease_get(tx, ipaddr_to_v4(&ip->address), &lease);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (lease.expires <= now_unix() || lease.state == STORE_LEASE_RELEASED)
		return 0;
	if (iface && memcmp(iface->mac, lease.mac, sizeof(lease.mac)) == 0)
		return 0;
	ipaddr_format(&ip->address, text);
	addr_format_mac(lease.mac, mac);
	return rest_fail(err, 409, "address_leased", "address",
	                 "%s is leased to %s until %lld; expire the lease first (DELETE"
	                 " /api/v1/leases/%s)",
	                 text, mac, (long long)lease.expires, text);
}

/* Checks the interface reference and the lease of an address being bound. */
static int check_binding(struct store_txn *tx, struct store_ip_address *ip, struct rest_error *err)
{
	struct store_interface iface;
	int r;

	if (ip->interface_id == 0)
		return check_lease(tx, ip, NULL, err);
	r = check_ref(store_interface_get(tx, ip->interface_id, &iface), err, "interface_id",
	              "interface", ip->interface_id);
	if (r < 0)
		return r;
	return check_lease(tx, ip, &iface, err);
}

static int address_check(struct store_txn *tx, const void *old, void *rec, struct rest_error *err)
{
	struct store_ip_address *ip = rec, existing;
	char text[IPADDR_STRLEN];
	struct store_ipam_subnet s;
	struct ipaddr first, last;
	int r;

	if (old)
		return check_binding(tx, ip, err);
	ipaddr_format(&ip->address, text);
	r = store_ipam_subnet_containing(tx, &ip->address, &s);
	if (r == -ENOENT)
		return rest_fail(err, 422, "no_subnet", "address",
		                 "no subnet contains %s; create the subnet first", text);
	if (r < 0)
		return r;
	ip->subnet_id = s.id;
	ipaddr_host_bounds(&s.network, s.prefix_len, &first, &last);
	if (ipaddr_cmp(&ip->address, &first) < 0 || ipaddr_cmp(&ip->address, &last) > 0)
		return rest_fail(err, 422, "not_a_host_address", "address",
		                 "%s is the network or broadcast address of subnet %" PRId64, text,
		                 s.id);
	r = store_ipam_address_find(tx, &ip->address, &existing);
	if (r == 0)
		return rest_fail(err, 409, "address_taken", "address",
		                 "%s is already recorded as IP address %" PRId64, text,
		                 existing.id);
	if (r != -ENOENT)
		return r;
	return check_binding(tx, ip, err);
}

static int address_get(struct store_txn *tx, int64_t id, void *rec)
{
	return store_ipam_address_get(tx, id, rec);
}

static int address_insert(struct store_txn *tx, void *rec, int64_t *ret_id, struct rest_error *err)
{
	int r = store_ipam_address_insert(tx, rec, ret_id);

	if (r == -EEXIST)
		return rest_fail(err, 409, "address_taken", "address", "the address is recorded");
	return stale_or(err, r);
}

static int address_update(struct store_txn *tx, const void *rec, int64_t version,
                          struct rest_error *err)
{
	return stale_or(err, store_ipam_address_update(tx, rec, version));
}

static int address_remove(struct store_txn *tx, int64_t id, int64_t version, struct rest_error *err)
{
	return stale_or(err, store_ipam_address_delete(tx, id, version));
}

static json_t *address_json(struct store_txn *tx, const void *rec)
{
	(void)tx;
	return rest_address_json(rec);
}

static int64_t address_version(const void *rec)
{
	return ((const struct store_ip_address *)rec)->version;
}

static const struct rest_resource address_resource = {
	.name = "ip_address",
	.path = "ip-addresses",
	.size = sizeof(struct store_ip_address),
	.init = address_init,
	.decode = address_decode,
	.check = address_check,
	.get = address_get,
	.insert = address_insert,
	.update = address_update,
	.remove = address_remove,
	.to_json = address_json,
	.version = address_version,
};

enum MHD_Result http_addresses_list(struct rest_request *rq)
{
	static const char *const filters[] = { "subnet",  "range", "address", "kind", "interface",
		                               "machine", "mac",   "family",  NULL };
	struct store_ip_filter filter = { .kind = -1 };
	const char *kind = rest_query(rq, "kind"), *mac = rest_query(rq, "mac");
	const char *address = rest_query(rq, "address"), *family = rest_query(rq, "family");
	struct store_ip_address *items = NULL;
	struct store_page page;
	struct store_txn *tx;
	struct ipaddr addr;
	enum MHD_Result ret;
	int64_t total;
	json_t *list;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !rest_query_id(rq, "subnet", &filter.subnet_id, &ret) ||
	    !rest_query_id(rq, "range", &filter.range_id, &ret) ||
	    !rest_query_id(rq, "interface", &filter.interface_id, &ret) ||
	    !rest_query_id(rq, "machine", &filter.machine_id, &ret))
		return ret;
	if (kind) {
		for (int k = STORE_IP_STATIC; k <= STORE_IP_DHCP; k++)
			if (strcmp(kind, rest_ip_kind_name((enum store_ip_kind)k)) == 0)
				filter.kind = k;
		if (filter.kind < 0)
			return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "kind",
			                  "invalid kind \"%.64s\": expected static, sticky or dhcp",
			                  kind);
	}
	if (mac && addr_parse_mac(mac, filter.mac) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "mac",
		                  "invalid mac \"%.64s\": expected e.g. 52:54:00:ab:cd:ef", mac);
	filter.has_mac = mac != NULL;
	if (address && ipaddr_parse(address, &addr) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "address",
		                  "invalid address \"%.64s\": expected an IPv4 or IPv6 address",
		                  address);
	filter.address = address ? &addr : NULL;
	if (family && strcmp(family, "4") != 0 && strcmp(family, "6") != 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "family",
		                  "invalid family \"%.64s\": expected 4 or 6", family);
	filter.family = family ? (uint8_t)(family[0] - '0') : 0;
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_ipam_address_list(tx, &filter, &page, &items, &n, &total);
	store_txn_abort(tx);
	if (r < 0)
		return rest_store_failed(rq, r, "listing IP addresses");
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_address_json(&items[i]));
	ret = rest_send_list(rq, list, total, &page, n ? items[n - 1].id : 0);
	free(items);
	return ret;
}

enum MHD_Result http_addresses_get(struct rest_request *rq)
{
	return rest_crud_get(rq, &address_resource);
}

enum MHD_Result http_addresses_create(struct rest_request *rq)
{
	return rest_crud_create(rq, &address_resource);
}

enum MHD_Result http_addresses_update(struct rest_request *rq)
{
	return rest_crud_update(rq, &address_resource);
}

enum MHD_Result http_addresses_delete(struct rest_request *rq)
{
	return rest_crud_delete(rq, &address_resource);
}

/* Allocation */

/* Finds and records the next free address of a subnet or range in one transaction. */
static int allocate(struct store_txn *tx, int64_t subnet_id, int64_t range_id,
                    struct store_ip_address *ip, int64_t *ret_id, struct rest_error *err)
{
	struct store_ipam_range range;
	struct store_ipam_subnet s;
	int r;

	if (range_id > 0) {
		r = store_ipam_range_get(tx, range_id, &range);
		if (r == -ENOENT)
			return rest_fail(err, 404, "not_found", NULL, "no range with id %" PRId64,
			                 range_id);
		if (r < 0)
			return r;
		subnet_id = range.subnet_id;
	}
	r = store_ipam_subnet_get(tx, subnet_id, &s);
	if (r == -ENOENT)
		return rest_fail(err, 404, "not_found", NULL, "no subnet with id %" PRId64,
		                 subnet_id);
	if (r < 0)
		return r;
	if (ip->interface_id > 0) {
		struct store_interface iface;

		r = check_ref(store_interface_get(tx, ip->interface_id, &iface), err,
		              "interface_id", "interface", ip->interface_id);
		if (r < 0)
			return r;
	}
	r = store_ipam_next_free(tx, subnet_id, range_id, now_unix(), &ip->address);
	if (r == -ENOSPC)
		return rest_fail(err, 409, "no_free_address", NULL,
		                 "%s %" PRId64 " has no free address left",
		                 range_id > 0 ? "range" : "subnet",
		                 range_id > 0 ? range_id : subnet_id);
	if (r < 0)
		return r;
	ip->subnet_id = subnet_id;
	return store_ipam_address_insert(tx, ip, ret_id);
}

static enum MHD_Result allocate_route(struct rest_request *rq, bool in_range)
{
	struct store_ip_address ip = { .kind = STORE_IP_STATIC };
	char object[STORE_NAME_MAX], location[96];
	struct rest_error err = { 0 };
	struct store_txn *tx;
	enum MHD_Result ret;
	json_t *body = NULL;
	int64_t id;
	int r;

	if (!rest_no_query(rq, &ret))
		return ret;
	/* The body is optional: an empty POST allocates an unbound static address. */
	if (rq->req->body_len > 0) {
		body = rest_body(rq, &ret);
		if (body == NULL)
			return ret;
		r = rest_decode_allocation(body, &ip, &err);
		json_decref(body);
		if (r < 0)
			return rest_send_error(rq, &err);
	}
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "opening a write transaction");
	r = allocate(tx, in_range ? 0 : rq->id, in_range ? rq->id : 0, &ip, &id, &err);
	if (r == 0)
		r = store_ipam_address_get(tx, id, &ip);
	if (r < 0) {
		ret = r == -EINVAL ? rest_send_error(rq, &err)
		                   : rest_store_failed(rq, r, "allocating an address");
		store_txn_abort(tx);
		return ret;
	}
	(void)snprintf(object, sizeof(object), "ip_address/%" PRId64, id);
	(void)snprintf(location, sizeof(location), "/api/v1/ip-addresses/%" PRId64, id);
	return rest_commit_change(rq, tx, "ip_address.allocated", object, NULL,
	                          rest_address_json(&ip), MHD_HTTP_CREATED, ip.version, location);
}

enum MHD_Result http_subnets_allocate(struct rest_request *rq)
{
	return allocate_route(rq, false);
}

enum MHD_Result http_ranges_allocate(struct rest_request *rq)
{
	return allocate_route(rq, true);
}

/* Leases */

static bool parse_lease_address(const char *text, uint32_t *ret)
{
	return text && addr_parse_ipv4(text, ret) == 0;
}

enum MHD_Result http_leases_list(struct rest_request *rq)
{
	static const char *const filters[] = { "mac",      "subnet", "address", "state",
		                               "hostname", "active", "after",   NULL };
	const char *mac = rest_query(rq, "mac"), *address = rest_query(rq, "address");
	const char *state = rest_query(rq, "state"), *active = rest_query(rq, "active");
	const char *after = rest_query(rq, "after");
	struct store_lease_filter filter = { .active = -1, .now = now_unix() };
	struct store_lease *items = NULL;
	json_t *list, *next = NULL;
	struct store_page page;
	struct store_txn *tx;
	enum MHD_Result ret;
	uint32_t after_addr;
	int64_t total;
	size_t n;
	int r;

	if (!rest_parse_query(rq, filters, &page, &ret) ||
	    !rest_query_id(rq, "subnet", &filter.subnet_id, &ret))
		return ret;
	if (mac && addr_parse_mac(mac, filter.mac) < 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "mac",
		                  "invalid mac \"%.64s\": expected e.g. 52:54:00:ab:cd:ef", mac);
	filter.has_mac = mac != NULL;
	if (address && !parse_lease_address(address, &filter.address))
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "address",
		                  "invalid address \"%.64s\": leases are IPv4 addresses", address);
	filter.has_address = address != NULL;
	if (after && !parse_lease_address(after, &after_addr))
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "after",
		                  "invalid after \"%.64s\": expected the next_after address of a"
		                  " previous page",
		                  after);
	page.after = after ? (int64_t)after_addr : 0;
	if (state) {
		for (int s = STORE_LEASE_BOUND; s <= STORE_LEASE_DECLINED; s++)
			if (strcmp(state, rest_lease_state_name((enum store_lease_state)s)) == 0)
				filter.state = s;
		if (filter.state == 0)
			return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "state",
			                  "invalid state \"%.64s\": expected bound, released or"
			                  " declined",
			                  state);
	}
	if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
		return rest_error(rq, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "active",
		                  "invalid active \"%.64s\": expected true or false", active);
	if (active)
		filter.active = strcmp(active, "true") == 0;
	filter.hostname = rest_query(rq, "hostname");
	tx = begin_read(rq, &ret);
	if (tx == NULL)
		return ret;
	r = store_ipam_lease_list(tx, &filter, &page, &items, &n, &total);
	store_txn_abort(tx);
	if (r < 0)
		return rest_store_failed(rq, r, "listing leases");
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, rest_lease_json(&items[i], filter.now));
	/* Leases are keyed by address, so next_after is the last address as text. */
	if (n > 0) {
		struct ipaddr last;

		ipaddr_from_v4(items[n - 1].address, &last);
		next = rest_ipaddr_json(&last);
	}
	ret = rest_send_list_next(rq, list, total, &page, next);
	free(items);
	return ret;
}

/* Reads the lease named by the path; answers 404 when the path is no IPv4 address. */
static bool lease_address(struct rest_request *rq, uint32_t *ret_addr, enum MHD_Result *ret)
{
	if (parse_lease_address(rq->id_text, ret_addr))
		return true;
	*ret = rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL,
	                  "no lease for \"%.64s\": leases are named by IPv4 address",
	                  rq->id_text ? rq->id_text : "");
	return false;
}

enum MHD_Result http_leases_get(struct rest_request *rq)
{
	struct store_lease lease;
	struct store_txn *tx;
	enum MHD_Result ret;
	uint32_t address;
	int r;

	if (!rest_no_query(rq, &ret) || !lease_address(rq, &address, &ret) ||
	    (tx = begin_read(rq, &ret)) == NULL)
		return ret;
	r = store_ipam_lease_get(tx, address, &lease);
	store_txn_abort(tx);
	if (r == -ENOENT)
		return rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL, "no lease for %s",
		                  rq->id_text);
	if (r < 0)
		return rest_store_failed(rq, r, "reading a lease");
	return rest_send(rq, MHD_HTTP_OK, rest_lease_json(&lease, now_unix()), 0, NULL);
}

/*
 * Forces a lease to expire: the row goes, and the DHCP server, which
 * reloads when the transaction commits, treats the address as free.
 */
enum MHD_Result http_leases_delete(struct rest_request *rq)
{
	char object[STORE_NAME_MAX];
	struct store_lease lease;
	struct store_txn *tx;
	enum MHD_Result ret;
	uint32_t address;
	json_t *before;
	int r;

	if (!rest_no_query(rq, &ret) || !lease_address(rq, &address, &ret))
		return ret;
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0)
		return rest_store_failed(rq, r, "opening a write transaction");
	r = store_ipam_lease_get(tx, address, &lease);
	if (r == 0)
		r = store_ipam_lease_delete(tx, address);
	if (r < 0) {
		ret = r == -ENOENT ? rest_error(rq, MHD_HTTP_NOT_FOUND, "not_found", NULL,
		                                "no lease for %s", rq->id_text)
		                   : rest_store_failed(rq, r, "expiring a lease");
		store_txn_abort(tx);
		return ret;
	}
	before = rest_lease_json(&lease, now_unix());
	(void)snprintf(object, sizeof(object), "lease/%s", rq->id_text);
	ret = rest_commit_change(rq, tx, "lease.expired", object, before, NULL, MHD_HTTP_NO_CONTENT,
	                         0, NULL);
	json_decref(before);
	return ret;
}
