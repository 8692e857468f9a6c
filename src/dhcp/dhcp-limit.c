/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-limit -- token bucket table. Tokens are counted in thousandths so
 * that refill needs no floating point; a per-table random seed keeps
 * clients from choosing keys that all land in one set.
 */
#include "dhcp/dhcp-limit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#define MILLI    1000u
#define SETS_MAX (1u << 20)

struct bucket {
	uint64_t key;
	uint64_t last_ms; /* last refill, also the recency for eviction */
	uint64_t tokens;  /* thousandths of a token */
	bool used;
};

struct dhcp_rate_table {
	struct bucket *buckets;
	size_t n_sets;  /* power of two */
	uint64_t rate;  /* tokens per second */
	uint64_t burst; /* thousandths of a token */
	uint64_t seed;
	uint64_t evictions;
	size_t used;
};

int dhcp_rate_table_new(size_t n_sets, uint32_t rate, uint32_t burst,
                        struct dhcp_rate_table **ret_table)
{
	struct dhcp_rate_table *t;
	size_t sets = 1;

	if (n_sets > SETS_MAX)
		return -EINVAL;
	while (sets < n_sets)
		sets *= 2;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->buckets = calloc(sets * DHCP_RATE_WAYS, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return -ENOMEM;
	}
	t->n_sets = sets;
	t->rate = rate;
	t->burst = (uint64_t)(burst ? burst : rate) * MILLI;
	/* Without randomness the seed stays fixed; the table still works, only less evenly. */
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed))
		t->seed = 0x9e3779b97f4a7c15u;
	*ret_table = t;
	return 0;
}

void dhcp_rate_table_free(struct dhcp_rate_table *t)
{
	if (t == NULL)
		return;
	free(t->buckets);
	free(t);
}

/* A 64-bit mix (the splitmix64 finalizer) of the key and the seed. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebu;
	x ^= x >> 31;
	return x;
}

static void refill(const struct dhcp_rate_table *t, struct bucket *b, uint64_t now_ms)
{
	uint64_t elapsed = now_ms > b->last_ms ? now_ms - b->last_ms : 0;

	/* rate tokens per second is rate thousandths per millisecond. */
	if (elapsed > t->burst / t->rate) {
		b->tokens = t->burst;
	} else if (elapsed > 0) {
		uint64_t add = elapsed * t->rate;

		b->tokens = add >= t->burst - b->tokens ? t->burst : b->tokens + add;
	}
	b->last_ms = now_ms;
}

/* Finds key's bucket in its set, or claims one (a free one, else the least recently used). */
static struct bucket *lookup(struct dhcp_rate_table *t, uint64_t key, uint64_t now_ms)
{
	struct bucket *set = &t->buckets[(mix(key ^ t->seed) & (t->n_sets - 1)) * DHCP_RATE_WAYS];
	struct bucket *victim = NULL;

	for (size_t i = 0; i < DHCP_RATE_WAYS; i++) {
		struct bucket *b = &set[i];

		if (b->used && b->key == key)
			return b;
		if (!b->used) {
			if (victim == NULL || victim->used)
				victim = b;
		} else if (victim == NULL || (victim->used && b->last_ms < victim->last_ms)) {
			victim = b;
		}
	}
	if (victim->used)
		t->evictions++;
	else
		t->used++;
	victim->used = true;
	victim->key = key;
	victim->last_ms = now_ms;
	victim->tokens = t->burst;
	return victim;
}

bool dhcp_rate_allow(struct dhcp_rate_table *t, uint64_t key, uint64_t now_ms)
{
	struct bucket *b;

	if (t->rate == 0)
		return true;
	b = lookup(t, key, now_ms);
	refill(t, b, now_ms);
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}

uint64_t dhcp_rate_evictions(const struct dhcp_rate_table *t)
{
	return t->evictions;
}

size_t dhcp_rate_size(const struct dhcp_rate_table *t)
{
	return t->used;
}
