/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/http/install-url: the mirror and proxy URLs of installer deploys. */
/* cmocka.h needs the standard headers before it. */
/* clang-format off */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
/* clang-format on */

#include "http/install-url.h"

static void valid_urls_split(void **state)
{
	static const struct {
		const char *text;
		bool https;
		const char *authority;
		const char *path;
	} cases[] = {
		{ "http://deb.debian.org/debian", false, "deb.debian.org", "/debian" },
		{ "http://192.0.2.2:8000/debian", false, "192.0.2.2:8000", "/debian" },
		{ "https://mirror.example/debian/", true, "mirror.example", "/debian/" },
		{ "http://proxy.example:3128", false, "proxy.example:3128", "/" },
		{ "http://proxy.example:3128/", false, "proxy.example:3128", "/" },
		{ "http://[2001:db8::1]:3142/debian", false, "[2001:db8::1]:3142", "/debian" },
		{ "http://[2001:db8::1]/ubuntu", false, "[2001:db8::1]", "/ubuntu" },
		{ "http://Mirror-1.Example/pub/rocky/9.3/BaseOS/x86_64/os", false,
		  "Mirror-1.Example", "/pub/rocky/9.3/BaseOS/x86_64/os" },
		{ "http://m.example/a_b~c%20d+e-f.g", false, "m.example", "/a_b~c%20d+e-f.g" },
		{ "http://m.example:65535/", false, "m.example:65535", "/" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct install_url url;

		assert_int_equal(install_url_parse(cases[i].text, &url), 0);
		assert_int_equal(url.https, cases[i].https);
		assert_string_equal(url.authority, cases[i].authority);
		assert_string_equal(url.path, cases[i].path);
	}
}

static void invalid_urls_rejected(void **state)
{
	static const char *const bad[] = {
		"",
		"deb.debian.org/debian",
		"ftp://deb.debian.org/debian",
		"HTTP://deb.debian.org/debian",
		"http://",
		"http:///debian",
		"http://user:secret@mirror.example/debian",
		"http://mirror.example:/debian",
		"http://mirror.example:0/debian",
		"http://mirror.example:65536/debian",
		"http://mirror.example:123456/debian",
		"http://mirror.example:80x/debian",
		"http://mirror.example./debian",
		"http://-mirror.example/debian",
		"http://mirror..example/debian",
		"http://mirror_1.example/debian",
		"http://2001:db8::1/debian",
		"http://[2001:db8::1/debian",
		"http://[not-v6]/debian",
		"http://[2001:db8::1]x/debian",
		"http://mirror.example/debian?suite=stable",
		"http://mirror.example/debian#top",
		"http://mirror.example/deb ian",
		"http://mirror.example/debian'",
		"http://mirror.example/debian\"",
		"http://mirror.example/debian;reboot",
		"http://mirror.example/debian\n",
	};
	struct install_url url = { .https = true, .authority = "untouched", .path = "untouched" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(install_url_parse(bad[i], &url), -EINVAL);
		/* The out-parameter is written only on success. */
		assert_string_equal(url.authority, "untouched");
	}
}

static void length_limit(void **state)
{
	char text[INSTALL_URL_MAX + 8];
	struct install_url url;
	size_t prefix = strlen("http://m.example/");

	(void)state;
	memcpy(text, "http://m.example/", prefix);
	memset(text + prefix, 'a', INSTALL_URL_MAX - 1 - prefix);
	text[INSTALL_URL_MAX - 1] = '\0';
	assert_int_equal(install_url_parse(text, &url), 0);
	text[INSTALL_URL_MAX - 1] = 'a';
	text[INSTALL_URL_MAX] = '\0';
	assert_int_equal(install_url_parse(text, &url), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_urls_split),
		cmocka_unit_test(invalid_urls_rejected),
		cmocka_unit_test(length_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
