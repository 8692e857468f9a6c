/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli-resources -- rackctl's commands for every REST resource, driven by
 * tables: which options each verb takes and which JSON member each sets,
 * which filters a list accepts, and which columns its table shows. The
 * tables also answer --help and the bash completion.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define V_LIST       0x01u
#define V_GET        0x02u
#define V_CREATE     0x04u
#define V_UPDATE     0x08u
#define V_DELETE     0x10u
#define V_ALLOCATE   0x20u
#define V_RESERVE    0x40u
#define V_CRUD       (V_LIST | V_GET | V_CREATE | V_UPDATE | V_DELETE)

#define OPTIONS_MAX  48
#define PATH_MAX_LEN 2048
#define CELL_MAX     256

enum field_kind {
	FK_STRING,   /* --name X: "name": "X" */
	FK_NULLABLE, /* --gateway X, or none: null */
	FK_INT,      /* --height 42 */
	FK_REF,      /* --site 3, or none: null */
	FK_BOOL,     /* --pxe true|false */
	FK_LIST,     /* --tag a --tag b: ["a", "b"] (none: []) */
	FK_CSV,      /* --dns a,b: ["a", "b"] (none: []) */
	FK_RANGE,    /* --range FIRST-LAST: ranges += dynamic */
	FK_RESERVED, /* --reserved FIRST-LAST: ranges += reserved */
	FK_FALSE,    /* --no-dhcp: "dhcp": false */
	FK_DAYS,     /* --expires-in 30: now + 30 days in Unix seconds, or none: null */
};

struct cli_field {
	const char *flag;
	const char *member;
	enum field_kind kind;
	unsigned verbs; /* V_CREATE, V_UPDATE, V_ALLOCATE, V_RESERVE */
	const char *metavar;
	const char *help;
};

struct cli_filter {
	const char *flag; /* also the query parameter */
	const char *metavar;
	const char *help;
};

enum column_kind { C_TEXT, C_TIME, C_BYTES, C_LIST, C_USAGE, C_RANGES };

struct cli_column {
	const char *title;
	const char *member;
	enum column_kind kind;
};

struct cli_resource {
	const char *name;
	const char *alias;
	const char *path;
	const char *singular;
	const char *summary;
	const char *positional; /* member create takes as its first argument */
	const char *positional_metavar;
	const char *id_metavar;
	unsigned verbs;
	const struct cli_field *fields;
	const struct cli_filter *filters;
	const struct cli_column *columns;
};

/* clang-format off */
#define END_FIELDS  { NULL, NULL, FK_STRING, 0, NULL, NULL }
#define END_FILTERS { NULL, NULL, NULL }
#define END_COLUMNS { NULL, NULL, C_TEXT }
/* clang-format on */
#define CU (V_CREATE | V_UPDATE)

static const struct cli_field site_fields[] = {
	{ "name", "name", FK_STRING, V_UPDATE, "NAME", "new name" },
	{ "description", "description", FK_STRING, CU, "TEXT", "free text, at most 255 bytes" },
	END_FIELDS,
};

static const struct cli_filter name_filters[] = {
	{ "name", "NAME", "exact name" },
	END_FILTERS,
};

static const struct cli_column site_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "NAME", "name", C_TEXT },
	{ "DESCRIPTION", "description", C_TEXT },
	END_COLUMNS,
};

static const struct cli_field rack_fields[] = {
	{ "name", "name", FK_STRING, V_UPDATE, "NAME", "new name" },
	{ "site", "site_id", FK_REF, CU, "SITE_ID", "site the rack stands in (required)" },
	{ "height", "height", FK_INT, CU, "UNITS", "rack units, 1 to 100 (default 42)" },
	{ "description", "description", FK_STRING, CU, "TEXT", "free text" },
	END_FIELDS,
};

static const struct cli_filter rack_filters[] = {
	{ "site", "SITE_ID", "racks of this site" },
	{ "name", "NAME", "exact name" },
	END_FILTERS,
};

static const struct cli_column rack_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "SITE", "site_id", C_TEXT },
	{ "NAME", "name", C_TEXT },
	{ "HEIGHT", "height", C_TEXT },
	{ "DESCRIPTION", "description", C_TEXT },
	END_COLUMNS,
};

static const struct cli_field tag_fields[] = {
	{ "name", "name", FK_STRING, V_UPDATE, "NAME", "new name" },
	{ "description", "description", FK_STRING, CU, "TEXT", "free text" },
	END_FIELDS,
};

static const struct cli_column tag_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "NAME", "name", C_TEXT },
	{ "MACHINES", "machines", C_TEXT },
	{ "DESCRIPTION", "description", C_TEXT },
	END_COLUMNS,
};

static const struct cli_field machine_fields[] = {
	{ "hostname", "hostname", FK_STRING, CU, "NAME", "one DNS label, lower case" },
	{ "mac", "mac", FK_STRING, V_CREATE, "MAC", "MAC of the boot interface, any notation" },
	{ "state", "state", FK_STRING, V_CREATE, "STATE",
	  "new, commissioning, ready, deploying, deployed, releasing, broken or retired" },
	{ "arch", "arch", FK_STRING, CU, "ARCH", "x86_64, i386, arm64 or arm32" },
	{ "firmware", "firmware", FK_STRING, CU, "FW", "bios, uefi or uefi-http" },
	{ "uuid", "uuid", FK_STRING, CU, "UUID", "SMBIOS UUID" },
	{ "site", "site_id", FK_REF, CU, "SITE_ID", "site id, or none" },
	{ "rack", "rack_id", FK_REF, CU, "RACK_ID", "rack id, or none (sets the site too)" },
	{ "position", "position", FK_REF, CU, "UNIT", "lowest rack unit, or none" },
	{ "tag", "tags", FK_LIST, CU, "TAG", "tag name; repeat for several, none for no tags" },
	END_FIELDS,
};

static const struct cli_filter machine_filters[] = {
	{ "mac", "MAC", "a MAC of the machine, any notation" },
	{ "hostname", "NAME", "exact hostname" },
	{ "state", "STATE", "lifecycle state" },
	{ "tag", "TAG", "tag name" },
	{ "site", "SITE", "site id or name" },
	{ "rack", "RACK", "rack id or name" },
	{ "subnet", "SUBNET_ID", "has an address or lease in this subnet" },
	{ "address", "IP", "holds this address (recorded, leased or first seen)" },
	END_FILTERS,
};

static const struct cli_column machine_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "HOSTNAME", "hostname", C_TEXT },
	{ "MAC", "mac", C_TEXT },
	{ "ADDRESS", "first_address", C_TEXT },
	{ "ARCH", "arch", C_TEXT },
	{ "FIRMWARE", "firmware", C_TEXT },
	{ "STATE", "state", C_TEXT },
	{ "FIRST SEEN", "first_seen", C_TIME },
	{ "REPORTED", "reported_at", C_TIME },
	{ "CPUS", "cpu_count", C_TEXT },
	{ "MEMORY", "memory_bytes", C_BYTES },
	{ "TAGS", "tags", C_LIST },
	END_COLUMNS,
};

static const struct cli_field interface_fields[] = {
	{ "machine", "machine_id", FK_REF, CU, "MACHINE_ID", "machine (required)" },
	{ "mac", "mac", FK_STRING, CU, "MAC", "MAC address, any notation (required)" },
	{ "name", "name", FK_STRING, CU, "IFNAME", "interface name such as eth0" },
	{ "pxe", "pxe", FK_BOOL, CU, "BOOL", "true for the interface the machine boots from" },
	END_FIELDS,
};

static const struct cli_filter interface_filters[] = {
	{ "machine", "MACHINE_ID", "interfaces of this machine" },
	{ "mac", "MAC", "MAC address, any notation" },
	{ "name", "IFNAME", "interface name" },
	{ "pxe", "BOOL", "true or false" },
	END_FILTERS,
};

static const struct cli_column interface_columns[] = {
	{ "ID", "id", C_TEXT },     { "MACHINE", "machine_id", C_TEXT },
	{ "NAME", "name", C_TEXT }, { "MAC", "mac", C_TEXT },
	{ "PXE", "pxe", C_TEXT },   END_COLUMNS,
};

/* Fields of an address that an allocation or reservation may set too. */
#define ADDRESS_BINDING_FIELDS(verbs)                                                             \
	{ "interface", "interface_id", FK_REF, verbs, "IFACE_ID", "bind to this interface" },     \
	        { "kind", "kind", FK_STRING, verbs, "KIND", "static (default), sticky or dhcp" }, \
	        { "dns-name", "dns_name", FK_STRING, verbs, "NAME", "DNS name of the address" },  \
	{                                                                                         \
		"description", "description", FK_STRING, verbs, "TEXT", "free text"               \
	}

static const struct cli_field subnet_fields[] = {
	{ "name", "name", FK_STRING, V_UPDATE, "NAME", "new name" },
	{ "cidr", "cidr", FK_STRING, CU, "CIDR", "IPv4 or IPv6 prefix (required)" },
	{ "gateway", "gateway", FK_NULLABLE, CU, "IP", "router, or none" },
	{ "dns", "dns", FK_CSV, CU, "IP[,IP]", "up to 4 DNS servers, or none" },
	{ "domain", "domain", FK_STRING, CU, "NAME", "DNS domain" },
	{ "lease-time", "lease_time", FK_INT, CU, "SECONDS", "DHCP lease time, 60 to 31536000" },
	{ "interface", "interface", FK_STRING, CU, "IFNAME", "served interface of rackd" },
	{ "vlan", "vlan", FK_REF, CU, "VID", "802.1Q VLAN id, or none" },
	{ "dhcp", "dhcp", FK_BOOL, CU, "BOOL", "serve DHCP on the subnet (default true)" },
	{ "no-dhcp", "dhcp", FK_FALSE, CU, NULL, "same as --dhcp false" },
	{ "range", "ranges", FK_RANGE, V_CREATE, "FIRST-LAST", "dynamic range; may repeat" },
	{ "reserved", "ranges", FK_RESERVED, V_CREATE, "FIRST-LAST", "reserved range; may repeat" },
	ADDRESS_BINDING_FIELDS(V_ALLOCATE),
	END_FIELDS,
};

static const struct cli_filter subnet_filters[] = {
	{ "family", "4|6", "address family" },
	{ "name", "NAME", "exact name" },
	{ "vlan", "VID", "VLAN id" },
	{ "address", "IP", "the subnet containing this address" },
	END_FILTERS,
};

static const struct cli_column subnet_columns[] = {
	{ "ID", "id", C_TEXT },           { "NAME", "name", C_TEXT },
	{ "CIDR", "cidr", C_TEXT },       { "GATEWAY", "gateway", C_TEXT },
	{ "VLAN", "vlan", C_TEXT },       { "INTERFACE", "interface", C_TEXT },
	{ "DHCP", "dhcp", C_TEXT },       { "USED", "utilisation", C_USAGE },
	{ "RANGES", "ranges", C_RANGES }, END_COLUMNS,
};

static const struct cli_field range_fields[] = {
	{ "subnet", "subnet_id", FK_REF, V_CREATE, "SUBNET_ID", "subnet of the range (required)" },
	{ "first", "first", FK_STRING, CU, "IP", "first address (required)" },
	{ "last", "last", FK_STRING, CU, "IP", "last address (required)" },
	{ "kind", "kind", FK_STRING, CU, "KIND", "dynamic (leased by DHCP) or reserved" },
	ADDRESS_BINDING_FIELDS(V_ALLOCATE),
	END_FIELDS,
};

static const struct cli_filter range_filters[] = {
	{ "subnet", "SUBNET_ID", "ranges of this subnet" },
	{ "kind", "KIND", "dynamic or reserved" },
	END_FILTERS,
};

static const struct cli_column range_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "SUBNET", "subnet_id", C_TEXT },
	{ "FIRST", "first", C_TEXT },
	{ "LAST", "last", C_TEXT },
	{ "KIND", "kind", C_TEXT },
	{ "USED", "utilisation", C_USAGE },
	END_COLUMNS,
};

static const struct cli_field address_fields[] = {
	ADDRESS_BINDING_FIELDS(CU | V_RESERVE),
	{ "mac", NULL, FK_STRING, V_RESERVE, "MAC", "bind to the interface with this MAC" },
	{ "subnet", NULL, FK_REF, V_RESERVE, "SUBNET_ID",
	  "without ADDRESS: take the next free address of this subnet" },
	{ "range", NULL, FK_REF, V_RESERVE, "RANGE_ID",
	  "without ADDRESS: take the next free address of this range" },
	END_FIELDS,
};

static const struct cli_filter address_filters[] = {
	{ "subnet", "SUBNET_ID", "addresses in this subnet" },
	{ "range", "RANGE_ID", "addresses in this range" },
	{ "address", "IP", "this address" },
	{ "kind", "KIND", "static, sticky or dhcp" },
	{ "interface", "IFACE_ID", "bound to this interface" },
	{ "machine", "MACHINE_ID", "bound to an interface of this machine" },
	{ "mac", "MAC", "bound to the interface with this MAC" },
	{ "family", "4|6", "address family" },
	END_FILTERS,
};

static const struct cli_column address_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "ADDRESS", "address", C_TEXT },
	{ "SUBNET", "subnet_id", C_TEXT },
	{ "KIND", "kind", C_TEXT },
	{ "MACHINE", "machine_id", C_TEXT },
	{ "MAC", "mac", C_TEXT },
	{ "DNS NAME", "dns_name", C_TEXT },
	{ "DESCRIPTION", "description", C_TEXT },
	END_COLUMNS,
};

static const struct cli_filter lease_filters[] = {
	{ "mac", "MAC", "client MAC, any notation" },
	{ "subnet", "SUBNET_ID", "leases in this subnet" },
	{ "address", "IP", "this address" },
	{ "state", "STATE", "bound, released or declined" },
	{ "hostname", "NAME", "hostname the client sent" },
	{ "active", "BOOL", "true: unexpired bound leases only" },
	END_FILTERS,
};

static const struct cli_column lease_columns[] = {
	{ "ADDRESS", "address", C_TEXT },
	{ "MAC", "mac", C_TEXT },
	{ "STATE", "state", C_TEXT },
	{ "ACTIVE", "active", C_TEXT },
	{ "EXPIRES", "expires", C_TIME },
	{ "HOSTNAME", "hostname", C_TEXT },
	END_COLUMNS,
};

static const struct cli_filter event_filters[] = {
	{ "kind", "KIND", "e.g. machine.updated" },
	{ "actor", "ACTOR", "e.g. token:ops" },
	{ "object", "OBJECT", "e.g. machine/5" },
	{ "since", "UNIX_TIME", "events at or after this time" },
	{ "until", "UNIX_TIME", "events before this time" },
	END_FILTERS,
};

static const struct cli_column event_columns[] = {
	{ "ID", "id", C_TEXT },     { "TIME", "time", C_TIME },     { "ACTOR", "actor", C_TEXT },
	{ "KIND", "kind", C_TEXT }, { "OBJECT", "object", C_TEXT }, END_COLUMNS,
};

static const struct cli_field token_fields[] = {
	{ "name", "name", FK_STRING, V_UPDATE, "NAME", "new name" },
	{ "role", "role", FK_STRING, CU, "ROLE", "admin, operator or reader (required)" },
	{ "expires-in", "expires", FK_DAYS, CU, "DAYS",
	  "reject the token after this many days (1 to 36500), or none: never" },
	END_FIELDS,
};

static const struct cli_filter token_filters[] = {
	{ "role", "ROLE", "admin, operator or reader" },
	END_FILTERS,
};

static const struct cli_column token_columns[] = {
	{ "ID", "id", C_TEXT },
	{ "NAME", "name", C_TEXT },
	{ "ROLE", "role", C_TEXT },
	{ "CREATED", "created", C_TIME },
	{ "EXPIRES", "expires", C_TIME },
	{ "LAST USED", "last_used", C_TIME },
	END_COLUMNS,
};

static const struct cli_resource resources[] = {
	{ "sites", NULL, "/api/v1/sites", "site", "sites (data centres, rooms)", "name", "NAME",
	  "ID", V_CRUD, site_fields, name_filters, site_columns },
	{ "racks", NULL, "/api/v1/racks", "rack", "racks in a site", "name", "NAME", "ID", V_CRUD,
	  rack_fields, rack_filters, rack_columns },
	{ "tags", NULL, "/api/v1/tags", "tag", "machine tags", "name", "NAME", "ID", V_CRUD,
	  tag_fields, name_filters, tag_columns },
	{ "machines", NULL, "/api/v1/machines", "machine", "machines and their lifecycle", NULL,
	  NULL, "ID", V_CRUD, machine_fields, machine_filters, machine_columns },
	{ "interfaces", NULL, "/api/v1/interfaces", "interface", "network interfaces (MACs)", NULL,
	  NULL, "ID", V_CRUD, interface_fields, interface_filters, interface_columns },
	{ "subnets", NULL, "/api/v1/subnets", "subnet", "IPv4 and IPv6 subnets", "name", "NAME",
	  "ID", V_CRUD | V_ALLOCATE, subnet_fields, subnet_filters, subnet_columns },
	{ "ranges", NULL, "/api/v1/ranges", "range", "dynamic and reserved ranges", NULL, NULL,
	  "ID", V_CRUD | V_ALLOCATE, range_fields, range_filters, range_columns },
	{ "addresses", "ip-addresses", "/api/v1/ip-addresses", "ip address",
	  "IP addresses: static, sticky, DHCP", "address", "ADDRESS", "ID", V_CRUD | V_RESERVE,
	  address_fields, address_filters, address_columns },
	{ "leases", NULL, "/api/v1/leases", "lease", "DHCP leases (delete forces expiry)", NULL,
	  NULL, "ADDRESS", V_LIST | V_GET | V_DELETE, NULL, lease_filters, lease_columns },
	{ "events", NULL, "/api/v1/events", "event", "the audit log", NULL, NULL, "ID",
	  V_LIST | V_GET, NULL, event_filters, event_columns },
	{ "tokens", NULL, "/api/v1/tokens", "token", "API tokens (admin only)", "name", "NAME",
	  "ID", V_CRUD, token_fields, token_filters, token_columns },
};

static const struct {
	const char *name;
	unsigned verb;
	const char *help;
} verbs[] = {
	{ "list", V_LIST, "list, with filters; every page unless --limit is given" },
	{ "get", V_GET, "show one" },
	{ "create", V_CREATE, "create one" },
	{ "update", V_UPDATE, "change the given fields (PATCH)" },
	{ "delete", V_DELETE, "delete one" },
	{ "allocate", V_ALLOCATE, "record the next free address" },
	{ "reserve", V_RESERVE, "reserve an address for a MAC (DHCP then gives it only to it)" },
};

static const struct cli_resource *find_resource(const char *name)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (strcmp(resources[i].name, name) == 0 ||
		    (resources[i].alias && strcmp(resources[i].alias, name) == 0))
			return &resources[i];
	return NULL;
}

static unsigned find_verb(const char *name)
{
	if (strcmp(name, "expire") == 0)
		return V_DELETE;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return verbs[i].verb;
	return 0;
}

/* Usage */

static void usage_verb(FILE *out, const struct cli_resource *res, unsigned verb)
{
	const char *name = "";

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == verb)
			name = verbs[i].name;
	fprintf(out, "Usage: rackctl %s %s", res->name, name);
	if (verb & (V_GET | V_UPDATE | V_DELETE | V_ALLOCATE))
		fprintf(out, " %s", res->id_metavar);
	if (verb == V_CREATE && res->positional)
		fprintf(out, " %s", res->positional_metavar);
	if (verb == V_RESERVE)
		fprintf(out, " [ADDRESS]");
	fprintf(out, " [OPTIONS]\n\nOptions:\n");
	if (verb == V_LIST) {
		for (const struct cli_filter *f = res->filters; f && f->flag; f++)
			fprintf(out, "  --%-12s %-12s %s\n", f->flag, f->metavar, f->help);
		fprintf(out, "  --%-12s %-12s %s\n", "limit", "N",
		        "one page of at most N (1-1000)");
		fprintf(out, "  --%-12s %-12s %s\n", "newest", "",
		        "highest id (leases: address) first, so --limit shows the latest");
	}
	for (const struct cli_field *f = res->fields; f && f->flag; f++)
		if (f->verbs & verb)
			fprintf(out, "  --%-12s %-12s %s\n", f->flag, f->metavar ? f->metavar : "",
			        f->help);
	if (verb & (V_UPDATE | V_DELETE))
		fprintf(out, "  --%-12s %-12s %s\n", "if-match", "ETAG",
		        "only if the object still has this ETag (version), else fail");
	fprintf(out, "  --%-12s %-12s %s\n", "json", "", "print JSON instead of a table");
	fprintf(out, "  --%-12s %-12s %s\n", "help", "", "show this help");
}

static void usage_resource(FILE *out, const struct cli_resource *res)
{
	fprintf(out, "Usage: rackctl %s VERB ...   (%s)\n\nVerbs:\n", res->name, res->summary);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (res->verbs & verbs[i].verb)
			fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\nrackctl %s VERB --help lists the options of a verb.\n", res->name);
}

void cli_resources_usage(FILE *out)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		fprintf(out, "  %-12s %s\n", resources[i].name, resources[i].summary);
}

/* Output */

static void format_bytes(json_int_t bytes, char *buf, size_t size)
{
	if (bytes <= 0)
		(void)snprintf(buf, size, "-");
	else if (bytes >= (json_int_t)1 << 30)
		(void)snprintf(buf, size, "%.1f GiB", (double)bytes / (double)(1 << 30));
	else
		(void)snprintf(buf, size, "%lld MiB", (long long)(bytes >> 20));
}

/* Writes a scalar as text: strings as they are, null as "-". */
static void scalar_text(json_t *v, char *buf, size_t size)
{
	char *dump;

	if (v == NULL || json_is_null(v)) {
		(void)snprintf(buf, size, "-");
	} else if (json_is_string(v)) {
		(void)snprintf(buf, size, "%s", json_string_length(v) ? json_string_value(v) : "-");
	} else {
		dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(10));
		(void)snprintf(buf, size, "%s", dump ? dump : "?");
		free(dump);
	}
}

static void join_list(json_t *list, char *buf, size_t size)
{
	size_t i, off = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(list, i, v) {
		char item[CELL_MAX];
		int w;

		scalar_text(v, item, sizeof(item));
		w = snprintf(buf + off, size - off, "%s%s", off ? "," : "", item);
		if (w < 0 || (size_t)w >= size - off)
			break;
		off += (size_t)w;
	}
	if (off == 0)
		(void)snprintf(buf, size, "-");
}

static void cell_text(json_t *obj, const struct cli_column *c, char *buf, size_t size)
{
	json_t *v = json_object_get(obj, c->member);
	size_t i, off = 0;
	json_t *r;

	switch (c->kind) {
	case C_TIME:
		cli_format_time(json_integer_value(v), buf, size);
		return;
	case C_BYTES:
		format_bytes(json_integer_value(v), buf, size);
		return;
	case C_LIST:
		join_list(v, buf, size);
		return;
	case C_USAGE:
		if (!json_is_object(v)) {
			(void)snprintf(buf, size, "-");
			return;
		}
		(void)snprintf(buf, size, "%lld (%.1f%%)",
		               (long long)json_integer_value(json_object_get(v, "used")),
		               json_number_value(json_object_get(v, "percent")));
		return;
	case C_RANGES:
		buf[0] = '\0';
		json_array_foreach(v, i, r) {
			int w = snprintf(
			        buf + off, size - off, "%s%s%s-%s", off ? "," : "",
			        strcmp(str_or(r, "kind", ""), "reserved") == 0 ? "reserved:" : "",
			        str_or(r, "first", "?"), str_or(r, "last", "?"));

			if (w < 0 || (size_t)w >= size - off)
				break;
			off += (size_t)w;
		}
		if (off == 0)
			(void)snprintf(buf, size, "-");
		return;
	case C_TEXT:
		scalar_text(v, buf, size);
		return;
	}
}

/* Prints items as a table whose columns are as wide as their widest cell. */
static void print_table(const struct cli_column *cols, json_t *items)
{
	size_t widths[16] = { 0 }, n_cols = 0, i;
	char cell[CELL_MAX];
	json_t *obj;

	for (; cols[n_cols].title && n_cols < 16; n_cols++)
		widths[n_cols] = strlen(cols[n_cols].title);
	json_array_foreach(items, i, obj) {
		for (size_t c = 0; c < n_cols; c++) {
			cell_text(obj, &cols[c], cell, sizeof(cell));
			if (strlen(cell) > widths[c])
				widths[c] = strlen(cell);
		}
	}
	for (size_t c = 0; c < n_cols; c++)
		printf("%-*s%s", c + 1 < n_cols ? (int)widths[c] : 0, cols[c].title,
		       c + 1 < n_cols ? "  " : "\n");
	json_array_foreach(items, i, obj) {
		for (size_t c = 0; c < n_cols; c++) {
			cell_text(obj, &cols[c], cell, sizeof(cell));
			printf("%-*s%s", c + 1 < n_cols ? (int)widths[c] : 0, cell,
			       c + 1 < n_cols ? "  " : "\n");
		}
	}
}

/* Prints one object as "key: value" lines; nested values as compact JSON. */
static void print_object(json_t *obj)
{
	size_t width = 0;
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
		if (strlen(key) > width)
			width = strlen(key);
	json_object_foreach(obj, key, v) {
		char text[4096];

		if (json_is_array(v) &&
		    (json_array_size(v) == 0 || !json_is_object(json_array_get(v, 0))))
			join_list(v, text, sizeof(text));
		else
			scalar_text(v, text, sizeof(text));
		printf("%-*s  %s\n", (int)width + 1, key, text);
	}
}

static int print_result(const struct options *o, json_t *resp, const char *done)
{
	if (o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		printf("\n");
		return 0;
	}
	if (done)
		printf("%s\n", done);
	if (resp)
		print_object(resp);
	return 0;
}

/* Options */

/* The values given on the command line, keyed by table entry. */
struct parsed {
	json_t *body;
	char query[PATH_MAX_LEN];
	size_t query_len;
	const char *limit;
	bool newest; /* order=desc: highest id (or address) first */
	const char *if_match;
	const char *reserve_mac;
	const char *reserve_subnet;
	const char *reserve_range;
	bool help;
};

static bool parse_int(const char *s, long long min, long long max, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *s == '\0' || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

/* Adds "FIRST-LAST" as a range of kind to body's ranges. */
static int add_range(json_t *body, const char *spec, const char *kind)
{
	const char *dash = strchr(spec, '-');
	json_t *ranges = json_object_get(body, "ranges");
	char first[64];

	if (dash == NULL || dash == spec || (size_t)(dash - spec) >= sizeof(first) || !dash[1]) {
		fprintf(stderr, "rackctl: invalid range \"%s\": expected FIRST-LAST\n", spec);
		return -1;
	}
	memcpy(first, spec, (size_t)(dash - spec));
	first[dash - spec] = '\0';
	if (ranges == NULL) {
		ranges = json_array();
		json_object_set_new(body, "ranges", ranges);
	}
	json_array_append_new(ranges, json_pack("{s:s, s:s, s:s}", "first", first, "last", dash + 1,
	                                        "kind", kind));
	return 0;
}

static int add_csv(json_t *body, const char *member, const char *value)
{
	json_t *list = json_array();
	char *copy = strdup(value), *save = NULL;

	if (copy == NULL)
		return -1;
	if (strcmp(value, "none") != 0)
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(list, json_string(t));
	free(copy);
	json_object_set_new(body, member, list);
	return 0;
}

/* Sets member of body from a flag's value; prints its own error. */
static int set_field(json_t *body, const struct cli_field *f, const char *value)
{
	json_t *list;
	long long n;

	switch (f->kind) {
	case FK_STRING:
		json_object_set_new(body, f->member, json_string(value));
		return 0;
	case FK_NULLABLE:
		json_object_set_new(body, f->member,
		                    strcmp(value, "none") == 0 ? json_null() : json_string(value));
		return 0;
	case FK_INT:
	case FK_REF:
		if (f->kind == FK_REF && strcmp(value, "none") == 0) {
			json_object_set_new(body, f->member, json_null());
			return 0;
		}
		if (!parse_int(value, 0, INT64_MAX, &n)) {
			fprintf(stderr, "rackctl: invalid --%s \"%s\": expected a number%s\n",
			        f->flag, value, f->kind == FK_REF ? " or none" : "");
			return -1;
		}
		json_object_set_new(body, f->member, json_integer(n));
		return 0;
	case FK_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
			fprintf(stderr, "rackctl: invalid --%s \"%s\": expected true or false\n",
			        f->flag, value);
			return -1;
		}
		json_object_set_new(body, f->member, json_boolean(strcmp(value, "true") == 0));
		return 0;
	case FK_LIST:
		list = json_object_get(body, f->member);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(body, f->member, list);
		}
		if (strcmp(value, "none") != 0)
			json_array_append_new(list, json_string(value));
		return 0;
	case FK_CSV:
		return add_csv(body, f->member, value);
	case FK_RANGE:
		return add_range(body, value, "dynamic");
	case FK_RESERVED:
		return add_range(body, value, "reserved");
	case FK_FALSE:
		json_object_set_new(body, f->member, json_false());
		return 0;
	case FK_DAYS:
		if (strcmp(value, "none") == 0) {
			json_object_set_new(body, f->member, json_null());
			return 0;
		}
		if (!parse_int(value, 1, 36500, &n)) {
			fprintf(stderr,
			        "rackctl: invalid --%s \"%s\": expected whole days from 1 to 36500 "
			        "or none\n",
			        f->flag, value);
			return -1;
		}
		json_object_set_new(body, f->member,
		                    json_integer((json_int_t)time(NULL) + n * 86400));
		return 0;
	}
	return -1;
}

static int add_query(struct parsed *p, const char *key, const char *value)
{
	char escaped[1024];
	int w;

	if (!cli_query_escape(value, escaped, sizeof(escaped))) {
		fprintf(stderr, "rackctl: --%s value is too long\n", key);
		return -1;
	}
	w = snprintf(p->query + p->query_len, sizeof(p->query) - p->query_len, "%s%s=%s",
	             p->query_len ? "&" : "?", key, escaped);
	if (w < 0 || (size_t)w >= sizeof(p->query) - p->query_len) {
		fprintf(stderr, "rackctl: too many filters\n");
		return -1;
	}
	p->query_len += (size_t)w;
	return 0;
}

/* Handles one parsed option index against the verb's tables. */
static int apply_option(const struct cli_resource *res, unsigned verb, int idx, const char *arg,
                        struct parsed *p)
{
	const struct cli_field *f;

	if (idx >= 1000) {
		const struct cli_filter *flt = &res->filters[idx - 1000];

		return add_query(p, flt->flag, arg);
	}
	f = &res->fields[idx];
	if (verb == V_RESERVE && f->member == NULL) {
		if (strcmp(f->flag, "mac") == 0)
			p->reserve_mac = arg;
		else if (strcmp(f->flag, "subnet") == 0)
			p->reserve_subnet = arg;
		else
			p->reserve_range = arg;
		return 0;
	}
	return set_field(p->body, f, arg);
}

/*
 * Parses the options of "RESOURCE VERB ..." (argv[0] is the verb) into p,
 * leaving the positional arguments at argv[optind..]. Returns 0 or
 * EXIT_USAGE.
 */
static int parse_options(const struct cli_resource *res, unsigned verb, int argc, char **argv,
                         struct parsed *p)
{
	struct option opts[OPTIONS_MAX + 1];
	size_t n = 0;
	int opt;

	for (size_t i = 0; res->fields && res->fields[i].flag && n < OPTIONS_MAX - 4; i++)
		if (res->fields[i].verbs & verb)
			opts[n++] = (struct option){ res->fields[i].flag,
				                     res->fields[i].kind == FK_FALSE
				                             ? no_argument
				                             : required_argument,
				                     NULL, (int)i };
	for (size_t i = 0;
	     verb == V_LIST && res->filters && res->filters[i].flag && n < OPTIONS_MAX - 4; i++)
		opts[n++] = (struct option){ res->filters[i].flag, required_argument, NULL,
			                     1000 + (int)i };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (verb == V_LIST) {
		opts[n++] = (struct option){ "limit", required_argument, NULL, 'l' };
		opts[n++] = (struct option){ "newest", no_argument, NULL, 'n' };
	}
	if (verb & (V_UPDATE | V_DELETE))
		opts[n++] = (struct option){ "if-match", required_argument, NULL, 'm' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			p->help = true;
		} else if (opt == 'l') {
			p->limit = optarg;
		} else if (opt == 'n') {
			p->newest = true;
		} else if (opt == 'm') {
			p->if_match = optarg;
		} else if (opt == '?' || opt == ':') {
			usage_verb(stderr, res, verb);
			return EXIT_USAGE;
		} else if (apply_option(res, verb, opt, optarg, p) < 0) {
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Verbs */

static int expect_status(const struct options *o, long status, long expected, json_t *resp,
                         const char *done)
{
	if (status != expected)
		return print_api_error(status, resp);
	return print_result(o, resp, done);
}

static int run_list(const struct options *o, const struct cli_resource *res, struct parsed *p)
{
	char path[PATH_MAX_LEN + 64];
	json_t *resp = NULL, *items;
	long long limit = 0;
	long status = 0;
	int r;

	if (p->limit && !parse_int(p->limit, 1, 1000, &limit)) {
		fprintf(stderr, "rackctl: invalid --limit \"%s\": expected 1 to 1000\n", p->limit);
		return EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "%s%s%s", res->path, p->query,
	               !p->newest     ? ""
	               : p->query_len ? "&order=desc"
	                              : "?order=desc");
	if (p->limit == NULL) {
		r = cli_fetch_all(o, path, &items);
	} else {
		size_t len = strlen(path);

		(void)snprintf(path + len, sizeof(path) - len, "%slimit=%lld",
		               strchr(path, '?') ? "&" : "?", limit);
		if (api_call(o, "GET", path, NULL, &status, &resp) < 0)
			return EXIT_FAILED;
		r = status == 200 ? 0 : print_api_error(status, resp);
		items = json_incref(json_object_get(resp, "items"));
		json_decref(resp);
	}
	if (r == 0 && o->json) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (r == 0) {
		print_table(res->columns, items);
	}
	json_decref(items);
	return r;
}

/* Checks an id argument and writes "<path>/<id>" (escaped) into buf. */
static bool item_path(const struct cli_resource *res, const char *id, char *buf, size_t size)
{
	char escaped[256];
	long long n;

	if (strcmp(res->id_metavar, "ID") == 0 && !parse_int(id, 1, INT64_MAX, &n)) {
		fprintf(stderr, "rackctl: invalid %s id \"%s\": expected a positive number\n",
		        res->singular, id);
		return false;
	}
	if (!cli_query_escape(id, escaped, sizeof(escaped)))
		return false;
	return (size_t)snprintf(buf, size, "%s/%s", res->path, escaped) < size;
}

static const char *text_or_dash(json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL && s[0] != '\0' ? s : "-";
}

/*
 * Prints one line per LLDP neighbour of a machine, because the facts line
 * shows them only inside cut-off JSON.
 */
static void print_lldp_neighbors(json_t *machine)
{
	json_t *list = json_object_get(json_object_get(machine, "facts"), "lldp"), *n;
	size_t i;

	json_array_foreach(list, i, n) {
		json_t *vlan = json_object_get(n, "vlan_id");

		printf("neighbor  %s: %s port %s (%s) chassis %s (%s)",
		       text_or_dash(json_object_get(n, "interface")),
		       text_or_dash(json_object_get(n, "system_name")),
		       text_or_dash(json_object_get(n, "port_id")),
		       text_or_dash(json_object_get(n, "port_id_subtype")),
		       text_or_dash(json_object_get(n, "chassis_id")),
		       text_or_dash(json_object_get(n, "chassis_id_subtype")));
		if (json_is_integer(vlan))
			printf(" vlan %lld", (long long)json_integer_value(vlan));
		printf("\n");
	}
}

static int run_get(const struct options *o, const struct cli_resource *res, const char *id)
{
	char path[PATH_MAX_LEN];
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (!item_path(res, id, path, sizeof(path)))
		return EXIT_USAGE;
	if (api_call(o, "GET", path, NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	r = expect_status(o, status, 200, resp, NULL);
	if (r == 0 && !o->json && strcmp(res->name, "machines") == 0)
		print_lldp_neighbors(resp);
	json_decref(resp);
	return r;
}

/* Prints "<singular> <id> <what>" after a change. */
static void done_line(const struct cli_resource *res, json_t *resp, const char *id,
                      const char *what, char *buf, size_t size)
{
	json_t *v = json_object_get(resp, "id");

	if (json_is_integer(v))
		(void)snprintf(buf, size, "%s %lld %s", res->singular,
		               (long long)json_integer_value(v), what);
	else
		(void)snprintf(buf, size, "%s %s %s", res->singular, id ? id : "", what);
}

static int run_create(const struct options *o, const struct cli_resource *res, struct parsed *p,
                      int n_args, char **args)
{
	char done[128];
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (n_args != (res->positional ? 1 : 0)) {
		usage_verb(stderr, res, V_CREATE);
		return EXIT_USAGE;
	}
	if (res->positional)
		json_object_set_new(p->body, res->positional, json_string(args[0]));
	if (api_call(o, "POST", res->path, p->body, &status, &resp) < 0)
		return EXIT_FAILED;
	if (status == 201 && strcmp(res->name, "tokens") == 0 && !o->json) {
		/* The secret alone on stdout, so scripts can capture it; it is never shown again.
		 */
		printf("%s\n", str_or(resp, "token", ""));
		fprintf(stderr,
		        "rackctl: token \"%s\" with role %s created; it is shown only now\n",
		        str_or(resp, "name", "?"), str_or(resp, "role", "?"));
		json_decref(resp);
		return 0;
	}
	done_line(res, resp, NULL, "created", done, sizeof(done));
	r = expect_status(o, status, 201, resp, done);
	json_decref(resp);
	return r;
}

static int run_update(const struct options *o, const struct cli_resource *res, struct parsed *p,
                      const char *id)
{
	struct options with_etag = *o;
	char path[PATH_MAX_LEN], done[128];
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (!item_path(res, id, path, sizeof(path)))
		return EXIT_USAGE;
	if (json_object_size(p->body) == 0) {
		fprintf(stderr, "rackctl: nothing to change: give at least one option\n");
		usage_verb(stderr, res, V_UPDATE);
		return EXIT_USAGE;
	}
	with_etag.if_match = p->if_match;
	if (api_call(&with_etag, "PATCH", path, p->body, &status, &resp) < 0)
		return EXIT_FAILED;
	done_line(res, resp, id, "updated", done, sizeof(done));
	r = expect_status(o, status, 200, resp, done);
	json_decref(resp);
	return r;
}

static int run_delete(const struct options *o, const struct cli_resource *res, struct parsed *p,
                      const char *id)
{
	struct options with_etag = *o;
	char path[PATH_MAX_LEN];
	json_t *resp = NULL;
	long status = 0;
	int r = 0;

	if (!item_path(res, id, path, sizeof(path)))
		return EXIT_USAGE;
	with_etag.if_match = p->if_match;
	if (api_call(&with_etag, "DELETE", path, NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	if (status != 204)
		r = print_api_error(status, resp);
	else if (o->json)
		printf("{}\n");
	else
		printf("%s %s %s\n", res->singular, id,
		       strcmp(res->name, "leases") == 0 ? "expired" : "deleted");
	json_decref(resp);
	return r;
}

/* POSTs body to path and prints the address it recorded. */
static int post_address(const struct options *o, const struct cli_resource *res, const char *path,
                        json_t *body)
{
	char done[160];
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (api_call(o, "POST", path, body, &status, &resp) < 0)
		return EXIT_FAILED;
	(void)snprintf(done, sizeof(done), "address %s recorded as ip address %lld",
	               str_or(resp, "address", "?"),
	               (long long)json_integer_value(json_object_get(resp, "id")));
	(void)res;
	r = expect_status(o, status, 201, resp, done);
	json_decref(resp);
	return r;
}

static int run_allocate(const struct options *o, const struct cli_resource *res, struct parsed *p,
                        const char *id)
{
	char path[PATH_MAX_LEN];

	char item[PATH_MAX_LEN - 16];

	if (!item_path(res, id, item, sizeof(item)))
		return EXIT_USAGE;
	(void)snprintf(path, sizeof(path), "%s/allocate", item);
	return post_address(o, res, path, p->body);
}

/* Finds the id of the interface with mac; prints its own errors. */
static int interface_by_mac(const struct options *o, const char *mac, json_int_t *ret_id)
{
	char path[PATH_MAX_LEN], escaped[128];
	json_t *resp = NULL, *first;
	long status = 0;
	int r = EXIT_FAILED;

	if (!cli_query_escape(mac, escaped, sizeof(escaped)))
		return EXIT_USAGE;
	(void)snprintf(path, sizeof(path), "/api/v1/interfaces?mac=%s", escaped);
	if (api_call(o, "GET", path, NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	first = json_array_get(json_object_get(resp, "items"), 0);
	if (status != 200) {
		r = print_api_error(status, resp);
	} else if (first == NULL) {
		fprintf(stderr,
		        "rackctl: no interface has MAC %s; create the machine first:"
		        " rackctl machines create --mac %s\n",
		        mac, mac);
	} else {
		*ret_id = json_integer_value(json_object_get(first, "id"));
		r = 0;
	}
	json_decref(resp);
	return r;
}

/*
 * "addresses reserve [ADDRESS] (--mac MAC | --interface ID) [--subnet ID |
 * --range ID]": records ADDRESS, or the next free address of the subnet or
 * range, bound to the interface, so DHCP gives it to that MAC only.
 */
static int run_reserve(const struct options *o, const struct cli_resource *res, struct parsed *p,
                       int n_args, char **args)
{
	char path[PATH_MAX_LEN];
	json_int_t iface = 0;
	long long id;
	int r;

	if (n_args > 1 || (n_args == 1) == (p->reserve_subnet || p->reserve_range) ||
	    (p->reserve_subnet && p->reserve_range)) {
		fprintf(stderr, "rackctl: reserve takes an ADDRESS, or --subnet or --range for the"
		                " next free one\n");
		return EXIT_USAGE;
	}
	if (p->reserve_mac) {
		r = interface_by_mac(o, p->reserve_mac, &iface);
		if (r != 0)
			return r;
		json_object_set_new(p->body, "interface_id", json_integer(iface));
	}
	if (json_object_get(p->body, "interface_id") == NULL) {
		fprintf(stderr, "rackctl: reserve needs --mac or --interface\n");
		return EXIT_USAGE;
	}
	if (n_args == 1) {
		json_object_set_new(p->body, "address", json_string(args[0]));
		return post_address(o, res, res->path, p->body);
	}
	if (!parse_int(p->reserve_subnet ? p->reserve_subnet : p->reserve_range, 1, INT64_MAX,
	               &id)) {
		fprintf(stderr, "rackctl: invalid %s id\n", p->reserve_subnet ? "subnet" : "range");
		return EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "/api/v1/%s/%lld/allocate",
	               p->reserve_subnet ? "subnets" : "ranges", id);
	return post_address(o, res, path, p->body);
}

/* Runs one verb with its positional arguments. */
static int run_verb(const struct options *o, const struct cli_resource *res, unsigned verb,
                    struct parsed *p, int n_args, char **args)
{
	bool takes_id = verb & (V_GET | V_UPDATE | V_DELETE | V_ALLOCATE);

	if (takes_id && n_args != 1) {
		usage_verb(stderr, res, verb);
		return EXIT_USAGE;
	}
	switch (verb) {
	case V_LIST:
		if (n_args != 0) {
			usage_verb(stderr, res, verb);
			return EXIT_USAGE;
		}
		return run_list(o, res, p);
	case V_GET:
		return run_get(o, res, args[0]);
	case V_CREATE:
		return run_create(o, res, p, n_args, args);
	case V_UPDATE:
		return run_update(o, res, p, args[0]);
	case V_DELETE:
		return run_delete(o, res, p, args[0]);
	case V_ALLOCATE:
		return run_allocate(o, res, p, args[0]);
	case V_RESERVE:
		return run_reserve(o, res, p, n_args, args);
	default:
		return EXIT_USAGE;
	}
}

int cli_resource_command(const struct options *o, int argc, char **argv)
{
	const struct cli_resource *res = find_resource(argv[0]);
	struct parsed p = { 0 };
	unsigned verb;
	int r;

	if (res == NULL)
		return -1;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_resource(argc < 2 ? stderr : stdout, res);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	verb = find_verb(argv[1]);
	if (verb == 0 || !(res->verbs & verb)) {
		fprintf(stderr, "rackctl: %s has no verb \"%s\"\n", res->name, argv[1]);
		usage_resource(stderr, res);
		return EXIT_USAGE;
	}
	p.body = json_object();
	r = parse_options(res, verb, argc - 1, argv + 1, &p);
	if (r == 0 && p.help)
		usage_verb(stdout, res, verb);
	else if (r == 0)
		r = run_verb(o, res, verb, &p, argc - 1 - optind, argv + 1 + optind);
	json_decref(p.body);
	return r;
}

/* Completion */

static void complete_options(const struct cli_resource *res, unsigned verb)
{
	for (const struct cli_field *f = res->fields; f && f->flag; f++)
		if (f->verbs & verb)
			printf("--%s\n", f->flag);
	for (const struct cli_filter *f = res->filters; verb == V_LIST && f && f->flag; f++)
		printf("--%s\n", f->flag);
	if (verb == V_LIST)
		printf("--limit\n--newest\n");
	if (verb & (V_UPDATE | V_DELETE))
		printf("--if-match\n");
	printf("--json\n--help\n");
}

void cli_complete(int argc, char **argv)
{
	const struct cli_resource *res;
	unsigned verb;

	if (argc == 0) {
		for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
			printf("%s\n", resources[i].name);
		printf("whoami\ndns\nmachine\n--url\n--token\n--config\n--json\n--help\n--version\n");
		return;
	}
	if (strcmp(argv[0], "dns") == 0) {
		printf("%s\n", argc == 1 ? "records" : "list\ncreate\ndelete");
		return;
	}
	res = find_resource(argv[0]);
	if (res == NULL)
		return;
	if (argc == 1) {
		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
			if (res->verbs & verbs[i].verb)
				printf("%s\n", verbs[i].name);
		printf("--help\n");
		return;
	}
	verb = find_verb(argv[1]);
	if (verb && (res->verbs & verb))
		complete_options(res, verb);
}
