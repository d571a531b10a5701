/*
 * dmarc-from.c — the RFC5322.From domains DMARC evaluates (RFC 9989
 * 5.3.1 and 11.5, RFC 7489 6.6.1).  Every From field's addresses count:
 * a message that names several domains, in one field or in several
 * fields, has each evaluated (dmarc-authors.c), so that adding an
 * address cannot take a message out of DMARC.  Fed by the smtp
 * module's parsed header in the daemon (dmarc-session.c), and from a
 * header block held in memory for the offline tool (the service's
 * message_from_domain and message_from_domains).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gumdrop/message.h>
#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#include "dmarc-private.h"

/* Whether the comma-separated `list` holds `domain` (any case). */
static bool
dmarc_from_listed(const char *list, const char *domain)
{
	size_t len = strlen(domain), n;
	const char *p, *comma;

	for (p = list; p != NULL && *p != '\0'; p = comma != NULL ?
	    comma + 1 : NULL) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncasecmp(p, domain, len) == 0)
			return true;
	}
	return false;
}

static void
dmarc_from_keep(struct dmarc_from *f, const char *domain)
{
	size_t used = strlen(f->list);

	if (dmarc_from_listed(f->list, domain) ||
	    f->ndomains == DMARC_FROM_KEEP)
		return;
	/* UNSAFE: fits: DMARC_FROM_KEEP names of < DMARC_NAME_MAX bytes,
	 * each with its comma or the final NUL. */
	(void)snprintf(f->list + used, sizeof(f->list) - used, "%s%s",
	    used > 0 ? "," : "", domain);
	f->ndomains++;
}

void
dmarc_from_add(struct dmarc_from *f, const struct gd_msg_address *a)
{
	f->fields++;
	for (; a != NULL; a = a->next) {
		if ((a->flags & (GD_MSG_ADDR_GROUP_START |
		    GD_MSG_ADDR_GROUP_END)) != 0)
			continue;
		if (a->domain == NULL || (a->flags & GD_MSG_ADDR_INVALID) ||
		    *a->domain == '\0' || strchr(a->domain, ',') != NULL ||
		    strlen(a->domain) >= DMARC_NAME_MAX) {
			f->bad = true;
			continue;
		}
		dmarc_from_keep(f, a->domain);
	}
}

const char *
dmarc_from_domain(const struct dmarc_from *f)
{
	return f->ndomains > 0 ? f->list : NULL;
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

static void
dmarc_from_scan(const char *msg, size_t len, struct dmarc_from_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	scan->pool = gd_pool_create("dmarc-from");
	(void)gd_msg_header_parse(msg, len, NULL, dmarc_from_field, scan);
	gd_pool_destroy(&scan->pool);
}

static const char *
dmarc_from_copy(const char *s, char *buf, size_t size)
{
	if (s == NULL || size == 0 ||
	    (size_t)snprintf(buf, size, "%s", s) >= size)
		return NULL;
	return buf;
}

const char *
dmarc_from_message(const char *msg, size_t len, char *buf, size_t size)
{
	struct dmarc_from_scan scan;

	dmarc_from_scan(msg, len, &scan);
	if (scan.from.fields != 1 || scan.from.ndomains != 1 || scan.from.bad)
		return NULL;
	return dmarc_from_copy(scan.from.list, buf, size);
}

const char *
dmarc_from_message_all(const char *msg, size_t len, char *buf, size_t size)
{
	struct dmarc_from_scan scan;

	dmarc_from_scan(msg, len, &scan);
	return dmarc_from_copy(dmarc_from_domain(&scan.from), buf, size);
}
