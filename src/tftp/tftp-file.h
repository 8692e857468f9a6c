/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-file -- opens a client-named file for reading, confined to the TFTP
 * root directory. Does not log; the caller maps errors to TFTP ERROR codes.
 */
#pragma once

#include <stdint.h>

/*
 * Opens name for reading below root_fd (a directory, O_PATH is enough).
 * Leading '/' characters are dropped, so "/ipxe/snponly.efi" names
 * <root>/ipxe/snponly.efi. A ".." component, a symlink or mount crossing that
 * leaves the root, and anything but a regular file are rejected. Uses
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so symlinks that stay
 * inside the root are followed; on kernels without openat2 it falls back to
 * tftp_file_open_walk(). On success the caller owns *ret_fd (O_CLOEXEC).
 * Errors: -ENOENT (missing, or a path component is not a directory),
 * -EACCES (outside the root or not a regular file), other -errno from open.
 */
int tftp_file_open(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size);

/*
 * Same contract, resolving one component at a time with O_NOFOLLOW, so it
 * rejects every symlink, including ones that stay inside the root.
 */
int tftp_file_open_walk(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size);
