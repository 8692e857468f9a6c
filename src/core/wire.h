/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire -- bounds-checked reader and writer for network byte strings.
 * Both carry a sticky error: after the first overrun every further call does
 * nothing and returns 0, so a parser runs a sequence of reads and checks
 * wire_reader_error() once. All multi-byte values are big-endian.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_reader {
	const uint8_t *start;
	const uint8_t *pos;
	const uint8_t *end;
	int error; /* 0, or -EBADMSG after a read past the end */
};

/* Borrows buf for the lifetime of the reader. */
void wire_reader_init(struct wire_reader *r, const void *buf, size_t len);

uint8_t wire_read_u8(struct wire_reader *r);
uint16_t wire_read_u16(struct wire_reader *r);
uint32_t wire_read_u32(struct wire_reader *r);

/* Copies n bytes into dst; on overrun dst is zero-filled and the error set. */
void wire_read_bytes(struct wire_reader *r, void *dst, size_t n);

/* Returns a pointer to the next n bytes inside the buffer and skips them, or NULL. */
const uint8_t *wire_read_span(struct wire_reader *r, size_t n);

void wire_skip(struct wire_reader *r, size_t n);

/* Moves the cursor to an absolute offset from the start; past the end sets the error. */
void wire_seek(struct wire_reader *r, size_t offset);

size_t wire_remaining(const struct wire_reader *r);
size_t wire_offset(const struct wire_reader *r);
int wire_reader_error(const struct wire_reader *r);

struct wire_writer {
	uint8_t *start;
	uint8_t *pos;
	uint8_t *end;
	int error; /* 0, or -ENOSPC after a write past the capacity */
};

/* Borrows buf; writes never go past buf + cap. */
void wire_writer_init(struct wire_writer *w, void *buf, size_t cap);

void wire_write_u8(struct wire_writer *w, uint8_t v);
void wire_write_u16(struct wire_writer *w, uint16_t v);
void wire_write_u32(struct wire_writer *w, uint32_t v);
void wire_write_bytes(struct wire_writer *w, const void *src, size_t n);
void wire_write_zeros(struct wire_writer *w, size_t n);

/* Overwrites bytes already written at offset (for length fields filled in later). */
void wire_patch_u8(struct wire_writer *w, size_t offset, uint8_t v);
void wire_patch_u16(struct wire_writer *w, size_t offset, uint16_t v);

/*
 * Cuts the written bytes back to len (no-op when len is beyond them) and
 * clears the sticky error, so a caller can undo a record that did not fit.
 */
void wire_writer_truncate(struct wire_writer *w, size_t len);

size_t wire_writer_len(const struct wire_writer *w);
size_t wire_writer_room(const struct wire_writer *w);
int wire_writer_error(const struct wire_writer *w);
