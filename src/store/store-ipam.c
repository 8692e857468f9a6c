/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-ipam -- SQLite implementation of subnets, ranges, IP addresses,
 * allocation, utilisation, API lease access and DHCP reservations.
 * Addresses are compared through their sort keys (core/ipaddr.h); IPv4
 * rows also keep the integer columns the DHCP server reads.
 */
#include "store/store-ipam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

#define DNS_TEXT_MAX (STORE_DNS_MAX * IPADDR_STRLEN)

static int get_by_id(struct store_txn *tx, const char *sql, int64_t id,
                     void (*read_row)(sqlite3_stmt *stmt, void *elem), void *ret)
{
	sqlite3_stmt *stmt;
	int r, rc;

	r = store_prepare(tx->st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		read_row(stmt, ret);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	}
	sqlite3_finalize(stmt);
	return r;
}

static void bind_key(sqlite3_stmt *stmt, int idx, const struct ipaddr *a)
{
	char key[IPADDR_KEYLEN];

	ipaddr_key(a, key);
	sqlite3_bind_text(stmt, idx, key, -1, SQLITE_TRANSIENT);
}

static void read_key(sqlite3_stmt *stmt, int col, struct ipaddr *ret)
{
	const unsigned char *key = sqlite3_column_text(stmt, col);

	if (key == NULL || ipaddr_from_key((const char *)key, ret) < 0)
		memset(ret, 0, sizeof(*ret));
}

static int step_guarded(struct store_txn *tx, sqlite3_stmt *stmt, const char *table, int64_t id)
{
	int r = store_step_done(tx->st, stmt);

	if (r == 0 && sqlite3_changes(tx->st->db) == 0)
		r = store_row_missing_or_stale(tx->st, table, id);
	return r;
}

/* Subnets */

#define SUBNET_COLUMNS                                                                             \
	"id, name, family, network, prefix_len, cidr, gateway, gateway6, dns, domain, lease_time," \
	" interface, dhcp_enabled, vlan, version"

static void parse_dns_text(struct store_ipam_subnet *s, const char *text)
{
	char buf[DNS_TEXT_MAX], *save = NULL;

	s->n_dns = 0;
	(void)snprintf(buf, sizeof(buf), "%s", text);
	for (char *tok = strtok_r(buf, " ", &save); tok && s->n_dns < STORE_DNS_MAX;
	     tok = strtok_r(NULL, " ", &save))
		if (ipaddr_parse(tok, &s->dns[s->n_dns]) == 0)
			s->n_dns++;
}

static void format_dns_text(const struct store_ipam_subnet *s, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_dns && i < STORE_DNS_MAX; i++) {
		char ip[IPADDR_STRLEN];
		int n;

		ipaddr_format(&s->dns[i], ip);
		n = snprintf(buf + off, size - off, "%s%s", i ? " " : "", ip);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

static void read_subnet(sqlite3_stmt *stmt, void *elem)
{
	struct store_ipam_subnet *s = elem;
	const unsigned char *text;
	uint32_t gateway;

	s->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(s->name, sizeof(s->name), stmt, 1);
	if (sqlite3_column_int(stmt, 2) == 6) {
		text = sqlite3_column_text(stmt, 5);
		if (text == NULL ||
		    ipaddr_parse_prefix((const char *)text, &s->network, &s->prefix_len) < 0)
			s->network.family = 6;
		text = sqlite3_column_text(stmt, 7);
		s->has_gateway =
		        text && text[0] && ipaddr_parse((const char *)text, &s->gateway) == 0;
	} else {
		/* IPv4 rows may come from the config file, which writes only the integers. */
		ipaddr_from_v4((uint32_t)sqlite3_column_int64(stmt, 3), &s->network);
		s->prefix_len = (uint8_t)sqlite3_column_int(stmt, 4);
		gateway = (uint32_t)sqlite3_column_int64(stmt, 6);
		s->has_gateway = gateway != 0;
		if (s->has_gateway)
			ipaddr_from_v4(gateway, &s->gateway);
	}
	text = sqlite3_column_text(stmt, 8);
	parse_dns_text(s, text ? (const char *)text : "");
	store_copy_text(s->domain, sizeof(s->domain), stmt, 9);
	s->lease_time = (uint32_t)sqlite3_column_int64(stmt, 10);
	store_copy_text(s->interface, sizeof(s->interface), stmt, 11);
	s->dhcp_enabled = sqlite3_column_int(stmt, 12) != 0;
	s->vlan = (uint16_t)sqlite3_column_int(stmt, 13);
	s->version = sqlite3_column_int64(stmt, 14);
}

/* A subnet filter with the key of its address, which the statement borrows. */
struct subnet_where {
	const struct store_ipam_subnet_filter *f;
	char key[IPADDR_KEYLEN];
};

static void where_subnet(struct store_sql *q, const void *filter)
{
	const struct subnet_where *w = filter;
	const struct store_ipam_subnet_filter *f = w->f;

	if (f->family) {
		store_sql_add(q, " AND family = ?");
		store_sql_int(q, f->family);
	}
	if (f->name) {
		store_sql_add(q, " AND name = ?");
		store_sql_text(q, f->name);
	}
	if (f->vlan) {
		store_sql_add(q, " AND vlan = ?");
		store_sql_int(q, f->vlan);
	}
	if (f->contains) {
		store_sql_add(q, " AND family = ? AND first_key <= ? AND last_key >= ?");
		store_sql_int(q, f->contains->family);
		store_sql_text(q, w->key);
		store_sql_text(q, w->key);
	}
}

int store_ipam_subnet_list(struct store_txn *tx, const struct store_ipam_subnet_filter *filter,
                           const struct store_page *page, struct store_ipam_subnet **ret_items,
                           size_t *ret_n, int64_t *ret_total)
{
	struct subnet_where w = { .f = filter };

	if (filter->contains)
		ipaddr_key(filter->contains, w.key);
	return store_list_page(tx, SUBNET_COLUMNS, "subnets", NULL, "id", where_subnet, &w, page,
	                       sizeof(**ret_items), read_subnet, (void **)ret_items, ret_n,
	                       ret_total);
}

int store_ipam_subnet_get(struct store_txn *tx, int64_t id, struct store_ipam_subnet *ret)
{
	memset(ret, 0, sizeof(*ret));
	return get_by_id(tx, "SELECT " SUBNET_COLUMNS " FROM subnets WHERE id = ?", id, read_subnet,
	                 ret);
}

int store_ipam_subnet_containing(struct store_txn *tx, const struct ipaddr *addr,
                                 struct store_ipam_subnet *ret)
{
	sqlite3_stmt *stmt;
	int r, rc;

	r = store_prepare(tx->st,
	                  "SELECT " SUBNET_COLUMNS " FROM subnets"
	                  " WHERE family = ?1 AND first_key <= ?2 AND last_key >= ?2 LIMIT 1",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, addr->family);
	bind_key(stmt, 2, addr);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		read_subnet(stmt, ret);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	}
	sqlite3_finalize(stmt);
	return r;
}

/* Writes the id of a same-family subnet other than except_id overlapping s, or 0. */
static int subnet_overlap(struct store_txn *tx, const struct store_ipam_subnet *s,
                          int64_t except_id, int64_t *ret_conflict)
{
	struct ipaddr last;
	sqlite3_stmt *stmt;
	int64_t id = 0;
	int r;

	ipaddr_prefix_last(&s->network, s->prefix_len, &last);
	r = store_prepare(tx->st,
	                  "SELECT id FROM subnets WHERE family = ? AND id != ?"
	                  " AND first_key <= ? AND last_key >= ? ORDER BY id LIMIT 1",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, s->network.family);
	sqlite3_bind_int64(stmt, 2, except_id);
	bind_key(stmt, 3, &last);
	bind_key(stmt, 4, &s->network);
	r = store_query_int(tx->st, stmt, &id);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		*ret_conflict = id;
	return r;
}

/*
 * Binds ?1..?15 of a subnet write: name, family, network, prefix_len, cidr,
 * gateway, gateway6, dns, domain, lease_time, interface, dhcp_enabled, vlan,
 * and first_key/last_key as ?14/?15.
 */
static void bind_subnet(sqlite3_stmt *stmt, const struct store_ipam_subnet *s)
{
	char cidr[IPADDR_STRLEN + 4], gateway6[IPADDR_STRLEN], dns[DNS_TEXT_MAX];
	bool v4 = s->network.family == 4;
	struct ipaddr last;

	ipaddr_format_prefix(&s->network, s->prefix_len, cidr, sizeof(cidr));
	ipaddr_prefix_last(&s->network, s->prefix_len, &last);
	format_dns_text(s, dns, sizeof(dns));
	gateway6[0] = '\0';
	if (!v4 && s->has_gateway)
		ipaddr_format(&s->gateway, gateway6);

	sqlite3_bind_text(stmt, 1, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, s->network.family);
	/* IPv6 rows keep 0 in the IPv4 columns; the DHCPv4 server only reads family 4. */
	sqlite3_bind_int64(stmt, 3, v4 ? ipaddr_to_v4(&s->network) : 0);
	sqlite3_bind_int(stmt, 4, v4 ? s->prefix_len : 0);
	sqlite3_bind_text(stmt, 5, cidr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 6, v4 && s->has_gateway ? ipaddr_to_v4(&s->gateway) : 0);
	sqlite3_bind_text(stmt, 7, gateway6, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 8, dns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 9, s->domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 10, s->lease_time);
	sqlite3_bind_text(stmt, 11, s->interface, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 12, s->dhcp_enabled);
	if (s->vlan)
		sqlite3_bind_int(stmt, 13, s->vlan);
	else
		sqlite3_bind_null(stmt, 13);
	bind_key(stmt, 14, &s->network);
	bind_key(stmt, 15, &last);
}

int store_ipam_subnet_insert(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                             int64_t *ret_id, int64_t *ret_conflict_id)
{
	sqlite3_stmt *stmt;
	int64_t conflict;
	int r;

	r = subnet_overlap(tx, subnet, 0, &conflict);
	if (r < 0)
		return r;
	if (conflict) {
		if (ret_conflict_id)
			*ret_conflict_id = conflict;
		return -EADDRINUSE;
	}
	r = store_prepare(
	        tx->st,
	        "INSERT INTO subnets (name, family, network, prefix_len, cidr, gateway,"
	        " gateway6, dns, domain, lease_time, interface, dhcp_enabled, vlan,"
	        " first_key, last_key, created)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	        &stmt);
	if (r < 0)
		return r;
	bind_subnet(stmt, subnet);
	sqlite3_bind_int64(stmt, 16, store_now());
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	tx->dhcp_changed = true;
	return 0;
}

/* Counts rows of table (ranges or ip_addresses) of the subnet lying outside its new prefix. */
static int count_outside(struct store_txn *tx, const char *sql, const struct store_ipam_subnet *s,
                         int64_t *ret_count)
{
	struct ipaddr last;
	sqlite3_stmt *stmt;
	int r;

	ipaddr_prefix_last(&s->network, s->prefix_len, &last);
	r = store_prepare(tx->st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, s->id);
	bind_key(stmt, 2, &s->network);
	bind_key(stmt, 3, &last);
	return store_query_int(tx->st, stmt, ret_count);
}

int store_ipam_subnet_update(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                             int64_t expected_version, int64_t *ret_conflict_id)
{
	struct store_ipam_subnet old;
	int64_t conflict, outside_ranges, outside_addresses;
	sqlite3_stmt *stmt;
	int r;

	r = store_ipam_subnet_get(tx, subnet->id, &old);
	if (r < 0)
		return r;
	if (expected_version && old.version != expected_version)
		return -ESTALE;
	if (old.network.family != subnet->network.family)
		return -EINVAL;
	r = subnet_overlap(tx, subnet, subnet->id, &conflict);
	if (r < 0)
		return r;
	if (conflict) {
		if (ret_conflict_id)
			*ret_conflict_id = conflict;
		return -EADDRINUSE;
	}
	r = count_outside(tx,
	                  "SELECT COUNT(*) FROM ranges WHERE subnet_id = ?1"
	                  " AND (first_key < ?2 OR last_key > ?3)",
	                  subnet, &outside_ranges);
	if (r == 0)
		r = count_outside(tx,
		                  "SELECT COUNT(*) FROM ip_addresses WHERE subnet_id = ?1"
		                  " AND (key < ?2 OR key > ?3)",
		                  subnet, &outside_addresses);
	if (r < 0)
		return r;
	if (outside_ranges > 0 || outside_addresses > 0)
		return -ERANGE;

	r = store_prepare(
	        tx->st,
	        "UPDATE subnets SET name = ?1, family = ?2, network = ?3, prefix_len = ?4,"
	        " cidr = ?5, gateway = ?6, gateway6 = ?7, dns = ?8, domain = ?9,"
	        " lease_time = ?10, interface = ?11, dhcp_enabled = ?12, vlan = ?13,"
	        " first_key = ?14, last_key = ?15 WHERE id = ?16",
	        &stmt);
	if (r < 0)
		return r;
	bind_subnet(stmt, subnet);
	sqlite3_bind_int64(stmt, 16, subnet->id);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

int store_ipam_subnet_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	struct store_ipam_subnet old;
	sqlite3_stmt *stmt;
	int64_t addresses;
	int r;

	r = store_ipam_subnet_get(tx, id, &old);
	if (r < 0)
		return r;
	if (expected_version && old.version != expected_version)
		return -ESTALE;
	r = store_prepare(tx->st, "SELECT COUNT(*) FROM ip_addresses WHERE subnet_id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = store_query_int(tx->st, stmt, &addresses);
	if (r < 0)
		return r;
	if (addresses > 0)
		return -EBUSY;
	r = store_prepare(tx->st, "DELETE FROM subnets WHERE id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

/* Ranges */

#define RANGE_COLUMNS "id, subnet_id, first_key, last_key, kind, version"

static void read_range(sqlite3_stmt *stmt, void *elem)
{
	struct store_ipam_range *r = elem;
	const unsigned char *kind;

	r->id = sqlite3_column_int64(stmt, 0);
	r->subnet_id = sqlite3_column_int64(stmt, 1);
	read_key(stmt, 2, &r->first);
	read_key(stmt, 3, &r->last);
	kind = sqlite3_column_text(stmt, 4);
	r->kind = kind && strcmp((const char *)kind, "reserved") == 0 ? STORE_RANGE_RESERVED
	                                                              : STORE_RANGE_DYNAMIC;
	r->version = sqlite3_column_int64(stmt, 5);
}

struct range_where {
	int64_t subnet_id;
	int kind;
};

static void where_range(struct store_sql *q, const void *filter)
{
	const struct range_where *w = filter;

	if (w->subnet_id > 0) {
		store_sql_add(q, " AND subnet_id = ?");
		store_sql_int(q, w->subnet_id);
	}
	if (w->kind >= 0) {
		store_sql_add(q, " AND kind = ?");
		store_sql_text(q, w->kind == STORE_RANGE_RESERVED ? "reserved" : "dynamic");
	}
}

int store_ipam_range_list(struct store_txn *tx, int64_t subnet_id, int kind,
                          const struct store_page *page, struct store_ipam_range **ret_items,
                          size_t *ret_n, int64_t *ret_total)
{
	struct range_where w = { .subnet_id = subnet_id, .kind = kind };

	return store_list_page(tx, RANGE_COLUMNS, "ranges", NULL, "id", where_range, &w, page,
	                       sizeof(**ret_items), read_range, (void **)ret_items, ret_n,
	                       ret_total);
}

int store_ipam_range_get(struct store_txn *tx, int64_t id, struct store_ipam_range *ret)
{
	memset(ret, 0, sizeof(*ret));
	return get_by_id(tx, "SELECT " RANGE_COLUMNS " FROM ranges WHERE id = ?", id, read_range,
	                 ret);
}

/* Checks a range against its subnet and the subnet's other ranges. */
static int range_check(struct store_txn *tx, const struct store_ipam_range *rg,
                       int64_t *ret_conflict_id)
{
	struct store_ipam_subnet s;
	sqlite3_stmt *stmt;
	int64_t conflict;
	int r;

	r = store_ipam_subnet_get(tx, rg->subnet_id, &s);
	if (r < 0)
		return r;
	if (ipaddr_cmp(&rg->first, &rg->last) > 0 ||
	    !ipaddr_in_prefix(&rg->first, &s.network, s.prefix_len) ||
	    !ipaddr_in_prefix(&rg->last, &s.network, s.prefix_len))
		return -EINVAL;
	r = store_prepare(tx->st,
	                  "SELECT id FROM ranges WHERE subnet_id = ? AND id != ?"
	                  " AND first_key <= ? AND last_key >= ? ORDER BY first_key LIMIT 1",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rg->subnet_id);
	sqlite3_bind_int64(stmt, 2, rg->id);
	bind_key(stmt, 3, &rg->last);
	bind_key(stmt, 4, &rg->first);
	r = store_query_int(tx->st, stmt, &conflict);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (ret_conflict_id)
		*ret_conflict_id = conflict;
	return -EADDRINUSE;
}

/* Binds ?1..?6: subnet_id, first, last (IPv4 integers, 0 for IPv6), kind, first_key, last_key. */
static void bind_range(sqlite3_stmt *stmt, const struct store_ipam_range *rg)
{
	bool v4 = rg->first.family == 4;

	sqlite3_bind_int64(stmt, 1, rg->subnet_id);
	sqlite3_bind_int64(stmt, 2, v4 ? ipaddr_to_v4(&rg->first) : 0);
	sqlite3_bind_int64(stmt, 3, v4 ? ipaddr_to_v4(&rg->last) : 0);
	sqlite3_bind_text(stmt, 4, rg->kind == STORE_RANGE_RESERVED ? "reserved" : "dynamic", -1,
	                  SQLITE_STATIC);
	bind_key(stmt, 5, &rg->first);
	bind_key(stmt, 6, &rg->last);
}

int store_ipam_range_insert(struct store_txn *tx, const struct store_ipam_range *range,
                            int64_t *ret_id, int64_t *ret_conflict_id)
{
	struct store_ipam_range rg = *range;
	sqlite3_stmt *stmt;
	int r;

	rg.id = 0;
	r = range_check(tx, &rg, ret_conflict_id);
	if (r < 0)
		return r;
	r = store_prepare(tx->st,
	                  "INSERT INTO ranges (subnet_id, first, last, kind, first_key, last_key)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                  &stmt);
	if (r < 0)
		return r;
	bind_range(stmt, &rg);
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	tx->dhcp_changed = true;
	return 0;
}

int store_ipam_range_update(struct store_txn *tx, const struct store_ipam_range *range,
                            int64_t expected_version, int64_t *ret_conflict_id)
{
	struct store_ipam_range old;
	sqlite3_stmt *stmt;
	int r;

	r = store_ipam_range_get(tx, range->id, &old);
	if (r < 0)
		return r;
	if (expected_version && old.version != expected_version)
		return -ESTALE;
	r = range_check(tx, range, ret_conflict_id);
	if (r < 0)
		return r;
	r = store_prepare(tx->st,
	                  "UPDATE ranges SET subnet_id = ?1, first = ?2, last = ?3, kind = ?4,"
	                  " first_key = ?5, last_key = ?6 WHERE id = ?7",
	                  &stmt);
	if (r < 0)
		return r;
	bind_range(stmt, range);
	sqlite3_bind_int64(stmt, 7, range->id);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

int store_ipam_range_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "DELETE FROM ranges WHERE id = ?1 AND (?2 = 0 OR version = ?2)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, expected_version);
	r = step_guarded(tx, stmt, "ranges", id);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

/* IP addresses */

#define ADDRESS_COLUMNS                                                                           \
	"a.id, a.key, a.subnet_id, a.interface_id, a.kind, a.description, a.dns_name, a.created," \
	" a.version, i.machine_id, i.mac"
#define ADDRESS_FROM "ip_addresses a LEFT JOIN interfaces i ON i.id = a.interface_id"

static const char *const ip_kind_names[] = { "static", "sticky", "dhcp" };

static void read_address(sqlite3_stmt *stmt, void *elem)
{
	struct store_ip_address *a = elem;
	const unsigned char *text;

	a->id = sqlite3_column_int64(stmt, 0);
	read_key(stmt, 1, &a->address);
	a->subnet_id = sqlite3_column_int64(stmt, 2);
	a->interface_id = sqlite3_column_int64(stmt, 3);
	text = sqlite3_column_text(stmt, 4);
	a->kind = STORE_IP_STATIC;
	for (size_t k = 0; text && k < sizeof(ip_kind_names) / sizeof(ip_kind_names[0]); k++)
		if (strcmp((const char *)text, ip_kind_names[k]) == 0)
			a->kind = (enum store_ip_kind)k;
	store_copy_text(a->description, sizeof(a->description), stmt, 5);
	store_copy_text(a->dns_name, sizeof(a->dns_name), stmt, 6);
	a->created = sqlite3_column_int64(stmt, 7);
	a->version = sqlite3_column_int64(stmt, 8);
	a->machine_id = sqlite3_column_int64(stmt, 9);
	text = sqlite3_column_text(stmt, 10);
	a->has_mac = text && addr_parse_mac((const char *)text, a->mac) == 0;
}

struct address_where {
	const struct store_ip_filter *f;
	char key[IPADDR_KEYLEN];
	char mac[ADDR_MAC_STRLEN];
};

static void where_address(struct store_sql *q, const void *filter)
{
	const struct address_where *w = filter;
	const struct store_ip_filter *f = w->f;

	if (f->family) {
		store_sql_add(q, " AND a.family = ?");
		store_sql_int(q, f->family);
	}
	if (f->subnet_id > 0) {
		store_sql_add(q, " AND a.subnet_id = ?");
		store_sql_int(q, f->subnet_id);
	}
	if (f->range_id > 0) {
		store_sql_add(
		        q,
		        " AND EXISTS (SELECT 1 FROM ranges r WHERE r.id = ?"
		        " AND r.subnet_id = a.subnet_id AND a.key BETWEEN r.first_key AND r.last_key)");
		store_sql_int(q, f->range_id);
	}
	if (f->address) {
		store_sql_add(q, " AND a.family = ? AND a.key = ?");
		store_sql_int(q, f->address->family);
		store_sql_text(q, w->key);
	}
	if (f->kind >= 0 && (size_t)f->kind < sizeof(ip_kind_names) / sizeof(ip_kind_names[0])) {
		store_sql_add(q, " AND a.kind = ?");
		store_sql_text(q, ip_kind_names[f->kind]);
	}
	if (f->interface_id > 0) {
		store_sql_add(q, " AND a.interface_id = ?");
		store_sql_int(q, f->interface_id);
	}
	if (f->machine_id > 0) {
		store_sql_add(q, " AND i.machine_id = ?");
		store_sql_int(q, f->machine_id);
	}
	if (f->has_mac) {
		store_sql_add(q, " AND i.mac = ?");
		store_sql_text(q, w->mac);
	}
}

int store_ipam_address_list(struct store_txn *tx, const struct store_ip_filter *filter,
                            const struct store_page *page, struct store_ip_address **ret_items,
                            size_t *ret_n, int64_t *ret_total)
{
	struct address_where w = { .f = filter };
	/* The join only adds columns unless a filter reads the interface. */
	bool count_join = filter->machine_id > 0 || filter->has_mac;

	if (filter->address)
		ipaddr_key(filter->address, w.key);
	if (filter->has_mac)
		addr_format_mac(filter->mac, w.mac);
	return store_list_page(tx, ADDRESS_COLUMNS, ADDRESS_FROM,
	                       count_join ? NULL : "ip_addresses a", "a.id", where_address, &w,
	                       page, sizeof(**ret_items), read_address, (void **)ret_items, ret_n,
	                       ret_total);
}

int store_ipam_address_get(struct store_txn *tx, int64_t id, struct store_ip_address *ret)
{
	memset(ret, 0, sizeof(*ret));
	return get_by_id(tx, "SELECT " ADDRESS_COLUMNS " FROM " ADDRESS_FROM " WHERE a.id = ?", id,
	                 read_address, ret);
}

int store_ipam_address_find(struct store_txn *tx, const struct ipaddr *addr,
                            struct store_ip_address *ret)
{
	sqlite3_stmt *stmt;
	int r, rc;

	r = store_prepare(tx->st,
	                  "SELECT " ADDRESS_COLUMNS " FROM " ADDRESS_FROM
	                  " WHERE a.family = ? AND a.key = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, addr->family);
	bind_key(stmt, 2, addr);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		read_address(stmt, ret);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	}
	sqlite3_finalize(stmt);
	return r;
}

int store_ipam_address_insert(struct store_txn *tx, const struct store_ip_address *ip,
                              int64_t *ret_id)
{
	char text[IPADDR_STRLEN];
	sqlite3_stmt *stmt;
	int r;

	ipaddr_format(&ip->address, text);
	r = store_prepare(
	        tx->st,
	        "INSERT INTO ip_addresses (address, family, subnet_id, interface_id, kind,"
	        " key, description, dns_name, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, ip->address.family);
	sqlite3_bind_int64(stmt, 3, ip->subnet_id);
	if (ip->interface_id > 0)
		sqlite3_bind_int64(stmt, 4, ip->interface_id);
	else
		sqlite3_bind_null(stmt, 4);
	sqlite3_bind_text(stmt, 5, ip_kind_names[ip->kind], -1, SQLITE_STATIC);
	bind_key(stmt, 6, &ip->address);
	sqlite3_bind_text(stmt, 7, ip->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 8, ip->dns_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 9, store_now());
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	tx->dhcp_changed = true;
	return 0;
}

int store_ipam_address_update(struct store_txn *tx, const struct store_ip_address *ip,
                              int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE ip_addresses SET interface_id = ?1, kind = ?2, description = ?3,"
	                  " dns_name = ?4 WHERE id = ?5 AND (?6 = 0 OR version = ?6)",
	                  &stmt);
	if (r < 0)
		return r;
	if (ip->interface_id > 0)
		sqlite3_bind_int64(stmt, 1, ip->interface_id);
	else
		sqlite3_bind_null(stmt, 1);
	sqlite3_bind_text(stmt, 2, ip_kind_names[ip->kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ip->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, ip->dns_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, ip->id);
	sqlite3_bind_int64(stmt, 6, expected_version);
	r = step_guarded(tx, stmt, "ip_addresses", ip->id);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

int store_ipam_address_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "DELETE FROM ip_addresses WHERE id = ?1 AND (?2 = 0 OR version = ?2)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, expected_version);
	r = step_guarded(tx, stmt, "ip_addresses", id);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

/* Allocation and utilisation */

#define LEASE_HOLDS_ADDRESS "state IN (1, 3) AND expires > ?"

/* Walks the used addresses of one table from a start address upwards. */
struct used_cursor {
	sqlite3_stmt *stmt;
	bool is_lease; /* rows are IPv4 integers rather than keys */
	bool done;
	bool valid;
	struct ipaddr cur;
};

static int cursor_step(struct store *st, struct used_cursor *c)
{
	int rc = sqlite3_step(c->stmt);

	if (rc == SQLITE_DONE) {
		c->done = true;
		c->valid = false;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return store_db_error(st, rc);
	if (c->is_lease)
		ipaddr_from_v4((uint32_t)sqlite3_column_int64(c->stmt, 0), &c->cur);
	else
		read_key(c->stmt, 0, &c->cur);
	c->valid = true;
	return 0;
}

/* Advances c to the first row >= addr; *ret_hit is true when that row is addr. */
static int cursor_seek(struct store *st, struct used_cursor *c, const struct ipaddr *addr,
                       bool *ret_hit)
{
	int r;

	while (!c->done && (!c->valid || ipaddr_cmp(&c->cur, addr) < 0)) {
		r = cursor_step(st, c);
		if (r < 0)
			return r;
	}
	*ret_hit = c->valid && ipaddr_cmp(&c->cur, addr) == 0;
	return 0;
}

static int open_cursors(struct store_txn *tx, const struct ipaddr *lo, const struct ipaddr *hi,
                        int64_t now, struct used_cursor *ips, struct used_cursor *leases)
{
	int r;

	r = store_prepare(tx->st,
	                  "SELECT key FROM ip_addresses WHERE family = ? AND key >= ? AND key <= ?"
	                  " ORDER BY key",
	                  &ips->stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(ips->stmt, 1, lo->family);
	bind_key(ips->stmt, 2, lo);
	bind_key(ips->stmt, 3, hi);
	if (lo->family != 4) {
		leases->done = true;
		return 0;
	}
	leases->is_lease = true;
	r = store_prepare(
	        tx->st,
	        "SELECT address FROM leases WHERE address >= ? AND address <= ? AND " LEASE_HOLDS_ADDRESS
	        " ORDER BY address",
	        &leases->stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(leases->stmt, 1, ipaddr_to_v4(lo));
	sqlite3_bind_int64(leases->stmt, 2, ipaddr_to_v4(hi));
	sqlite3_bind_int64(leases->stmt, 3, now);
	return 0;
}

/* If addr lies in one of ranges, moves it to that range's last address and returns true. */
static bool skip_range(const struct store_ipam_range *ranges, size_t n, struct ipaddr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (ipaddr_cmp(addr, &ranges[i].first) >= 0 &&
		    ipaddr_cmp(addr, &ranges[i].last) <= 0) {
			*addr = ranges[i].last;
			return true;
		}
	}
	return false;
}

/* Scans [lo, hi] for the first address not used and not excluded. */
static int scan_free(struct store_txn *tx, const struct store_ipam_subnet *s,
                     const struct ipaddr *lo, const struct ipaddr *hi,
                     const struct store_ipam_range *excluded, size_t n_excluded, int64_t now,
                     struct ipaddr *ret_addr)
{
	struct used_cursor ips = { 0 }, leases = { 0 };
	struct ipaddr c = *lo;
	bool hit;
	int r;

	r = open_cursors(tx, lo, hi, now, &ips, &leases);
	while (r == 0) {
		if (ipaddr_cmp(&c, hi) > 0) {
			r = -ENOSPC;
			break;
		}
		hit = (s->has_gateway && ipaddr_cmp(&c, &s->gateway) == 0) ||
		      skip_range(excluded, n_excluded, &c);
		if (!hit)
			r = cursor_seek(tx->st, &ips, &c, &hit);
		if (r == 0 && !hit)
			r = cursor_seek(tx->st, &leases, &c, &hit);
		if (r < 0)
			break;
		if (!hit) {
			*ret_addr = c;
			break;
		}
		if (!ipaddr_increment(&c))
			r = -ENOSPC;
	}
	sqlite3_finalize(ips.stmt);
	sqlite3_finalize(leases.stmt);
	return r;
}

int store_ipam_next_free(struct store_txn *tx, int64_t subnet_id, int64_t range_id, int64_t now,
                         struct ipaddr *ret_addr)
{
	struct store_ipam_range *ranges = NULL, range;
	struct store_page all = { .limit = INT64_MAX };
	struct store_ipam_subnet s;
	struct ipaddr lo, hi;
	size_t n_ranges = 0;
	int64_t total;
	int r;

	if (range_id > 0) {
		r = store_ipam_range_get(tx, range_id, &range);
		if (r < 0)
			return r;
		subnet_id = range.subnet_id;
	}
	r = store_ipam_subnet_get(tx, subnet_id, &s);
	if (r < 0)
		return r;
	ipaddr_host_bounds(&s.network, s.prefix_len, &lo, &hi);
	if (range_id > 0) {
		if (ipaddr_cmp(&range.first, &lo) > 0)
			lo = range.first;
		if (ipaddr_cmp(&range.last, &hi) < 0)
			hi = range.last;
	} else {
		r = store_ipam_range_list(tx, subnet_id, -1, &all, &ranges, &n_ranges, &total);
		if (r < 0)
			return r;
	}
	r = scan_free(tx, &s, &lo, &hi, ranges, n_ranges, now, ret_addr);
	free(ranges);
	return r;
}

/* Counts used addresses in [lo, hi]: recorded ones plus unexpired leases not recorded. */
static int count_used(struct store_txn *tx, const struct ipaddr *lo, const struct ipaddr *hi,
                      int64_t now, uint64_t *ret_used)
{
	int64_t recorded, leased = 0;
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(
	        tx->st,
	        "SELECT COUNT(*) FROM ip_addresses WHERE family = ? AND key BETWEEN ? AND ?",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, lo->family);
	bind_key(stmt, 2, lo);
	bind_key(stmt, 3, hi);
	r = store_query_int(tx->st, stmt, &recorded);
	if (r < 0)
		return r;
	if (lo->family == 4) {
		r = store_prepare(
		        tx->st,
		        "SELECT COUNT(*) FROM leases l WHERE l.address BETWEEN ? AND ? AND " LEASE_HOLDS_ADDRESS
		        " AND NOT EXISTS (SELECT 1 FROM ip_addresses a"
		        " WHERE a.family = 4 AND a.key ="
		        " printf('00000000000000000000ffff%08x', l.address))",
		        &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_int64(stmt, 1, ipaddr_to_v4(lo));
		sqlite3_bind_int64(stmt, 2, ipaddr_to_v4(hi));
		sqlite3_bind_int64(stmt, 3, now);
		r = store_query_int(tx->st, stmt, &leased);
		if (r < 0)
			return r;
	}
	*ret_used = (uint64_t)recorded + (uint64_t)leased;
	return 0;
}

int store_ipam_subnet_usage(struct store_txn *tx, const struct store_ipam_subnet *subnet,
                            int64_t now, struct store_ipam_usage *ret)
{
	struct ipaddr lo, hi;
	uint64_t used;
	int r;

	ipaddr_host_bounds(&subnet->network, subnet->prefix_len, &lo, &hi);
	r = count_used(tx, &lo, &hi, now, &used);
	if (r < 0)
		return r;
	/* The gateway is in use even when no row records it. */
	if (subnet->has_gateway && ipaddr_cmp(&subnet->gateway, &lo) >= 0 &&
	    ipaddr_cmp(&subnet->gateway, &hi) <= 0) {
		uint64_t gateway_rows;

		r = count_used(tx, &subnet->gateway, &subnet->gateway, now, &gateway_rows);
		if (r < 0)
			return r;
		if (gateway_rows == 0)
			used++;
	}
	ret->size = ipaddr_span(&lo, &hi);
	ret->used = used;
	return 0;
}

int store_ipam_range_usage(struct store_txn *tx, const struct store_ipam_range *range, int64_t now,
                           struct store_ipam_usage *ret)
{
	uint64_t used;
	int r;

	r = count_used(tx, &range->first, &range->last, now, &used);
	if (r < 0)
		return r;
	ret->size = ipaddr_span(&range->first, &range->last);
	ret->used = used;
	return 0;
}

/* Leases */

#define LEASE_COLUMNS "address, subnet_id, client_id, mac, hostname, expires, updated, state"

static void read_lease(sqlite3_stmt *stmt, void *elem)
{
	struct store_lease *l = elem;
	const unsigned char *mac;
	int len;

	l->address = (uint32_t)sqlite3_column_int64(stmt, 0);
	l->subnet_id = sqlite3_column_int64(stmt, 1);
	len = sqlite3_column_bytes(stmt, 2);
	if (len > STORE_CLIENT_ID_MAX)
		len = STORE_CLIENT_ID_MAX;
	if (len > 0)
		memcpy(l->client_id, sqlite3_column_blob(stmt, 2), (size_t)len);
	l->client_id_len = (uint8_t)len;
	mac = sqlite3_column_text(stmt, 3);
	if (mac == NULL || addr_parse_mac((const char *)mac, l->mac) < 0)
		memset(l->mac, 0, sizeof(l->mac));
	store_copy_text(l->hostname, sizeof(l->hostname), stmt, 4);
	l->expires = sqlite3_column_int64(stmt, 5);
	l->updated = sqlite3_column_int64(stmt, 6);
	l->state = (enum store_lease_state)sqlite3_column_int(stmt, 7);
}

struct lease_where {
	const struct store_lease_filter *f;
	char mac[ADDR_MAC_STRLEN];
};

static void where_lease(struct store_sql *q, const void *filter)
{
	const struct lease_where *w = filter;
	const struct store_lease_filter *f = w->f;

	if (f->has_mac) {
		store_sql_add(q, " AND mac = ?");
		store_sql_text(q, w->mac);
	}
	if (f->subnet_id > 0) {
		store_sql_add(q, " AND subnet_id = ?");
		store_sql_int(q, f->subnet_id);
	}
	if (f->has_address) {
		store_sql_add(q, " AND address = ?");
		store_sql_int(q, f->address);
	}
	if (f->state > 0) {
		store_sql_add(q, " AND state = ?");
		store_sql_int(q, f->state);
	}
	if (f->hostname) {
		store_sql_add(q, " AND hostname = ?");
		store_sql_text(q, f->hostname);
	}
	if (f->active == 1) {
		store_sql_add(q, " AND state = 1 AND expires > ?");
		store_sql_int(q, f->now);
	} else if (f->active == 0) {
		store_sql_add(q, " AND NOT (state = 1 AND expires > ?)");
		store_sql_int(q, f->now);
	}
}

int store_ipam_lease_list(struct store_txn *tx, const struct store_lease_filter *filter,
                          const struct store_page *page, struct store_lease **ret_items,
                          size_t *ret_n, int64_t *ret_total)
{
	struct lease_where w = { .f = filter };

	if (filter->has_mac)
		addr_format_mac(filter->mac, w.mac);
	return store_list_page(tx, LEASE_COLUMNS, "leases", NULL, "address", where_lease, &w, page,
	                       sizeof(**ret_items), read_lease, (void **)ret_items, ret_n,
	                       ret_total);
}

int store_ipam_lease_get(struct store_txn *tx, uint32_t address, struct store_lease *ret)
{
	memset(ret, 0, sizeof(*ret));
	return get_by_id(tx, "SELECT " LEASE_COLUMNS " FROM leases WHERE address = ?", address,
	                 read_lease, ret);
}

int store_ipam_lease_delete(struct store_txn *tx, uint32_t address)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "DELETE FROM leases WHERE address = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, address);
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	if (sqlite3_changes(tx->st->db) == 0)
		return -ENOENT;
	/* The DHCP view holds the lease in memory; the bump makes it reload without it. */
	tx->dhcp_changed = true;
	return 0;
}

/* Reservations */

#define RESERVATION_QUERY                                                  \
	"SELECT a.key, a.subnet_id, i.mac, m.hostname FROM ip_addresses a" \
	" LEFT JOIN interfaces i ON i.id = a.interface_id"                 \
	" LEFT JOIN machines m ON m.id = i.machine_id"                     \
	" WHERE a.family = 4 AND a.kind IN ('static', 'sticky')"

static void read_reservation(sqlite3_stmt *stmt, void *elem)
{
	struct store_reservation *r = elem;
	const unsigned char *mac;
	struct ipaddr a;

	read_key(stmt, 0, &a);
	r->address = ipaddr_to_v4(&a);
	r->subnet_id = sqlite3_column_int64(stmt, 1);
	mac = sqlite3_column_text(stmt, 2);
	r->has_mac = mac && addr_parse_mac((const char *)mac, r->mac) == 0;
	store_copy_text(r->hostname, sizeof(r->hostname), stmt, 3);
}

int store_reservation_list(struct store *st, struct store_reservation **ret_items, size_t *ret_n)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = store_prepare(st, RESERVATION_QUERY " ORDER BY a.key", &stmt);
	if (r == 0)
		r = store_collect(st, stmt, sizeof(**ret_items), read_reservation,
		                  (void **)ret_items, ret_n);
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_reservation_find(struct store *st, const uint8_t mac[ADDR_MAC_LEN], int64_t subnet_id,
                           struct store_reservation *ret)
{
	char text[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r, rc;

	addr_format_mac(mac, text);
	pthread_mutex_lock(&st->lock);
	r = store_prepare(st,
	                  RESERVATION_QUERY " AND i.mac = ?1 AND (?2 = 0 OR a.subnet_id = ?2)"
	                                    " ORDER BY a.key LIMIT 1",
	                  &stmt);
	if (r == 0) {
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, subnet_id);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			memset(ret, 0, sizeof(*ret));
			read_reservation(stmt, ret);
		} else {
			r = rc == SQLITE_DONE ? -ENOENT : store_db_error(st, rc);
		}
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}
