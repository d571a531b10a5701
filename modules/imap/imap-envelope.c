/*
 * imap-envelope.c — FETCH ENVELOPE (RFC 9051 7.5.2, RFC 3501 7.4.2) from
 * the header fields the message parser kept on a message node.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-address.h>

#include "imap-fetch-resp.h"

/* Entries of one address field at most (the rest are dropped). */
#define ENV_ADDR_MAX	1000

static void
env_sp_nstring(struct imap_sbuf *sb, const char *s, unsigned mode)
{
	imap_sbuf_add(sb, " ", 1);
	imap_sbuf_nstring(sb, s, mode);
}

/* A non-group address: NIL host or mailbox would read as a group. */
static void
env_address(struct imap_sbuf *sb, const struct gd_msg_address *a,
    unsigned mode)
{
	const char *name = a->name, *mbox = a->mailbox, *host = a->domain;

	if (name != NULL && name[0] == '\0')
		name = NULL;
	if (mbox == NULL || mbox[0] == '\0')
		mbox = "MISSING_MAILBOX";
	if (host == NULL || host[0] == '\0')
		host = "MISSING_DOMAIN";
	imap_sbuf_add(sb, "(", 1);
	imap_sbuf_nstring(sb, name, mode);
	env_sp_nstring(sb, a->route, mode);
	env_sp_nstring(sb, mbox, mode);
	env_sp_nstring(sb, host, mode);
	imap_sbuf_add(sb, ")", 1);
}

static void
env_entry(struct imap_sbuf *sb, const struct gd_msg_address *a,
    unsigned mode)
{
	if (a->flags & GD_MSG_ADDR_GROUP_START) {
		imap_sbuf_str(sb, "(NIL NIL ");
		imap_sbuf_nstring(sb, a->name != NULL ? a->name : "", mode);
		imap_sbuf_str(sb, " NIL)");
	} else if (a->flags & GD_MSG_ADDR_GROUP_END)
		imap_sbuf_str(sb, "(NIL NIL NIL NIL)");
	else
		env_address(sb, a, mode);
}

static const struct gd_msg_address *
env_parse(struct gd_pool *pool, const char *value)
{
	if (value == NULL)
		return NULL;
	return gd_msg_address_parse(pool, value, strlen(value),
	    ENV_ADDR_MAX);
}

/* "(" 1*address ")" / NIL */
static void
env_addr_list(struct imap_sbuf *sb, const struct gd_msg_address *list,
    unsigned mode)
{
	const struct gd_msg_address *a;

	imap_sbuf_add(sb, " ", 1);
	if (list == NULL) {
		imap_sbuf_add(sb, "NIL", 3);
		return;
	}
	imap_sbuf_add(sb, "(", 1);
	for (a = list; a != NULL; a = a->next)
		env_entry(sb, a, mode);
	imap_sbuf_add(sb, ")", 1);
}

void
imap_envelope_write(struct imap_sbuf *sb, const struct gd_mime_part *msg,
    unsigned mode)
{
	static const struct gd_msg_envelope none;
	const struct gd_msg_envelope *e = msg->envelope;
	const struct gd_msg_address *from, *sender, *reply_to;

	if (e == NULL)
		e = &none;
	from = env_parse(sb->pool, e->from);
	sender = env_parse(sb->pool, e->sender);
	reply_to = env_parse(sb->pool, e->reply_to);
	imap_sbuf_add(sb, "(", 1);
	imap_sbuf_nstring(sb, e->date, mode);
	env_sp_nstring(sb, e->subject, mode);
	env_addr_list(sb, from, mode);
	env_addr_list(sb, sender != NULL ? sender : from, mode);
	env_addr_list(sb, reply_to != NULL ? reply_to : from, mode);
	env_addr_list(sb, env_parse(sb->pool, e->to), mode);
	env_addr_list(sb, env_parse(sb->pool, e->cc), mode);
	env_addr_list(sb, env_parse(sb->pool, e->bcc), mode);
	env_sp_nstring(sb, e->in_reply_to, mode);
	env_sp_nstring(sb, e->message_id, mode);
	imap_sbuf_add(sb, ")", 1);
}
