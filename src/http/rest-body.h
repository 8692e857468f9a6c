/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest-body -- decoding and validation of REST API request bodies (JSON
 * objects) into store structs. Pure: no store, no I/O, no logging, so the
 * fuzz target drives it directly.
 *
 * Each decoder applies the members present in obj onto *out, which contains
 * the defaults (create) or the current record (PATCH), so one function
 * serves both. Unknown members, read-only members, wrong types, values that
 * do not parse and values out of range are rejected with status 400;
 * values that parse but break a rule (a gateway outside the subnet) with
 * 422. Checks that need the store (does rack 7 exist?) are the caller's.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store-inventory.h"
#include "store/store-ipam.h"

/* The rejection of a request, in the API's error shape. */
struct rest_error {
	unsigned status;   /* HTTP status */
	const char *code;  /* machine-readable, e.g. "invalid_field" */
	char field[64];    /* the member at fault, "" for the body as a whole */
	char message[320]; /* names the field and the bad value */
};

/* Fills *err and returns -EINVAL. */
int rest_fail(struct rest_error *err, unsigned status, const char *code, const char *field,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Parses a request body: it must be one JSON object without duplicate
 * members. Returns the object (caller decrefs) or NULL with *err set.
 */
json_t *rest_parse_object(const char *body, size_t len, struct rest_error *err);

/* Validators shared with query-string filters. */
bool rest_valid_name(const char *s);     /* [A-Za-z0-9][A-Za-z0-9._-]{0,62} */
bool rest_valid_hostname(const char *s); /* one RFC 1123 label, lower case */
bool rest_valid_dns_name(const char *s); /* RFC 1123 labels joined by dots, at most 253 */
bool rest_valid_state(const char *s);    /* a machine lifecycle state */
bool rest_valid_role(const char *s);     /* admin, operator, reader */

/* Machine lifecycle states, NULL-terminated. */
extern const char *const rest_machine_states[];

int rest_decode_site(json_t *obj, bool create, struct store_site *out, struct rest_error *err);
int rest_decode_rack(json_t *obj, bool create, struct store_rack *out, struct rest_error *err);
int rest_decode_tag(json_t *obj, bool create, struct store_tag *out, struct rest_error *err);

/* Tags and MAC of a machine body, which live outside struct store_machine_info. */
struct rest_machine_extra {
	bool has_mac; /* create only: the PXE interface's MAC */
	bool has_tags;
	char tags[STORE_MACHINE_TAGS_MAX][STORE_NAME_MAX];
	size_t n_tags;
};

int rest_decode_machine(json_t *obj, bool create, struct store_machine_info *out,
                        struct rest_machine_extra *extra, struct rest_error *err);
int rest_decode_interface(json_t *obj, bool create, struct store_interface *out,
                          struct rest_error *err);

/*
 * Decodes a subnet and checks it as a whole: gateway and DNS servers of the
 * subnet's family, the gateway inside the prefix and not its network
 * address, IPv4-only DHCP fields. A PATCH may not change the family.
 */
int rest_decode_subnet(json_t *obj, bool create, struct store_ipam_subnet *out,
                       struct rest_error *err);
/* Ranges given inline with a new subnet ("ranges": [{first, last, kind}]). */
#define REST_SUBNET_RANGES_MAX 64

/*
 * Decodes the optional "ranges" member of a subnet create into ranges (at
 * most REST_SUBNET_RANGES_MAX); each must lie inside subnet s.
 */
int rest_decode_subnet_ranges(json_t *obj, const struct store_ipam_subnet *s,
                              struct store_ipam_range *ranges, size_t *ret_n,
                              struct rest_error *err);

int rest_decode_range(json_t *obj, bool create, struct store_ipam_range *out,
                      struct rest_error *err);

/* create: address required; PATCH: interface_id, kind, description, dns_name. */
int rest_decode_address(json_t *obj, bool create, struct store_ip_address *out,
                        struct rest_error *err);

/* Body of POST .../allocate: optional interface_id, kind, description, dns_name. */
int rest_decode_allocation(json_t *obj, struct store_ip_address *out, struct rest_error *err);

int rest_decode_token(json_t *obj, bool create, struct store_token *out, struct rest_error *err);
