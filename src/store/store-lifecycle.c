/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-lifecycle -- SQL for the bmcs and machine_lifecycle tables and the
 * machine state column.
 */
#include "store/store-lifecycle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-internal.h"

/* 0 when the statement changed a row, -ENOENT when it changed none. */
static int step_changed(struct store *st, sqlite3_stmt *stmt)
{
	int r = store_step_done(st, stmt);

	if (r == 0 && sqlite3_changes(st->db) == 0)
		return -ENOENT;
	return r;
}

int store_bmc_put(struct store_txn *tx, const struct store_bmc *bmc)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "INSERT INTO bmcs (machine_id, type, address, username, secret,"
	                  " power_state, power_error, power_checked, updated)"
	                  " VALUES (?, ?, ?, ?, ?, 'unknown', '', 0, ?)"
	                  " ON CONFLICT (machine_id) DO UPDATE SET type = excluded.type,"
	                  " address = excluded.address, username = excluded.username,"
	                  " secret = excluded.secret, power_state = 'unknown', power_error = '',"
	                  " power_checked = 0, updated = excluded.updated",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, bmc->machine_id);
	sqlite3_bind_text(stmt, 2, bmc->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, bmc->address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, bmc->username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 5, bmc->secret, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 6, store_now());
	return store_step_done(tx->st, stmt);
}

int store_bmc_get(struct store_txn *tx, int64_t machine_id, struct store_bmc *ret_bmc)
{
	struct store_bmc b = { .machine_id = machine_id };
	sqlite3_stmt *stmt;
	int rc, r;

	r = store_prepare(tx->st,
	                  "SELECT type, address, username, secret, power_state, power_error,"
	                  " power_checked, updated FROM bmcs WHERE machine_id = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, machine_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_copy_text(b.type, sizeof(b.type), stmt, 0);
		store_copy_text(b.address, sizeof(b.address), stmt, 1);
		store_copy_text(b.username, sizeof(b.username), stmt, 2);
		store_copy_text(b.secret, sizeof(b.secret), stmt, 3);
		store_copy_text(b.power_state, sizeof(b.power_state), stmt, 4);
		store_copy_text(b.power_error, sizeof(b.power_error), stmt, 5);
		b.power_checked = sqlite3_column_int64(stmt, 6);
		b.updated = sqlite3_column_int64(stmt, 7);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
	}
	sqlite3_finalize(stmt);
	if (r == 0)
		*ret_bmc = b;
	return r;
}

int store_bmc_delete(struct store_txn *tx, int64_t machine_id)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "DELETE FROM bmcs WHERE machine_id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, machine_id);
	return step_changed(tx->st, stmt);
}

int store_bmc_set_power(struct store_txn *tx, int64_t machine_id, const char *power_state,
                        const char *error, int64_t now)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE bmcs SET power_state = ?, power_error = ?, power_checked = ?"
	                  " WHERE machine_id = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, power_state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, error ? error : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, machine_id);
	return step_changed(tx->st, stmt);
}

int store_lifecycle_get(struct store_txn *tx, int64_t machine_id, struct store_lifecycle *ret)
{
	struct store_lifecycle lc = { .machine_id = machine_id, .progress = -1 };
	const unsigned char *task;
	sqlite3_stmt *stmt;
	int rc, r;

	r = store_prepare(tx->st,
	                  "SELECT m.state, l.stage, l.since, l.deadline, l.reason, l.task,"
	                  " l.progress, l.progress_message, l.progress_updated"
	                  " FROM machines m LEFT JOIN machine_lifecycle l ON l.machine_id = m.id"
	                  " WHERE m.id = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, machine_id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -ENOENT : store_db_error(tx->st, rc);
		sqlite3_finalize(stmt);
		return r;
	}
	store_copy_text(lc.state, sizeof(lc.state), stmt, 0);
	store_copy_text(lc.stage, sizeof(lc.stage), stmt, 1);
	lc.since = sqlite3_column_int64(stmt, 2);
	lc.deadline = sqlite3_column_int64(stmt, 3);
	store_copy_text(lc.reason, sizeof(lc.reason), stmt, 4);
	task = sqlite3_column_text(stmt, 5);
	lc.task = strdup(task ? (const char *)task : "{}");
	if (sqlite3_column_type(stmt, 6) != SQLITE_NULL)
		lc.progress = sqlite3_column_int(stmt, 6);
	store_copy_text(lc.progress_message, sizeof(lc.progress_message), stmt, 7);
	lc.progress_updated = sqlite3_column_int64(stmt, 8);
	sqlite3_finalize(stmt);
	if (lc.task == NULL)
		return -ENOMEM;
	*ret = lc;
	return 0;
}

void store_lifecycle_done(struct store_lifecycle *lc)
{
	free(lc->task);
	lc->task = NULL;
}

int store_lifecycle_put(struct store_txn *tx, const struct store_lifecycle *lc)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st, "UPDATE machines SET state = ? WHERE id = ?", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, lc->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, lc->machine_id);
	r = step_changed(tx->st, stmt);
	if (r < 0)
		return r;
	r = store_prepare(
	        tx->st,
	        "INSERT INTO machine_lifecycle (machine_id, stage, since, deadline, reason,"
	        " task, progress, progress_message, progress_updated)"
	        " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, '{}'), ?7, ?8, ?9)"
	        " ON CONFLICT (machine_id) DO UPDATE SET stage = ?2, since = ?3,"
	        " deadline = ?4, reason = ?5, task = coalesce(?6, task), progress = ?7,"
	        " progress_message = ?8, progress_updated = ?9",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, lc->machine_id);
	sqlite3_bind_text(stmt, 2, lc->stage, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, lc->since);
	sqlite3_bind_int64(stmt, 4, lc->deadline);
	sqlite3_bind_text(stmt, 5, lc->reason, -1, SQLITE_TRANSIENT);
	if (lc->task)
		sqlite3_bind_text(stmt, 6, lc->task, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, 6);
	sqlite3_bind_int(stmt, 7, lc->progress);
	sqlite3_bind_text(stmt, 8, lc->progress_message, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 9, lc->progress_updated);
	return store_step_done(tx->st, stmt);
}

int store_lifecycle_set_progress(struct store_txn *tx, int64_t machine_id, int progress,
                                 const char *message, int64_t now)
{
	sqlite3_stmt *stmt;
	int r;

	r = store_prepare(tx->st,
	                  "UPDATE machine_lifecycle SET progress = ?, progress_message = ?,"
	                  " progress_updated = ? WHERE machine_id = ?",
	                  &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, progress);
	sqlite3_bind_text(stmt, 2, message ? message : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, machine_id);
	return step_changed(tx->st, stmt);
}

int store_lifecycle_expired(struct store_txn *tx, int64_t now, int64_t *ids, size_t max)
{
	sqlite3_stmt *stmt;
	size_t n = 0;
	int rc, r;

	r = store_prepare(
	        tx->st,
	        "SELECT machine_id FROM machine_lifecycle WHERE deadline > 0 AND deadline <= ?"
	        " ORDER BY deadline LIMIT ?",
	        &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(stmt, 0);
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(tx->st, rc);
	sqlite3_finalize(stmt);
	return r < 0 ? r : (int)n;
}
