/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrations -- the numbered schema changes of the SQLite store.
 * Migration N is applied once, in order, inside a transaction, and recorded
 * in PRAGMA user_version; a database newer than this binary is rejected.
 */
#pragma once

#include <stddef.h>

struct store_migration {
	int version;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const size_t store_n_migrations;
