/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-internal -- the store's connection state and the SQL helpers shared
 * by the files of src/store (store-sql.c implements the helpers).
 */
#pragma once

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_page;

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	_Atomic uint64_t config_generation;    /* subnets and ranges (DHCP view) */
	_Atomic uint64_t inventory_generation; /* any committed write transaction */
	char last_error[256];
	/* Row changes seen by the update hook, read by store-dns.c. */
	_Atomic uint32_t dns_inventory_changes;
	_Atomic uint32_t dns_record_changes;
	_Atomic uint32_t dns_wake; /* futex word, bumped with either counter */
	_Atomic uint32_t dns_waiters;
	_Atomic uint32_t dns_applied_inventory; /* counters the DNS view has caught up with */
	_Atomic uint32_t dns_applied_records;
};

/* A transaction from store_txn_begin(): holds st->lock until commit or abort. */
struct store_txn {
	struct store *st;
	bool write;
	bool dhcp_changed; /* bump config_generation on commit */
};

#define STORE_SQL_TEXT_MAX 4096
#define STORE_SQL_ARGS_MAX 64

/* SQL text built piece by piece with its bound arguments; overflow makes prepare fail. */
struct store_sql {
	char text[STORE_SQL_TEXT_MAX];
	size_t len;
	bool overflow;
	struct {
		bool is_text;
		int64_t i;
		const char *s; /* borrowed until store_sql_prepare() */
	} args[STORE_SQL_ARGS_MAX];
	size_t n_args;
};

typedef void store_where_fn(struct store_sql *q, const void *filter);

int64_t store_now(void);

/* Records the connection's error text and maps the SQLite code to -errno. */
int store_db_error(struct store *st, int rc);
int store_exec(struct store *st, const char *sql);
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **ret_stmt);
/* Runs a statement that returns no rows and finalizes it. */
int store_step_done(struct store *st, sqlite3_stmt *stmt);
/* Steps a one-column statement, finalizes it; -ENOENT when it returned no row. */
int store_query_int(struct store *st, sqlite3_stmt *stmt, int64_t *ret_value);
void store_copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col);

void store_sql_init(struct store_sql *q, const char *text);
void store_sql_add(struct store_sql *q, const char *text);
void store_sql_int(struct store_sql *q, int64_t v);
void store_sql_text(struct store_sql *q, const char *s);
int store_sql_prepare(struct store *st, struct store_sql *q, sqlite3_stmt **ret_stmt);

/* Steps stmt to the end, reading each row into a growing array; finalizes stmt. */
int store_collect(struct store *st, sqlite3_stmt *stmt, size_t elem_size,
                  void (*read_row)(sqlite3_stmt *stmt, void *elem), void **ret_items,
                  size_t *ret_n);

/* After a guarded write changed nothing: -ENOENT when row id is gone, else -ESTALE. */
int store_row_missing_or_stale(struct store *st, const char *table, int64_t id);

/* True when s is a decimal id (digits only, at most 18). */
bool store_is_id(const char *s);

/*
 * Counts and lists one page of rows of from, filtered by where, ordered by
 * order_col. count_from (NULL: from) is what the total counts over; a list
 * whose join only adds columns counts its main table alone, which is faster.
 */
int store_list_page(struct store_txn *tx, const char *columns, const char *from,
                    const char *count_from, const char *order_col, store_where_fn *where,
                    const void *filter, const struct store_page *page, size_t elem_size,
                    void (*read_row)(sqlite3_stmt *stmt, void *elem), void **ret_items,
                    size_t *ret_n, int64_t *ret_total);

/* sqlite3_update_hook() callback (store-dns.c): counts changes to the tables zones come from. */
void store_dns_on_update(void *ctx, int op, const char *db_name, const char *table,
                         sqlite3_int64 rowid);
