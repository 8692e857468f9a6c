/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire -- bounds-checked reader and writer with a sticky error.
 * The only place in rackd that does pointer arithmetic on packet bytes.
 */
#include "core/wire.h"

#include <errno.h>
#include <string.h>

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->start = buf;
	r->pos = buf;
	r->end = r->start + len;
	r->error = 0;
}

/* Returns true when n more bytes can be read; otherwise sets the sticky error. */
static bool reader_has(struct wire_reader *r, size_t n)
{
	if (r->error)
		return false;
	if ((size_t)(r->end - r->pos) < n) {
		r->error = -EBADMSG;
		return false;
	}
	return true;
}

uint8_t wire_read_u8(struct wire_reader *r)
{
	if (!reader_has(r, 1))
		return 0;
	return *r->pos++;
}

uint16_t wire_read_u16(struct wire_reader *r)
{
	uint16_t v;

	if (!reader_has(r, 2))
		return 0;
	v = (uint16_t)((uint16_t)r->pos[0] << 8 | r->pos[1]);
	r->pos += 2;
	return v;
}

uint32_t wire_read_u32(struct wire_reader *r)
{
	uint32_t v;

	if (!reader_has(r, 4))
		return 0;
	v = (uint32_t)r->pos[0] << 24 | (uint32_t)r->pos[1] << 16 | (uint32_t)r->pos[2] << 8 |
	    (uint32_t)r->pos[3];
	r->pos += 4;
	return v;
}

void wire_read_bytes(struct wire_reader *r, void *dst, size_t n)
{
	if (!reader_has(r, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->pos, n);
	r->pos += n;
}

const uint8_t *wire_read_span(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (!reader_has(r, n))
		return NULL;
	p = r->pos;
	r->pos += n;
	return p;
}

void wire_skip(struct wire_reader *r, size_t n)
{
	if (reader_has(r, n))
		r->pos += n;
}

void wire_seek(struct wire_reader *r, size_t offset)
{
	if (r->error)
		return;
	if (offset > (size_t)(r->end - r->start)) {
		r->error = -EBADMSG;
		return;
	}
	r->pos = r->start + offset;
}

size_t wire_remaining(const struct wire_reader *r)
{
	return r->error ? 0 : (size_t)(r->end - r->pos);
}

size_t wire_offset(const struct wire_reader *r)
{
	return (size_t)(r->pos - r->start);
}

int wire_reader_error(const struct wire_reader *r)
{
	return r->error;
}

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->start = buf;
	w->pos = buf;
	w->end = w->start + cap;
	w->error = 0;
}

static bool writer_has(struct wire_writer *w, size_t n)
{
	if (w->error)
		return false;
	if ((size_t)(w->end - w->pos) < n) {
		w->error = -ENOSPC;
		return false;
	}
	return true;
}

void wire_write_u8(struct wire_writer *w, uint8_t v)
{
	if (writer_has(w, 1))
		*w->pos++ = v;
}

void wire_write_u16(struct wire_writer *w, uint16_t v)
{
	if (!writer_has(w, 2))
		return;
	w->pos[0] = (uint8_t)(v >> 8);
	w->pos[1] = (uint8_t)v;
	w->pos += 2;
}

void wire_write_u32(struct wire_writer *w, uint32_t v)
{
	if (!writer_has(w, 4))
		return;
	w->pos[0] = (uint8_t)(v >> 24);
	w->pos[1] = (uint8_t)(v >> 16);
	w->pos[2] = (uint8_t)(v >> 8);
	w->pos[3] = (uint8_t)v;
	w->pos += 4;
}

void wire_write_bytes(struct wire_writer *w, const void *src, size_t n)
{
	if (n == 0 || !writer_has(w, n))
		return;
	memcpy(w->pos, src, n);
	w->pos += n;
}

void wire_write_zeros(struct wire_writer *w, size_t n)
{
	if (n == 0 || !writer_has(w, n))
		return;
	memset(w->pos, 0, n);
	w->pos += n;
}

void wire_patch_u8(struct wire_writer *w, size_t offset, uint8_t v)
{
	if (w->error)
		return;
	if (offset >= (size_t)(w->pos - w->start)) {
		w->error = -ENOSPC;
		return;
	}
	w->start[offset] = v;
}

void wire_patch_u16(struct wire_writer *w, size_t offset, uint16_t v)
{
	if (w->error)
		return;
	if (offset + 2 > (size_t)(w->pos - w->start)) {
		w->error = -ENOSPC;
		return;
	}
	w->start[offset] = (uint8_t)(v >> 8);
	w->start[offset + 1] = (uint8_t)v;
}

void wire_writer_truncate(struct wire_writer *w, size_t len)
{
	if (len <= (size_t)(w->pos - w->start))
		w->pos = w->start + len;
	w->error = 0;
}

size_t wire_writer_len(const struct wire_writer *w)
{
	return (size_t)(w->pos - w->start);
}

size_t wire_writer_room(const struct wire_writer *w)
{
	return w->error ? 0 : (size_t)(w->end - w->pos);
}

int wire_writer_error(const struct wire_writer *w)
{
	return w->error;
}
