/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install-url -- the package mirror and proxy URLs of an installer deploy.
 * Only a plain form is accepted, because the parts are written unquoted into
 * preseed and kickstart files.
 * Pure: no I/O, no logging.
 */
#pragma once

#include <stdbool.h>

#define INSTALL_URL_MAX 256

/* A parsed http:// or https:// URL. */
struct install_url {
	bool https;
	char authority[INSTALL_URL_MAX]; /* host name, IPv4 address or [IPv6 address], with ":port"
	                                    when the URL has one */
	char path[INSTALL_URL_MAX];      /* starts with '/'; "/" when the URL has no path */
};

/*
 * Parses text of the form http[s]://HOST[:PORT][/PATH]. HOST is a DNS name,
 * an IPv4 address or a bracketed IPv6 address; PORT is 1 to 65535; PATH
 * contains only letters, digits and "/._~%+-". User names, passwords,
 * queries and fragments are rejected. Returns 0, or -EINVAL when text is not
 * of that form or longer than INSTALL_URL_MAX - 1 bytes; *ret_url is written
 * only on success.
 */
int install_url_parse(const char *text, struct install_url *ret_url);
