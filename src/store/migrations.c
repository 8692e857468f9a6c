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

/*
 * Inventory: sites, racks, tags, IP addresses (IPv4 and IPv6 as text, so
 * both families share one table), API tokens, and before/after images on
 * events. Subnets gain a text CIDR (for IPv6) and a VLAN id.
 */
static const char migration_2[] =
	"CREATE TABLE sites ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE racks ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,"
	"  name TEXT NOT NULL,"
	"  UNIQUE (site_id, name));"
	"ALTER TABLE machines ADD COLUMN site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL;"
	"ALTER TABLE machines ADD COLUMN rack_id INTEGER REFERENCES racks(id) ON DELETE SET NULL;"
	"ALTER TABLE machines ADD COLUMN position INTEGER;"
	"ALTER TABLE machines ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"CREATE UNIQUE INDEX machines_hostname ON machines(hostname) WHERE hostname != '';"
	"ALTER TABLE subnets ADD COLUMN family INTEGER NOT NULL DEFAULT 4;"
	"ALTER TABLE subnets ADD COLUMN cidr TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE subnets ADD COLUMN vlan INTEGER;"
	"CREATE TABLE tags ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE machine_tags ("
	"  machine_id INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
	"  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (machine_id, tag_id));"
	"CREATE TABLE ip_addresses ("
	"  id INTEGER PRIMARY KEY,"
	"  address TEXT NOT NULL UNIQUE,"
	"  family INTEGER NOT NULL CHECK (family IN (4, 6)),"
	"  subnet_id INTEGER REFERENCES subnets(id) ON DELETE CASCADE,"
	"  interface_id INTEGER REFERENCES interfaces(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('static', 'sticky', 'dhcp')),"
	"  version INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX ip_addresses_interface ON ip_addresses(interface_id);"
	"CREATE INDEX ip_addresses_subnet ON ip_addresses(subnet_id);"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'reader')),"
	"  hash TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL);"
	"ALTER TABLE events ADD COLUMN before TEXT;"
	"ALTER TABLE events ADD COLUMN after TEXT;";

const struct store_migration store_migrations[] = {
	{ 1, migration_1 },
	{ 2, migration_2 },
};

const size_t store_n_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
