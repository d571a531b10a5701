/*
 * imap-args.c — the arguments of the commands that are neither FETCH,
 * STORE nor SEARCH: LIST (with LIST-EXTENDED, LIST-STATUS, SPECIAL-USE),
 * LSUB, STATUS, SELECT/EXAMINE, CREATE, APPEND, ENABLE, ID, LOGIN,
 * AUTHENTICATE, RENAME, COPY/MOVE.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

/* Is the next atom `w` (case-insensitive)?  Consumes it if so. */
static bool
imap_args_word(struct imap_args *a, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(a->end - a->p) >= n && strncasecmp(a->p, w, n) == 0 &&
	    (a->p + n == a->end ||
	    !imap_is_atom_char((unsigned char)a->p[n]))) {
		a->p += n;
		return true;
	}
	return false;
}

/* The index of the next atom in `words` (NULL-terminated), or -1. */
static int
imap_args_choice(struct imap_args *a, const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (imap_args_word(a, words[i]))
			return i;
	return -1;
}

/* "(" [word *(SP word)] ")" as bits (1 << index), -1 on unknown. */
static int
imap_args_word_list(struct imap_args *a, const char *const *words,
    unsigned *bits_r, const char *what)
{
	int i;

	*bits_r = 0;
	if (!imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected (%s)", what);
	if (imap_args_skip(a, ')'))
		return 0;
	do {
		if ((i = imap_args_choice(a, words)) < 0)
			return imap_error_bad(a->err, "Unknown %s", what);
		*bits_r |= 1u << i;
	} while (imap_args_skip(a, ' '));
	if (!imap_args_skip(a, ')'))
		return imap_error_bad(a->err, "Expected ')'");
	return 0;
}

/* ---- STATUS ---- */

static const char *const imap_status_words[] = { "MESSAGES", "RECENT",
    "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", NULL };

int
imap_parse_status_items(struct imap_args *a, unsigned *items_r)
{
	/* Bit i of the list is GD_MAIL_STATUS_* bit i (same order). */
	if (imap_args_word_list(a, imap_status_words, items_r,
	    "status item") < 0)
		return -1;
	if (*items_r == 0)
		return imap_error_bad(a->err, "Missing status items");
	if ((*items_r & GD_MAIL_STATUS_RECENT) && (a->mode & IMAP_MODE_REV2))
		return imap_error_bad(a->err, "Unknown status item");
	return 0;
}

int
imap_parse_status(struct imap_args *a, char **mailbox_r, unsigned *items_r)
{
	if (imap_parse_mailbox(a, mailbox_r) < 0 || imap_args_sp(a) < 0 ||
	    imap_parse_status_items(a, items_r) < 0)
		return -1;
	return imap_args_end(a);
}

/* ---- LIST, LSUB ---- */

static const char *const imap_list_sel_words[] = { "SUBSCRIBED", "REMOTE",
    "RECURSIVEMATCH", "SPECIAL-USE", NULL };
static const char *const imap_list_ret_words[] = { "SUBSCRIBED",
    "CHILDREN", "SPECIAL-USE", "STATUS", NULL };

static int
imap_list_patterns(struct imap_args *a, struct imap_list *l)
{
	size_t max = (size_t)(a->end - a->p) / 2 + 2;
	bool paren = imap_args_skip(a, '(');

	l->patterns = gd_pool_alloc(a->pool, max * sizeof(char *));
	l->extended |= paren;
	do {
		if (imap_parse_list_mailbox(a, &l->patterns[l->npatterns]) < 0)
			return -1;
		l->npatterns++;
	} while (paren && l->npatterns + 1 < max && imap_args_skip(a, ' '));
	if (paren && !imap_args_skip(a, ')'))
		return imap_error_bad(a->err, "Expected ')'");
	return 0;
}

static int
imap_list_return(struct imap_args *a, struct imap_list *l)
{
	int i;

	if (!imap_args_word(a, "RETURN") || imap_args_sp(a) < 0 ||
	    !imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected RETURN (options)");
	l->extended = true;
	if (imap_args_skip(a, ')'))
		return 0;
	do {
		if ((i = imap_args_choice(a, imap_list_ret_words)) < 0)
			return imap_error_bad(a->err, "Unknown return option");
		l->ret |= 1u << i;
		if ((1u << i) == IMAP_LIST_RET_STATUS &&
		    (imap_args_sp(a) < 0 ||
		    imap_parse_status_items(a, &l->status_items) < 0))
			return -1;
	} while (imap_args_skip(a, ' '));
	if (!imap_args_skip(a, ')'))
		return imap_error_bad(a->err, "Expected ')'");
	return 0;
}

int
imap_parse_list(struct imap_args *a, struct imap_list *l_r)
{
	unsigned base = IMAP_LIST_SEL_SUBSCRIBED | IMAP_LIST_SEL_SPECIAL_USE;

	memset(l_r, 0, sizeof(*l_r));
	if (a->p < a->end && *a->p == '(') {
		l_r->extended = true;
		if (imap_args_word_list(a, imap_list_sel_words, &l_r->sel,
		    "selection option") < 0 || imap_args_sp(a) < 0)
			return -1;
		if ((l_r->sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
		    (l_r->sel & base) == 0)
			return imap_error_bad(a->err,
			    "RECURSIVEMATCH needs another selection option");
	}
	if (imap_parse_list_mailbox(a, &l_r->reference) < 0 ||
	    imap_args_sp(a) < 0 || imap_list_patterns(a, l_r) < 0)
		return -1;
	if (imap_args_skip(a, ' ') && imap_list_return(a, l_r) < 0)
		return -1;
	return imap_args_end(a);
}

int
imap_parse_lsub(struct imap_args *a, struct imap_list *l_r)
{
	memset(l_r, 0, sizeof(*l_r));
	l_r->patterns = gd_pool_alloc(a->pool, 2 * sizeof(char *));
	l_r->npatterns = 1;
	l_r->sel = IMAP_LIST_SEL_SUBSCRIBED;
	if (imap_parse_list_mailbox(a, &l_r->reference) < 0 ||
	    imap_args_sp(a) < 0 ||
	    imap_parse_list_mailbox(a, &l_r->patterns[0]) < 0)
		return -1;
	return imap_args_end(a);
}

char *
imap_list_join(struct gd_pool *pool, const char *ref, const char *pattern)
{
	if (pattern[0] == GD_MAIL_DELIM || ref[0] == '\0')
		return gd_pool_strdup(pool, pattern);
	return gd_pool_printf(pool, "%s%s", ref, pattern);
}

/* ---- SELECT, EXAMINE, CREATE ---- */

int
imap_parse_select(struct imap_args *a, struct imap_select *s_r)
{
	memset(s_r, 0, sizeof(*s_r));
	if (imap_parse_mailbox(a, &s_r->mailbox) < 0)
		return -1;
	if (imap_args_skip(a, ' ')) {
		if (!imap_args_skip(a, '('))
			return imap_error_bad(a->err, "Expected parameters");
		if (!imap_args_skip(a, ')'))
			return imap_error_bad(a->err,
			    "Unknown SELECT parameter");
	}
	return imap_args_end(a);
}

int
imap_parse_create(struct imap_args *a, char **mailbox_r,
    unsigned *special_use_r)
{
	const char *w;
	size_t len;
	char name[32];

	*special_use_r = 0;
	if (imap_parse_mailbox(a, mailbox_r) < 0)
		return -1;
	/* RFC 9051 6.3.4: a trailing delimiter only declares the intent
	 * to create children; the mailbox is the name without it. */
	len = strlen(*mailbox_r);
	if (len > 1 && (*mailbox_r)[len - 1] == GD_MAIL_DELIM)
		(*mailbox_r)[len - 1] = '\0';
	if (!imap_args_skip(a, ' '))
		return imap_args_end(a);
	if (!imap_args_skip(a, '(') || !imap_args_word(a, "USE") ||
	    imap_args_sp(a) < 0 || !imap_args_skip(a, '(') ||
	    !imap_args_skip(a, '\\') || imap_parse_atom(a, &w, &len) < 0 ||
	    !imap_args_skip(a, ')') || !imap_args_skip(a, ')'))
		return imap_error_bad(a->err,
		    "Expected (USE (\\special-use))");
	if (len + 2 > sizeof(name))
		len = sizeof(name) - 2;
	name[0] = '\\';
	memcpy(name + 1, w, len);
	name[len + 1] = '\0';
	*special_use_r = gd_mail_special_use_parse(name);
	if (*special_use_r == 0)
		return imap_error_bad(a->err, "Unknown special use %s", name);
	return imap_args_end(a);
}

/* ---- APPEND ---- */

/* The streamed message's header, "{n}" / "{n+}" / "~{n}", at the end. */
static int
imap_append_header(struct imap_args *a, struct imap_append *ap)
{
	ap->binary = imap_args_skip(a, '~');
	if (!imap_args_skip(a, '{') || imap_parse_number64(a, &ap->size) < 0)
		return imap_error_bad(a->err, "Expected the message literal");
	(void)imap_args_skip(a, '+');
	if (!imap_args_skip(a, '}'))
		return imap_error_bad(a->err, "Expected the message literal");
	return imap_args_end(a);
}

int
imap_parse_append(struct imap_args *a, struct imap_append *ap_r)
{
	int zone;

	memset(ap_r, 0, sizeof(*ap_r));
	if (imap_parse_mailbox(a, &ap_r->mailbox) < 0 || imap_args_sp(a) < 0)
		return -1;
	if (a->p < a->end && *a->p == '(' &&
	    (imap_parse_flag_list(a, &ap_r->flags) < 0 ||
	    imap_args_sp(a) < 0))
		return -1;
	if (a->p < a->end && *a->p == '"') {
		if (imap_parse_date_time(a, &ap_r->date, &zone) < 0 ||
		    imap_args_sp(a) < 0)
			return -1;
		ap_r->has_date = true;
	}
	return imap_append_header(a, ap_r);
}

/* ---- ENABLE, ID ---- */

static const char *const imap_enable_words[] = { "IMAP4rev2",
    "UTF8=ACCEPT", "CONDSTORE", "QRESYNC", NULL };

int
imap_parse_enable(struct imap_args *a, unsigned *caps_r)
{
	const char *w;
	size_t len;
	struct imap_args one;
	int i;

	*caps_r = 0;
	do {
		if (imap_parse_atom(a, &w, &len) < 0)
			return -1;
		imap_args_init(&one, w, len, a->pool, a->mode, a->err);
		i = imap_args_choice(&one, imap_enable_words);
		if (i >= 0 && imap_args_at_end(&one))
			*caps_r |= 1u << i;
	} while (imap_args_skip(a, ' '));
	return imap_args_end(a);
}

const char *
imap_enable_name(unsigned bit)
{
	unsigned i;

	for (i = 0; imap_enable_words[i] != NULL; i++)
		if (bit == 1u << i)
			return imap_enable_words[i];
	return NULL;
}

int
imap_parse_id(struct imap_args *a, struct imap_id *id_r)
{
	size_t flen, vlen;

	memset(id_r, 0, sizeof(*id_r));
	if (imap_args_word(a, "NIL"))
		return imap_args_end(a);
	if (!imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected ( or NIL");
	id_r->fields = gd_pool_alloc(a->pool,
	    IMAP_ID_PAIRS_MAX * sizeof(char *));
	id_r->values = gd_pool_alloc(a->pool,
	    IMAP_ID_PAIRS_MAX * sizeof(char *));
	while (!imap_args_skip(a, ')')) {
		if (id_r->count == IMAP_ID_PAIRS_MAX)
			return imap_error_bad(a->err, "Too many ID fields");
		if ((id_r->count > 0 && imap_args_sp(a) < 0) ||
		    imap_parse_string(a, &id_r->fields[id_r->count],
		    &flen) < 0 || imap_args_sp(a) < 0 ||
		    imap_parse_nstring(a, &id_r->values[id_r->count],
		    &vlen) < 0)
			return -1;
		if (flen > 30 || vlen > 1024)
			return imap_error_bad(a->err, "ID field too long");
		id_r->count++;
	}
	return imap_args_end(a);
}

/* ---- LOGIN, AUTHENTICATE, RENAME, COPY/MOVE ---- */

int
imap_parse_login(struct imap_args *a, char **user_r, char **pass_r)
{
	size_t len;

	if (imap_parse_astring(a, user_r, &len) < 0 || imap_args_sp(a) < 0 ||
	    imap_parse_astring(a, pass_r, &len) < 0)
		return -1;
	return imap_args_end(a);
}

int
imap_parse_authenticate(struct imap_args *a, char **mech_r, char **ir_r)
{
	const char *w, *ir;
	size_t len;

	*ir_r = NULL;
	if (imap_parse_atom(a, &w, &len) < 0)
		return -1;
	*mech_r = gd_pool_strndup(a->pool, w, len);
	if (!imap_args_skip(a, ' '))
		return imap_args_end(a);
	ir = a->p;
	len = (size_t)(a->end - a->p);
	if (len == 1 && *ir == '=')
		*ir_r = gd_pool_strdup(a->pool, "");
	else if (len > 0 && imap_base64_valid(ir, len))
		*ir_r = gd_pool_strndup(a->pool, ir, len);
	else
		return imap_error_bad(a->err, "Invalid initial response");
	a->p = a->end;
	return 0;
}

int
imap_parse_rename(struct imap_args *a, char **from_r, char **to_r)
{
	if (imap_parse_mailbox(a, from_r) < 0 || imap_args_sp(a) < 0 ||
	    imap_parse_mailbox(a, to_r) < 0)
		return -1;
	return imap_args_end(a);
}

int
imap_parse_copy(struct imap_args *a, struct imap_seqset *set_r,
    char **mailbox_r)
{
	if (imap_parse_seqset(a, true, set_r) < 0 || imap_args_sp(a) < 0 ||
	    imap_parse_mailbox(a, mailbox_r) < 0)
		return -1;
	return imap_args_end(a);
}
