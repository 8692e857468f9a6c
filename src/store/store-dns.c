/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-dns -- SQLite side of the DNS server: API records, the inventory
 * rows zones are generated from, zone serial state, and change counters fed
 * by sqlite3_update_hook() so any writer's change reaches the DNS view.
 */
#include "store/store-dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store/store-internal.h"

#define DNS_LIST_MAX 1000000 /* rows returned by one list call */

static int dns_db_error(struct store *st, int rc)
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
	default:
		return -EIO;
	}
}

static int dns_prepare(struct store *st, const char *sql, sqlite3_stmt **ret_stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, ret_stmt, NULL);

	return rc == SQLITE_OK ? 0 : dns_db_error(st, rc);
}

static int dns_step_done(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : dns_db_error(st, rc);

	sqlite3_finalize(stmt);
	return r;
}

static void dns_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	(void)snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* Grows *list by one element of size elem; NULL when full or out of memory. */
static void *grow(void **list, size_t *n, size_t *cap, size_t elem)
{
	char *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *np = ncap > DNS_LIST_MAX ? NULL : realloc(*list, ncap * elem);

		if (np == NULL)
			return NULL;
		*list = np;
		*cap = ncap;
	}
	p = (char *)*list + *n * elem;
	memset(p, 0, elem);
	(*n)++;
	return p;
}

/* Change counters */

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

void store_dns_on_update(void *ctx, int op, const char *db_name, const char *table,
                         sqlite3_int64 rowid)
{
	struct store *st = ctx;

	(void)op;
	(void)db_name;
	(void)rowid;
	if (strcmp(table, "dns_records") == 0)
		atomic_fetch_add(&st->dns_record_changes, 1);
	else if (strcmp(table, "machines") == 0 || strcmp(table, "interfaces") == 0 ||
	         strcmp(table, "ip_addresses") == 0 || strcmp(table, "subnets") == 0)
		atomic_fetch_add(&st->dns_inventory_changes, 1);
	else
		return;
	atomic_fetch_add(&st->dns_wake, 1);
	if (atomic_load(&st->dns_waiters) > 0)
		(void)futex(&st->dns_wake, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

void store_dns_changes(struct store *st, struct store_dns_changes *ret_changes)
{
	ret_changes->inventory = atomic_load(&st->dns_inventory_changes);
	ret_changes->records = atomic_load(&st->dns_record_changes);
}

bool store_dns_wait_changes(struct store *st, const struct store_dns_changes *seen,
                            unsigned timeout_ms)
{
	struct timespec ts = { .tv_sec = timeout_ms / 1000,
		               .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };
	struct store_dns_changes now;
	uint32_t wake = atomic_load(&st->dns_wake);

	store_dns_changes(st, &now);
	if (now.inventory != seen->inventory || now.records != seen->records)
		return true;
	atomic_fetch_add(&st->dns_waiters, 1);
	/* Returns at once when dns_wake moved since it was read above. */
	(void)futex(&st->dns_wake, FUTEX_WAIT_PRIVATE, wake, &ts);
	atomic_fetch_sub(&st->dns_waiters, 1);
	store_dns_changes(st, &now);
	return now.inventory != seen->inventory || now.records != seen->records;
}

void store_dns_set_applied(struct store *st, const struct store_dns_changes *applied)
{
	atomic_store(&st->dns_applied_inventory, applied->inventory);
	atomic_store(&st->dns_applied_records, applied->records);
}

/* Serial-number comparison, so the counters may wrap. */
static bool caught_up(uint32_t applied, uint32_t target)
{
	return (int32_t)(applied - target) >= 0;
}

bool store_dns_wait_applied(struct store *st, const struct store_dns_changes *target,
                            unsigned timeout_ms)
{
	struct timespec pause = { .tv_nsec = 100000 };

	for (unsigned i = 0; i <= timeout_ms * 10; i++) {
		if (caught_up(atomic_load(&st->dns_applied_inventory), target->inventory) &&
		    caught_up(atomic_load(&st->dns_applied_records), target->records))
			return true;
		(void)nanosleep(&pause, NULL);
	}
	return false;
}

/* Records */

#define RECORD_COLUMNS "id, name, type, ttl, data, created, updated"

static void read_record(sqlite3_stmt *stmt, struct store_dns_record *rec)
{
	rec->id = sqlite3_column_int64(stmt, 0);
	dns_copy_text(rec->name, sizeof(rec->name), stmt, 1);
	dns_copy_text(rec->type, sizeof(rec->type), stmt, 2);
	rec->ttl = (uint32_t)sqlite3_column_int64(stmt, 3);
	dns_copy_text(rec->data, sizeof(rec->data), stmt, 4);
	rec->created = sqlite3_column_int64(stmt, 5);
	rec->updated = sqlite3_column_int64(stmt, 6);
}

static void bind_record(sqlite3_stmt *stmt, const struct store_dns_record *rec)
{
	sqlite3_bind_text(stmt, 1, rec->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, rec->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, rec->ttl);
	sqlite3_bind_text(stmt, 4, rec->data, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, (int64_t)time(NULL));
}

int store_dns_record_add(struct store *st, const struct store_dns_record *rec, int64_t *ret_id)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st,
	                "INSERT INTO dns_records (name, type, ttl, data, created, updated)"
	                " VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	                &stmt);
	if (r == 0) {
		bind_record(stmt, rec);
		r = dns_step_done(st, stmt);
		if (r == 0)
			*ret_id = sqlite3_last_insert_rowid(st->db);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_dns_record_get(struct store *st, int64_t id, struct store_dns_record *ret_rec)
{
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st, "SELECT " RECORD_COLUMNS " FROM dns_records WHERE id = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			read_record(stmt, ret_rec);
		else
			r = rc == SQLITE_DONE ? -ENOENT : dns_db_error(st, rc);
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_dns_record_update(struct store *st, const struct store_dns_record *rec)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st,
	                "UPDATE dns_records SET name = ?1, type = ?2, ttl = ?3, data = ?4,"
	                " updated = ?5 WHERE id = ?6",
	                &stmt);
	if (r == 0) {
		bind_record(stmt, rec);
		sqlite3_bind_int64(stmt, 6, rec->id);
		r = dns_step_done(st, stmt);
		if (r == 0 && sqlite3_changes(st->db) == 0)
			r = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_dns_record_delete(struct store *st, int64_t id)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st, "DELETE FROM dns_records WHERE id = ?", &stmt);
	if (r == 0) {
		sqlite3_bind_int64(stmt, 1, id);
		r = dns_step_done(st, stmt);
		if (r == 0 && sqlite3_changes(st->db) == 0)
			r = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_dns_record_list(struct store *st, struct store_dns_record **ret_recs, size_t *ret_n)
{
	struct store_dns_record *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st, "SELECT " RECORD_COLUMNS " FROM dns_records ORDER BY id", &stmt);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_dns_record *rec = grow((void **)&list, &n, &cap, sizeof(*list));

		if (rec == NULL) {
			r = -ENOMEM;
			break;
		}
		read_record(stmt, rec);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dns_db_error(st, rc);
	sqlite3_finalize(stmt);
out:
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret_recs = list;
	*ret_n = n;
	return 0;
}

/* Inventory */

/* Parses "2001:db8::/64" or "192.0.2.0/24" into s; false when the text is malformed. */
static bool parse_cidr(const char *text, struct store_dns_subnet *s)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(buf))
		return false;
	memcpy(buf, text, (size_t)(slash - text));
	buf[slash - text] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > (s->family == 6 ? 128 : 32))
		return false;
	if (inet_pton(s->family == 6 ? AF_INET6 : AF_INET, buf, s->network) != 1)
		return false;
	s->prefix_len = (uint8_t)len;
	return true;
}

static bool read_subnet(sqlite3_stmt *stmt, struct store_dns_subnet *s)
{
	const unsigned char *cidr = sqlite3_column_text(stmt, 4);

	s->id = sqlite3_column_int64(stmt, 0);
	s->family = sqlite3_column_int(stmt, 1);
	dns_copy_text(s->domain, sizeof(s->domain), stmt, 5);
	if (s->family == 4) {
		uint32_t net = htonl((uint32_t)sqlite3_column_int64(stmt, 2));
		int len = sqlite3_column_int(stmt, 3);

		memcpy(s->network, &net, 4);
		s->prefix_len = (uint8_t)len;
		return len >= 0 && len <= 32;
	}
	return s->family == 6 && cidr && parse_cidr((const char *)cidr, s);
}

static int load_subnets(struct store *st, struct store_dns_subnet **ret, size_t *ret_n)
{
	struct store_dns_subnet *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	r = dns_prepare(
	        st, "SELECT id, family, network, prefix_len, cidr, domain FROM subnets ORDER BY id",
	        &stmt);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_dns_subnet *s = grow((void **)&list, &n, &cap, sizeof(*list));

		if (s == NULL) {
			r = -ENOMEM;
			break;
		}
		if (!read_subnet(stmt, s))
			n--; /* unparsable row: left out of DNS */
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dns_db_error(st, rc);
	sqlite3_finalize(stmt);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

static bool read_host(sqlite3_stmt *stmt, struct store_dns_host *h)
{
	const unsigned char *addr = sqlite3_column_text(stmt, 5);

	h->machine_id = sqlite3_column_int64(stmt, 0);
	dns_copy_text(h->hostname, sizeof(h->hostname), stmt, 1);
	dns_copy_text(h->ifname, sizeof(h->ifname), stmt, 2);
	h->boot = sqlite3_column_int(stmt, 3) != 0;
	h->family = sqlite3_column_int(stmt, 4);
	h->subnet_id = sqlite3_column_int64(stmt, 6);
	dns_copy_text(h->dns_name, sizeof(h->dns_name), stmt, 7);
	return addr && (h->family == 4 || h->family == 6) &&
	       inet_pton(h->family == 6 ? AF_INET6 : AF_INET, (const char *)addr, h->address) == 1;
}

static int load_hosts(struct store *st, struct store_dns_host **ret, size_t *ret_n)
{
	struct store_dns_host *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *stmt;
	int r, rc;

	r = dns_prepare(st,
	                "SELECT COALESCE(m.id, 0), COALESCE(m.hostname, ''), COALESCE(i.name, ''),"
	                " COALESCE(i.pxe, 0), a.family, a.address, COALESCE(a.subnet_id, 0),"
	                " a.dns_name FROM ip_addresses a"
	                " LEFT JOIN interfaces i ON i.id = a.interface_id"
	                " LEFT JOIN machines m ON m.id = i.machine_id"
	                " WHERE m.id IS NOT NULL OR a.dns_name != ''"
	                " ORDER BY m.id, i.id, a.id",
	                &stmt);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_dns_host *h = grow((void **)&list, &n, &cap, sizeof(*list));

		if (h == NULL) {
			r = -ENOMEM;
			break;
		}
		if (!read_host(stmt, h))
			n--;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dns_db_error(st, rc);
	sqlite3_finalize(stmt);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int store_dns_inventory_load(struct store *st, struct store_dns_inventory *ret_inv)
{
	struct store_dns_inventory inv = { 0 };
	int r;

	pthread_mutex_lock(&st->lock);
	/* One read transaction, so subnets and addresses come from the same commit. */
	(void)sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	r = load_subnets(st, &inv.subnets, &inv.n_subnets);
	if (r == 0)
		r = load_hosts(st, &inv.hosts, &inv.n_hosts);
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
	if (r < 0) {
		store_dns_inventory_done(&inv);
		return r;
	}
	*ret_inv = inv;
	return 0;
}

int store_dns_subnet_list(struct store *st, struct store_dns_subnet **ret_subnets, size_t *ret_n)
{
	int r;

	pthread_mutex_lock(&st->lock);
	r = load_subnets(st, ret_subnets, ret_n);
	pthread_mutex_unlock(&st->lock);
	return r;
}

void store_dns_inventory_done(struct store_dns_inventory *inv)
{
	free(inv->subnets);
	free(inv->hosts);
	memset(inv, 0, sizeof(*inv));
}

/* Zone state */

int store_dns_zone_state_get(struct store *st, const char *apex,
                             struct store_dns_zone_state *ret_state)
{
	sqlite3_stmt *stmt;
	int r, rc;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(st,
	                "SELECT serial, content_hash, serial_ceiling FROM dns_zones WHERE name = ?",
	                &stmt);
	if (r == 0) {
		sqlite3_bind_text(stmt, 1, apex, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			ret_state->serial = (uint32_t)sqlite3_column_int64(stmt, 0);
			ret_state->content_hash = (uint64_t)sqlite3_column_int64(stmt, 1);
			ret_state->serial_ceiling = (uint32_t)sqlite3_column_int64(stmt, 2);
		} else {
			r = rc == SQLITE_DONE ? -ENOENT : dns_db_error(st, rc);
		}
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

int store_dns_zone_state_put(struct store *st, const char *apex,
                             const struct store_dns_zone_state *state)
{
	sqlite3_stmt *stmt;
	int r;

	pthread_mutex_lock(&st->lock);
	r = dns_prepare(
	        st,
	        "INSERT OR REPLACE INTO dns_zones (name, serial, content_hash, serial_ceiling)"
	        " VALUES (?, ?, ?, ?)",
	        &stmt);
	if (r == 0) {
		sqlite3_bind_text(stmt, 1, apex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, state->serial);
		sqlite3_bind_int64(stmt, 3, (int64_t)state->content_hash);
		sqlite3_bind_int64(stmt, 4, state->serial_ceiling);
		r = dns_step_done(st, stmt);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}
