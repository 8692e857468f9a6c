/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-wire -- BOOTP/DHCPv4 message parser and reply builder.
 * Options are walked TLV by TLV with the length checked before each value;
 * nothing here allocates or logs.
 */
#include "dhcp/dhcp-wire.h"

#include <errno.h>
#include <string.h>

#include "core/wire.h"

/* One option TLV as found in the packet, before concatenation. */
struct option_fragment {
	uint8_t code;
	uint8_t len;
	const uint8_t *value;
};

struct fragment_list {
	struct option_fragment items[DHCP_OPTIONS_MAX];
	size_t n;
};

/*
 * Walks the TLVs of one area (options, file or sname field) up to the END
 * option or the end of the area. A missing END at the very end of the area
 * is accepted; a length running past the area is not.
 */
static int walk_area(const uint8_t *area, size_t area_len, struct fragment_list *frags)
{
	struct wire_reader r;

	wire_reader_init(&r, area, area_len);
	while (wire_remaining(&r) > 0) {
		uint8_t code = wire_read_u8(&r);
		const uint8_t *value;
		uint8_t len;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		len = wire_read_u8(&r);
		value = wire_read_span(&r, len);
		if (wire_reader_error(&r) < 0)
			return -EBADMSG;
		if (frags->n >= DHCP_OPTIONS_MAX)
			return -E2BIG;
		frags->items[frags->n++] = (struct option_fragment){ code, len, value };
	}
	return 0;
}

/* Reads option 52 from the options-field fragments; RFC 2132 §9.3 allows it only there. */
static int find_overload(const struct fragment_list *frags, uint8_t *ret_overload)
{
	uint8_t overload = 0;

	for (size_t i = 0; i < frags->n; i++) {
		const struct option_fragment *f = &frags->items[i];
		struct wire_reader r;

		if (f->code != DHCP_OPT_OVERLOAD)
			continue;
		if (f->len != 1 || overload != 0)
			return -EBADMSG;
		wire_reader_init(&r, f->value, f->len);
		overload = wire_read_u8(&r);
		if (overload < 1 || overload > 3)
			return -EBADMSG;
	}
	*ret_overload = overload;
	return 0;
}

/*
 * Joins the fragments of each code into msg->data (RFC 3396 §5: in the order
 * they appear, options field first, then file, then sname). The total never
 * exceeds the packet length, which is the size of data[].
 */
static int concatenate(const struct fragment_list *frags, struct dhcp_message *msg)
{
	struct wire_writer w;

	wire_writer_init(&w, msg->data, sizeof(msg->data));
	for (size_t i = 0; i < frags->n; i++) {
		uint8_t code = frags->items[i].code;
		size_t start;

		if (msg->present[code])
			continue;
		start = wire_writer_len(&w);
		for (size_t j = i; j < frags->n; j++) {
			if (frags->items[j].code == code)
				wire_write_bytes(&w, frags->items[j].value, frags->items[j].len);
		}
		if (wire_writer_error(&w) < 0)
			return -E2BIG;
		msg->present[code] = true;
		msg->opt_off[code] = (uint16_t)start;
		msg->opt_len[code] = (uint16_t)(wire_writer_len(&w) - start);
		msg->codes[msg->n_codes++] = code;
	}
	return 0;
}

static void parse_header(struct wire_reader *r, struct dhcp_message *msg)
{
	msg->op = wire_read_u8(r);
	msg->htype = wire_read_u8(r);
	msg->hlen = wire_read_u8(r);
	msg->hops = wire_read_u8(r);
	msg->xid = wire_read_u32(r);
	msg->secs = wire_read_u16(r);
	msg->flags = wire_read_u16(r);
	msg->ciaddr = wire_read_u32(r);
	msg->yiaddr = wire_read_u32(r);
	msg->siaddr = wire_read_u32(r);
	msg->giaddr = wire_read_u32(r);
	wire_read_bytes(r, msg->chaddr, sizeof(msg->chaddr));
	wire_read_bytes(r, msg->sname, sizeof(msg->sname));
	wire_read_bytes(r, msg->file, sizeof(msg->file));
}

int dhcp_message_parse(const void *buf, size_t len, struct dhcp_message *ret_msg)
{
	struct fragment_list frags;
	struct wire_reader r;
	size_t options_len;
	const uint8_t *options;
	int ret;

	if (len > DHCP_PACKET_MAX)
		return -E2BIG;
	memset(ret_msg, 0, offsetof(struct dhcp_message, data));
	frags.n = 0;

	wire_reader_init(&r, buf, len);
	parse_header(&r, ret_msg);
	if (wire_read_u32(&r) != DHCP_MAGIC || wire_reader_error(&r) < 0)
		return -EBADMSG;
	if (ret_msg->hlen > DHCP_CHADDR_LEN)
		return -EBADMSG;
	options_len = wire_remaining(&r);
	options = wire_read_span(&r, options_len);

	ret = walk_area(options, options_len, &frags);
	if (ret < 0)
		return ret;
	ret = find_overload(&frags, &ret_msg->overload);
	if (ret < 0)
		return ret;
	if (ret_msg->overload & DHCP_OVERLOAD_FILE) {
		ret = walk_area(ret_msg->file, sizeof(ret_msg->file), &frags);
		if (ret < 0)
			return ret;
	}
	if (ret_msg->overload & DHCP_OVERLOAD_SNAME) {
		ret = walk_area(ret_msg->sname, sizeof(ret_msg->sname), &frags);
		if (ret < 0)
			return ret;
	}
	ret = concatenate(&frags, ret_msg);
	if (ret < 0)
		return ret;
	/* The fields hold options now, not a server name or a boot file name. */
	if (ret_msg->overload & DHCP_OVERLOAD_FILE)
		memset(ret_msg->file, 0, sizeof(ret_msg->file));
	if (ret_msg->overload & DHCP_OVERLOAD_SNAME)
		memset(ret_msg->sname, 0, sizeof(ret_msg->sname));
	return 0;
}

bool dhcp_message_has(const struct dhcp_message *msg, uint8_t code)
{
	return msg->present[code];
}

int dhcp_message_get(const struct dhcp_message *msg, uint8_t code, const uint8_t **ret_data,
                     size_t *ret_len)
{
	if (!msg->present[code])
		return -ENOENT;
	*ret_data = &msg->data[msg->opt_off[code]];
	*ret_len = msg->opt_len[code];
	return 0;
}

/* Opens a reader over an option whose value must be exactly len bytes. */
static int option_reader(const struct dhcp_message *msg, uint8_t code, size_t len,
                         struct wire_reader *ret_reader)
{
	const uint8_t *data;
	size_t n;
	int ret;

	ret = dhcp_message_get(msg, code, &data, &n);
	if (ret < 0)
		return ret;
	if (n != len)
		return -EBADMSG;
	wire_reader_init(ret_reader, data, n);
	return 0;
}

int dhcp_message_get_u8(const struct dhcp_message *msg, uint8_t code, uint8_t *ret_value)
{
	struct wire_reader r;
	int ret;

	ret = option_reader(msg, code, 1, &r);
	if (ret < 0)
		return ret;
	*ret_value = wire_read_u8(&r);
	return 0;
}

int dhcp_message_get_u16(const struct dhcp_message *msg, uint8_t code, uint16_t *ret_value)
{
	struct wire_reader r;
	int ret;

	ret = option_reader(msg, code, 2, &r);
	if (ret < 0)
		return ret;
	*ret_value = wire_read_u16(&r);
	return 0;
}

int dhcp_message_get_u32(const struct dhcp_message *msg, uint8_t code, uint32_t *ret_value)
{
	struct wire_reader r;
	int ret;

	ret = option_reader(msg, code, 4, &r);
	if (ret < 0)
		return ret;
	*ret_value = wire_read_u32(&r);
	return 0;
}

int dhcp_message_get_addr(const struct dhcp_message *msg, uint8_t code, uint32_t *ret_addr)
{
	return dhcp_message_get_u32(msg, code, ret_addr);
}

int dhcp_message_get_string(const struct dhcp_message *msg, uint8_t code, char *buf, size_t size)
{
	const uint8_t *data;
	size_t n;
	int ret;

	ret = dhcp_message_get(msg, code, &data, &n);
	if (ret < 0)
		return ret;
	while (n > 0 && data[n - 1] == '\0')
		n--;
	if (n == 0 || memchr(data, '\0', n) != NULL)
		return -EBADMSG;
	if (n >= size)
		return -ENOSPC;
	memcpy(buf, data, n);
	buf[n] = '\0';
	return 0;
}

int dhcp_message_get_type(const struct dhcp_message *msg, enum dhcp_message_type *ret_type)
{
	uint8_t v;
	int ret;

	ret = dhcp_message_get_u8(msg, DHCP_OPT_MESSAGE_TYPE, &v);
	if (ret < 0)
		return ret;
	if (v < DHCP_DISCOVER || v > DHCP_INFORM)
		return -EBADMSG;
	*ret_type = (enum dhcp_message_type)v;
	return 0;
}

size_t dhcp_message_reply_limit(const struct dhcp_message *msg)
{
	uint16_t max = DHCP_MAX_MESSAGE_MIN;
	size_t limit;

	/* Values below the RFC 2132 minimum are ignored, as the RFC forbids them. */
	if (dhcp_message_get_u16(msg, DHCP_OPT_MAX_MESSAGE_SIZE, &max) < 0 ||
	    max < DHCP_MAX_MESSAGE_MIN)
		max = DHCP_MAX_MESSAGE_MIN;
	limit = (size_t)max - DHCP_IP_UDP_OVERHEAD;
	return limit > DHCP_REPLY_MAX ? DHCP_REPLY_MAX : limit;
}

const char *dhcp_message_type_name(enum dhcp_message_type type)
{
	static const char *const names[] = {
		[DHCP_DISCOVER] = "DISCOVER", [DHCP_OFFER] = "OFFER",   [DHCP_REQUEST] = "REQUEST",
		[DHCP_DECLINE] = "DECLINE",   [DHCP_ACK] = "ACK",       [DHCP_NAK] = "NAK",
		[DHCP_RELEASE] = "RELEASE",   [DHCP_INFORM] = "INFORM",
	};

	if (type < DHCP_DISCOVER || type > DHCP_INFORM)
		return "UNKNOWN";
	return names[type];
}

void dhcp_reply_init(struct dhcp_reply *reply, const struct dhcp_message *req,
                     enum dhcp_message_type type)
{
	uint8_t t = (uint8_t)type;

	memset(reply, 0, sizeof(*reply));
	reply->op = DHCP_OP_BOOTREPLY;
	reply->htype = req->htype;
	reply->hlen = req->hlen;
	reply->xid = req->xid;
	reply->flags = req->flags;
	reply->giaddr = req->giaddr;
	memcpy(reply->chaddr, req->chaddr, sizeof(reply->chaddr));
	dhcp_reply_add(reply, DHCP_OPT_MESSAGE_TYPE, &t, 1, true);
}

void dhcp_reply_add(struct dhcp_reply *reply, uint8_t code, const void *data, size_t len,
                    bool required)
{
	struct dhcp_reply_option *opt;

	if (reply->error < 0)
		return;
	if (len > UINT8_MAX || code == DHCP_OPT_PAD || code == DHCP_OPT_END) {
		reply->error = -EINVAL;
		return;
	}
	for (size_t i = 0; i < reply->n_options; i++) {
		if (reply->options[i].code == code) {
			reply->error = -EEXIST;
			return;
		}
	}
	if (reply->n_options >= DHCP_REPLY_OPTIONS_MAX) {
		reply->error = -E2BIG;
		return;
	}
	if (len > sizeof(reply->data) - reply->data_len) {
		reply->error = -ENOSPC;
		return;
	}
	opt = &reply->options[reply->n_options++];
	opt->code = code;
	opt->len = (uint8_t)len;
	opt->off = (uint16_t)reply->data_len;
	opt->required = required;
	if (len > 0)
		memcpy(&reply->data[reply->data_len], data, len);
	reply->data_len += len;
}

void dhcp_reply_add_u32(struct dhcp_reply *reply, uint8_t code, uint32_t value, bool required)
{
	uint8_t buf[4];
	struct wire_writer w;

	wire_writer_init(&w, buf, sizeof(buf));
	wire_write_u32(&w, value);
	dhcp_reply_add(reply, code, buf, sizeof(buf), required);
}

void dhcp_reply_add_addr(struct dhcp_reply *reply, uint8_t code, uint32_t addr, bool required)
{
	dhcp_reply_add_u32(reply, code, addr, required);
}

void dhcp_reply_add_addrs(struct dhcp_reply *reply, uint8_t code, const uint32_t *addrs, size_t n)
{
	uint8_t buf[UINT8_MAX];
	struct wire_writer w;

	wire_writer_init(&w, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		wire_write_u32(&w, addrs[i]);
	if (wire_writer_error(&w) < 0) {
		if (reply->error == 0)
			reply->error = -E2BIG;
		return;
	}
	dhcp_reply_add(reply, code, buf, wire_writer_len(&w), false);
}

void dhcp_reply_add_string(struct dhcp_reply *reply, uint8_t code, const char *s)
{
	dhcp_reply_add(reply, code, s, strlen(s), false);
}

/* Placement of each option in the built reply. */
enum placement {
	PLACE_DROPPED,
	PLACE_OPTIONS,
	PLACE_FILE,
	PLACE_SNAME,
};

struct layout {
	size_t order[DHCP_REPLY_OPTIONS_MAX]; /* indexes into reply->options */
	enum placement where[DHCP_REPLY_OPTIONS_MAX];
	uint8_t overload; /* option 52 value, 0 when the fields stay plain */
};

static bool order_contains(const struct layout *lay, size_t n, size_t idx)
{
	for (size_t i = 0; i < n; i++) {
		if (lay->order[i] == idx)
			return true;
	}
	return false;
}

/* Orders options: 53, required ones, requested ones (option 55 order), the rest. */
static void layout_order(const struct dhcp_reply *reply, const uint8_t *prl, size_t prl_len,
                         struct layout *lay)
{
	size_t n = 0;

	for (size_t i = 0; i < reply->n_options; i++) {
		if (reply->options[i].required)
			lay->order[n++] = i;
	}
	for (size_t p = 0; prl != NULL && p < prl_len; p++) {
		for (size_t i = 0; i < reply->n_options; i++) {
			if (reply->options[i].code == prl[p] && !order_contains(lay, n, i))
				lay->order[n++] = i;
		}
	}
	for (size_t i = 0; i < reply->n_options; i++) {
		if (!order_contains(lay, n, i))
			lay->order[n++] = i;
	}
}

/*
 * Fits options greedily into the options field (room bytes, END excluded)
 * and, when allowed, the file and sname fields. Returns -ENOSPC when a
 * required option fits nowhere, 1 when some option was dropped, else 0.
 */
static int layout_place(const struct dhcp_reply *reply, size_t room, bool use_file, bool use_sname,
                        struct layout *lay)
{
	size_t file_room = use_file ? DHCP_FILE_LEN - 1 : 0;
	size_t sname_room = use_sname ? DHCP_SNAME_LEN - 1 : 0;
	bool dropped = false;

	lay->overload = 0;
	for (size_t k = 0; k < reply->n_options; k++) {
		size_t i = lay->order[k];
		size_t need = 2u + reply->options[i].len;

		if (need <= room) {
			room -= need;
			lay->where[i] = PLACE_OPTIONS;
		} else if (need <= file_room) {
			file_room -= need;
			lay->where[i] = PLACE_FILE;
			lay->overload |= DHCP_OVERLOAD_FILE;
		} else if (need <= sname_room) {
			sname_room -= need;
			lay->where[i] = PLACE_SNAME;
			lay->overload |= DHCP_OVERLOAD_SNAME;
		} else if (reply->options[i].required) {
			return -ENOSPC;
		} else {
			lay->where[i] = PLACE_DROPPED;
			dropped = true;
		}
	}
	return dropped ? 1 : 0;
}

/* Writes the options placed in one area, then END, then zero padding up to pad_to. */
static void write_area(struct wire_writer *w, const struct dhcp_reply *reply,
                       const struct layout *lay, enum placement area, size_t pad_to)
{
	size_t start = wire_writer_len(w);

	for (size_t k = 0; k < reply->n_options; k++) {
		const struct dhcp_reply_option *opt = &reply->options[lay->order[k]];

		if (lay->where[lay->order[k]] != area)
			continue;
		wire_write_u8(w, opt->code);
		wire_write_u8(w, opt->len);
		wire_write_bytes(w, &reply->data[opt->off], opt->len);
	}
	if (area == PLACE_OPTIONS && lay->overload != 0) {
		wire_write_u8(w, DHCP_OPT_OVERLOAD);
		wire_write_u8(w, 1);
		wire_write_u8(w, lay->overload);
	}
	wire_write_u8(w, DHCP_OPT_END);
	if (wire_writer_len(w) - start < pad_to)
		wire_write_zeros(w, pad_to - (wire_writer_len(w) - start));
}

/* Writes a text field, or the options placed in it, padded to its fixed size. */
static void write_field(struct wire_writer *w, const struct dhcp_reply *reply,
                        const struct layout *lay, enum placement area, const char *text,
                        size_t size)
{
	uint8_t field[DHCP_FILE_LEN];
	struct wire_writer fw;

	wire_writer_init(&fw, field, size);
	if (lay->overload & (area == PLACE_FILE ? DHCP_OVERLOAD_FILE : DHCP_OVERLOAD_SNAME))
		write_area(&fw, reply, lay, area, size);
	else
		wire_write_bytes(&fw, text, strnlen(text, size));
	wire_write_zeros(&fw, wire_writer_room(&fw));
	wire_write_bytes(w, field, size);
}

int dhcp_reply_build(const struct dhcp_reply *reply, const uint8_t *prl, size_t prl_len,
                     size_t limit, uint8_t *buf, size_t cap)
{
	struct layout lay;
	struct wire_writer w;
	size_t room;
	int ret;

	if (reply->error < 0)
		return reply->error;
	if (limit > cap)
		limit = cap;
	/* RFC 2131 requires room for 576-byte messages, and every reply fits in that. */
	if (limit < DHCP_MAX_MESSAGE_MIN - DHCP_IP_UDP_OVERHEAD)
		return -ENOSPC;
	room = limit - DHCP_OPTIONS_OFF - 1;

	layout_order(reply, prl, prl_len, &lay);
	ret = layout_place(reply, room, false, false, &lay);
	if (ret != 0 && (reply->file[0] == '\0' || reply->sname[0] == '\0'))
		ret = layout_place(reply, room - 3, reply->file[0] == '\0', reply->sname[0] == '\0',
		                   &lay);
	if (ret < 0)
		return ret;

	wire_writer_init(&w, buf, limit);
	wire_write_u8(&w, reply->op);
	wire_write_u8(&w, reply->htype);
	wire_write_u8(&w, reply->hlen);
	wire_write_u8(&w, 0); /* hops */
	wire_write_u32(&w, reply->xid);
	wire_write_u16(&w, 0); /* secs */
	wire_write_u16(&w, reply->flags);
	wire_write_u32(&w, reply->ciaddr);
	wire_write_u32(&w, reply->yiaddr);
	wire_write_u32(&w, reply->siaddr);
	wire_write_u32(&w, reply->giaddr);
	wire_write_bytes(&w, reply->chaddr, sizeof(reply->chaddr));
	write_field(&w, reply, &lay, PLACE_SNAME, reply->sname, DHCP_SNAME_LEN);
	write_field(&w, reply, &lay, PLACE_FILE, reply->file, DHCP_FILE_LEN);
	wire_write_u32(&w, DHCP_MAGIC);
	write_area(&w, reply, &lay, PLACE_OPTIONS, DHCP_REPLY_MIN - DHCP_OPTIONS_OFF);
	if (wire_writer_error(&w) < 0)
		return wire_writer_error(&w);
	return (int)wire_writer_len(&w);
}
