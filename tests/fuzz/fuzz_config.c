/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the configuration parser on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

#define FUZZ_CONFIG_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	char err[CONFIG_ERROR_MAX];
	char *text;

	if (size > FUZZ_CONFIG_MAX)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_init(&cfg);
	(void)config_load_string(&cfg, text, "fuzz.conf", err, sizeof(err));
	free(text);
	return 0;
}
