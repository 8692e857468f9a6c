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

/*
 * DNS: records added over the API (data in presentation form, checked by the
 * API before insert) and the serial state of each served zone. The content
 * hash tells a restarted rackd whether a zone changed while it was down;
 * serial_ceiling bounds the serials served before the state was written.
 */
static const char migration_3[] =
        "CREATE TABLE dns_records ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  type TEXT NOT NULL CHECK (type IN ('A', 'AAAA', 'CNAME', 'TXT', 'SRV', 'MX', 'NS')),"
        "  ttl INTEGER NOT NULL DEFAULT 0 CHECK (ttl BETWEEN 0 AND 2147483647),"
        "  data TEXT NOT NULL,"
        "  created INTEGER NOT NULL,"
        "  updated INTEGER NOT NULL,"
        "  UNIQUE (name, type, data));"
        "CREATE TABLE dns_zones ("
        "  name TEXT PRIMARY KEY,"
        "  serial INTEGER NOT NULL,"
        "  content_hash INTEGER NOT NULL,"
        "  serial_ceiling INTEGER NOT NULL);";

/*
 * Inventory API: versions for optimistic concurrency (ETag / If-Match),
 * bumped by triggers on every update so writers that do not know about
 * them (the agent report, config-file subnets) still move the ETag; sort
 * keys (32 hex digits of the 128-bit address, IPv4 as ::ffff:a.b.c.d) so
 * IPv4 and IPv6 subnets, ranges and addresses share one ordering; rack
 * heights and positions; at most one PXE interface per machine.
 */
#define V4_KEY(col) "printf('00000000000000000000ffff%08x', " col ")"
#define V4_LAST_KEY \
	"printf('00000000000000000000ffff%08x', NEW.network + (1 << (32 - NEW.prefix_len)) - 1)"
#define V4_CIDR(net, len)                                                              \
	"printf('%d.%d.%d.%d/%d', (" net " >> 24) & 255, (" net " >> 16) & 255, (" net \
	" >> 8) & 255, " net " & 255, " len ")"
#define VERSION_TRIGGER(table)                                    \
	"CREATE TRIGGER " table "_version AFTER UPDATE ON " table \
	" WHEN NEW.version = OLD.version BEGIN"                   \
	" UPDATE " table " SET version = OLD.version + 1 WHERE id = NEW.id; END;"
#define MACHINE_TOUCH(ref) " UPDATE machines SET version = version + 1 WHERE id = " ref ";"

/* clang-format off */
static const char migration_4[] =
	"ALTER TABLE sites ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE racks ADD COLUMN description TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE racks ADD COLUMN height INTEGER NOT NULL DEFAULT 42;"
	"ALTER TABLE racks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE tags ADD COLUMN description TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE interfaces ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE api_tokens ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE subnets ADD COLUMN gateway6 TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE subnets ADD COLUMN first_key TEXT;"
	"ALTER TABLE subnets ADD COLUMN last_key TEXT;"
	"ALTER TABLE subnets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"UPDATE subnets SET first_key = " V4_KEY("network") ","
	"  last_key = printf('00000000000000000000ffff%08x', network + (1 << (32 - prefix_len)) - 1),"
	"  cidr = " V4_CIDR("network", "prefix_len") " WHERE family = 4;"
	"CREATE TRIGGER subnets_v4_keys_insert AFTER INSERT ON subnets WHEN NEW.family = 4 BEGIN"
	"  UPDATE subnets SET first_key = " V4_KEY("NEW.network") ", last_key = " V4_LAST_KEY ","
	"  cidr = " V4_CIDR("NEW.network", "NEW.prefix_len") " WHERE id = NEW.id; END;"
	"CREATE TRIGGER subnets_v4_keys_update AFTER UPDATE OF network, prefix_len ON subnets"
	"  WHEN NEW.family = 4 BEGIN"
	"  UPDATE subnets SET first_key = " V4_KEY("NEW.network") ", last_key = " V4_LAST_KEY ","
	"  cidr = " V4_CIDR("NEW.network", "NEW.prefix_len") " WHERE id = NEW.id; END;"
	"CREATE INDEX subnets_keys ON subnets(family, first_key);"
	"ALTER TABLE ranges ADD COLUMN first_key TEXT;"
	"ALTER TABLE ranges ADD COLUMN last_key TEXT;"
	"ALTER TABLE ranges ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
	"UPDATE ranges SET first_key = " V4_KEY("first") ", last_key = " V4_KEY("last") ";"
	"CREATE TRIGGER ranges_v4_keys AFTER INSERT ON ranges WHEN NEW.first_key IS NULL BEGIN"
	"  UPDATE ranges SET first_key = " V4_KEY("NEW.first") ", last_key = "
	V4_KEY("NEW.last") "  WHERE id = NEW.id; END;"
	"ALTER TABLE ip_addresses ADD COLUMN key TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE ip_addresses ADD COLUMN description TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE ip_addresses ADD COLUMN dns_name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE ip_addresses ADD COLUMN created INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX ip_addresses_key ON ip_addresses(family, key);"
	"CREATE UNIQUE INDEX interfaces_pxe ON interfaces(machine_id) WHERE pxe = 1;"
	"CREATE UNIQUE INDEX machines_position ON machines(rack_id, position)"
	"  WHERE rack_id IS NOT NULL AND position IS NOT NULL;"
	"CREATE INDEX machines_state ON machines(state);"
	"CREATE INDEX machines_first_address ON machines(first_address);"
	"CREATE INDEX machines_site ON machines(site_id);"
	"CREATE INDEX machines_rack ON machines(rack_id);"
	"CREATE INDEX machine_tags_tag ON machine_tags(tag_id);"
	"CREATE INDEX leases_mac ON leases(mac);"
	"CREATE INDEX events_object ON events(object);"
	VERSION_TRIGGER("sites")
	VERSION_TRIGGER("racks")
	VERSION_TRIGGER("tags")
	VERSION_TRIGGER("interfaces")
	VERSION_TRIGGER("api_tokens")
	VERSION_TRIGGER("subnets")
	VERSION_TRIGGER("ranges")
	VERSION_TRIGGER("ip_addresses")
	/* The agent token changes at every boot; it is not part of the machine's ETag. */
	"CREATE TRIGGER machines_version AFTER UPDATE OF hostname, state, arch, firmware, uuid,"
	"  first_address, cpu_count, memory_bytes, facts, reported_at, site_id, rack_id, position"
	"  ON machines WHEN NEW.version = OLD.version BEGIN"
	"  UPDATE machines SET version = OLD.version + 1 WHERE id = NEW.id; END;"
	/* A machine's representation carries its tags and its PXE interface's MAC. */
	"CREATE TRIGGER machine_tags_insert AFTER INSERT ON machine_tags BEGIN"
	MACHINE_TOUCH("NEW.machine_id") " END;"
	"CREATE TRIGGER machine_tags_delete AFTER DELETE ON machine_tags BEGIN"
	MACHINE_TOUCH("OLD.machine_id") " END;"
	"CREATE TRIGGER interfaces_insert AFTER INSERT ON interfaces BEGIN"
	MACHINE_TOUCH("NEW.machine_id") " END;"
	"CREATE TRIGGER interfaces_delete AFTER DELETE ON interfaces BEGIN"
	MACHINE_TOUCH("OLD.machine_id") " END;"
	"CREATE TRIGGER interfaces_update AFTER UPDATE OF mac, pxe, machine_id ON interfaces BEGIN"
	MACHINE_TOUCH("OLD.machine_id")
	MACHINE_TOUCH("NEW.machine_id") " END;";
/* clang-format on */

/*
 * BMCs and the machine lifecycle: one BMC per machine (the password sealed
 * by rackd, never stored in clear), its last known power state, and per
 * machine the lifecycle bookkeeping: the stage it waits in, the deadline
 * after which it goes to broken, the agent's task and its progress.
 */
static const char migration_5[] =
        "CREATE TABLE bmcs ("
        "  machine_id INTEGER PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
        "  type TEXT NOT NULL CHECK (type IN ('ipmi', 'redfish', 'qemu')),"
        "  address TEXT NOT NULL,"
        "  username TEXT NOT NULL DEFAULT '',"
        "  secret TEXT NOT NULL DEFAULT '',"
        "  power_state TEXT NOT NULL DEFAULT 'unknown',"
        "  power_error TEXT NOT NULL DEFAULT '',"
        "  power_checked INTEGER NOT NULL DEFAULT 0,"
        "  updated INTEGER NOT NULL);"
        "CREATE TABLE machine_lifecycle ("
        "  machine_id INTEGER PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
        "  stage TEXT NOT NULL DEFAULT '',"
        "  since INTEGER NOT NULL DEFAULT 0,"
        "  deadline INTEGER NOT NULL DEFAULT 0,"
        "  reason TEXT NOT NULL DEFAULT '',"
        "  task TEXT NOT NULL DEFAULT '{}',"
        "  progress INTEGER NOT NULL DEFAULT -1,"
        "  progress_message TEXT NOT NULL DEFAULT '',"
        "  progress_updated INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX machine_lifecycle_deadline ON machine_lifecycle(deadline) WHERE deadline > 0;";

/*
 * API tokens gain an expiry time (0: never) and the time they were last used.
 * Recording a use leaves the token's version, and so its ETag, as it was.
 * Events get an index on their time.
 */
static const char migration_6[] =
        "ALTER TABLE api_tokens ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE api_tokens ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;"
        "DROP TRIGGER api_tokens_version;"
        "CREATE TRIGGER api_tokens_version AFTER UPDATE OF name, role, expires ON api_tokens"
        "  WHEN NEW.version = OLD.version BEGIN"
        "  UPDATE api_tokens SET version = OLD.version + 1 WHERE id = NEW.id; END;"
        /* Retention deletes the oldest events, and lists filter on since and until. */
        "CREATE INDEX events_time ON events(time);";

const struct store_migration store_migrations[] = {
	{ 1, migration_1 }, { 2, migration_2 }, { 3, migration_3 },
	{ 4, migration_4 }, { 5, migration_5 }, { 6, migration_6 },
};

const size_t store_n_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
