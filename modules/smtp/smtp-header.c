/*
 * smtp-header.c — the message's header, parsed once per transaction with
 * the message library (gumdrop/message.h) while the content streams, and
 * offered to every module that subscribed (gumdrop/smtp.h), so that no
 * module parses it again.  Only the top-level header: after it the
 * parser only counts bytes.
 */
#include <string.h>
#include <strings.h>

#include "smtp-private.h"

/* Fields whose value is an address list (RFC 5322 3.6.2, 3.6.3, 3.6.6). */
static const char *const smtp_address_fields[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
	"Resent-Bcc", NULL,
};

static bool
smtp_is_address_field(const char *name)
{
	size_t i;

	for (i = 0; smtp_address_fields[i] != NULL; i++)
		if (strcasecmp(smtp_address_fields[i], name) == 0)
			return true;
	return false;
}

static void
smtp_header_field(void *ctx, const struct gd_mime_part *part,
    const struct gd_msg_field *field)
{
	struct smtp_session *s = ctx;
	struct gd_msg_address *list = NULL;
	bool addresses;
	struct smtp_subscriber *sub;

	if (part->depth != 0)
		return;
	addresses = smtp_is_address_field(field->name);
	if (addresses)
		list = gd_msg_address_parse(s->txn_pool, field->value,
		    field->value_len, 0);
	for (sub = s->txn.subscribers; sub != NULL; sub = sub->next) {
		if (sub->handler->field != NULL)
			sub->handler->field(sub->ctx, field);
		if (addresses && sub->handler->addresses != NULL)
			sub->handler->addresses(sub->ctx, field->name, list);
	}
}

static void
smtp_header_end(void *ctx, const struct gd_mime_part *part)
{
	struct smtp_session *s = ctx;
	struct smtp_subscriber *sub;

	if (part->depth != 0 || s->txn.header_done)
		return;
	s->txn.header_done = true;
	for (sub = s->txn.subscribers; sub != NULL; sub = sub->next)
		if (sub->handler->end != NULL)
			sub->handler->end(sub->ctx);
	gd_msg_parser_stop_at_body(s->txn.parser);
}

static const struct gd_msg_callbacks smtp_header_callbacks = {
	.header_field = smtp_header_field,
	.header_end = smtp_header_end,
};

/* At the start of content: parse only when someone listens. */
void
smtp_header_start(struct smtp_session *s)
{
	if (s->txn.subscribers == NULL)
		return;
	s->txn.parser = gd_msg_parser_create(s->txn_pool, NULL,
	    &smtp_header_callbacks, s);
}

void
smtp_header_feed(struct smtp_session *s, const char *buf, size_t len)
{
	if (s->txn.parser != NULL && !s->txn.header_done)
		gd_msg_parser_feed(s->txn.parser, buf, len);
}

void
smtp_header_finish(struct smtp_session *s)
{
	if (s->txn.parser == NULL)
		return;
	/* A message that is all header ends its header here. */
	gd_msg_parser_finish(s->txn.parser);
	s->txn.parser = NULL;
}
