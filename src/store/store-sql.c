/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-sql -- transactions and the SQL helpers of the inventory files:
 * statement building with bound arguments, row collection, version checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store-internal.h"
#include "store/store-inventory.h"

#define COLLECT_MAX 1000000 /* rows one call may return */

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

int store_db_error(struct store *st, int rc)
{
	int extended = sqlite3_extended_errcode(st->db);

	(void)snprintf(st->last_error, sizeof(st->last_error), "%s", sqlite3_errmsg(st->db));
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (extended == SQLITE_CONSTRAINT_FOREIGNKEY)
			return -ENOENT;
		if (extended == SQLITE_CONSTRAINT_CHECK || extended == SQLITE_CONSTRAINT_NOTNULL)
			return -EINVAL;
		return -EEXIST;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_TOOBIG:
		return -E2BIG;
	default:
		return -EIO;
	}
}

int store_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_db_error(st, rc);
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **ret_stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, ret_stmt, NULL);

	return rc == SQLITE_OK ? 0 : store_db_error(st, rc);
}

int store_step_done(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : store_db_error(st, rc);

	sqlite3_finalize(stmt);
	return r;
}

int store_query_int(struct store *st, sqlite3_stmt *stmt, int64_t *ret_value)
{
	int rc = sqlite3_step(stmt);
	int r = 0;

	if (rc == SQLITE_ROW)
		*ret_value = sqlite3_column_int64(stmt, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(st, rc);
	sqlite3_finalize(stmt);
	return r;
}

void store_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	(void)snprintf(dst, size, "%s", t ? (const char *)t : "");
}

void store_sql_init(struct store_sql *q, const char *text)
{
	q->len = 0;
	q->overflow = false;
	q->n_args = 0;
	q->text[0] = '\0';
	store_sql_add(q, text);
}

void store_sql_add(struct store_sql *q, const char *text)
{
	size_t n = strlen(text);

	if (q->overflow || n >= sizeof(q->text) - q->len) {
		q->overflow = true;
		return;
	}
	memcpy(q->text + q->len, text, n + 1);
	q->len += n;
}

void store_sql_int(struct store_sql *q, int64_t v)
{
	if (q->n_args >= STORE_SQL_ARGS_MAX) {
		q->overflow = true;
		return;
	}
	q->args[q->n_args].is_text = false;
	q->args[q->n_args].i = v;
	q->n_args++;
}

void store_sql_text(struct store_sql *q, const char *s)
{
	if (q->n_args >= STORE_SQL_ARGS_MAX) {
		q->overflow = true;
		return;
	}
	q->args[q->n_args].is_text = true;
	q->args[q->n_args].s = s;
	q->n_args++;
}

int store_sql_prepare(struct store *st, struct store_sql *q, sqlite3_stmt **ret_stmt)
{
	sqlite3_stmt *stmt;
	int r;

	if (q->overflow)
		return -E2BIG;
	r = store_prepare(st, q->text, &stmt);
	if (r < 0)
		return r;
	for (size_t i = 0; i < q->n_args; i++) {
		int idx = (int)i + 1;

		if (q->args[i].is_text)
			sqlite3_bind_text(stmt, idx, q->args[i].s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(stmt, idx, q->args[i].i);
	}
	*ret_stmt = stmt;
	return 0;
}

int store_collect(struct store *st, sqlite3_stmt *stmt, size_t elem_size,
                  void (*read_row)(sqlite3_stmt *stmt, void *elem), void **ret_items, size_t *ret_n)
{
	char *items = NULL;
	size_t n = 0, cap = 0;
	int r = 0, rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = ncap > COLLECT_MAX ? NULL : realloc(items, ncap * elem_size);

			if (p == NULL) {
				r = -ENOMEM;
				break;
			}
			items = p;
			cap = ncap;
		}
		memset(items + n * elem_size, 0, elem_size);
		read_row(stmt, items + n * elem_size);
		n++;
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_db_error(st, rc);
	sqlite3_finalize(stmt);
	if (r < 0) {
		free(items);
		return r;
	}
	*ret_items = items;
	*ret_n = n;
	return 0;
}

int store_row_missing_or_stale(struct store *st, const char *table, int64_t id)
{
	char sql[96];
	sqlite3_stmt *stmt;
	int64_t version;
	int r;

	(void)snprintf(sql, sizeof(sql), "SELECT version FROM %s WHERE id = ?", table);
	r = store_prepare(st, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = store_query_int(st, stmt, &version);
	return r < 0 ? r : -ESTALE;
}

bool store_is_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int store_list_page(struct store_txn *tx, const char *columns, const char *from,
                    const char *count_from, const char *order_col, store_where_fn *where,
                    const void *filter, const struct store_page *page, size_t elem_size,
                    void (*read_row)(sqlite3_stmt *stmt, void *elem), void **ret_items,
                    size_t *ret_n, int64_t *ret_total)
{
	struct store *st = tx->st;
	struct store_sql q;
	sqlite3_stmt *stmt;
	int64_t total = 0;
	int r;

	store_sql_init(&q, "SELECT COUNT(*) FROM ");
	store_sql_add(&q, count_from ? count_from : from);
	store_sql_add(&q, " WHERE 1");
	where(&q, filter);
	r = store_sql_prepare(st, &q, &stmt);
	if (r < 0)
		return r;
	r = store_query_int(st, stmt, &total);
	if (r < 0)
		return r;

	store_sql_init(&q, "SELECT ");
	store_sql_add(&q, columns);
	store_sql_add(&q, " FROM ");
	store_sql_add(&q, from);
	store_sql_add(&q, " WHERE 1");
	where(&q, filter);
	if (page->after > 0) {
		store_sql_add(&q, " AND ");
		store_sql_add(&q, order_col);
		store_sql_add(&q, page->descending ? " < ?" : " > ?");
		store_sql_int(&q, page->after);
	}
	store_sql_add(&q, " ORDER BY ");
	store_sql_add(&q, order_col);
	store_sql_add(&q, page->descending ? " DESC LIMIT ? OFFSET ?" : " LIMIT ? OFFSET ?");
	store_sql_int(&q, page->limit);
	store_sql_int(&q, page->offset);
	r = store_sql_prepare(st, &q, &stmt);
	if (r < 0)
		return r;
	r = store_collect(st, stmt, elem_size, read_row, ret_items, ret_n);
	if (r == 0)
		*ret_total = total;
	return r;
}

/* Transactions */

int store_txn_begin(struct store *st, bool write, struct store_txn **ret_txn)
{
	struct store_txn *tx;
	int r;

	tx = calloc(1, sizeof(*tx));
	if (tx == NULL)
		return -ENOMEM;
	tx->st = st;
	tx->write = write;
	pthread_mutex_lock(&st->lock);
	r = store_exec(st, write ? "BEGIN IMMEDIATE" : "BEGIN");
	if (r < 0) {
		pthread_mutex_unlock(&st->lock);
		free(tx);
		return r;
	}
	*ret_txn = tx;
	return 0;
}

int store_txn_commit(struct store_txn *tx)
{
	struct store *st = tx->st;
	int r;

	r = store_exec(st, "COMMIT");
	if (r < 0) {
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else if (tx->write) {
		atomic_fetch_add(&st->inventory_generation, 1);
		if (tx->dhcp_changed)
			atomic_fetch_add(&st->config_generation, 1);
	}
	pthread_mutex_unlock(&st->lock);
	free(tx);
	return r;
}

void store_txn_abort(struct store_txn *tx)
{
	if (tx == NULL)
		return;
	(void)sqlite3_exec(tx->st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&tx->st->lock);
	free(tx);
}

const char *store_txn_last_error(struct store_txn *tx)
{
	return tx->st->last_error;
}

uint64_t store_inventory_generation(struct store *st)
{
	return atomic_load(&st->inventory_generation);
}
