/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-seal -- BMC passwords sealed at rest with libsodium's
 * XChaCha20-Poly1305 (AEAD). The key is 32 random bytes in a file of mode
 * 0600, created on first start. The machine id is the associated data, so
 * a sealed password copied to another machine's row does not open. No
 * logging; the caller never logs the clear text.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BMC_SEAL_KEY_BYTES 32
#define BMC_SEAL_PREFIX    "v1:"
/* Text of a sealed secret of n clear bytes, with its NUL. */
#define BMC_SEALED_TEXT_MAX(n) (sizeof(BMC_SEAL_PREFIX) + 2 * (24 + 16 + (n)))

struct bmc_key {
	unsigned char bytes[BMC_SEAL_KEY_BYTES];
};

/*
 * Reads the key from path, creating the file with a fresh random key (mode
 * 0600, O_EXCL) when it does not exist. A key file that others may read
 * (group or other permission bits) or that is not exactly 32 bytes is
 * rejected. Returns 0, or a negative errno with a message in err:
 * -EPERM (permissions), -EINVAL (size), -errno of open/read/write.
 */
int bmc_key_load(const char *path, struct bmc_key *ret_key, char *err, size_t err_size);

/* Wipes the key. */
void bmc_key_clear(struct bmc_key *key);

/*
 * Seals the NUL-terminated secret for machine_id into out as
 * "v1:<hex nonce and ciphertext>". -ENOSPC when out is too small.
 */
int bmc_seal(const struct bmc_key *key, int64_t machine_id, const char *secret, char *out,
             size_t out_size);

/*
 * Opens a sealed text into out (NUL-terminated). -EBADMSG when the text is
 * malformed, or was sealed with another key or for another machine;
 * -ENOSPC when out is too small.
 */
int bmc_unseal(const struct bmc_key *key, int64_t machine_id, const char *sealed, char *out,
               size_t out_size);
