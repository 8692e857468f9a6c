/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent-report -- validates an agent report with jansson. Every field is
 * optional except machine_id; present fields must have the right type and
 * range, and duplicate keys are rejected.
 */
#include "http/agent-report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reject(struct agent_report_error *err, const char *code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int reject(struct agent_report_error *err, const char *code, const char *field,
                  const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->field = field;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Reads a non-negative integer field no larger than max; absent means 0. */
static int read_count(json_t *body, const char *key, json_int_t max, json_int_t *ret_value,
                      struct agent_report_error *err)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL) {
		*ret_value = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return reject(err, "invalid_field", key, "%s must be an integer from 0 to %lld",
		              key, (long long)max);
	*ret_value = json_integer_value(v);
	return 0;
}

static int read_macs(json_t *list, struct agent_report *report, struct agent_report_error *err)
{
	size_t i;
	json_t *v;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > AGENT_REPORT_MACS_MAX)
		return reject(err, "invalid_field", "macs",
		              "macs must be an array of at most %d MAC strings",
		              AGENT_REPORT_MACS_MAX);
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) ||
		    addr_parse_mac(json_string_value(v), report->macs[report->n_macs]) < 0)
			return reject(err, "invalid_mac", "macs",
			              "macs[%zu] is not a MAC address such as 52:54:00:ab:cd:ef",
			              i);
		report->n_macs++;
	}
	return 0;
}

/* Longest rendered chassis or port ID: 255 bytes as colon-separated hex pairs. */
#define LLDP_ID_TEXT_MAX (255 * 3 - 1)
#define LLDP_TEXT_MAX    255

static const char *const lldp_chassis_subtypes[] = {
	"chassis_component", "interface_alias", "port_component", "mac_address", "network_address",
	"interface_name",    "local",           "reserved",       NULL,
};

static const char *const lldp_port_subtypes[] = {
	"interface_alias", "port_component", "mac_address",
	"network_address", "interface_name", "agent_circuit_id",
	"local",           "reserved",       NULL,
};

static bool is_one_of(const char *s, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

/* True for a string of min to max printable ASCII characters. */
static bool is_text(json_t *v, size_t min, size_t max)
{
	const char *s = json_string_value(v);
	size_t len;

	if (s == NULL)
		return false;
	len = json_string_length(v);
	if (len < min || len > max || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static bool is_ip_literal(json_t *v)
{
	const char *s = json_string_value(v);
	unsigned char buf[16];

	return s != NULL && strlen(s) == json_string_length(v) &&
	       (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* Checks the optional text members; absent or null is allowed. */
static const char *lldp_bad_text_member(json_t *entry)
{
	static const char *const keys[] = { "port_description", "system_name",
		                            "system_description" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(entry, keys[i]);

		if (v != NULL && !json_is_null(v) && !is_text(v, 0, LLDP_TEXT_MAX))
			return keys[i];
	}
	return NULL;
}

static int read_lldp_entry(json_t *e, size_t i, struct agent_report_error *err)
{
	json_t *addrs = json_object_get(e, "management_addresses"), *vlan, *ttl, *a;
	const char *bad;
	size_t j;

	if (!json_is_object(e))
		return reject(err, "invalid_lldp", "lldp", "lldp[%zu] must be an object", i);
	if (!is_text(json_object_get(e, "interface"), 1, 63))
		return reject(err, "invalid_lldp", "lldp",
		              "lldp[%zu].interface must be an interface name of 1 to 63 characters",
		              i);
	if (!is_text(json_object_get(e, "chassis_id"), 1, LLDP_ID_TEXT_MAX) ||
	    !is_text(json_object_get(e, "port_id"), 1, LLDP_ID_TEXT_MAX))
		return reject(
		        err, "invalid_lldp", "lldp",
		        "lldp[%zu].chassis_id and port_id must be strings of 1 to %d printable ASCII characters",
		        i, LLDP_ID_TEXT_MAX);
	if (!json_is_string(json_object_get(e, "chassis_id_subtype")) ||
	    !is_one_of(json_string_value(json_object_get(e, "chassis_id_subtype")),
	               lldp_chassis_subtypes) ||
	    !json_is_string(json_object_get(e, "port_id_subtype")) ||
	    !is_one_of(json_string_value(json_object_get(e, "port_id_subtype")),
	               lldp_port_subtypes))
		return reject(
		        err, "invalid_lldp", "lldp",
		        "lldp[%zu].chassis_id_subtype or port_id_subtype is not an LLDP ID subtype name such as \"mac_address\"",
		        i);
	ttl = json_object_get(e, "ttl");
	if (!json_is_integer(ttl) || json_integer_value(ttl) < 0 || json_integer_value(ttl) > 65535)
		return reject(err, "invalid_lldp", "lldp",
		              "lldp[%zu].ttl must be an integer from 0 to 65535", i);
	vlan = json_object_get(e, "vlan_id");
	if (vlan != NULL && !json_is_null(vlan) &&
	    (!json_is_integer(vlan) || json_integer_value(vlan) < 1 ||
	     json_integer_value(vlan) > 4094))
		return reject(err, "invalid_lldp", "lldp",
		              "lldp[%zu].vlan_id must be null or an integer from 1 to 4094", i);
	bad = lldp_bad_text_member(e);
	if (bad != NULL)
		return reject(
		        err, "invalid_lldp", "lldp",
		        "lldp[%zu].%s must be null or a string of at most %d printable ASCII characters",
		        i, bad, LLDP_TEXT_MAX);
	if (addrs == NULL)
		return 0;
	if (!json_is_array(addrs) || json_array_size(addrs) > AGENT_REPORT_LLDP_ADDRS_MAX)
		return reject(
		        err, "invalid_lldp", "lldp",
		        "lldp[%zu].management_addresses must be an array of at most %d IP addresses",
		        i, AGENT_REPORT_LLDP_ADDRS_MAX);
	json_array_foreach(addrs, j, a) {
		if (!is_ip_literal(a))
			return reject(
			        err, "invalid_lldp", "lldp",
			        "lldp[%zu].management_addresses[%zu] is not an IPv4 or IPv6 address",
			        i, j);
	}
	return 0;
}

/* The LLDP neighbours: absent or an array of at most AGENT_REPORT_LLDP_MAX objects. */
static int read_lldp(json_t *list, struct agent_report_error *err)
{
	size_t i;
	json_t *e;
	int r;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > AGENT_REPORT_LLDP_MAX)
		return reject(err, "invalid_lldp", "lldp",
		              "lldp must be an array of at most %d neighbour objects",
		              AGENT_REPORT_LLDP_MAX);
	json_array_foreach(list, i, e) {
		r = read_lldp_entry(e, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_fields(json_t *body, struct agent_report *report, struct agent_report_error *err)
{
	json_t *id = json_object_get(body, "machine_id");
	json_int_t cpus, memory;
	int r;

	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return reject(err, "invalid_field", "machine_id",
		              "machine_id must be a positive integer");
	report->machine_id = json_integer_value(id);
	r = read_count(body, "cpu_count", AGENT_REPORT_CPUS_MAX, &cpus, err);
	if (r == 0)
		r = read_count(body, "memory_bytes", INT64_MAX, &memory, err);
	if (r == 0)
		r = read_macs(json_object_get(body, "macs"), report, err);
	if (r == 0)
		r = read_lldp(json_object_get(body, "lldp"), err);
	if (r < 0)
		return r;
	report->cpu_count = (uint32_t)cpus;
	report->memory_bytes = (uint64_t)memory;
	return 0;
}

int agent_report_parse(const char *body, size_t len, struct agent_report *ret_report,
                       struct agent_report_error *ret_error)
{
	struct agent_report report;
	json_error_t jerr;
	json_t *root;
	int r;

	memset(&report, 0, sizeof(report));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		if (root != NULL)
			return reject(ret_error, "invalid_json", NULL, "body is not a JSON object");
		return reject(ret_error, "invalid_json", NULL,
		              "body is not valid JSON: %s at line %d column %d", jerr.text,
		              jerr.line, jerr.column);
	}
	r = read_fields(root, &report, ret_error);
	if (r == 0) {
		report.facts_json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
		if (report.facts_json == NULL)
			r = -ENOMEM;
	}
	json_decref(root);
	if (r < 0)
		return r;
	*ret_report = report;
	return 0;
}

void agent_report_done(struct agent_report *report)
{
	free(report->facts_json);
	report->facts_json = NULL;
}
