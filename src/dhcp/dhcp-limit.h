/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-limit -- token buckets keyed by a 64-bit value (a MAC, a relay
 * address), kept in a fixed-size set-associative table: a full set evicts
 * its least recently used bucket, so memory never grows with the number
 * of keys a client invents. Not thread-safe; does not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dhcp_rate_table;

/* Buckets per set; a key maps to one set and may take any of its ways. */
#define DHCP_RATE_WAYS 8

/*
 * Creates a table of n_sets * DHCP_RATE_WAYS buckets (n_sets is rounded up
 * to a power of two, at least 1) that each refill rate tokens per second up
 * to burst (burst 0 means rate). rate 0 makes every call to
 * dhcp_rate_allow() succeed. Caller frees with dhcp_rate_table_free().
 * Errors: -ENOMEM, -EINVAL (n_sets above 2^20).
 */
int dhcp_rate_table_new(size_t n_sets, uint32_t rate, uint32_t burst,
                        struct dhcp_rate_table **ret_table);
void dhcp_rate_table_free(struct dhcp_rate_table *t);

/*
 * Takes one token from key's bucket at now_ms (a monotonic clock in
 * milliseconds) and returns true, or returns false when the bucket is
 * empty. A key without a bucket gets a full one, evicting another when
 * its set is full.
 */
bool dhcp_rate_allow(struct dhcp_rate_table *t, uint64_t key, uint64_t now_ms);

/* Buckets evicted so far to make room for new keys. */
uint64_t dhcp_rate_evictions(const struct dhcp_rate_table *t);

/* Buckets in use. */
size_t dhcp_rate_size(const struct dhcp_rate_table *t);
