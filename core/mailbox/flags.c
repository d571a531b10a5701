/*
 * flags.c — flag and keyword arithmetic shared by the backends.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gumdrop/pool.h>

#include "mailbox-private.h"

#define MAIL_KEYWORD_MAX	128

bool
gd_mail_flags_apply(const struct gd_mail_flag_change *change,
    uint64_t keyword_bits, uint32_t *flags, uint64_t *keywords)
{
	uint32_t keep = *flags & ~GD_MAIL_SYSTEM_FLAGS;
	uint32_t old = *flags & GD_MAIL_SYSTEM_FLAGS, nf = old;
	uint32_t set = change->flags & GD_MAIL_SYSTEM_FLAGS;
	uint64_t ok = *keywords, nk = ok;

	switch (change->op) {
	case GD_MAIL_FLAGS_REPLACE:
		nf = set;
		nk = keyword_bits;
		break;
	case GD_MAIL_FLAGS_ADD:
		nf |= set;
		nk |= keyword_bits;
		break;
	case GD_MAIL_FLAGS_REMOVE:
		nf &= ~set;
		nk &= ~keyword_bits;
		break;
	}
	*flags = keep | nf;
	*keywords = nk;
	return nf != old || nk != ok;
}

/* RFC 9051 flag-keyword: an atom (no atom-specials), not "\\..." */
static bool
mail_keyword_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || strlen(name) > MAIL_KEYWORD_MAX)
		return false;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p) != NULL)
			return false;
	return true;
}

static int
mail_keyword_find(const struct gd_mailbox *box, const char *name)
{
	unsigned i;

	for (i = 0; i < box->keyword_count; i++)
		if (strcasecmp(box->keywords[i], name) == 0)
			return (int)i;
	return -1;
}

/* Check every name and that the new ones fit, before changing anything. */
static int
mail_keywords_check(const struct gd_mailbox *box, const char *const *names,
    struct gd_mail_error *err)
{
	unsigned fresh = 0;
	size_t i, j;

	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if (!mail_keyword_ok(names[i])) {
			gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
			    "invalid keyword");
			return -1;
		}
		if (mail_keyword_find(box, names[i]) >= 0)
			continue;
		for (j = 0; j < i; j++)
			if (strcasecmp(names[j], names[i]) == 0)
				break;
		fresh += j == i;
	}
	if (box->keyword_count + fresh > box->keyword_max) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
		    "no room for more keywords (at most %u)", box->keyword_max);
		return -1;
	}
	return 0;
}

int
gd_mailbox_keywords_map(struct gd_mailbox *box, struct gd_pool *pool,
    const char *const *names, uint64_t *bits_r, bool *added_r,
    struct gd_mail_error *err)
{
	int idx;

	*bits_r = 0;
	if (added_r != NULL)
		*added_r = false;
	if (mail_keywords_check(box, names, err) < 0)
		return -1;
	for (; names != NULL && *names != NULL; names++) {
		if ((idx = mail_keyword_find(box, *names)) < 0) {
			idx = (int)box->keyword_count++;
			box->keywords[idx] = gd_pool_strdup(pool, *names);
			if (added_r != NULL)
				*added_r = true;
		}
		*bits_r |= (uint64_t)1 << idx;
	}
	return 0;
}
