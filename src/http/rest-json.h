/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest-json -- JSON representations of the REST API's resources, built from
 * store structs. Pure; every function returns a new reference (NULL only
 * when out of memory). docs/openapi.yaml describes each shape.
 */
#pragma once

#include <jansson.h>

#include "store/store-inventory.h"
#include "store/store-ipam.h"

json_t *rest_ipaddr_json(const struct ipaddr *a);
json_t *rest_mac_json(const uint8_t mac[ADDR_MAC_LEN]);
/* A positive id, or null for 0. */
json_t *rest_ref_json(int64_t id);

json_t *rest_site_json(const struct store_site *s);
json_t *rest_rack_json(const struct store_rack *r);
json_t *rest_tag_json(const struct store_tag *t);

/* The list form of a machine; rest_machine_detail_json() adds interfaces and facts. */
json_t *rest_machine_json(const struct store_machine_info *m);
/* Steals facts (may be NULL). */
json_t *rest_machine_detail_json(const struct store_machine_info *m,
                                 const struct store_interface *ifaces, size_t n_ifaces,
                                 json_t *facts);
json_t *rest_interface_json(const struct store_interface *i);

json_t *rest_usage_json(const struct store_ipam_usage *u);
/* ranges: every range of the subnet (others are skipped); usage may be NULL. */
json_t *rest_subnet_json(const struct store_ipam_subnet *s, const struct store_ipam_range *ranges,
                         size_t n_ranges, const struct store_ipam_usage *usage);
json_t *rest_range_json(const struct store_ipam_range *r, const struct store_ipam_usage *usage);
json_t *rest_address_json(const struct store_ip_address *a);
/* now decides the lease's "active" member. */
json_t *rest_lease_json(const struct store_lease *l, int64_t now);
json_t *rest_event_json(const struct store_event *e);
json_t *rest_token_json(const struct store_token *t);

/* "bound", "released", "declined". */
const char *rest_lease_state_name(enum store_lease_state state);
const char *rest_ip_kind_name(enum store_ip_kind kind);
