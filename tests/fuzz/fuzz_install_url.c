/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the installer deploy's mirror and proxy URL parser on
 * arbitrary bytes, cut at the first NUL as a JSON string value would be.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/install-url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct install_url url;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (install_url_parse(text, &url) == 0) {
		/* A parsed URL never yields a part that could break out of a preseed line. */
		assert(strpbrk(url.authority, " \t\r\n\"'`;$\\@") == NULL);
		assert(strpbrk(url.path, " \t\r\n\"'`;$\\@?#") == NULL);
		assert(url.path[0] == '/');
	}
	free(text);
	return 0;
}
