/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install-url -- parses the mirror and proxy URLs of installer deploys.
 */
#include "http/install-url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/rest-body.h"

static bool valid_port(const char *s, size_t len)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* HOST[:PORT], where HOST is a DNS name, an IPv4 address or [IPv6]. */
static bool valid_authority(const char *s, size_t len)
{
	char host[INSTALL_URL_MAX];
	struct in6_addr a6;
	const char *colon;
	size_t host_len;

	if (len == 0 || len >= sizeof(host))
		return false;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return false;
		host_len = (size_t)(close - s - 1);
		memcpy(host, s + 1, host_len);
		host[host_len] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return false;
		colon = close + 1;
		if (colon == s + len)
			return true;
		return *colon == ':' && valid_port(colon + 1, len - (size_t)(colon + 1 - s));
	}
	colon = memchr(s, ':', len);
	host_len = colon ? (size_t)(colon - s) : len;
	memcpy(host, s, host_len);
	host[host_len] = '\0';
	/* A trailing dot is valid in DNS but not useful in a URL host. */
	if (host_len == 0 || host[host_len - 1] == '.' || !rest_valid_dns_name(host))
		return false;
	return colon == NULL || valid_port(colon + 1, len - host_len - 1);
}

static bool valid_path(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("/._~%+-", *s) == NULL)
			return false;
	return true;
}

int install_url_parse(const char *text, struct install_url *ret_url)
{
	const char *authority, *path;
	size_t authority_len;
	bool https;

	if (strlen(text) >= INSTALL_URL_MAX)
		return -EINVAL;
	if (strncmp(text, "http://", 7) == 0) {
		https = false;
		authority = text + 7;
	} else if (strncmp(text, "https://", 8) == 0) {
		https = true;
		authority = text + 8;
	} else {
		return -EINVAL;
	}
	path = strchr(authority, '/');
	authority_len = path ? (size_t)(path - authority) : strlen(authority);
	if (!valid_authority(authority, authority_len) || (path && !valid_path(path)))
		return -EINVAL;
	ret_url->https = https;
	(void)snprintf(ret_url->authority, sizeof(ret_url->authority), "%.*s", (int)authority_len,
	               authority);
	(void)snprintf(ret_url->path, sizeof(ret_url->path), "%s", path ? path : "/");
	return 0;
}
