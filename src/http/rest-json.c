/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest-json -- store structs to JSON objects for the REST API.
 */
#include "http/rest-json.h"

#include <stdio.h>
#include <string.h>

#include "core/addr.h"

json_t *rest_ipaddr_json(const struct ipaddr *a)
{
	char text[IPADDR_STRLEN];

	ipaddr_format(a, text);
	return json_string(text);
}

json_t *rest_mac_json(const uint8_t mac[ADDR_MAC_LEN])
{
	char text[ADDR_MAC_STRLEN];

	addr_format_mac(mac, text);
	return json_string(text);
}

json_t *rest_ref_json(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

/*
 * A string from a client outside the API (a DHCP hostname) may not be
 * UTF-8, which JSON needs: such bytes are replaced by '?'.
 */
static json_t *client_text_json(const char *s)
{
	char copy[STORE_DOMAIN_MAX];
	json_t *v = json_string(s);

	if (v)
		return v;
	(void)snprintf(copy, sizeof(copy), "%s", s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return json_string(copy);
}

static json_t *string_or_null(const char *s)
{
	return s[0] ? client_text_json(s) : json_null();
}

json_t *rest_site_json(const struct store_site *s)
{
	return json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)s->id, "name", s->name,
	                 "description", s->description, "version", (json_int_t)s->version);
}

json_t *rest_rack_json(const struct store_rack *r)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)r->id, "site_id",
	                 (json_int_t)r->site_id, "name", r->name, "description", r->description,
	                 "height", (json_int_t)r->height, "version", (json_int_t)r->version);
}

json_t *rest_tag_json(const struct store_tag *t)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)t->id, "name", t->name,
	                 "description", t->description, "machines", (json_int_t)t->n_machines,
	                 "version", (json_int_t)t->version);
}

static json_t *tags_json(const char *text)
{
	char copy[STORE_TAGS_TEXT_MAX], *save = NULL;
	json_t *list = json_array();

	(void)snprintf(copy, sizeof(copy), "%s", text);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(list, json_string(t));
	return list;
}

json_t *rest_machine_json(const struct store_machine_info *info)
{
	static const uint8_t no_mac[ADDR_MAC_LEN];
	const struct store_machine *m = &info->m;
	struct ipaddr first;
	json_t *obj;

	ipaddr_from_v4(m->first_address, &first);
	obj = json_pack("{s:I, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", (json_int_t)m->id,
	                "hostname", client_text_json(m->hostname), "state", m->state, "arch",
	                m->arch, "firmware", m->firmware, "first_seen", (json_int_t)m->first_seen,
	                "reported_at", (json_int_t)m->reported_at, "cpu_count",
	                (json_int_t)m->cpu_count, "version", (json_int_t)info->version);
	if (obj == NULL)
		return NULL;
	json_object_set_new(obj, "mac",
	                    memcmp(m->mac, no_mac, sizeof(no_mac)) ? rest_mac_json(m->mac)
	                                                           : json_null());
	json_object_set_new(obj, "uuid", string_or_null(m->uuid));
	json_object_set_new(obj, "first_address",
	                    m->first_address ? rest_ipaddr_json(&first) : json_null());
	/* jansson integers are signed 64-bit; memory sizes stay far below 2^63. */
	json_object_set_new(obj, "memory_bytes", json_integer((json_int_t)m->memory_bytes));
	json_object_set_new(obj, "site_id", rest_ref_json(info->site_id));
	json_object_set_new(obj, "rack_id", rest_ref_json(info->rack_id));
	json_object_set_new(obj, "position",
	                    info->position ? json_integer(info->position) : json_null());
	json_object_set_new(obj, "tags", tags_json(info->tags));
	return obj;
}

json_t *rest_machine_detail_json(const struct store_machine_info *m,
                                 const struct store_interface *ifaces, size_t n_ifaces,
                                 json_t *facts)
{
	json_t *obj = rest_machine_json(m), *list = json_array();

	for (size_t i = 0; i < n_ifaces; i++)
		json_array_append_new(list, rest_interface_json(&ifaces[i]));
	if (obj == NULL) {
		json_decref(list);
		json_decref(facts);
		return NULL;
	}
	json_object_set_new(obj, "interfaces", list);
	json_object_set_new(obj, "facts", facts ? facts : json_object());
	return obj;
}

json_t *rest_interface_json(const struct store_interface *i)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:b, s:I}", "id", (json_int_t)i->id, "machine_id",
	                 (json_int_t)i->machine_id, "name", i->name, "mac", rest_mac_json(i->mac),
	                 "pxe", i->pxe, "version", (json_int_t)i->version);
}

json_t *rest_usage_json(const struct store_ipam_usage *u)
{
	double free_count = u->size - (double)u->used;
	double percent = u->size > 0 ? 100.0 * (double)u->used / u->size : 0.0;
	json_t *size, *free_json;

	if (free_count < 0)
		free_count = 0;
	/* Counts up to 2^53 are exact integers; larger IPv6 spaces are given as numbers. */
	if (u->size <= 9007199254740992.0) {
		size = json_integer((json_int_t)u->size);
		free_json = json_integer((json_int_t)free_count);
	} else {
		size = json_real(u->size);
		free_json = json_real(free_count);
	}
	return json_pack("{s:o, s:I, s:o, s:f}", "size", size, "used", (json_int_t)u->used, "free",
	                 free_json, "percent",
	                 (double)((long long)(percent * 100.0 + 0.5)) / 100.0);
}

json_t *rest_range_json(const struct store_ipam_range *r, const struct store_ipam_usage *usage)
{
	json_t *obj;

	obj = json_pack("{s:I, s:I, s:o, s:o, s:s, s:I}", "id", (json_int_t)r->id, "subnet_id",
	                (json_int_t)r->subnet_id, "first", rest_ipaddr_json(&r->first), "last",
	                rest_ipaddr_json(&r->last), "kind",
	                r->kind == STORE_RANGE_RESERVED ? "reserved" : "dynamic", "version",
	                (json_int_t)r->version);
	if (obj && usage)
		json_object_set_new(obj, "utilisation", rest_usage_json(usage));
	return obj;
}

json_t *rest_subnet_json(const struct store_ipam_subnet *s, const struct store_ipam_range *ranges,
                         size_t n_ranges, const struct store_ipam_usage *usage)
{
	char cidr[IPADDR_STRLEN + 4];
	json_t *obj, *dns = json_array(), *list = json_array();

	ipaddr_format_prefix(&s->network, s->prefix_len, cidr, sizeof(cidr));
	for (size_t i = 0; i < s->n_dns; i++)
		json_array_append_new(dns, rest_ipaddr_json(&s->dns[i]));
	for (size_t i = 0; i < n_ranges; i++)
		if (ranges[i].subnet_id == s->id)
			json_array_append_new(list, rest_range_json(&ranges[i], NULL));
	obj = json_pack("{s:I, s:s, s:i, s:s, s:o, s:o, s:s, s:I, s:s, s:b, s:o, s:o, s:I}", "id",
	                (json_int_t)s->id, "name", s->name, "family", (int)s->network.family,
	                "cidr", cidr, "gateway",
	                s->has_gateway ? rest_ipaddr_json(&s->gateway) : json_null(), "dns", dns,
	                "domain", s->domain, "lease_time", (json_int_t)s->lease_time, "interface",
	                s->interface, "dhcp", s->dhcp_enabled, "vlan",
	                s->vlan ? json_integer(s->vlan) : json_null(), "ranges", list, "version",
	                (json_int_t)s->version);
	if (obj && usage)
		json_object_set_new(obj, "utilisation", rest_usage_json(usage));
	return obj;
}

const char *rest_ip_kind_name(enum store_ip_kind kind)
{
	switch (kind) {
	case STORE_IP_STATIC:
		return "static";
	case STORE_IP_STICKY:
		return "sticky";
	case STORE_IP_DHCP:
		return "dhcp";
	}
	return "static";
}

json_t *rest_address_json(const struct store_ip_address *a)
{
	return json_pack(
	        "{s:I, s:o, s:i, s:I, s:o, s:o, s:o, s:s, s:s, s:s, s:I, s:I}", "id",
	        (json_int_t)a->id, "address", rest_ipaddr_json(&a->address), "family",
	        (int)a->address.family, "subnet_id", (json_int_t)a->subnet_id, "interface_id",
	        rest_ref_json(a->interface_id), "machine_id", rest_ref_json(a->machine_id), "mac",
	        a->has_mac ? rest_mac_json(a->mac) : json_null(), "kind",
	        rest_ip_kind_name(a->kind), "description", a->description, "dns_name", a->dns_name,
	        "created", (json_int_t)a->created, "version", (json_int_t)a->version);
}

const char *rest_lease_state_name(enum store_lease_state state)
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

json_t *rest_lease_json(const struct store_lease *l, int64_t now)
{
	char client_id[2 * STORE_CLIENT_ID_MAX + 1];
	struct ipaddr a;

	for (size_t i = 0; i < l->client_id_len; i++)
		(void)snprintf(client_id + 2 * i, 3, "%02x", l->client_id[i]);
	client_id[2 * l->client_id_len] = '\0';
	ipaddr_from_v4(l->address, &a);
	return json_pack("{s:o, s:I, s:o, s:s, s:o, s:I, s:I, s:s, s:b}", "address",
	                 rest_ipaddr_json(&a), "subnet_id", (json_int_t)l->subnet_id, "mac",
	                 rest_mac_json(l->mac), "client_id", client_id, "hostname",
	                 client_text_json(l->hostname), "expires", (json_int_t)l->expires,
	                 "updated", (json_int_t)l->updated, "state",
	                 rest_lease_state_name(l->state), "active",
	                 l->state == STORE_LEASE_BOUND && l->expires > now);
}

/* Embeds stored JSON text as a value; text that does not parse stays a string. */
static json_t *stored_json(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(text);
}

json_t *rest_event_json(const struct store_event *e)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)e->id,
	                 "time", (json_int_t)e->time, "actor", e->actor, "kind", e->kind, "object",
	                 e->object, "detail", e->detail ? json_string(e->detail) : json_null(),
	                 "before", stored_json(e->before), "after", stored_json(e->after));
}

/* A Unix time, or null where 0 means none. */
static json_t *time_or_null(int64_t t)
{
	return t ? json_integer((json_int_t)t) : json_null();
}

json_t *rest_token_json(const struct store_token *t)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:o, s:o, s:I}", "id", (json_int_t)t->id, "name",
	                 t->name, "role", t->role, "created", (json_int_t)t->created, "expires",
	                 time_or_null(t->expires), "last_used", time_or_null(t->last_used),
	                 "version", (json_int_t)t->version);
}
