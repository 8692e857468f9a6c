/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store -- SQLite backend of the store interface.
 * One connection in WAL mode with synchronous=FULL behind a mutex: a write
 * has reached the disk when its call returns. Hot paths keep their own
 * in-memory views and call in here only to persist or reload.
 */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/migrations.h"
#include "store/store-internal.h"

#define STORE_LIST_MAX 1000000 /* rows returned by one list call */

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

/* Records the connection's error text and maps the SQLite code to -errno. */
static int db_error(struct store *st, int rc)
{
	(void)snprintf(st->last_error, sizeof(st->last_error), "%s", sqlite3_errmsg(st->db));
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static int exec_sql(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_error(st, rc);
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **ret_stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, ret_stmt, NULL);

	return rc == SQLITE_OK ? 0 : db_error(st, rc);
}

/* Runs a statement that returns no rows and finalizes it. */
static int step_done(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : db_error(st, rc);

	sqlite3_finalize(stmt);
	return r;
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	(void)snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static int migrate(struct store *st)
{
	sqlite3_stmt *stmt;
	int version, r;

	r = prepare(st, "PRAGMA user_version", &stmt);
	if (r < 0)
		return r;
	version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);

	if (version > store_migrations[store_n_migrations - 1].version) {
		(void)snprintf(st->last_error, sizeof(st->last_error),
		               "database schema version %d is newer than this rackd (%d)", version,
		               store_migrations[store_n_migrations - 1].version);
		return -EPROTO;
	}
	for (size_t i = 0; i < store_n_migrations; i++) {
		const struct store_migration *m = &store_migrations[i];
		char pragma[64];

		if (m->version <= version)
			continue;
		(void)snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if (exec_sql(st, "BEGIN IMMEDIATE") < 0)
			return -EPROTO;
		if (exec_sql(st, m->sql) < 0 || exec_sql(st, pragma) < 0) {
			char saved[sizeof(st->last_error)];

			memcpy(saved, st->last_error, sizeof(saved));
			(void)exec_sql(st, "ROLLBACK");
			(void)snprintf(st->last_error, sizeof(st->last_error),
			               "migration %d: %.200s", m->version, saved);
			return -EPROTO;
		}
		if (exec_sql(st, "COMMIT") < 0)
			return -EPROTO;
	}
	return 0;
}

int store_open(const char *path, struct store **ret_store)
{
	struct store *st;
	int rc, r;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);

	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		r = -EIO;
		goto out_free;
	}
	(void)sqlite3_busy_timeout(st->db, 5000);
	/* WAL plus synchronous=FULL: a commit is on disk once COMMIT returns. */
	r = exec_sql(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	                 "PRAGMA foreign_keys = ON;");
	if (r < 0) {
		r = -EIO;
		goto out_free;
	}
	r = migrate(st);
	if (r < 0)
		goto out_free;
	/* Lets the DNS view notice any change to the tables its zones come from. */
	sqlite3_update_hook(st->db, store_dns_on_update, st);
	*ret_store = st;
	return 0;

out_free:
	store_free(st);
	return r;
}

void store_free(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db)
		(void)sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *store_last_error(struct store *st)
{
	return st->last_error;
}

uint64_t store_config_generation(struct store *st)
{
	return atomic_load(&st->config_generation);
}

static void config_changed(struct store *st)
{
	atomic_fetch_add(&st->config_generation, 1);
}

/* Subnets */

static void format_dns(const struct store_subnet *s, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_dns && i < STORE_DNS_MAX; i++) {
		char ip[ADDR_IPV4_STRLEN];

		addr_format_ipv4(s->dns[i], ip);
		int n = snprintf(buf + off, size - off, "%s%s", i ? " " : "", ip);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

static void parse_dns(struct store_subnet *s, const char *text)
{
	char buf[128], *save = NULL;

	s->n_dns = 0;
	(void)snprintf(buf, sizeof(buf), "%s", text);
	for (char *tok = strtok_r(buf, " ", &save); tok && s->n_dns < STORE_DNS_MAX;
	     tok = strtok_r(NULL, " ", &save))
		if (addr_parse_ipv4(tok, &s->dns[s->n_dns]) == 0)
			s->n_dns++;
}

/* Returns the id of a subnet other than except_id that overlaps s, or 0. */
static int64_t find_overlap(struct store *st, const struct store_subnet *s, int64_t except_id)
{
	sqlite3_stmt *stmt;
	int64_t found = 0;

	if (prepare(st, "SELECT id, network, prefix_len FROM subnets WHERE id != ? AND family = 4",
	            &stmt) < 0)
		return 0;
	sqlite3_bind_int64(stmt, 1, except_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		uint32_t net = (uint32_t)sqlite3_column_int64(stmt, 1);
		uint8_t len = (uint8_t)sqlite3_column_int(stmt, 2);
		uint8_t shorter = len < s->prefix_len ? len : s->prefix_len;

		if (addr_in_prefix4(s->network, net, shorter)) {
			found = sqlite3_column_int64(stmt, 0);
			break;
		}
	}
	sqlite3_finalize(stmt);
	return found;
}

static int bind_subnet(sqlite3_stmt *stmt, const struct store_subnet *s)
{
	char dns[STORE_DNS_MAX * ADDR_IPV4_STRLEN];

	format_dns(s, dns, sizeof(dns));
	sqlite3_bind_text(stmt, 1, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, s->network);
	sqlite3_bind_int(stmt, 3, s->prefix_len);
	sqlite3_bind_int64(stmt, 4, s->gateway);
	sqlite3_bind_text(stmt, 5, dns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 6, s->domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 7, s->lease_time);
	sqlite3_bind_text(stmt, 8, s->interface, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 9, s->dhcp_enabled);
	return 0;
}

static int subnet_write(struct store *st, const struct store_subnet *s, bool upsert,
                        int64_t *ret_id, int64_t *ret_conflict_id)
{
	sqlite3_stmt *stmt;
	int64_t existing = 0, conflict;
	int r;

	if (upsert) {
		r = prepare(st, "SELECT id FROM subnets WHERE name = ? AND family = 4", &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_text(stmt, 1, s->name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			existing = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	conflict = find_overlap(st, s, existing);
	if (conflict) {
		if (ret_conflict_id)
			*ret_conflict_id = conflict;
		return -EADDRINUSE;
	}
	if (existing) {
		r = prepare(
		        st,
		        "UPDATE subnets SET name = ?1, network = ?2, prefix_len = ?3, gateway = ?4,"
		        " dns = ?5, domain = ?6, lease_time = ?7, interface = ?8,"
		        " dhcp_enabled = ?9 WHERE id = ?10",
		        &stmt);
		if (r < 0)
			return r;
		bind_subnet(stmt, s);
		sqlite3_bind_int64(stmt, 10, existing);
	} else {
		r = prepare(st,
		            "INSERT INTO subnets (name, network, prefix_len, gateway, dns, domain,"
		            " lease_time, interface, dhcp_enabled, created)"
		            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		            &stmt);
		if (r < 0)
			return r;
		bind_subnet(stmt, s);
		sqlite3_bind_int64(stmt, 10, now_unix());
	}
	r = step_done(st, stmt);
	if (r < 0)
		return r;
	*ret_id = existing ? existing : sqlite3_last_insert_rowid(st->db);
	config_changed(st);
	return 0;
}

int store_subnet_add(struct store *st, const struct store_subnet *subnet, int64_t *ret_id,
                     int64_t *ret_conflict_id)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = subnet_write(st, subnet, false, ret_id, ret_conflict_id);
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_subnet_upsert(struct store *st, const struct store_subnet *subnet, int64_t *ret_id,
                        int64_t *ret_conflict_id)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = subnet_write(st, subnet, true, ret_id, ret_conflict_id);
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_subnet_list(struct store *st, struct store_subnet **ret_subnets, size_t *ret_n)
{
	struct store_subnet *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = prepare(st,
	            "SELECT id, name, network, prefix_len, gateway, dns, domain, lease_time,"
	            " interface, dhcp_enabled FROM subnets WHERE family = 4 ORDER BY id",
	            &stmt);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_subnet *s;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p =
			        ncap > STORE_LIST_MAX ? NULL : realloc(list, ncap * sizeof(*list));

			if (p == NULL) {
				r = -ENOMEM;
				break;
			}
			list = p;
			cap = ncap;
		}
		s = &list[n++];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(stmt, 0);
		copy_text(s->name, sizeof(s->name), stmt, 1);
		s->network = (uint32_t)sqlite3_column_int64(stmt, 2);
		s->prefix_len = (uint8_t)sqlite3_column_int(stmt, 3);
		s->gateway = (uint32_t)sqlite3_column_int64(stmt, 4);
		parse_dns(s, (const char *)sqlite3_column_text(stmt, 5));
		copy_text(s->domain, sizeof(s->domain), stmt, 6);
		s->lease_time = (uint32_t)sqlite3_column_int64(stmt, 7);
		copy_text(s->interface, sizeof(s->interface), stmt, 8);
		s->dhcp_enabled = sqlite3_column_int(stmt, 9) != 0;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(st, rc);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret_subnets = list;
	*ret_n = n;
	return 0;
}

/* Ranges */

static const char *range_kind_name(enum store_range_kind kind)
{
	return kind == STORE_RANGE_RESERVED ? "reserved" : "dynamic";
}

/* Checks a range against its subnet and the subnet's other ranges. */
static int range_check(struct store *st, const struct store_range *rg)
{
	sqlite3_stmt *stmt;
	int r;

	if (rg->first > rg->last)
		return -EINVAL;
	r = prepare(st, "SELECT network, prefix_len FROM subnets WHERE id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rg->subnet_id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return -ENOENT;
	}
	uint32_t net = (uint32_t)sqlite3_column_int64(stmt, 0);
	uint8_t len = (uint8_t)sqlite3_column_int(stmt, 1);
	sqlite3_finalize(stmt);
	if (!addr_in_prefix4(rg->first, net, len) || !addr_in_prefix4(rg->last, net, len))
		return -EINVAL;

	r = prepare(st, "SELECT 1 FROM ranges WHERE subnet_id = ? AND first <= ? AND last >= ?",
	            &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rg->subnet_id);
	sqlite3_bind_int64(stmt, 2, rg->last);
	sqlite3_bind_int64(stmt, 3, rg->first);
	r = sqlite3_step(stmt) == SQLITE_ROW ? -EADDRINUSE : 0;
	sqlite3_finalize(stmt);
	return r;
}

static int range_insert(struct store *st, const struct store_range *rg, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = range_check(st, rg);
	if (r < 0)
		return r;
	r = prepare(st, "INSERT INTO ranges (subnet_id, first, last, kind) VALUES (?, ?, ?, ?)",
	            &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, rg->subnet_id);
	sqlite3_bind_int64(stmt, 2, rg->first);
	sqlite3_bind_int64(stmt, 3, rg->last);
	sqlite3_bind_text(stmt, 4, range_kind_name(rg->kind), -1, SQLITE_STATIC);
	r = step_done(st, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(st->db);
	return r;
}

int store_range_add(struct store *st, const struct store_range *range, int64_t *ret_id)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = range_insert(st, range, ret_id);
	if (r == 0)
		config_changed(st);
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_range_replace(struct store *st, int64_t subnet_id, const struct store_range *ranges,
                        size_t n)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = exec_sql(st, "BEGIN IMMEDIATE");
	if (r < 0)
		goto out;
	r = prepare(st, "DELETE FROM ranges WHERE subnet_id = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, subnet_id);
		r = step_done(st, stmt);
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct store_range rg = ranges[i];

		rg.subnet_id = subnet_id;
		r = range_insert(st, &rg, NULL);
	}
	if (r == 0)
		r = exec_sql(st, "COMMIT");
	if (r < 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	else
		config_changed(st);
out:
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_range_list(struct store *st, struct store_range **ret_ranges, size_t *ret_n)
{
	struct store_range *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = prepare(st,
	            "SELECT id, subnet_id, first, last, kind FROM ranges"
	            " WHERE subnet_id IN (SELECT id FROM subnets WHERE family = 4)"
	            " ORDER BY subnet_id, first",
	            &stmt);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p =
			        ncap > STORE_LIST_MAX ? NULL : realloc(list, ncap * sizeof(*list));

			if (p == NULL) {
				r = -ENOMEM;
				break;
			}
			list = p;
			cap = ncap;
		}
		list[n].id = sqlite3_column_int64(stmt, 0);
		list[n].subnet_id = sqlite3_column_int64(stmt, 1);
		list[n].first = (uint32_t)sqlite3_column_int64(stmt, 2);
		list[n].last = (uint32_t)sqlite3_column_int64(stmt, 3);
		list[n].kind = strcmp((const char *)sqlite3_column_text(stmt, 4), "reserved") == 0
		                       ? STORE_RANGE_RESERVED
		                       : STORE_RANGE_DYNAMIC;
		n++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(st, rc);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret_ranges = list;
	*ret_n = n;
	return 0;
}

/* Leases */

/* The statements of a lease write, prepared once per transaction. */
struct lease_stmts {
	sqlite3_stmt *find_others;
	sqlite3_stmt *drop;
	sqlite3_stmt *upsert;
};

static int run_reset(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : db_error(st, rc);

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

/*
 * Drops the client's rows of the subnet other than l's address. They are
 * found first and deleted by address: a DELETE with this WHERE clause
 * would build a temporary table on every call, mostly to delete nothing.
 */
static int drop_other_rows(struct store *st, const struct lease_stmts *q,
                           const struct store_lease *l)
{
	int64_t addresses[8];
	size_t n = 0;
	int rc, r = 0;

	sqlite3_bind_int64(q->find_others, 1, l->subnet_id);
	sqlite3_bind_blob(q->find_others, 2, l->client_id, l->client_id_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q->find_others, 3, l->address);
	while ((rc = sqlite3_step(q->find_others)) == SQLITE_ROW && n < 8)
		addresses[n++] = sqlite3_column_int64(q->find_others, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_error(st, rc);
	sqlite3_reset(q->find_others);
	sqlite3_clear_bindings(q->find_others);
	for (size_t i = 0; r == 0 && i < n; i++) {
		sqlite3_bind_int64(q->drop, 1, addresses[i]);
		r = run_reset(st, q->drop);
	}
	/* More than 8 rows cannot come from lease_write, which keeps one; finish them the slow way.
	 */
	if (r == 0 && rc == SQLITE_ROW)
		r = drop_other_rows(st, q, l);
	return r;
}

static int lease_write(struct store *st, const struct lease_stmts *q, const struct store_lease *l)
{
	char mac[ADDR_MAC_STRLEN];
	int r;

	/* One address per client and subnet: drop the client's other rows first. */
	r = drop_other_rows(st, q, l);
	if (r < 0)
		return r;

	addr_format_mac(l->mac, mac);
	sqlite3_bind_int64(q->upsert, 1, l->address);
	sqlite3_bind_int64(q->upsert, 2, l->subnet_id);
	sqlite3_bind_blob(q->upsert, 3, l->client_id, l->client_id_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(q->upsert, 4, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q->upsert, 5, l->hostname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q->upsert, 6, l->expires);
	sqlite3_bind_int64(q->upsert, 7, l->updated ? l->updated : now_unix());
	sqlite3_bind_int(q->upsert, 8, (int)l->state);
	return run_reset(st, q->upsert);
}

static int lease_write_all(struct store *st, const struct store_lease *leases, size_t n)
{
	struct lease_stmts q = { NULL, NULL, NULL };
	int r;

	r = prepare(
	        st,
	        "SELECT address FROM leases WHERE subnet_id = ? AND client_id = ? AND address != ?",
	        &q.find_others);
	if (r == 0)
		r = prepare(st, "DELETE FROM leases WHERE address = ?", &q.drop);
	if (r == 0)
		r = prepare(st,
		            "INSERT INTO leases (address, subnet_id, client_id, mac, hostname,"
		            " expires, updated, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		            " ON CONFLICT (address) DO UPDATE SET subnet_id = excluded.subnet_id,"
		            " client_id = excluded.client_id, mac = excluded.mac,"
		            " hostname = excluded.hostname, expires = excluded.expires,"
		            " updated = excluded.updated, state = excluded.state",
		            &q.upsert);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = lease_write(st, &q, &leases[i]);
	sqlite3_finalize(q.find_others);
	sqlite3_finalize(q.drop);
	sqlite3_finalize(q.upsert);
	return r;
}

/* All rows or none, with a single WAL sync at COMMIT (synchronous=FULL). */
int store_lease_put_many(struct store *st, const struct store_lease *leases, size_t n)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = exec_sql(st, "BEGIN IMMEDIATE");
	if (r == 0)
		r = lease_write_all(st, leases, n);
	if (r == 0)
		r = exec_sql(st, "COMMIT");
	if (r < 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_lease_put(struct store *st, const struct store_lease *lease)
{
	return store_lease_put_many(st, lease, 1);
}

int store_lease_delete(struct store *st, uint32_t address)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = prepare(st, "DELETE FROM leases WHERE address = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, address);
		r = step_done(st, stmt);
		if (r == 0 && sqlite3_changes(st->db) == 0)
			r = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_lease_list(struct store *st, struct store_lease **ret_leases, size_t *ret_n)
{
	struct store_lease *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = prepare(st,
	            "SELECT address, subnet_id, client_id, mac, hostname, expires, updated, state"
	            " FROM leases ORDER BY address",
	            &stmt);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_lease *l;
		int len;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p =
			        ncap > STORE_LIST_MAX ? NULL : realloc(list, ncap * sizeof(*list));

			if (p == NULL) {
				r = -ENOMEM;
				break;
			}
			list = p;
			cap = ncap;
		}
		l = &list[n++];
		memset(l, 0, sizeof(*l));
		l->address = (uint32_t)sqlite3_column_int64(stmt, 0);
		l->subnet_id = sqlite3_column_int64(stmt, 1);
		len = sqlite3_column_bytes(stmt, 2);
		if (len > STORE_CLIENT_ID_MAX)
			len = STORE_CLIENT_ID_MAX;
		if (len > 0)
			memcpy(l->client_id, sqlite3_column_blob(stmt, 2), (size_t)len);
		l->client_id_len = (uint8_t)len;
		const unsigned char *mac = sqlite3_column_text(stmt, 3);
		if (mac == NULL || addr_parse_mac((const char *)mac, l->mac) < 0)
			memset(l->mac, 0, sizeof(l->mac));
		copy_text(l->hostname, sizeof(l->hostname), stmt, 4);
		l->expires = sqlite3_column_int64(stmt, 5);
		l->updated = sqlite3_column_int64(stmt, 6);
		l->state = (enum store_lease_state)sqlite3_column_int(stmt, 7);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(st, rc);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret_leases = list;
	*ret_n = n;
	return 0;
}

/* Machines */

#define MACHINE_COLUMNS                                                                  \
	"m.id, i.mac, m.hostname, m.state, m.arch, m.firmware, m.uuid, m.first_address," \
	" m.first_seen, m.reported_at, m.cpu_count, m.memory_bytes, m.agent_token_hash"

/* The booting interface is the one flagged pxe; machines list it first. */
#define MACHINE_FROM " FROM machines m LEFT JOIN interfaces i ON i.machine_id = m.id AND i.pxe = 1"

static void read_machine(sqlite3_stmt *stmt, struct store_machine *m)
{
	const unsigned char *mac;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(stmt, 0);
	mac = sqlite3_column_text(stmt, 1);
	if (mac)
		(void)addr_parse_mac((const char *)mac, m->mac);
	copy_text(m->hostname, sizeof(m->hostname), stmt, 2);
	copy_text(m->state, sizeof(m->state), stmt, 3);
	copy_text(m->arch, sizeof(m->arch), stmt, 4);
	copy_text(m->firmware, sizeof(m->firmware), stmt, 5);
	copy_text(m->uuid, sizeof(m->uuid), stmt, 6);
	m->first_address = (uint32_t)sqlite3_column_int64(stmt, 7);
	m->first_seen = sqlite3_column_int64(stmt, 8);
	m->reported_at = sqlite3_column_int64(stmt, 9);
	m->cpu_count = (uint32_t)sqlite3_column_int64(stmt, 10);
	m->memory_bytes = (uint64_t)sqlite3_column_int64(stmt, 11);
	copy_text(m->agent_token_hash, sizeof(m->agent_token_hash), stmt, 12);
}

static int machine_by_mac(struct store *st, const uint8_t mac[ADDR_MAC_LEN],
                          struct store_machine *ret)
{
	char text[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r, rc;

	addr_format_mac(mac, text);
	r = prepare(st,
	            "SELECT m.id FROM machines m JOIN interfaces i ON i.machine_id = m.id"
	            " WHERE i.mac = ?",
	            &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : db_error(st, rc);

	r = prepare(st, "SELECT " MACHINE_COLUMNS MACHINE_FROM " WHERE m.id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		read_machine(stmt, ret);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : -ENOENT;
}

int store_machine_find_by_mac(struct store *st, const uint8_t mac[ADDR_MAC_LEN],
                              struct store_machine *ret_machine)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = machine_by_mac(st, mac, ret_machine);
	pthread_mutex_unlock(&st->lock);
	return r;
}

static int machine_insert(struct store *st, const struct store_machine *c, int64_t *ret_id)
{
	char mac[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int64_t id;
	int r;

	r = prepare(st,
	            "INSERT INTO machines (hostname, state, arch, firmware, uuid, first_address,"
	            " first_seen) VALUES (CASE WHEN EXISTS (SELECT 1 FROM machines"
	            " WHERE hostname = ?1) THEN '' ELSE ?1 END, 'new', ?2, ?3, ?4, ?5, ?6)",
	            &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, c->hostname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, c->arch, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, c->firmware, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, c->uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, c->first_address);
	sqlite3_bind_int64(stmt, 6, c->first_seen ? c->first_seen : now_unix());
	r = step_done(st, stmt);
	if (r < 0)
		return r;
	id = sqlite3_last_insert_rowid(st->db);

	addr_format_mac(c->mac, mac);
	r = prepare(st, "INSERT INTO interfaces (machine_id, mac, pxe) VALUES (?, ?, 1)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, mac, -1, SQLITE_TRANSIENT);
	r = step_done(st, stmt);
	if (r == 0)
		*ret_id = id;
	return r;
}

/* Counts the machines in state new; call with the lock held. */
static int count_new_machines(struct store *st, int64_t *ret_n)
{
	sqlite3_stmt *stmt;
	int r;

	r = prepare(st, "SELECT COUNT(*) FROM machines WHERE state = 'new'", &stmt);
	return r < 0 ? r : store_query_int(st, stmt, ret_n);
}

int store_machine_enroll(struct store *st, const struct store_machine *candidate, uint32_t max_new,
                         struct store_machine *ret_machine, bool *ret_created)
{
	int64_t id, n_new = 0;
	int r;

	pthread_mutex_lock(&st->lock);
	r = machine_by_mac(st, candidate->mac, ret_machine);
	if (r != -ENOENT) {
		if (r == 0)
			*ret_created = false;
		goto out;
	}
	r = exec_sql(st, "BEGIN IMMEDIATE");
	if (r < 0)
		goto out;
	if (max_new) {
		r = count_new_machines(st, &n_new);
		if (r == 0 && n_new >= max_new)
			r = -EDQUOT;
	}
	if (r == 0)
		r = machine_insert(st, candidate, &id);
	if (r == 0)
		r = exec_sql(st, "COMMIT");
	if (r < 0) {
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	r = machine_by_mac(st, candidate->mac, ret_machine);
	if (r == 0)
		*ret_created = true;
out:
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_machine_get(struct store *st, int64_t id, struct store_machine *ret_machine)
{
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = prepare(st, "SELECT " MACHINE_COLUMNS MACHINE_FROM " WHERE m.id = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			read_machine(stmt, ret_machine);
			r = 0;
		} else if (rc == SQLITE_DONE) {
			r = -ENOENT;
		} else {
			r = db_error(st, rc);
		}
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_machine_list(struct store *st, struct store_machine **ret_machines, size_t *ret_n)
{
	struct store_machine *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = prepare(st, "SELECT " MACHINE_COLUMNS MACHINE_FROM " ORDER BY m.id", &stmt);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			void *p =
			        ncap > STORE_LIST_MAX ? NULL : realloc(list, ncap * sizeof(*list));

			if (p == NULL) {
				r = -ENOMEM;
				break;
			}
			list = p;
			cap = ncap;
		}
		read_machine(stmt, &list[n++]);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(st, rc);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret_machines = list;
	*ret_n = n;
	return 0;
}

/* Adds mac as an interface of machine id unless it exists; -EADDRINUSE if another owns it. */
static int interface_attach(struct store *st, int64_t id, const uint8_t mac[ADDR_MAC_LEN])
{
	char text[ADDR_MAC_STRLEN];
	sqlite3_stmt *stmt;
	int r, rc;

	addr_format_mac(mac, text);
	r = prepare(st, "SELECT machine_id FROM interfaces WHERE mac = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (owner == id)
		return 0;
	if (owner != 0)
		return -EADDRINUSE;
	r = prepare(st, "INSERT INTO interfaces (machine_id, mac, pxe) VALUES (?, ?, 0)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_TRANSIENT);
	return step_done(st, stmt);
}

int store_machine_report(struct store *st, int64_t id, uint32_t cpu_count, uint64_t memory_bytes,
                         const char *facts_json, const uint8_t (*macs)[ADDR_MAC_LEN], size_t n_macs,
                         int64_t now)
{
	sqlite3_stmt *stmt;
	int r, conflict = 0;

	pthread_mutex_lock(&st->lock);
	r = exec_sql(st, "BEGIN IMMEDIATE");
	if (r < 0)
		goto out;
	r = prepare(st,
	            "UPDATE machines SET cpu_count = ?, memory_bytes = ?, facts = ?,"
	            " reported_at = ? WHERE id = ?",
	            &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, cpu_count);
		sqlite3_bind_int64(stmt, 2, (int64_t)memory_bytes);
		sqlite3_bind_text(stmt, 3, facts_json, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 4, now);
		sqlite3_bind_int64(stmt, 5, id);
		r = step_done(st, stmt);
		if (r == 0 && sqlite3_changes(st->db) == 0)
			r = -ENOENT;
	}
	for (size_t i = 0; r == 0 && i < n_macs; i++) {
		int a = interface_attach(st, id, macs[i]);

		if (a == -EADDRINUSE)
			conflict = a;
		else
			r = a;
	}
	if (r == 0)
		r = exec_sql(st, "COMMIT");
	if (r < 0)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&st->lock);
	return r < 0 ? r : conflict;
}

int store_machine_set_agent_token_hash(struct store *st, int64_t id, const char *hash_hex)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = prepare(st, "UPDATE machines SET agent_token_hash = ? WHERE id = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_text(stmt, 1, hash_hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, id);
		r = step_done(st, stmt);
		if (r == 0 && sqlite3_changes(st->db) == 0)
			r = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

/* Events */

int store_event_add(struct store *st, const char *actor, const char *kind, const char *object,
                    const char *detail)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = prepare(st,
	            "INSERT INTO events (time, actor, kind, object, detail) VALUES (?, ?, ?, ?, ?)",
	            &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, now_unix());
		sqlite3_bind_text(stmt, 2, actor ? actor : "rackd", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 4, object, -1, SQLITE_TRANSIENT);
		if (detail)
			sqlite3_bind_text(stmt, 5, detail, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(stmt, 5);
		r = step_done(st, stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_event_prune(struct store *st, int64_t cutoff, int max)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	/* The events_time index finds the due events without a scan of the table. */
	r = prepare(st,
	            "DELETE FROM events WHERE id IN"
	            " (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)",
	            &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, cutoff);
		sqlite3_bind_int(stmt, 2, max);
		r = step_done(st, stmt);
		if (r == 0)
			r = sqlite3_changes(st->db);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}
