/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrations -- schema history. Never edit a released migration: append a
 * new one. IPv4 addresses are stored as integers in host order, MACs as
 * lower-case colon text, times as Unix seconds.
 */
#include "store/migrations.h"

static const char migration_1[] =
	"CREATE TABLE subnets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  network INTEGER NOT NULL,"
	"  prefix_len INTEGER NOT NULL CHECK (prefix_len BETWEEN 0 AND 32),"
	"  gateway INTEGER NOT NULL DEFAULT 0,"
	"  dns TEXT NOT NULL DEFAULT '',"
	"  domain TEXT NOT NULL DEFAULT '',"
	"  lease_time INTEGER NOT NULL,"
	"  interface TEXT NOT NULL DEFAULT '',"
	"  dhcp_enabled INTEGER NOT NULL DEFAULT 1,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE ranges ("
	"  id INTEGER PRIMARY KEY,"
	"  subnet_id INTEGER NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
	"  first INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('dynamic', 'reserved')),"
	"  CHECK (first <= last));"
	"CREATE INDEX ranges_subnet ON ranges(subnet_id, first);"
	"CREATE TABLE leases ("
	"  address INTEGER PRIMARY KEY,"
	"  subnet_id INTEGER NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
	"  client_id BLOB NOT NULL,"
	"  mac TEXT NOT NULL,"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  expires INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2, 3)));"
	"CREATE INDEX leases_client ON leases(subnet_id, client_id);"
	"CREATE TABLE machines ("
	"  id INTEGER PRIMARY KEY,"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL,"
	"  arch TEXT NOT NULL DEFAULT '',"
	"  firmware TEXT NOT NULL DEFAULT '',"
	"  uuid TEXT NOT NULL DEFAULT '',"
	"  first_address INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL,"
	"  reported_at INTEGER NOT NULL DEFAULT 0,"
	"  cpu_count INTEGER NOT NULL DEFAULT 0,"
	"  memory_bytes INTEGER NOT NULL DEFAULT 0,"
	"  facts TEXT NOT NULL DEFAULT '{}',"
	"  agent_token_hash TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE interfaces ("
	"  id INTEGER PRIMARY KEY,"
	"  machine_id INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  mac TEXT NOT NULL UNIQUE,"
	"  pxe INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX interfaces_machine ON interfaces(machine_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  detail TEXT);";

const struct store_migration store_migrations[] = {
	{ 1, migration_1 },
};

const size_t store_n_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
