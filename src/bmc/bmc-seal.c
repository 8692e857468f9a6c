/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-seal -- key file handling and AEAD sealing with libsodium.
 */
#include "bmc/bmc-seal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SECRET_MAX  1024

/* Writes "BMC key file PATH: WHAT failed: ERROR" into err. */
static int fail(char *err, size_t size, int code, const char *path, const char *what)
{
	(void)snprintf(err, size, "BMC key file %s: %s failed: %s", path, what, strerror(-code));
	return code;
}

static int read_key(int fd, const char *path, struct bmc_key *ret_key, char *err, size_t size)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return fail(err, size, -errno, path, "fstat()");
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		(void)snprintf(err, size,
		               "BMC key file %s is readable by others (mode %03o): chmod 600 it",
		               path, (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	if (st.st_size != BMC_SEAL_KEY_BYTES) {
		(void)snprintf(err, size, "BMC key file %s has %lld bytes, expected %d", path,
		               (long long)st.st_size, BMC_SEAL_KEY_BYTES);
		return -EINVAL;
	}
	n = read(fd, ret_key->bytes, BMC_SEAL_KEY_BYTES);
	if (n != BMC_SEAL_KEY_BYTES)
		return fail(err, size, n < 0 ? -errno : -EIO, path, "read()");
	return 0;
}

static int create_key(const char *path, struct bmc_key *ret_key, char *err, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r = 0;

	if (fd < 0)
		return -errno;
	randombytes_buf(ret_key->bytes, BMC_SEAL_KEY_BYTES);
	if (write(fd, ret_key->bytes, BMC_SEAL_KEY_BYTES) != BMC_SEAL_KEY_BYTES || fsync(fd) < 0)
		r = fail(err, size, errno ? -errno : -EIO, path, "write()");
	(void)close(fd);
	if (r < 0) {
		(void)unlink(path);
		sodium_memzero(ret_key, sizeof(*ret_key));
	}
	return r;
}

int bmc_key_load(const char *path, struct bmc_key *ret_key, char *err, size_t err_size)
{
	struct bmc_key key;
	int fd, r;

	if (err_size > 0)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		r = create_key(path, &key, err, err_size);
		/* Another process created it first: read that one. */
		if (r != -EEXIST) {
			if (r == 0)
				*ret_key = key;
			else if (err_size > 0 && err[0] == '\0')
				(void)fail(err, err_size, r, path, "create");
			sodium_memzero(&key, sizeof(key));
			return r;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return fail(err, err_size, -errno, path, "open()");
	r = read_key(fd, path, &key, err, err_size);
	(void)close(fd);
	if (r == 0)
		*ret_key = key;
	sodium_memzero(&key, sizeof(key));
	return r;
}

void bmc_key_clear(struct bmc_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

static void associated_data(int64_t machine_id, char *ad, size_t size)
{
	(void)snprintf(ad, size, "rackd-bmc-password:machine:%" PRId64, machine_id);
}

int bmc_seal(const struct bmc_key *key, int64_t machine_id, const char *secret, char *out,
             size_t out_size)
{
	size_t len = strlen(secret), prefix = strlen(BMC_SEAL_PREFIX);
	unsigned char box[NONCE_BYTES + SECRET_MAX + TAG_BYTES];
	unsigned long long clen;
	char ad[64];

	if (len > SECRET_MAX)
		return -E2BIG;
	if (out_size < prefix + 2 * (NONCE_BYTES + len + TAG_BYTES) + 1)
		return -ENOSPC;
	associated_data(machine_id, ad, sizeof(ad));
	randombytes_buf(box, NONCE_BYTES);
	(void)crypto_aead_xchacha20poly1305_ietf_encrypt(
	        box + NONCE_BYTES, &clen, (const unsigned char *)secret, len,
	        (const unsigned char *)ad, strlen(ad), NULL, box, key->bytes);
	memcpy(out, BMC_SEAL_PREFIX, prefix);
	(void)sodium_bin2hex(out + prefix, out_size - prefix, box, NONCE_BYTES + (size_t)clen);
	sodium_memzero(box, sizeof(box));
	return 0;
}

int bmc_unseal(const struct bmc_key *key, int64_t machine_id, const char *sealed, char *out,
               size_t out_size)
{
	size_t prefix = strlen(BMC_SEAL_PREFIX), bin_len;
	unsigned char box[NONCE_BYTES + SECRET_MAX + TAG_BYTES];
	unsigned long long mlen;
	char ad[64];
	int r = 0;

	if (strncmp(sealed, BMC_SEAL_PREFIX, prefix) != 0)
		return -EBADMSG;
	if (sodium_hex2bin(box, sizeof(box), sealed + prefix, strlen(sealed + prefix), NULL,
	                   &bin_len, NULL) != 0 ||
	    bin_len < NONCE_BYTES + TAG_BYTES || sealed[prefix + 2 * bin_len] != '\0')
		return -EBADMSG;
	if (bin_len - NONCE_BYTES - TAG_BYTES >= out_size)
		return -ENOSPC;
	associated_data(machine_id, ad, sizeof(ad));
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	            (unsigned char *)out, &mlen, NULL, box + NONCE_BYTES, bin_len - NONCE_BYTES,
	            (const unsigned char *)ad, strlen(ad), box, key->bytes) != 0)
		r = -EBADMSG;
	else
		out[mlen] = '\0';
	sodium_memzero(box, sizeof(box));
	return r;
}
