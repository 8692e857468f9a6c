/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-inventory -- SQLite implementation of sites, racks, tags, machines,
 * interfaces, events and API tokens. Callers hold a transaction
 * (store-sql.c), so these functions neither lock nor begin.
 */
#include "store/store-inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

/* Binds an id column that is NULL when the id is 0. */
static void bind_id_or_null(sqlite3_stmt *stmt, int idx, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(stmt, idx, id);
	else
		sqlite3_bind_null(stmt, idx);
}

/*
 * Runs an UPDATE or DELETE of one row guarded by "AND (?v = 0 OR version =
 * ?v)" and returns -ENOENT or -ESTALE when it changed nothing.
 */
static int step_guarded(struct store_txn *tx, sqlite3_stmt *stmt, const char *table, int64_t id)
{
	struct store *st = tx->st;
	int r;

	r = store_step_done(st, stmt);
	if (r < 0)
		return r;
	if (sqlite3_changes(st->db) == 0)
		return store_row_missing_or_stale(st, table, id);
	return 0;
}

/* Deletes table row id when its version matches (expected_version 0: any). */
static int delete_guarded(struct store_txn *tx, const char *table, int64_t id,
                          int64_t expected_version)
{
	char sql[128];
	sqlite3_stmt *stmt;
	int r;

	(void)snprintf(sql, sizeof(sql),
	               "DELETE FROM %s WHERE id = ?1 AND (?2 = 0 OR version = ?2)", table);
	r = store_prepare(tx->st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, expected_version);
	return step_guarded(tx, stmt, table, id);
}

/* Runs a one-row SELECT by id and reads it with read_row; -ENOENT when absent. */
static int get_one(struct store_txn *tx, const char *sql, int64_t id,
                   void (*read_row)(sqlite3_stmt *stmt, void *elem), void *ret)
{
	sqlite3_stmt *stmt;
	int r, rc;

	r = store_prepare(tx->st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		read_row(stmt, ret);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	sqlite3_finalize(stmt);
	return r;
}

/* Sites */

#define SITE_COLUMNS "id, name, description, version"

static void read_site(sqlite3_stmt *stmt, void *elem)
{
	struct store_site *s = elem;

	s->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(s->name, sizeof(s->name), stmt, 1);
	store_copy_text(s->description, sizeof(s->description), stmt, 2);
	s->version = sqlite3_column_int64(stmt, 3);
}

static void where_name(struct store_sql *q, const void *filter)
{
	const char *name = filter;

	if (name) {
		store_sql_add(q, " AND name = ?");
		store_sql_text(q, name);
	}
}

int store_site_list(struct store_txn *tx, const char *name, const struct store_page *page,
                    struct store_site **ret_sites, size_t *ret_n, int64_t *ret_total)
{
	return store_list_page(tx, SITE_COLUMNS, "sites", NULL, "id", where_name, name, page,
	                       sizeof(**ret_sites), read_site, (void **)ret_sites, ret_n,
	                       ret_total);
}

int store_site_get(struct store_txn *tx, int64_t id, struct store_site *ret_site)
{
	return get_one(tx, "SELECT " SITE_COLUMNS " FROM sites WHERE id = ?", id, read_site,
	               ret_site);
}

int store_site_insert(struct store_txn *tx, const struct store_site *site, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "INSERT INTO sites (name, description) VALUES (?, ?)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, site->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, site->description, -1, SQLITE_TRANSIENT);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	return r;
}

int store_site_update(struct store_txn *tx, const struct store_site *site, int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE sites SET name = ?1, description = ?2"
	                  " WHERE id = ?3 AND (?4 = 0 OR version = ?4)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, site->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, site->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, site->id);
	sqlite3_bind_int64(stmt, 4, expected_version);
	return step_guarded(tx, stmt, "sites", site->id);
}

/* Counts rows of "SELECT COUNT(*) ..." with one id argument. */
static int count_by_id(struct store_txn *tx, const char *sql, int64_t id, int64_t *ret_count)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	return store_query_int(tx->st, stmt, ret_count);
}

int store_site_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	int64_t racks;
	int r;

	r = count_by_id(tx, "SELECT COUNT(*) FROM racks WHERE site_id = ?", id, &racks);
	if (r < 0)
		return r;
	if (racks > 0) {
		struct store_site s;

		r = store_site_get(tx, id, &s);
		if (r < 0)
			return r;
		if (expected_version && s.version != expected_version)
			return -ESTALE;
		return -EBUSY;
	}
	return delete_guarded(tx, "sites", id, expected_version);
}

/* Racks */

#define RACK_COLUMNS "id, site_id, name, description, height, version"

static void read_rack(sqlite3_stmt *stmt, void *elem)
{
	struct store_rack *r = elem;

	r->id = sqlite3_column_int64(stmt, 0);
	r->site_id = sqlite3_column_int64(stmt, 1);
	store_copy_text(r->name, sizeof(r->name), stmt, 2);
	store_copy_text(r->description, sizeof(r->description), stmt, 3);
	r->height = (uint32_t)sqlite3_column_int64(stmt, 4);
	r->version = sqlite3_column_int64(stmt, 5);
}

struct rack_filter {
	int64_t site_id;
	const char *name;
};

static void where_rack(struct store_sql *q, const void *filter)
{
	const struct rack_filter *f = filter;

	if (f->site_id > 0) {
		store_sql_add(q, " AND site_id = ?");
		store_sql_int(q, f->site_id);
	}
	where_name(q, f->name);
}

int store_rack_list(struct store_txn *tx, int64_t site_id, const char *name,
                    const struct store_page *page, struct store_rack **ret_racks, size_t *ret_n,
                    int64_t *ret_total)
{
	struct rack_filter f = { .site_id = site_id, .name = name };

	return store_list_page(tx, RACK_COLUMNS, "racks", NULL, "id", where_rack, &f, page,
	                       sizeof(**ret_racks), read_rack, (void **)ret_racks, ret_n,
	                       ret_total);
}

int store_rack_get(struct store_txn *tx, int64_t id, struct store_rack *ret_rack)
{
	return get_one(tx, "SELECT " RACK_COLUMNS " FROM racks WHERE id = ?", id, read_rack,
	               ret_rack);
}

int store_rack_insert(struct store_txn *tx, const struct store_rack *rack, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(
	        tx->st,
	        "INSERT INTO racks (site_id, name, description, height) VALUES (?, ?, ?, ?)",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rack->site_id);
	sqlite3_bind_text(stmt, 2, rack->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, rack->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, rack->height);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	return r;
}

int store_rack_update(struct store_txn *tx, const struct store_rack *rack, int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int64_t above;
	int r;

	r = store_prepare(
	        tx->st, "SELECT COUNT(*) FROM machines WHERE rack_id = ? AND position > ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rack->id);
	sqlite3_bind_int64(stmt, 2, rack->height);
	r = store_query_int(tx->st, stmt, &above);
	if (r < 0)
		return r;

	r = store_prepare(tx->st,
	                  "UPDATE racks SET site_id = ?1, name = ?2, description = ?3, height = ?4"
	                  " WHERE id = ?5 AND (?6 = 0 OR version = ?6)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rack->site_id);
	sqlite3_bind_text(stmt, 2, rack->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, rack->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, rack->height);
	sqlite3_bind_int64(stmt, 5, rack->id);
	sqlite3_bind_int64(stmt, 6, expected_version);
	r = step_guarded(tx, stmt, "racks", rack->id);
	if (r < 0)
		return r;
	if (above > 0)
		return -ERANGE;

	/* Machines in a rack stand on the rack's site. */
	r = store_prepare(
	        tx->st, "UPDATE machines SET site_id = ?1 WHERE rack_id = ?2 AND site_id IS NOT ?1",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rack->site_id);
	sqlite3_bind_int64(stmt, 2, rack->id);
	return store_step_done(tx->st, stmt);
}

int store_rack_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	struct store_rack rack;
	sqlite3_stmt *stmt;
	int r;

	r = store_rack_get(tx, id, &rack);
	if (r < 0)
		return r;
	if (expected_version && rack.version != expected_version)
		return -ESTALE;
	r = store_prepare(tx->st,
	                  "UPDATE machines SET rack_id = NULL, position = NULL WHERE rack_id = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	return delete_guarded(tx, "racks", id, 0);
}

/* Tags */

#define TAG_COLUMNS              \
	"id, name, description," \
	" (SELECT COUNT(*) FROM machine_tags mt WHERE mt.tag_id = tags.id), version"

static void read_tag(sqlite3_stmt *stmt, void *elem)
{
	struct store_tag *t = elem;

	t->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(t->name, sizeof(t->name), stmt, 1);
	store_copy_text(t->description, sizeof(t->description), stmt, 2);
	t->n_machines = sqlite3_column_int64(stmt, 3);
	t->version = sqlite3_column_int64(stmt, 4);
}

int store_tag_list(struct store_txn *tx, const char *name, const struct store_page *page,
                   struct store_tag **ret_tags, size_t *ret_n, int64_t *ret_total)
{
	return store_list_page(tx, TAG_COLUMNS, "tags", NULL, "id", where_name, name, page,
	                       sizeof(**ret_tags), read_tag, (void **)ret_tags, ret_n, ret_total);
}

int store_tag_get(struct store_txn *tx, int64_t id, struct store_tag *ret_tag)
{
	return get_one(tx, "SELECT " TAG_COLUMNS " FROM tags WHERE id = ?", id, read_tag, ret_tag);
}

int store_tag_insert(struct store_txn *tx, const struct store_tag *tag, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "INSERT INTO tags (name, description) VALUES (?, ?)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, tag->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, tag->description, -1, SQLITE_TRANSIENT);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	return r;
}

int store_tag_update(struct store_txn *tx, const struct store_tag *tag, int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE tags SET name = ?1, description = ?2"
	                  " WHERE id = ?3 AND (?4 = 0 OR version = ?4)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, tag->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, tag->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, tag->id);
	sqlite3_bind_int64(stmt, 4, expected_version);
	r = step_guarded(tx, stmt, "tags", tag->id);
	if (r < 0)
		return r;
	/* A rename changes the representation of every machine carrying the tag. */
	r = store_prepare(tx->st,
	                  "UPDATE machines SET version = version + 1"
	                  " WHERE id IN (SELECT machine_id FROM machine_tags WHERE tag_id = ?)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, tag->id);
	return store_step_done(tx->st, stmt);
}

int store_tag_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	return delete_guarded(tx, "tags", id, expected_version);
}

/* Machines */

#define MACHINE_INFO_COLUMNS                                                                      \
	"m.id, i.mac, m.hostname, m.state, m.arch, m.firmware, m.uuid, m.first_address,"          \
	" m.first_seen, m.reported_at, m.cpu_count, m.memory_bytes, m.site_id, m.rack_id,"        \
	" m.position, m.version,"                                                                 \
	" (SELECT group_concat(t.name, ',') FROM machine_tags mt JOIN tags t ON t.id = mt.tag_id" \
	"  WHERE mt.machine_id = m.id)"

/* The booting interface is the one flagged pxe (at most one per machine). */
#define MACHINE_INFO_FROM "machines m LEFT JOIN interfaces i ON i.machine_id = m.id AND i.pxe = 1"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the comma-separated names in text, in place. */
static void sort_tag_text(char *text, size_t size)
{
	char copy[STORE_TAGS_TEXT_MAX], *names[STORE_MACHINE_TAGS_MAX], *save = NULL;
	size_t n = 0, off = 0;

	(void)snprintf(copy, sizeof(copy), "%s", text);
	for (char *t = strtok_r(copy, ",", &save); t && n < STORE_MACHINE_TAGS_MAX;
	     t = strtok_r(NULL, ",", &save))
		names[n++] = t;
	qsort(names, n, sizeof(names[0]), compare_names);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(text + off, size - off, "%s%s", i ? "," : "", names[i]);

		if (w < 0 || (size_t)w >= size - off)
			break;
		off += (size_t)w;
	}
}

static void read_machine_info(sqlite3_stmt *stmt, void *elem)
{
	struct store_machine_info *info = elem;
	struct store_machine *m = &info->m;
	const unsigned char *mac;

	m->id = sqlite3_column_int64(stmt, 0);
	mac = sqlite3_column_text(stmt, 1);
	if (mac)
		(void)addr_parse_mac((const char *)mac, m->mac);
	store_copy_text(m->hostname, sizeof(m->hostname), stmt, 2);
	store_copy_text(m->state, sizeof(m->state), stmt, 3);
	store_copy_text(m->arch, sizeof(m->arch), stmt, 4);
	store_copy_text(m->firmware, sizeof(m->firmware), stmt, 5);
	store_copy_text(m->uuid, sizeof(m->uuid), stmt, 6);
	m->first_address = (uint32_t)sqlite3_column_int64(stmt, 7);
	m->first_seen = sqlite3_column_int64(stmt, 8);
	m->reported_at = sqlite3_column_int64(stmt, 9);
	m->cpu_count = (uint32_t)sqlite3_column_int64(stmt, 10);
	m->memory_bytes = (uint64_t)sqlite3_column_int64(stmt, 11);
	info->site_id = sqlite3_column_int64(stmt, 12);
	info->rack_id = sqlite3_column_int64(stmt, 13);
	info->position = (uint32_t)sqlite3_column_int64(stmt, 14);
	info->version = sqlite3_column_int64(stmt, 15);
	store_copy_text(info->tags, sizeof(info->tags), stmt, 16);
	sort_tag_text(info->tags, sizeof(info->tags));
}

/* Adds "AND column = ?" for an id, or matches the name through a subquery. */
static void where_id_or_name(struct store_sql *q, const char *column, const char *table,
                             const char *value)
{
	store_sql_add(q, " AND ");
	store_sql_add(q, column);
	if (store_is_id(value)) {
		store_sql_add(q, " = ?");
		store_sql_int(q, strtoll(value, NULL, 10));
	} else {
		store_sql_add(q, " IN (SELECT id FROM ");
		store_sql_add(q, table);
		store_sql_add(q, " WHERE name = ?)");
		store_sql_text(q, value);
	}
}

static void where_machine_address(struct store_sql *q, const struct store_machine_filter *f)
{
	store_sql_add(q, " AND (m.id IN (SELECT i2.machine_id FROM ip_addresses a"
	                 " JOIN interfaces i2 ON i2.id = a.interface_id"
	                 " WHERE a.family = ? AND a.key = ?)");
	store_sql_int(q, f->has_v4_address ? 4 : 6);
	store_sql_text(q, f->address_key);
	if (f->has_v4_address) {
		store_sql_add(q, " OR m.id IN (SELECT i2.machine_id FROM leases l"
		                 " JOIN interfaces i2 ON i2.mac = l.mac WHERE l.address = ?)"
		                 " OR m.first_address = ?");
		store_sql_int(q, f->v4_address);
		store_sql_int(q, f->v4_address);
	}
	store_sql_add(q, ")");
}

/* A filter with the text form of its MAC, which the statement borrows until it is bound. */
struct mac_where {
	const void *f;
	char mac[ADDR_MAC_STRLEN];
};

static void where_machine(struct store_sql *q, const void *filter)
{
	const struct mac_where *w = filter;
	const struct store_machine_filter *f = w->f;

	if (f->has_mac) {
		store_sql_add(q, " AND m.id IN (SELECT machine_id FROM interfaces WHERE mac = ?)");
		store_sql_text(q, w->mac);
	}
	if (f->hostname) {
		store_sql_add(q, " AND m.hostname = ?");
		store_sql_text(q, f->hostname);
	}
	if (f->state) {
		store_sql_add(q, " AND m.state = ?");
		store_sql_text(q, f->state);
	}
	if (f->tag) {
		store_sql_add(q, " AND m.id IN (SELECT mt.machine_id FROM machine_tags mt"
		                 " JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?)");
		store_sql_text(q, f->tag);
	}
	if (f->site)
		where_id_or_name(q, "m.site_id", "sites", f->site);
	if (f->rack)
		where_id_or_name(q, "m.rack_id", "racks", f->rack);
	if (f->subnet_id > 0) {
		store_sql_add(q,
		              " AND (m.id IN (SELECT i2.machine_id FROM ip_addresses a"
		              " JOIN interfaces i2 ON i2.id = a.interface_id WHERE a.subnet_id = ?)"
		              " OR m.id IN (SELECT i2.machine_id FROM leases l"
		              " JOIN interfaces i2 ON i2.mac = l.mac WHERE l.subnet_id = ?))");
		store_sql_int(q, f->subnet_id);
		store_sql_int(q, f->subnet_id);
	}
	if (f->address_key)
		where_machine_address(q, f);
}

int store_machine_info_list(struct store_txn *tx, const struct store_machine_filter *filter,
                            const struct store_page *page, struct store_machine_info **ret_machines,
                            size_t *ret_n, int64_t *ret_total)
{
	struct mac_where w = { .f = filter };

	if (filter->has_mac)
		addr_format_mac(filter->mac, w.mac);
	return store_list_page(tx, MACHINE_INFO_COLUMNS, MACHINE_INFO_FROM, "machines m", "m.id",
	                       where_machine, &w, page, sizeof(**ret_machines), read_machine_info,
	                       (void **)ret_machines, ret_n, ret_total);
}

int store_machine_info_get(struct store_txn *tx, int64_t id, struct store_machine_info *ret)
{
	return get_one(tx,
	               "SELECT " MACHINE_INFO_COLUMNS " FROM " MACHINE_INFO_FROM " WHERE m.id = ?",
	               id, read_machine_info, ret);
}

int store_machine_find_hostname(struct store_txn *tx, const char *hostname, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "SELECT id FROM machines WHERE hostname = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, hostname, -1, SQLITE_TRANSIENT);
	return store_query_int(tx->st, stmt, ret_id);
}

int store_machine_find_position(struct store_txn *tx, int64_t rack_id, uint32_t position,
                                int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "SELECT id FROM machines WHERE rack_id = ? AND position = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rack_id);
	sqlite3_bind_int64(stmt, 2, position);
	return store_query_int(tx->st, stmt, ret_id);
}

/* Binds ?1..?8: hostname, state, arch, firmware, uuid, site, rack, position. */
static void bind_machine(sqlite3_stmt *stmt, const struct store_machine_info *info)
{
	sqlite3_bind_text(stmt, 1, info->m.hostname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, info->m.state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, info->m.arch, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, info->m.firmware, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 5, info->m.uuid, -1, SQLITE_TRANSIENT);
	bind_id_or_null(stmt, 6, info->site_id);
	bind_id_or_null(stmt, 7, info->rack_id);
	bind_id_or_null(stmt, 8, info->position);
}

int store_machine_insert(struct store_txn *tx, const struct store_machine_info *info, bool has_mac,
                         int64_t *ret_id)
{
	struct store_interface iface = { .pxe = true };
	sqlite3_stmt *stmt;
	int64_t id, iface_id;
	int r;

	r = store_prepare(
	        tx->st,
	        "INSERT INTO machines (hostname, state, arch, firmware, uuid, site_id,"
	        " rack_id, position, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	        &stmt);
	if (r < 0)
		return r;
	bind_machine(stmt, info);
	sqlite3_bind_int64(stmt, 9, store_now());
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	id = sqlite3_last_insert_rowid(tx->st->db);
	if (has_mac) {
		iface.machine_id = id;
		memcpy(iface.mac, info->m.mac, sizeof(iface.mac));
		r = store_interface_insert(tx, &iface, &iface_id);
		if (r < 0)
			return r;
	}
	*ret_id = id;
	return 0;
}

int store_machine_update(struct store_txn *tx, const struct store_machine_info *info,
                         int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE machines SET hostname = ?1, state = ?2, arch = ?3, firmware = ?4,"
	                  " uuid = ?5, site_id = ?6, rack_id = ?7, position = ?8"
	                  " WHERE id = ?9 AND (?10 = 0 OR version = ?10)",
	                  &stmt);
	if (r < 0)
		return r;
	bind_machine(stmt, info);
	sqlite3_bind_int64(stmt, 9, info->m.id);
	sqlite3_bind_int64(stmt, 10, expected_version);
	return step_guarded(tx, stmt, "machines", info->m.id);
}

/* Returns the id of tag name, creating the tag when it does not exist. */
static int tag_ensure(struct store_txn *tx, const char *name, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "INSERT OR IGNORE INTO tags (name) VALUES (?)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	r = store_prepare(tx->st, "SELECT id FROM tags WHERE name = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
	return store_query_int(tx->st, stmt, ret_id);
}

int store_machine_set_tags(struct store_txn *tx, int64_t id, const char *const *names, size_t n)
{
	int64_t tag_ids[STORE_MACHINE_TAGS_MAX];
	struct store_sql q;
	sqlite3_stmt *stmt;
	int r;

	if (n > STORE_MACHINE_TAGS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		r = tag_ensure(tx, names[i], &tag_ids[i]);
		if (r < 0)
			return r;
	}
	/* Only rows that change are touched, so an unchanged set keeps the ETag. */
	store_sql_init(&q, "DELETE FROM machine_tags WHERE machine_id = ? AND tag_id NOT IN (0");
	store_sql_int(&q, id);
	for (size_t i = 0; i < n; i++) {
		store_sql_add(&q, ", ?");
		store_sql_int(&q, tag_ids[i]);
	}
	store_sql_add(&q, ")");
	r = store_sql_prepare(tx->st, &q, &stmt);
	if (r < 0)
		return r;
	r = store_step_done(tx->st, stmt);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = store_prepare(
		        tx->st,
		        "INSERT OR IGNORE INTO machine_tags (machine_id, tag_id) VALUES (?, ?)",
		        &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, tag_ids[i]);
		r = store_step_done(tx->st, stmt);
	}
	return r;
}

int store_machine_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	int r = delete_guarded(tx, "machines", id, expected_version);

	/* Reservations of the machine's interfaces are gone with them. */
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

int store_machine_facts(struct store_txn *tx, int64_t id, char **ret_json)
{
	sqlite3_stmt *stmt;
	const unsigned char *text;
	char *copy = NULL;
	int r, rc;

	r = store_prepare(tx->st, "SELECT facts FROM machines WHERE id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(stmt, 0);
		copy = strdup(text ? (const char *)text : "{}");
		r = copy ? 0 : -ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	}
	sqlite3_finalize(stmt);
	if (r == 0)
		*ret_json = copy;
	return r;
}

/* Interfaces */

#define INTERFACE_COLUMNS "id, machine_id, name, mac, pxe, version"

static void read_interface(sqlite3_stmt *stmt, void *elem)
{
	struct store_interface *i = elem;
	const unsigned char *mac;

	i->id = sqlite3_column_int64(stmt, 0);
	i->machine_id = sqlite3_column_int64(stmt, 1);
	store_copy_text(i->name, sizeof(i->name), stmt, 2);
	mac = sqlite3_column_text(stmt, 3);
	if (mac)
		(void)addr_parse_mac((const char *)mac, i->mac);
	i->pxe = sqlite3_column_int(stmt, 4) != 0;
	i->version = sqlite3_column_int64(stmt, 5);
}

static void where_interface(struct store_sql *q, const void *filter)
{
	const struct mac_where *w = filter;
	const struct store_interface_filter *f = w->f;

	if (f->machine_id > 0) {
		store_sql_add(q, " AND machine_id = ?");
		store_sql_int(q, f->machine_id);
	}
	if (f->has_mac) {
		store_sql_add(q, " AND mac = ?");
		store_sql_text(q, w->mac);
	}
	if (f->name) {
		store_sql_add(q, " AND name = ?");
		store_sql_text(q, f->name);
	}
	if (f->pxe >= 0) {
		store_sql_add(q, " AND pxe = ?");
		store_sql_int(q, f->pxe);
	}
}

int store_interface_list(struct store_txn *tx, const struct store_interface_filter *filter,
                         const struct store_page *page, struct store_interface **ret_items,
                         size_t *ret_n, int64_t *ret_total)
{
	struct mac_where w = { .f = filter };

	if (filter->has_mac)
		addr_format_mac(filter->mac, w.mac);
	return store_list_page(tx, INTERFACE_COLUMNS, "interfaces", NULL, "id", where_interface, &w,
	                       page, sizeof(**ret_items), read_interface, (void **)ret_items, ret_n,
	                       ret_total);
}

int store_interface_get(struct store_txn *tx, int64_t id, struct store_interface *ret)
{
	return get_one(tx, "SELECT " INTERFACE_COLUMNS " FROM interfaces WHERE id = ?", id,
	               read_interface, ret);
}

int store_interface_find_mac(struct store_txn *tx, const uint8_t mac[ADDR_MAC_LEN],
                             struct store_interface *ret)
{
	char text[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r, rc;

	addr_format_mac(mac, text);
	r = store_prepare(tx->st, "SELECT " INTERFACE_COLUMNS " FROM interfaces WHERE mac = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		read_interface(stmt, ret);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	sqlite3_finalize(stmt);
	return r;
}

/* Clears the pxe flag of the machine's interfaces other than except_id. */
static int clear_pxe(struct store_txn *tx, int64_t machine_id, int64_t except_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(
	        tx->st,
	        "UPDATE interfaces SET pxe = 0 WHERE machine_id = ? AND pxe = 1 AND id != ?",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, machine_id);
	sqlite3_bind_int64(stmt, 2, except_id);
	return store_step_done(tx->st, stmt);
}

int store_interface_insert(struct store_txn *tx, const struct store_interface *iface,
                           int64_t *ret_id)
{
	char mac[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r;

	if (iface->pxe) {
		r = clear_pxe(tx, iface->machine_id, 0);
		if (r < 0)
			return r;
	}
	addr_format_mac(iface->mac, mac);
	r = store_prepare(tx->st,
	                  "INSERT INTO interfaces (machine_id, name, mac, pxe) VALUES (?, ?, ?, ?)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, iface->machine_id);
	sqlite3_bind_text(stmt, 2, iface->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 4, iface->pxe);
	r = store_step_done(tx->st, stmt);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	tx->dhcp_changed = true;
	return 0;
}

int store_interface_update(struct store_txn *tx, const struct store_interface *iface,
                           int64_t expected_version)
{
	char mac[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r;

	if (iface->pxe) {
		r = clear_pxe(tx, iface->machine_id, iface->id);
		if (r < 0)
			return r;
	}
	addr_format_mac(iface->mac, mac);
	r = store_prepare(tx->st,
	                  "UPDATE interfaces SET machine_id = ?1, name = ?2, mac = ?3, pxe = ?4"
	                  " WHERE id = ?5 AND (?6 = 0 OR version = ?6)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, iface->machine_id);
	sqlite3_bind_text(stmt, 2, iface->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 4, iface->pxe);
	sqlite3_bind_int64(stmt, 5, iface->id);
	sqlite3_bind_int64(stmt, 6, expected_version);
	r = step_guarded(tx, stmt, "interfaces", iface->id);
	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

int store_interface_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	int r = delete_guarded(tx, "interfaces", id, expected_version);

	if (r == 0)
		tx->dhcp_changed = true;
	return r;
}

/* Events */

#define EVENT_COLUMNS "id, time, actor, kind, object, detail, before, after"

static char *column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return t ? strdup((const char *)t) : NULL;
}

static void read_event(sqlite3_stmt *stmt, void *elem)
{
	struct store_event *e = elem;

	e->id = sqlite3_column_int64(stmt, 0);
	e->time = sqlite3_column_int64(stmt, 1);
	store_copy_text(e->actor, sizeof(e->actor), stmt, 2);
	store_copy_text(e->kind, sizeof(e->kind), stmt, 3);
	store_copy_text(e->object, sizeof(e->object), stmt, 4);
	e->detail = column_strdup(stmt, 5);
	e->before = column_strdup(stmt, 6);
	e->after = column_strdup(stmt, 7);
}

static void where_event(struct store_sql *q, const void *filter)
{
	const struct store_event_filter *f = filter;

	if (f->kind) {
		store_sql_add(q, " AND kind = ?");
		store_sql_text(q, f->kind);
	}
	if (f->actor) {
		store_sql_add(q, " AND actor = ?");
		store_sql_text(q, f->actor);
	}
	if (f->object) {
		store_sql_add(q, " AND object = ?");
		store_sql_text(q, f->object);
	}
	if (f->since) {
		store_sql_add(q, " AND time >= ?");
		store_sql_int(q, f->since);
	}
	if (f->until) {
		store_sql_add(q, " AND time < ?");
		store_sql_int(q, f->until);
	}
}

int store_event_insert(struct store_txn *tx, const char *actor, const char *kind,
                       const char *object, const char *detail, const char *before,
                       const char *after)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "INSERT INTO events (time, actor, kind, object, detail, before, after)"
	                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, store_now());
	sqlite3_bind_text(stmt, 2, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 5, detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 6, before, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 7, after, -1, SQLITE_TRANSIENT);
	return store_step_done(tx->st, stmt);
}

int store_event_list(struct store_txn *tx, const struct store_event_filter *filter,
                     const struct store_page *page, struct store_event **ret_events, size_t *ret_n,
                     int64_t *ret_total)
{
	return store_list_page(tx, EVENT_COLUMNS, "events", NULL, "id", where_event, filter, page,
	                       sizeof(**ret_events), read_event, (void **)ret_events, ret_n,
	                       ret_total);
}

void store_event_done(struct store_event *event)
{
	free(event->detail);
	free(event->before);
	free(event->after);
	event->detail = event->before = event->after = NULL;
}

void store_event_list_free(struct store_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_event_done(&events[i]);
	free(events);
}

int store_event_get(struct store_txn *tx, int64_t id, struct store_event *ret_event)
{
	memset(ret_event, 0, sizeof(*ret_event));
	return get_one(tx, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?", id, read_event,
	               ret_event);
}

/* API tokens */

#define TOKEN_COLUMNS "id, name, role, created, version, expires, last_used"

static void read_token(sqlite3_stmt *stmt, void *elem)
{
	struct store_token *t = elem;

	t->id = sqlite3_column_int64(stmt, 0);
	store_copy_text(t->name, sizeof(t->name), stmt, 1);
	store_copy_text(t->role, sizeof(t->role), stmt, 2);
	t->created = sqlite3_column_int64(stmt, 3);
	t->version = sqlite3_column_int64(stmt, 4);
	t->expires = sqlite3_column_int64(stmt, 5);
	t->last_used = sqlite3_column_int64(stmt, 6);
}

/* Writes a token's last use; the version trigger ignores this column. */
static int token_touch(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(st, "UPDATE api_tokens SET last_used = ? WHERE id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, id);
	return store_step_done(st, stmt);
}

int store_token_authenticate(struct store *st, const char *hash_hex, int64_t now,
                             struct store_token *ret)
{
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = store_prepare(st, "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE hash = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_text(stmt, 1, hash_hex, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			memset(ret, 0, sizeof(*ret));
			read_token(stmt, ret);
		} else {
			r = rc == SQLITE_DONE ? -ENOENT : store_db_error(st, rc);
		}
		sqlite3_finalize(stmt);
	}
	if (r == 0 && ret->expires != 0 && now >= ret->expires)
		r = -EKEYEXPIRED;
	/* A failed write of the last use (a full disk, say) does not lock anyone out. */
	if (r == 0 && now - ret->last_used >= STORE_TOKEN_USE_STEP &&
	    token_touch(st, ret->id, now) == 0)
		ret->last_used = now;
	pthread_mutex_unlock(&st->lock);
	return r;
}

static void where_role(struct store_sql *q, const void *filter)
{
	const char *role = filter;

	if (role) {
		store_sql_add(q, " AND role = ?");
		store_sql_text(q, role);
	}
}

int store_token_list(struct store_txn *tx, const char *role, const struct store_page *page,
                     struct store_token **ret_tokens, size_t *ret_n, int64_t *ret_total)
{
	return store_list_page(tx, TOKEN_COLUMNS, "api_tokens", NULL, "id", where_role, role, page,
	                       sizeof(**ret_tokens), read_token, (void **)ret_tokens, ret_n,
	                       ret_total);
}

int store_token_get(struct store_txn *tx, int64_t id, struct store_token *ret)
{
	return get_one(tx, "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE id = ?", id, read_token,
	               ret);
}

int store_token_insert(struct store_txn *tx, const struct store_token *token, const char *hash_hex,
                       int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "INSERT INTO api_tokens (name, role, hash, created, expires)"
	                  " VALUES (?, ?, ?, ?, ?)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, token->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, token->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, hash_hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, store_now());
	sqlite3_bind_int64(stmt, 5, token->expires);
	r = store_step_done(tx->st, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(tx->st->db);
	return r;
}

int store_token_update(struct store_txn *tx, const struct store_token *token,
                       int64_t expected_version)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE api_tokens SET name = ?1, role = ?2, expires = ?5"
	                  " WHERE id = ?3 AND (?4 = 0 OR version = ?4)",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, token->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, token->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, token->id);
	sqlite3_bind_int64(stmt, 4, expected_version);
	sqlite3_bind_int64(stmt, 5, token->expires);
	return step_guarded(tx, stmt, "api_tokens", token->id);
}

int store_token_delete(struct store_txn *tx, int64_t id, int64_t expected_version)
{
	return delete_guarded(tx, "api_tokens", id, expected_version);
}
