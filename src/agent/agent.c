/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent -- kernel command line and URL parsing, and the report's JSON body
 * (built with jansson). No I/O and no logging.
 */
#include "agent/agent.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "agent/facts.h"
#include "core/wire.h"

/* Maximum length of a kept command line word; longer rackd.* words are rejected, others skipped. */
#define AGENT_WORD_MAX 1024

static bool agent_is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       c == '\0';
}

/* RFC 6750 §2.1 b64token characters, so a token can never break the header line. */
static bool agent_is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~+/=", c) != NULL;
}

static int agent_parse_machine_id(const char *value, uint64_t *ret_id)
{
	uint64_t v = 0;

	if (value[0] == '\0')
		return -EINVAL;
	for (const char *s = value; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* Ids are SQLite rowids, so they fit a signed 64-bit integer. */
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret_id = v;
	return 0;
}

static int agent_set_url(struct agent_params *p, const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(p->url))
		return -E2BIG;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
			return -EINVAL;
	memcpy(p->url, value, len + 1);
	p->has_url = true;
	return 0;
}

static int agent_set_token(struct agent_params *p, const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return -EINVAL;
	if (len > AGENT_TOKEN_MAX)
		return -E2BIG;
	for (size_t i = 0; i < len; i++)
		if (!agent_is_token_char(value[i]))
			return -EINVAL;
	memcpy(p->token, value, len + 1);
	p->has_token = true;
	return 0;
}

int agent_params_set(struct agent_params *params, const char *key, const char *value)
{
	uint64_t id;
	int r;

	if (strcmp(key, "url") == 0)
		return agent_set_url(params, value);
	if (strcmp(key, "token") == 0)
		return agent_set_token(params, value);
	if (strcmp(key, "lldp_wait") == 0) {
		uint32_t wait;

		if (addr_parse_u32(value, 0, AGENT_LLDP_WAIT_MAX, &wait) < 0)
			return -EINVAL;
		params->lldp_wait_s = wait;
		params->has_lldp_wait = true;
		return 0;
	}
	if (strcmp(key, "machine") == 0) {
		r = agent_parse_machine_id(value, &id);
		if (r < 0)
			return r;
		params->machine_id = id;
		params->has_machine = true;
		return 0;
	}
	return -EINVAL;
}

/* Applies one command line word; words that are not rackd.* parameters are ignored. */
static int agent_apply_word(struct agent_params *p, char *word, bool truncated)
{
	static const char prefix[] = "rackd.";
	char *eq;

	if (strncmp(word, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	eq = strchr(word, '=');
	if (eq != NULL)
		*eq = '\0';
	if (strcmp(word + sizeof(prefix) - 1, "url") != 0 &&
	    strcmp(word + sizeof(prefix) - 1, "machine") != 0 &&
	    strcmp(word + sizeof(prefix) - 1, "token") != 0 &&
	    strcmp(word + sizeof(prefix) - 1, "lldp_wait") != 0)
		return 0;
	if (truncated)
		return -E2BIG;
	if (eq == NULL)
		return -EINVAL;
	return agent_params_set(p, word + sizeof(prefix) - 1, eq + 1);
}

/*
 * Reads the next word into word. Sets *truncated when the word did not fit,
 * and returns false when only white space was left.
 */
static bool agent_next_word(struct wire_reader *r, char *word, size_t size, bool *truncated)
{
	bool quoted = false;
	size_t n = 0;
	uint8_t c;

	*truncated = false;
	do {
		if (wire_remaining(r) == 0)
			return false;
		c = wire_read_u8(r);
	} while (agent_is_space(c));
	for (;;) {
		if (c == '"')
			quoted = !quoted;
		else if (n + 1 < size)
			word[n++] = (char)c;
		else
			*truncated = true;
		if (wire_remaining(r) == 0)
			break;
		c = wire_read_u8(r);
		if (!quoted && agent_is_space(c))
			break;
	}
	word[n] = '\0';
	return true;
}

int agent_params_parse_cmdline(const void *cmdline, size_t len, struct agent_params *params)
{
	struct agent_params p = *params;
	char word[AGENT_WORD_MAX];
	struct wire_reader r;
	bool truncated;
	int ret;

	if (len > AGENT_CMDLINE_MAX)
		return -E2BIG;
	wire_reader_init(&r, cmdline, len);
	while (agent_next_word(&r, word, sizeof(word), &truncated)) {
		/* Everything after a lone "--" is for init, not for the kernel. */
		if (strcmp(word, "--") == 0)
			break;
		ret = agent_apply_word(&p, word, truncated);
		if (ret < 0)
			return ret;
	}
	*params = p;
	return 0;
}

/* Characters a base path may hold: RFC 3986 pchar and '/', without the %-escapes' '%'. */
static bool agent_is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

int agent_url_parse(const char *url, struct agent_url *ret_url)
{
	static const char scheme[] = "http://";
	char authority[AGENT_HOST_MAX];
	struct agent_url u = { 0 };
	const char *host, *path;
	size_t host_len, path_len;
	int n;

	if (strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
		return strstr(url, "://") != NULL ? -EPROTONOSUPPORT : -EINVAL;
	host = url + sizeof(scheme) - 1;
	path = strchr(host, '/');
	host_len = path != NULL ? (size_t)(path - host) : strlen(host);
	if (host_len == 0 || host_len >= sizeof(authority))
		return -EINVAL;
	memcpy(authority, host, host_len);
	authority[host_len] = '\0';
	if (strchr(authority, ':') != NULL) {
		if (addr_parse_ipv4_port(authority, &u.addr, &u.port) < 0)
			return -EINVAL;
	} else {
		if (addr_parse_ipv4(authority, &u.addr) < 0)
			return -EINVAL;
		u.port = 80;
	}
	n = snprintf(u.host, sizeof(u.host), "%s", authority);
	if (n < 0 || (size_t)n >= sizeof(u.host))
		return -EINVAL;

	path_len = path != NULL ? strlen(path) : 0;
	while (path_len > 0 && path[path_len - 1] == '/')
		path_len--;
	if (path_len >= sizeof(u.path))
		return -EINVAL;
	for (size_t i = 0; i < path_len; i++)
		if (!agent_is_path_char(path[i]))
			return -EINVAL;
	if (path_len > 0)
		memcpy(u.path, path, path_len);
	u.path[path_len] = '\0';
	*ret_url = u;
	return 0;
}

int agent_url_join(const struct agent_url *url, const char *suffix, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", url->path, suffix);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* json_integer() takes a signed value, so values above INT64_MAX are clamped. */
static json_t *agent_json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *agent_json_flag(int flag)
{
	return flag < 0 ? json_null() : json_boolean(flag);
}

/*
 * Sets obj[key] = value and records a failure in *failed. json_object_set_new()
 * takes the reference to value even when it fails and fails on a NULL value
 * or object, so a sequence of calls needs one check at the end.
 */
static void agent_json_set(json_t *obj, const char *key, json_t *value, bool *failed)
{
	if (json_object_set_new(obj, key, value) < 0)
		*failed = true;
}

static json_t *agent_json_nic(const struct facts_nic *nic)
{
	json_t *o = json_object();
	bool failed = false;

	agent_json_set(o, "name", json_string(nic->name), &failed);
	agent_json_set(o, "mac", json_string(nic->mac), &failed);
	agent_json_set(o, "driver", json_string(nic->driver), &failed);
	agent_json_set(o, "speed_mbps",
	               nic->speed_mbps > 0 ? json_integer(nic->speed_mbps) : json_null(), &failed);
	agent_json_set(o, "link", json_string(nic->operstate), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *agent_json_disk(const struct facts_disk *d)
{
	json_t *o = json_object();
	bool failed = false;

	agent_json_set(o, "name", json_string(d->name), &failed);
	agent_json_set(o, "size_bytes", agent_json_u64(d->size_bytes), &failed);
	agent_json_set(o, "vendor", json_string(d->vendor), &failed);
	agent_json_set(o, "model", json_string(d->model), &failed);
	agent_json_set(o, "serial", json_string(d->serial), &failed);
	agent_json_set(o, "rotational", agent_json_flag(d->rotational), &failed);
	agent_json_set(o, "removable", agent_json_flag(d->removable), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *agent_json_pci(const struct facts_pci *p)
{
	json_t *o = json_object();
	bool failed = false;

	agent_json_set(o, "slot", json_string(p->slot), &failed);
	agent_json_set(o, "vendor", json_string(p->vendor), &failed);
	agent_json_set(o, "device", json_string(p->device), &failed);
	agent_json_set(o, "class", json_string(p->class_code), &failed);
	agent_json_set(o, "driver", json_string(p->driver), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *agent_json_dmi(const struct facts_dmi *dmi)
{
	json_t *o = json_object();
	bool failed = false;

	agent_json_set(o, "sys_vendor", json_string(dmi->sys_vendor), &failed);
	agent_json_set(o, "product_name", json_string(dmi->product_name), &failed);
	agent_json_set(o, "product_serial", json_string(dmi->product_serial), &failed);
	agent_json_set(o, "product_uuid", json_string(dmi->product_uuid), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *agent_json_text_or_null(const char *text)
{
	return text[0] != '\0' ? json_string(text) : json_null();
}

static json_t *agent_json_lldp(const struct facts_lldp *entry)
{
	const struct lldp_neighbor *n = &entry->neighbor;
	json_t *o = json_object(), *addrs = json_array();
	bool failed = false;

	for (size_t i = 0; i < n->n_mgmt_addrs; i++)
		if (json_array_append_new(addrs, json_string(n->mgmt_addrs[i])) < 0)
			failed = true;
	agent_json_set(o, "interface", json_string(entry->interface), &failed);
	agent_json_set(o, "chassis_id", json_string(n->chassis_id), &failed);
	agent_json_set(o, "chassis_id_subtype",
	               json_string(lldp_chassis_subtype_name(n->chassis_id_subtype)), &failed);
	agent_json_set(o, "port_id", json_string(n->port_id), &failed);
	agent_json_set(o, "port_id_subtype",
	               json_string(lldp_port_subtype_name(n->port_id_subtype)), &failed);
	agent_json_set(o, "ttl", json_integer(n->ttl), &failed);
	agent_json_set(o, "port_description", agent_json_text_or_null(n->port_description),
	               &failed);
	agent_json_set(o, "system_name", agent_json_text_or_null(n->system_name), &failed);
	agent_json_set(o, "system_description", agent_json_text_or_null(n->system_description),
	               &failed);
	agent_json_set(o, "management_addresses", addrs, &failed);
	agent_json_set(o, "vlan_id", n->vlan_id > 0 ? json_integer(n->vlan_id) : json_null(),
	               &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Adds the lists of NICs, MACs, disks, PCI devices and LLDP neighbours to root. */
static void agent_json_lists(json_t *root, const struct facts *f, bool *failed)
{
	json_t *macs = json_array(), *nics = json_array(), *disks = json_array();
	json_t *pci = json_array(), *lldp = json_array();

	/* json_array_append_new() also takes the reference on failure. */
	for (size_t i = 0; i < f->n_nics; i++) {
		if (json_array_append_new(macs, json_string(f->nics[i].mac)) < 0 ||
		    json_array_append_new(nics, agent_json_nic(&f->nics[i])) < 0)
			*failed = true;
	}
	for (size_t i = 0; i < f->n_disks; i++)
		if (json_array_append_new(disks, agent_json_disk(&f->disks[i])) < 0)
			*failed = true;
	for (size_t i = 0; i < f->n_pci; i++)
		if (json_array_append_new(pci, agent_json_pci(&f->pci[i])) < 0)
			*failed = true;
	for (size_t i = 0; i < f->n_lldp; i++)
		if (json_array_append_new(lldp, agent_json_lldp(&f->lldp[i])) < 0)
			*failed = true;
	agent_json_set(root, "macs", macs, failed);
	agent_json_set(root, "nics", nics, failed);
	agent_json_set(root, "disks", disks, failed);
	agent_json_set(root, "pci", pci, failed);
	agent_json_set(root, "lldp", lldp, failed);
}

int agent_report_build(const struct facts *facts, uint64_t machine_id, char **ret_json)
{
	json_t *root = json_object();
	bool failed = false;
	char *text;

	agent_json_set(root, "machine_id", agent_json_u64(machine_id), &failed);
	agent_json_set(root, "cpu_count", json_integer(facts->cpu_count), &failed);
	agent_json_set(root, "cpu_model", json_string(facts->cpu_model), &failed);
	agent_json_set(root, "memory_bytes", agent_json_u64(facts->memory_bytes), &failed);
	agent_json_set(root, "hostname", json_string(facts->hostname), &failed);
	agent_json_set(root, "dmi", agent_json_dmi(&facts->dmi), &failed);
	agent_json_lists(root, facts, &failed);
	if (facts->n_nics_dropped > 0 || facts->n_disks_dropped > 0 || facts->n_pci_dropped > 0 ||
	    facts->n_lldp_dropped > 0) {
		json_t *dropped = json_object();

		agent_json_set(dropped, "nics", agent_json_u64(facts->n_nics_dropped), &failed);
		agent_json_set(dropped, "disks", agent_json_u64(facts->n_disks_dropped), &failed);
		agent_json_set(dropped, "pci", agent_json_u64(facts->n_pci_dropped), &failed);
		agent_json_set(dropped, "lldp", agent_json_u64(facts->n_lldp_dropped), &failed);
		agent_json_set(root, "dropped", dropped, &failed);
	}
	text = failed ? NULL : json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return -ENOMEM;
	*ret_json = text;
	return 0;
}
