/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest-body -- REST request bodies to store structs, with jansson. Every
 * member is checked against a per-resource table first, so a typo in a
 * member name is an error rather than a silently ignored field.
 */
#include "http/rest-body.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/ipaddr.h"

#define LEASE_TIME_MIN    60u
#define LEASE_TIME_MAX    31536000u      /* one year */
#define VALUE_QUOTE_MAX   64             /* bytes of a bad value quoted in a message */
#define TOKEN_EXPIRES_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

const char *const rest_machine_states[] = {
	"new",       "commissioning", "ready",   "deploying", "deployed",
	"releasing", "broken",        "retired", NULL,
};

static const char *const arches[] = { "x86_64", "i386", "arm64", "arm32", NULL };
static const char *const firmwares[] = { "bios", "uefi", "uefi-http", NULL };
static const char *const roles[] = { "admin", "operator", "reader", NULL };
static const char *const range_kinds[] = { "dynamic", "reserved", NULL };
static const char *const ip_kinds[] = { "static", "sticky", "dhcp", NULL };

int rest_fail(struct rest_error *err, unsigned status, const char *code, const char *field,
              const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	(void)snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

json_t *rest_parse_object(const char *body, size_t len, struct rest_error *err)
{
	json_error_t jerr;
	json_t *obj;

	if (body == NULL || len == 0) {
		rest_fail(err, 400, "invalid_json", NULL, "the request needs a JSON object body");
		return NULL;
	}
	obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		rest_fail(err, 400, "invalid_json", NULL,
		          "body is not valid JSON: %s at line %d column %d", jerr.text, jerr.line,
		          jerr.column);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		rest_fail(err, 400, "invalid_json", NULL, "body must be a JSON object");
		return NULL;
	}
	return obj;
}

/* Writes a short JSON rendering of v for messages, truncated with "...". */
static void quote_value(const json_t *v, char *buf, size_t size)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (text == NULL) {
		(void)snprintf(buf, size, "(value)");
		return;
	}
	if (strlen(text) > VALUE_QUOTE_MAX)
		(void)snprintf(buf, size, "%.*s...", VALUE_QUOTE_MAX, text);
	else
		(void)snprintf(buf, size, "%s", text);
	free(text);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* Validators */

static bool is_one_of(const char *s, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(s, *allowed) == 0)
			return true;
	return false;
}

bool rest_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= STORE_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* One DNS label of len bytes at s: letters, digits, inner hyphens (RFC 1123 §2.1). */
static bool valid_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool rest_valid_hostname(const char *s)
{
	size_t n = strlen(s);

	if (!valid_label(s, n) || n >= STORE_HOSTNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return false;
	return true;
}

bool rest_valid_dns_name(const char *s)
{
	size_t n = strlen(s);
	const char *label = s;

	if (n == 0 || n > 253)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			/* A trailing dot (absolute name) ends the last label. */
			if (!(*p == '\0' && p == label && p != s) &&
			    !valid_label(label, (size_t)(p - label)))
				return false;
			if (*p == '\0')
				return true;
			label = p + 1;
		}
	}
}

bool rest_valid_state(const char *s)
{
	return is_one_of(s, rest_machine_states);
}

bool rest_valid_role(const char *s)
{
	return is_one_of(s, roles);
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n >= STORE_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* The 8-4-4-4-12 hex form of an SMBIOS UUID. */
static bool valid_uuid(const char *s)
{
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Members */

#define F_CREATE   1u
#define F_PATCH    2u
#define F_REQUIRED 4u
#define F_WRITE    (F_CREATE | F_PATCH)
#define F_READONLY 0u

struct member_rule {
	const char *name;
	unsigned flags;
};

/* Rejects unknown and read-only members, and missing required ones on create. */
static int check_members(json_t *obj, const struct member_rule *rules, bool create,
                         struct rest_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const struct member_rule *rule = NULL;

		for (const struct member_rule *r = rules; r->name; r++)
			if (strcmp(r->name, key) == 0)
				rule = r;
		if (rule == NULL)
			return rest_fail(err, 400, "unknown_field", key, "unknown field \"%.64s\"",
			                 key);
		if (!(rule->flags & (create ? F_CREATE : F_PATCH)))
			return rest_fail(err, 400, "read_only_field", key,
			                 "field %s cannot be set %s", key,
			                 create ? "when creating" : "by PATCH");
	}
	if (!create)
		return 0;
	for (const struct member_rule *r = rules; r->name; r++) {
		v = json_object_get(obj, r->name);
		if ((r->flags & F_REQUIRED) && (v == NULL || json_is_null(v)))
			return rest_fail(err, 400, "missing_field", r->name,
			                 "missing required field %s", r->name);
	}
	return 0;
}

/*
 * Reads string member key. Returns 1 with *ret set when present, 0 when
 * absent, -EINVAL when it is not a string, empty (unless allow_empty;
 * null then reads as ""), longer than max_len bytes or contains a control
 * character.
 */
static int get_text(json_t *obj, const char *key, size_t max_len, bool allow_empty,
                    const char **ret, struct rest_error *err)
{
	json_t *v = json_object_get(obj, key);
	char quoted[VALUE_QUOTE_MAX + 8];
	const char *s;
	size_t len;

	if (v == NULL)
		return 0;
	if (json_is_null(v) && allow_empty) {
		*ret = "";
		return 1;
	}
	if (!json_is_string(v))
		return rest_fail(err, 400, "invalid_type", key, "%s must be a string, not %s", key,
		                 type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 && !allow_empty)
		return rest_fail(err, 400, "invalid_field", key, "%s must not be empty", key);
	if (len > max_len)
		return rest_fail(err, 400, "invalid_field", key,
		                 "%s is %zu bytes long; at most %zu are allowed", key, len,
		                 max_len);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			quote_value(v, quoted, sizeof(quoted));
			return rest_fail(err, 400, "invalid_field", key,
			                 "%s %s contains a control character", key, quoted);
		}
	}
	*ret = s;
	return 1;
}

/* Reads a string member that must pass valid(); what describes the expected form. */
static int get_checked(json_t *obj, const char *key, size_t max_len, bool allow_empty,
                       bool (*valid)(const char *), const char *what, char *dst, size_t size,
                       struct rest_error *err)
{
	const char *s;
	int r;

	r = get_text(obj, key, max_len, allow_empty, &s, err);
	if (r <= 0)
		return r;
	if (s[0] != '\0' && valid && !valid(s))
		return rest_fail(err, 400, "invalid_field", key,
		                 "invalid %s \"%.64s\": expected %s", key, s, what);
	(void)snprintf(dst, size, "%s", s);
	return 1;
}

static int get_enum(json_t *obj, const char *key, const char *const *allowed, char *dst,
                    size_t size, struct rest_error *err)
{
	char list[160] = "";
	const char *s;
	size_t off = 0;
	int r;

	r = get_text(obj, key, size - 1, false, &s, err);
	if (r <= 0)
		return r;
	if (is_one_of(s, allowed)) {
		(void)snprintf(dst, size, "%s", s);
		return 1;
	}
	for (const char *const *a = allowed; *a; a++) {
		int w = snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", *a);

		if (w < 0 || (size_t)w >= sizeof(list) - off)
			break;
		off += (size_t)w;
	}
	return rest_fail(err, 400, "invalid_field", key, "invalid %s \"%.64s\": expected one of %s",
	                 key, s, list);
}

/* Integer member in [min, max]; null reads as 0 when nullable. */
static int get_int(json_t *obj, const char *key, int64_t min, int64_t max, bool nullable,
                   int64_t *ret, struct rest_error *err)
{
	json_t *v = json_object_get(obj, key);
	char quoted[VALUE_QUOTE_MAX + 8];

	if (v == NULL)
		return 0;
	if (json_is_null(v) && nullable) {
		*ret = 0;
		return 1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		quote_value(v, quoted, sizeof(quoted));
		return rest_fail(err, 400, json_is_integer(v) ? "invalid_field" : "invalid_type",
		                 key, "invalid %s %s: expected an integer from %lld to %lld%s", key,
		                 quoted, (long long)min, (long long)max,
		                 nullable ? " or null" : "");
	}
	*ret = json_integer_value(v);
	return 1;
}

/* A reference to another object: a positive id, or null for none (0). */
static int get_ref(json_t *obj, const char *key, bool nullable, int64_t *ret,
                   struct rest_error *err)
{
	return get_int(obj, key, 1, INT64_MAX, nullable, ret, err);
}

static int get_bool(json_t *obj, const char *key, bool *ret, struct rest_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return rest_fail(err, 400, "invalid_type", key, "%s must be true or false, not %s",
		                 key, type_name(v));
	*ret = json_is_true(v);
	return 1;
}

static int get_ip(json_t *obj, const char *key, bool nullable, struct ipaddr *ret,
                  bool *ret_present, struct rest_error *err)
{
	const char *s;
	int r;

	r = get_text(obj, key, IPADDR_STRLEN, nullable, &s, err);
	if (r <= 0)
		return r;
	if (s[0] == '\0') {
		*ret_present = false;
		return 1;
	}
	if (ipaddr_parse(s, ret) < 0)
		return rest_fail(err, 400, "invalid_address", key,
		                 "invalid %s \"%.64s\": expected an IPv4 or IPv6 address", key, s);
	*ret_present = true;
	return 1;
}

static int get_mac(json_t *obj, const char *key, uint8_t mac[ADDR_MAC_LEN], struct rest_error *err)
{
	const char *s;
	int r;

	r = get_text(obj, key, 32, false, &s, err);
	if (r <= 0)
		return r;
	if (addr_parse_mac(s, mac) < 0)
		return rest_fail(err, 400, "invalid_mac", key,
		                 "invalid %s \"%.64s\": expected e.g. 52:54:00:ab:cd:ef", key, s);
	return 1;
}

/* Sites, racks, tags */

int rest_decode_site(json_t *obj, bool create, struct store_site *out, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "name", F_WRITE | F_REQUIRED },
		{ "description", F_WRITE },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */

	if (check_members(obj, rules, create, err) < 0 ||
	    get_checked(obj, "name", STORE_NAME_MAX - 1, false, rest_valid_name,
	                "letters, digits, '.', '_' or '-', starting with a letter or digit",
	                out->name, sizeof(out->name), err) < 0 ||
	    get_checked(obj, "description", STORE_TEXT_MAX - 1, true, NULL, NULL, out->description,
	                sizeof(out->description), err) < 0)
		return -EINVAL;
	return 0;
}

int rest_decode_rack(json_t *obj, bool create, struct store_rack *out, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "site_id", F_WRITE | F_REQUIRED },
		{ "name", F_WRITE | F_REQUIRED },
		{ "description", F_WRITE },
		{ "height", F_WRITE },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	int64_t height = out->height;

	if (check_members(obj, rules, create, err) < 0 ||
	    get_ref(obj, "site_id", false, &out->site_id, err) < 0 ||
	    get_checked(obj, "name", STORE_NAME_MAX - 1, false, rest_valid_name,
	                "letters, digits, '.', '_' or '-', starting with a letter or digit",
	                out->name, sizeof(out->name), err) < 0 ||
	    get_checked(obj, "description", STORE_TEXT_MAX - 1, true, NULL, NULL, out->description,
	                sizeof(out->description), err) < 0 ||
	    get_int(obj, "height", 1, STORE_RACK_HEIGHT_MAX, false, &height, err) < 0)
		return -EINVAL;
	out->height = (uint32_t)height;
	return 0;
}

int rest_decode_tag(json_t *obj, bool create, struct store_tag *out, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "name", F_WRITE | F_REQUIRED },
		{ "description", F_WRITE },
		{ "machines", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */

	if (check_members(obj, rules, create, err) < 0 ||
	    get_checked(obj, "name", STORE_NAME_MAX - 1, false, rest_valid_name,
	                "letters, digits, '.', '_' or '-', starting with a letter or digit",
	                out->name, sizeof(out->name), err) < 0 ||
	    get_checked(obj, "description", STORE_TEXT_MAX - 1, true, NULL, NULL, out->description,
	                sizeof(out->description), err) < 0)
		return -EINVAL;
	return 0;
}

/* Machines and interfaces */

static int get_tags(json_t *obj, struct rest_machine_extra *extra, struct rest_error *err)
{
	json_t *list = json_object_get(obj, "tags"), *v;
	size_t i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > STORE_MACHINE_TAGS_MAX)
		return rest_fail(err, 400, "invalid_field", "tags",
		                 "tags must be an array of at most %d tag names",
		                 STORE_MACHINE_TAGS_MAX);
	extra->n_tags = 0;
	json_array_foreach(list, i, v) {
		const char *name = json_string_value(v);

		if (name == NULL || !rest_valid_name(name))
			return rest_fail(err, 400, "invalid_field", "tags",
			                 "tags[%zu] is not a tag name: expected letters, digits,"
			                 " '.', '_' or '-'",
			                 i);
		for (size_t j = 0; j < extra->n_tags; j++)
			if (strcmp(extra->tags[j], name) == 0)
				return rest_fail(err, 400, "invalid_field", "tags",
				                 "tag \"%s\" is listed twice", name);
		(void)snprintf(extra->tags[extra->n_tags], sizeof(extra->tags[0]), "%s", name);
		extra->n_tags++;
	}
	extra->has_tags = true;
	return 1;
}

int rest_decode_machine(json_t *obj, bool create, struct store_machine_info *out,
                        struct rest_machine_extra *extra, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "mac", F_CREATE },
		{ "hostname", F_WRITE },
		{ "state", F_CREATE },
		{ "arch", F_WRITE },
		{ "firmware", F_WRITE },
		{ "uuid", F_WRITE },
		{ "site_id", F_WRITE },
		{ "rack_id", F_WRITE },
		{ "position", F_WRITE },
		{ "tags", F_WRITE },
		{ "first_address", F_READONLY },
		{ "first_seen", F_READONLY },
		{ "reported_at", F_READONLY },
		{ "cpu_count", F_READONLY },
		{ "memory_bytes", F_READONLY },
		{ "interfaces", F_READONLY },
		{ "facts", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	int64_t position = out->position;
	int r;

	/* After creation the state moves only through the lifecycle's checked transitions. */
	if (!create && json_object_get(obj, "state"))
		return rest_fail(err, 400, "read_only_field", "state",
		                 "state cannot be set by PATCH: use the lifecycle actions"
		                 " (POST /api/v1/machines/ID/commission, deploy, release, ...)");
	if (check_members(obj, rules, create, err) < 0)
		return -EINVAL;
	r = get_mac(obj, "mac", out->m.mac, err);
	if (r < 0)
		return r;
	extra->has_mac = r > 0;
	if (get_checked(obj, "hostname", STORE_HOSTNAME_MAX - 1, true, rest_valid_hostname,
	                "one DNS label of lower-case letters, digits and inner hyphens",
	                out->m.hostname, sizeof(out->m.hostname), err) < 0 ||
	    get_enum(obj, "state", rest_machine_states, out->m.state, sizeof(out->m.state), err) <
	            0 ||
	    get_enum(obj, "arch", arches, out->m.arch, sizeof(out->m.arch), err) < 0 ||
	    get_enum(obj, "firmware", firmwares, out->m.firmware, sizeof(out->m.firmware), err) <
	            0 ||
	    get_checked(obj, "uuid", sizeof(out->m.uuid) - 1, true, valid_uuid,
	                "8-4-4-4-12 hex digits", out->m.uuid, sizeof(out->m.uuid), err) < 0 ||
	    get_ref(obj, "site_id", true, &out->site_id, err) < 0 ||
	    get_ref(obj, "rack_id", true, &out->rack_id, err) < 0 ||
	    get_int(obj, "position", 1, STORE_RACK_HEIGHT_MAX, true, &position, err) < 0 ||
	    get_tags(obj, extra, err) < 0)
		return -EINVAL;
	out->position = (uint32_t)position;
	for (char *p = out->m.uuid; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

int rest_decode_interface(json_t *obj, bool create, struct store_interface *out,
                          struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "machine_id", F_WRITE | F_REQUIRED },
		{ "name", F_WRITE },
		{ "mac", F_WRITE | F_REQUIRED },
		{ "pxe", F_WRITE },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */

	if (check_members(obj, rules, create, err) < 0 ||
	    get_ref(obj, "machine_id", false, &out->machine_id, err) < 0 ||
	    get_checked(obj, "name", STORE_IFNAME_MAX - 1, true, valid_ifname,
	                "an interface name of letters, digits, '.', '_' or '-'", out->name,
	                sizeof(out->name), err) < 0 ||
	    get_mac(obj, "mac", out->mac, err) < 0 || get_bool(obj, "pxe", &out->pxe, err) < 0)
		return -EINVAL;
	return 0;
}

/* Subnets and ranges */

static int get_dns_servers(json_t *obj, struct store_ipam_subnet *out, struct rest_error *err)
{
	json_t *list = json_object_get(obj, "dns"), *v;
	size_t i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > STORE_DNS_MAX)
		return rest_fail(err, 400, "invalid_field", "dns",
		                 "dns must be an array of at most %d addresses", STORE_DNS_MAX);
	out->n_dns = 0;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || ipaddr_parse(s, &out->dns[i]) < 0)
			return rest_fail(err, 400, "invalid_address", "dns",
			                 "dns[%zu] is not an IPv4 or IPv6 address", i);
		out->n_dns = i + 1;
	}
	return 1;
}

static int get_cidr(json_t *obj, struct store_ipam_subnet *out, struct rest_error *err)
{
	const char *s;
	int r;

	r = get_text(obj, "cidr", IPADDR_STRLEN + 4, false, &s, err);
	if (r <= 0)
		return r;
	r = ipaddr_parse_prefix(s, &out->network, &out->prefix_len);
	if (r == -EADDRNOTAVAIL)
		return rest_fail(
		        err, 422, "host_bits_set", "cidr",
		        "invalid cidr \"%.64s\": host bits are set after the prefix length", s);
	if (r < 0)
		return rest_fail(err, 400, "invalid_cidr", "cidr",
		                 "invalid cidr \"%.64s\": expected e.g. 192.0.2.0/24 or"
		                 " 2001:db8::/64",
		                 s);
	return 1;
}

/* Checks the decoded subnet as a whole. */
static int check_subnet(const struct store_ipam_subnet *s, struct rest_error *err)
{
	struct ipaddr first, last;
	char text[IPADDR_STRLEN];

	if (s->has_gateway) {
		ipaddr_format(&s->gateway, text);
		if (s->gateway.family != s->network.family ||
		    !ipaddr_in_prefix(&s->gateway, &s->network, s->prefix_len))
			return rest_fail(err, 422, "gateway_outside_subnet", "gateway",
			                 "gateway %s is outside the subnet's cidr", text);
		ipaddr_host_bounds(&s->network, s->prefix_len, &first, &last);
		if (ipaddr_cmp(&s->gateway, &first) < 0 || ipaddr_cmp(&s->gateway, &last) > 0)
			return rest_fail(err, 422, "invalid_gateway", "gateway",
			                 "gateway %s is the subnet's network or broadcast address",
			                 text);
	}
	for (size_t i = 0; i < s->n_dns; i++) {
		if (s->dns[i].family != s->network.family)
			return rest_fail(err, 422, "dns_family_mismatch", "dns",
			                 "dns[%zu] is an IPv%u address in an IPv%u subnet", i,
			                 s->dns[i].family, s->network.family);
	}
	return 0;
}

int rest_decode_subnet(json_t *obj, bool create, struct store_ipam_subnet *out,
                       struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "name", F_WRITE | F_REQUIRED },
		{ "cidr", F_WRITE | F_REQUIRED },
		{ "family", F_READONLY },
		{ "gateway", F_WRITE },
		{ "dns", F_WRITE },
		{ "domain", F_WRITE },
		{ "lease_time", F_WRITE },
		{ "interface", F_WRITE },
		{ "dhcp", F_WRITE },
		{ "vlan", F_WRITE },
		{ "ranges", F_CREATE },
		{ "utilisation", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	uint8_t family = out->network.family;
	int64_t lease_time = out->lease_time, vlan = out->vlan;

	if (check_members(obj, rules, create, err) < 0 ||
	    get_checked(obj, "name", STORE_NAME_MAX - 1, false, rest_valid_name,
	                "letters, digits, '.', '_' or '-', starting with a letter or digit",
	                out->name, sizeof(out->name), err) < 0 ||
	    get_cidr(obj, out, err) < 0 ||
	    get_ip(obj, "gateway", true, &out->gateway, &out->has_gateway, err) < 0 ||
	    get_dns_servers(obj, out, err) < 0 ||
	    get_checked(obj, "domain", STORE_DOMAIN_MAX - 1, true, rest_valid_dns_name,
	                "a DNS name such as lab.example", out->domain, sizeof(out->domain),
	                err) < 0 ||
	    get_int(obj, "lease_time", LEASE_TIME_MIN, LEASE_TIME_MAX, false, &lease_time, err) <
	            0 ||
	    get_checked(obj, "interface", STORE_IFNAME_MAX - 1, true, valid_ifname,
	                "an interface name such as br0", out->interface, sizeof(out->interface),
	                err) < 0 ||
	    get_bool(obj, "dhcp", &out->dhcp_enabled, err) < 0 ||
	    get_int(obj, "vlan", 1, 4094, true, &vlan, err) < 0)
		return -EINVAL;
	out->lease_time = (uint32_t)lease_time;
	out->vlan = (uint16_t)vlan;
	if (!create && family != out->network.family)
		return rest_fail(err, 422, "family_change", "cidr",
		                 "a subnet cannot change from IPv%u to IPv%u; create a new one",
		                 family, out->network.family);
	return check_subnet(out, err);
}

int rest_decode_range(json_t *obj, bool create, struct store_ipam_range *out,
                      struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "subnet_id", F_CREATE | F_REQUIRED },
		{ "first", F_WRITE | F_REQUIRED },
		{ "last", F_WRITE | F_REQUIRED },
		{ "kind", F_WRITE },
		{ "size", F_READONLY },
		{ "utilisation", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	char kind[16] = "";
	bool present;

	if (check_members(obj, rules, create, err) < 0 ||
	    get_ref(obj, "subnet_id", false, &out->subnet_id, err) < 0 ||
	    get_ip(obj, "first", false, &out->first, &present, err) < 0 ||
	    get_ip(obj, "last", false, &out->last, &present, err) < 0 ||
	    get_enum(obj, "kind", range_kinds, kind, sizeof(kind), err) < 0)
		return -EINVAL;
	if (kind[0])
		out->kind =
		        strcmp(kind, "reserved") == 0 ? STORE_RANGE_RESERVED : STORE_RANGE_DYNAMIC;
	if (out->first.family != out->last.family)
		return rest_fail(err, 422, "invalid_range", "last",
		                 "first and last must be of the same address family");
	if (ipaddr_cmp(&out->first, &out->last) > 0)
		return rest_fail(err, 422, "invalid_range", "last", "last must not be below first");
	return 0;
}

int rest_decode_subnet_ranges(json_t *obj, const struct store_ipam_subnet *s,
                              struct store_ipam_range *ranges, size_t *ret_n,
                              struct rest_error *err)
{
	json_t *list = json_object_get(obj, "ranges"), *v;
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "first", F_CREATE | F_REQUIRED },
		{ "last", F_CREATE | F_REQUIRED },
		{ "kind", F_CREATE },
		{ NULL, 0 },
	};
	/* clang-format on */
	size_t i;

	*ret_n = 0;
	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > REST_SUBNET_RANGES_MAX)
		return rest_fail(err, 400, "invalid_field", "ranges",
		                 "ranges must be an array of at most %d objects",
		                 REST_SUBNET_RANGES_MAX);
	json_array_foreach(list, i, v) {
		struct store_ipam_range *rg = &ranges[i];
		char kind[16] = "";
		bool present;

		memset(rg, 0, sizeof(*rg));
		if (!json_is_object(v))
			return rest_fail(err, 400, "invalid_field", "ranges",
			                 "ranges[%zu] must be an object with first, last and kind",
			                 i);
		if (check_members(v, rules, true, err) < 0 ||
		    get_ip(v, "first", false, &rg->first, &present, err) < 0 ||
		    get_ip(v, "last", false, &rg->last, &present, err) < 0 ||
		    get_enum(v, "kind", range_kinds, kind, sizeof(kind), err) < 0) {
			(void)snprintf(err->field, sizeof(err->field), "ranges");
			return -EINVAL;
		}
		rg->kind =
		        strcmp(kind, "reserved") == 0 ? STORE_RANGE_RESERVED : STORE_RANGE_DYNAMIC;
		if (ipaddr_cmp(&rg->first, &rg->last) > 0 ||
		    !ipaddr_in_prefix(&rg->first, &s->network, s->prefix_len) ||
		    !ipaddr_in_prefix(&rg->last, &s->network, s->prefix_len))
			return rest_fail(
			        err, 422, "range_outside_subnet", "ranges",
			        "ranges[%zu] must lie inside the subnet with first <= last", i);
		*ret_n = i + 1;
	}
	return 1;
}

/* IP addresses */

static int get_ip_kind(json_t *obj, enum store_ip_kind *kind, struct rest_error *err)
{
	char text[16] = "";
	int r;

	r = get_enum(obj, "kind", ip_kinds, text, sizeof(text), err);
	if (r <= 0)
		return r;
	for (size_t k = 0; ip_kinds[k]; k++)
		if (strcmp(text, ip_kinds[k]) == 0)
			*kind = (enum store_ip_kind)k;
	return 1;
}

/* Members an address shares with an allocation request. */
static int get_address_fields(json_t *obj, struct store_ip_address *out, struct rest_error *err)
{
	if (get_ref(obj, "interface_id", true, &out->interface_id, err) < 0 ||
	    get_ip_kind(obj, &out->kind, err) < 0 ||
	    get_checked(obj, "description", STORE_TEXT_MAX - 1, true, NULL, NULL, out->description,
	                sizeof(out->description), err) < 0 ||
	    get_checked(obj, "dns_name", STORE_DOMAIN_MAX - 1, true, rest_valid_dns_name,
	                "a DNS name such as node1.lab.example", out->dns_name,
	                sizeof(out->dns_name), err) < 0)
		return -EINVAL;
	return 0;
}

int rest_decode_address(json_t *obj, bool create, struct store_ip_address *out,
                        struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "address", F_CREATE | F_REQUIRED },
		{ "family", F_READONLY },
		{ "subnet_id", F_READONLY },
		{ "interface_id", F_WRITE },
		{ "machine_id", F_READONLY },
		{ "mac", F_READONLY },
		{ "kind", F_WRITE },
		{ "description", F_WRITE },
		{ "dns_name", F_WRITE },
		{ "created", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	bool present;

	if (check_members(obj, rules, create, err) < 0 ||
	    get_ip(obj, "address", false, &out->address, &present, err) < 0)
		return -EINVAL;
	return get_address_fields(obj, out, err);
}

int rest_decode_allocation(json_t *obj, struct store_ip_address *out, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "interface_id", F_CREATE },
		{ "kind", F_CREATE },
		{ "description", F_CREATE },
		{ "dns_name", F_CREATE },
		{ NULL, 0 },
	};
	/* clang-format on */

	if (check_members(obj, rules, true, err) < 0)
		return -EINVAL;
	return get_address_fields(obj, out, err);
}

int rest_decode_token(json_t *obj, bool create, struct store_token *out, struct rest_error *err)
{
	/* clang-format off */
	static const struct member_rule rules[] = {
		{ "id", F_READONLY },
		{ "name", F_WRITE | F_REQUIRED },
		{ "role", F_WRITE | F_REQUIRED },
		{ "created", F_READONLY },
		{ "expires", F_WRITE },
		{ "last_used", F_READONLY },
		{ "token", F_READONLY },
		{ "version", F_READONLY },
		{ NULL, 0 },
	};
	/* clang-format on */
	int64_t now = (int64_t)time(NULL);
	int r;

	if (check_members(obj, rules, create, err) < 0 ||
	    get_checked(obj, "name", STORE_NAME_MAX - 1, false, rest_valid_name,
	                "letters, digits, '.', '_' or '-', starting with a letter or digit",
	                out->name, sizeof(out->name), err) < 0 ||
	    get_enum(obj, "role", roles, out->role, sizeof(out->role), err) < 0)
		return -EINVAL;
	r = get_int(obj, "expires", 1, TOKEN_EXPIRES_MAX, true, &out->expires, err);
	if (r < 0)
		return r;
	if (r > 0 && out->expires != 0 && out->expires <= now)
		return rest_fail(
		        err, 400, "invalid_field", "expires",
		        "expires %lld is not in the future (now is %lld): give a later Unix "
		        "time, or null for a token that does not expire",
		        (long long)out->expires, (long long)now);
	return 0;
}
