/*
 * dmarc-from.c — the RFC5322.From domain DMARC evaluates (RFC 7489
 * 6.6.1, RFC 9989 4.4): exactly one From field whose addresses share
 * one domain.  Fed by the smtp module's parsed header in the daemon
 * (dmarc-session.c), and from a header block held in memory for the
 * offline tool (the service's message_from_domain).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gumdrop/message.h>
#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#include "dmarc-private.h"

void
dmarc_from_add(struct dmarc_from *f, const struct gd_msg_address *a)
{
	f->fields++;
	for (; a != NULL; a = a->next) {
		if ((a->flags & (GD_MSG_ADDR_GROUP_START |
		    GD_MSG_ADDR_GROUP_END)) != 0)
			continue;
		if (a->domain == NULL || (a->flags & GD_MSG_ADDR_INVALID) ||
		    strlen(a->domain) >= sizeof(f->domain)) {
			f->bad = true;
			continue;
		}
		if (f->domain[0] == '\0')
			(void)snprintf(f->domain, sizeof(f->domain), "%s",
			    a->domain);
		else if (strcasecmp(f->domain, a->domain) != 0)
			f->several = true;
	}
}

const char *
dmarc_from_domain(const struct dmarc_from *f)
{
	if (f->fields != 1 || f->several || f->bad || f->domain[0] == '\0')
		return NULL;
	return f->domain;
}

struct dmarc_from_scan {
	struct gd_pool *pool;
	struct dmarc_from from;
};

static void
dmarc_from_field(void *ctx, const struct gd_msg_field *field)
{
	struct dmarc_from_scan *scan = ctx;

	if (field->name_len != 4 || strncasecmp(field->name, "From", 4) != 0)
		return;
	dmarc_from_add(&scan->from, gd_msg_address_parse(scan->pool,
	    field->value, field->value_len, 0));
}

const char *
dmarc_from_message(const char *msg, size_t len, char *buf, size_t size)
{
	struct dmarc_from_scan scan;
	const char *domain;

	memset(&scan, 0, sizeof(scan));
	scan.pool = gd_pool_create("dmarc-from");
	(void)gd_msg_header_parse(msg, len, NULL, dmarc_from_field, &scan);
	gd_pool_destroy(&scan.pool);
	domain = dmarc_from_domain(&scan.from);
	if (domain == NULL || size == 0 ||
	    (size_t)snprintf(buf, size, "%s", domain) >= size)
		return NULL;
	return buf;
}
