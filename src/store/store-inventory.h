/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-inventory -- transactions, sites, racks, tags, machines, interfaces,
 * events and API tokens for the REST API.
 *
 * Every call here runs inside a transaction from store_txn_begin(): it holds
 * the store's mutex, so the calls of one request (read the current row,
 * check its version, write, append the audit event) happen atomically and
 * no other thread reads a half-done change. Never call the self-locking
 * functions of store.h while a transaction is open on the same store: the
 * mutex is not recursive. Calls return 0 or a negative errno and never log.
 *
 * Optimistic concurrency: every row has a version that a trigger bumps on
 * each update. Update and delete calls take expected_version (0: do not
 * check) and return -ESTALE when the row moved on.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_PAGE_MAX         1000 /* rows per list call */
#define STORE_TEXT_MAX         256  /* descriptions, including NUL */
#define STORE_STATE_MAX        16
#define STORE_MACHINE_TAGS_MAX 32
#define STORE_TAGS_TEXT_MAX    (STORE_MACHINE_TAGS_MAX * STORE_NAME_MAX)
#define STORE_ACTOR_MAX        80
#define STORE_ROLE_MAX         16
#define STORE_RACK_HEIGHT_MAX  100

struct store_txn;

/*
 * Locks the store and opens a transaction: BEGIN IMMEDIATE when write (so
 * the write lock is taken up front and two writers never interleave), a
 * deferred BEGIN for reads. Caller ends it with store_txn_commit() or
 * store_txn_abort(). Errors: -ENOMEM, -EBUSY, -EIO.
 */
int store_txn_begin(struct store *st, bool write, struct store_txn **ret_txn);

/*
 * Commits and frees tx; a write transaction that touched what DHCP serves
 * bumps store_config_generation(), and every write transaction bumps
 * store_inventory_generation(). On failure the transaction is rolled back
 * and tx is freed all the same.
 */
int store_txn_commit(struct store_txn *tx);

/* Rolls back and frees tx. Accepts NULL. */
void store_txn_abort(struct store_txn *tx);

/* Text of the last SQLite error of the transaction's store. */
const char *store_txn_last_error(struct store_txn *tx);

/*
 * Counter bumped by every committed inventory change (machines, interfaces,
 * addresses, subnets, tags...), for views other than DHCP's that follow the
 * inventory (DNS zones, caches).
 */
uint64_t store_inventory_generation(struct store *st);

/*
 * A page of a list: at most limit rows (1..STORE_PAGE_MAX), skipping offset
 * rows, and only rows whose id (the list's order key) is above after when
 * after is non-zero. Lists are ordered by id, so pages are stable.
 */
struct store_page {
	int64_t limit;
	int64_t offset;
	int64_t after;   /* keyset cursor: rows past this key in the list's order; 0 for none */
	bool descending; /* highest key first */
};

/* Sites */

struct store_site {
	int64_t id;
	char name[STORE_NAME_MAX];
	char description[STORE_TEXT_MAX];
	int64_t version;
};

/* Lists sites (name filter exact, NULL for all); caller frees *ret_sites. */
int store_site_list(struct store_txn *tx, const char *name, const struct store_page *page,
                    struct store_site **ret_sites, size_t *ret_n, int64_t *ret_total);
int store_site_get(struct store_txn *tx, int64_t id, struct store_site *ret_site);
/* -EEXIST when the name is taken. */
int store_site_insert(struct store_txn *tx, const struct store_site *site, int64_t *ret_id);
/* Writes name and description. -ENOENT, -ESTALE, -EEXIST. */
int store_site_update(struct store_txn *tx, const struct store_site *site,
                      int64_t expected_version);
/* -ENOENT, -ESTALE, -EBUSY when racks still belong to the site. */
int store_site_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Racks */

struct store_rack {
	int64_t id;
	int64_t site_id;
	char name[STORE_NAME_MAX];
	char description[STORE_TEXT_MAX];
	uint32_t height; /* rack units, 1..STORE_RACK_HEIGHT_MAX */
	int64_t version;
};

/* site_id 0 lists every site's racks; name NULL matches all. */
int store_rack_list(struct store_txn *tx, int64_t site_id, const char *name,
                    const struct store_page *page, struct store_rack **ret_racks, size_t *ret_n,
                    int64_t *ret_total);
int store_rack_get(struct store_txn *tx, int64_t id, struct store_rack *ret_rack);
/* -EEXIST when the site has a rack of that name; -ENOENT when the site does not exist. */
int store_rack_insert(struct store_txn *tx, const struct store_rack *rack, int64_t *ret_id);
/* -ENOENT, -ESTALE, -EEXIST; -ERANGE when a machine sits above the new height. */
int store_rack_update(struct store_txn *tx, const struct store_rack *rack,
                      int64_t expected_version);
/* Machines in the rack keep their site and lose rack and position. -ENOENT, -ESTALE. */
int store_rack_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Tags */

struct store_tag {
	int64_t id;
	char name[STORE_NAME_MAX];
	char description[STORE_TEXT_MAX];
	int64_t n_machines; /* read only */
	int64_t version;
};

int store_tag_list(struct store_txn *tx, const char *name, const struct store_page *page,
                   struct store_tag **ret_tags, size_t *ret_n, int64_t *ret_total);
int store_tag_get(struct store_txn *tx, int64_t id, struct store_tag *ret_tag);
int store_tag_insert(struct store_txn *tx, const struct store_tag *tag, int64_t *ret_id);
int store_tag_update(struct store_txn *tx, const struct store_tag *tag, int64_t expected_version);
/* Removes the tag from every machine. -ENOENT, -ESTALE. */
int store_tag_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Machines */

/* A machine with its place in the racks, tags and version. */
struct store_machine_info {
	struct store_machine m; /* agent_token_hash is left empty */
	int64_t site_id;        /* 0: none */
	int64_t rack_id;        /* 0: none */
	uint32_t position;      /* lowest rack unit, 0: none */
	int64_t version;
	char tags[STORE_TAGS_TEXT_MAX]; /* names, sorted, comma-separated */
};

/* Filters of a machine list; zero or NULL members do not filter. */
struct store_machine_filter {
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN]; /* any interface of the machine */
	const char *hostname;
	const char *state;
	const char *tag;
	const char *site;  /* id or name */
	const char *rack;  /* id or name */
	int64_t subnet_id; /* an address of the machine, or a lease of one of its MACs, in it */
	const char *address_key; /* ipaddr_key() of an address of the machine */
	bool has_v4_address;
	uint32_t v4_address; /* the same address as IPv4, also matched against leases */
};

int store_machine_info_list(struct store_txn *tx, const struct store_machine_filter *filter,
                            const struct store_page *page, struct store_machine_info **ret_machines,
                            size_t *ret_n, int64_t *ret_total);
int store_machine_info_get(struct store_txn *tx, int64_t id, struct store_machine_info *ret);

/* Returns the id of the machine named hostname, or -ENOENT. */
int store_machine_find_hostname(struct store_txn *tx, const char *hostname, int64_t *ret_id);

/* Returns the id of the machine in rack_id at position, or -ENOENT. */
int store_machine_find_position(struct store_txn *tx, int64_t rack_id, uint32_t position,
                                int64_t *ret_id);

/*
 * Creates a machine from info (hostname, state, arch, firmware, uuid, site,
 * rack, position) with a PXE interface for info->m.mac when has_mac.
 * -EEXIST on a duplicate hostname, MAC or rack position.
 */
int store_machine_insert(struct store_txn *tx, const struct store_machine_info *info, bool has_mac,
                         int64_t *ret_id);

/* Writes the same fields as store_machine_insert(). -ENOENT, -ESTALE, -EEXIST. */
int store_machine_update(struct store_txn *tx, const struct store_machine_info *info,
                         int64_t expected_version);

/*
 * Replaces the machine's tags with names (each at most STORE_NAME_MAX - 1
 * bytes), creating tags that do not exist yet. -E2BIG above
 * STORE_MACHINE_TAGS_MAX.
 */
int store_machine_set_tags(struct store_txn *tx, int64_t id, const char *const *names, size_t n);

/*
 * Deletes the machine and its interfaces; its addresses stay, unbound.
 * -ENOENT, -ESTALE.
 */
int store_machine_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Returns the agent report of the machine as JSON text; caller frees. "{}" when none. */
int store_machine_facts(struct store_txn *tx, int64_t id, char **ret_json);

/* Interfaces */

struct store_interface {
	int64_t id;
	int64_t machine_id;
	char name[STORE_IFNAME_MAX];
	uint8_t mac[ADDR_MAC_LEN];
	bool pxe; /* the interface the machine boots from; one per machine */
	int64_t version;
};

struct store_interface_filter {
	int64_t machine_id;
	bool has_mac;
	uint8_t mac[ADDR_MAC_LEN];
	const char *name;
	int pxe; /* -1: any, 0 or 1 */
};

int store_interface_list(struct store_txn *tx, const struct store_interface_filter *filter,
                         const struct store_page *page, struct store_interface **ret_items,
                         size_t *ret_n, int64_t *ret_total);
int store_interface_get(struct store_txn *tx, int64_t id, struct store_interface *ret);
/* Returns the interface with mac, or -ENOENT. */
int store_interface_find_mac(struct store_txn *tx, const uint8_t mac[ADDR_MAC_LEN],
                             struct store_interface *ret);
/*
 * Adds an interface; when pxe is set the machine's other interfaces lose
 * the flag. -EEXIST on a duplicate MAC, -ENOENT when the machine is gone.
 */
int store_interface_insert(struct store_txn *tx, const struct store_interface *iface,
                           int64_t *ret_id);
int store_interface_update(struct store_txn *tx, const struct store_interface *iface,
                           int64_t expected_version);
/* Addresses bound to the interface stay, unbound. */
int store_interface_delete(struct store_txn *tx, int64_t id, int64_t expected_version);

/* Events (the audit log) */

struct store_event {
	int64_t id;
	int64_t time; /* Unix seconds */
	char actor[STORE_ACTOR_MAX];
	char kind[STORE_NAME_MAX];
	char object[STORE_NAME_MAX];
	char *detail; /* NULL when none; owned by the event */
	char *before; /* JSON text of the object before the change, NULL for creations */
	char *after;  /* JSON text after the change, NULL for deletions */
};

struct store_event_filter {
	const char *kind;
	const char *actor;
	const char *object;
	int64_t since; /* time >= since when non-zero */
	int64_t until; /* time < until when non-zero */
};

/* Appends an event in the transaction; the strings are copied. Any of the last three may be NULL.
 */
int store_event_insert(struct store_txn *tx, const char *actor, const char *kind,
                       const char *object, const char *detail, const char *before,
                       const char *after);

/* Lists events in id order; free with store_event_list_free(). */
int store_event_list(struct store_txn *tx, const struct store_event_filter *filter,
                     const struct store_page *page, struct store_event **ret_events, size_t *ret_n,
                     int64_t *ret_total);
void store_event_list_free(struct store_event *events, size_t n);

/* Fills *ret_event; release its strings with store_event_done(). */
int store_event_get(struct store_txn *tx, int64_t id, struct store_event *ret_event);
void store_event_done(struct store_event *event);

/* API tokens */

struct store_token {
	int64_t id;
	char name[STORE_NAME_MAX];
	char role[STORE_ROLE_MAX]; /* "admin", "operator" or "reader" */
	int64_t created;
	int64_t expires;   /* Unix seconds from which it is rejected; 0: never */
	int64_t last_used; /* Unix seconds of the latest use, up to a minute behind; 0: never */
	int64_t version;
};

/* Seconds between two writes of a token's last_used. */
#define STORE_TOKEN_USE_STEP 60

/*
 * Finds the token whose hash (hex, as stored by store_token_insert()) is
 * hash_hex, and records its use at now when the recorded one is older than
 * STORE_TOKEN_USE_STEP. Locks the store itself: call outside any
 * transaction. -ENOENT when no token matches, -EKEYEXPIRED (with *ret
 * filled) when it expired.
 */
int store_token_authenticate(struct store *st, const char *hash_hex, int64_t now,
                             struct store_token *ret);

int store_token_list(struct store_txn *tx, const char *role, const struct store_page *page,
                     struct store_token **ret_tokens, size_t *ret_n, int64_t *ret_total);
int store_token_get(struct store_txn *tx, int64_t id, struct store_token *ret);
/* Stores a token's hash only. -EEXIST when the name is taken. */
int store_token_insert(struct store_txn *tx, const struct store_token *token, const char *hash_hex,
                       int64_t *ret_id);
/* Writes name, role and expires. */
int store_token_update(struct store_txn *tx, const struct store_token *token,
                       int64_t expected_version);
int store_token_delete(struct store_txn *tx, int64_t id, int64_t expected_version);
