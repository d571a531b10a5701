/*
 * realm-file-parse.c — one line of a Dovecot passwd-file:
 *
 *   user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields
 *
 * Fields after the password are optional; the eighth keeps the rest of
 * the line (so `userdb_quota_rule=*:storage=1G` keeps its colons) and
 * holds space-separated key=value pairs, with or without Dovecot's
 * `userdb_` prefix.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "realm-file.h"

#define RF_FIELDS	8
#define RF_MAX_EXTRA	256	/* key=value pairs on one line */

struct rf_line {
	struct gd_pool *pool;
	struct realm_file_user *u;
	const char *mail;		/* as written, expanded at the end */
	const char *extra[RF_MAX_EXTRA];
	size_t nextra;
};

typedef int rf_field_fn(struct rf_line *l, const char *value,
    const char **error_r);

static rf_field_fn rf_mail, rf_home, rf_uid, rf_gid, rf_quota_storage,
    rf_quota_messages, rf_quota_rule, rf_aliases, rf_cert, rf_act_as,
    rf_master;

/* Known keys (after any `userdb_` prefix); a key ending in '*' is a
 * prefix (Dovecot numbers repeated rules: quota_rule2, quota_rule3). */
static const struct {
	const char *key;
	rf_field_fn *fn;
} rf_fields[] = {
	{ "mail", rf_mail },
	{ "home", rf_home },
	{ "uid", rf_uid },
	{ "gid", rf_gid },
	{ "quota_storage", rf_quota_storage },
	{ "quota_messages", rf_quota_messages },
	{ "quota_rule*", rf_quota_rule },
	{ "aliases", rf_aliases },
	{ "cert", rf_cert },
	{ "allow_act_as", rf_act_as },
	{ "master", rf_master },
};

/* Split at ':' into at most RF_FIELDS fields; absent ones are NULL. */
static void
rf_split(char *line, char **f)
{
	size_t i = 0, j;
	char *p;

	f[0] = line;
	for (p = line; *p != '\0' && i < RF_FIELDS - 1; p++) {
		if (*p == ':') {
			*p = '\0';
			f[++i] = p + 1;
		}
	}
	for (j = i + 1; j < RF_FIELDS; j++)
		f[j] = NULL;
}

static bool
rf_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > REALM_FILE_MAX_NAME)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return false;
	return true;
}

/* A decimal id below (id_t)-1; "" leaves *id as it is. */
static int
rf_parse_id(const char *s, unsigned long *id)
{
	unsigned long v = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 0xfffffffeUL / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > 0xfffffffeUL)
		return -1;
	*id = v;
	return 0;
}

/*
 * A size: digits, then an optional unit (b, k, M, G, T, any case, powers
 * of 1024, optionally followed by B); without a unit, `unit` bytes each.
 */
static int
rf_parse_size(const char *s, uint64_t unit, uint64_t *out)
{
	uint64_t v = 0, mult = unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0') {
		const char *units = "bkmgt", *at = strchr(units,
		    (char)(*p | 0x20));

		if (at == NULL)
			return -1;
		mult = (uint64_t)1 << (10 * (at - units));
		p++;
		if ((*p | 0x20) == 'b' && at != units)
			p++;
		if (*p != '\0')
			return -1;
	}
	if (mult != 0 && v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* A comma-separated list into a NULL-terminated pool array. */
static const char **
rf_list(struct gd_pool *pool, const char *value)
{
	const char **v, *p, *comma;
	size_t n = 1, i = 0;

	for (p = value; *p != '\0'; p++)
		n += *p == ',';
	v = gd_pool_alloc(pool, (n + 1) * sizeof(*v));
	for (p = value; ; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (comma > p)
			v[i++] = gd_pool_strndup(pool, p, (size_t)(comma - p));
		if (*comma == '\0')
			break;
	}
	v[i] = NULL;
	return v;
}

static int
rf_mail(struct rf_line *l, const char *value, const char **error_r)
{
	l->mail = value;
	return 0;
}

static int
rf_home(struct rf_line *l, const char *value, const char **error_r)
{
	l->u->home = *value != '\0' ? value : NULL;
	return 0;
}

static int
rf_uid(struct rf_line *l, const char *value, const char **error_r)
{
	unsigned long id = (unsigned long)l->u->uid;

	*error_r = "uid is not a number";
	if (rf_parse_id(value, &id) < 0)
		return -1;
	l->u->uid = (uid_t)id;
	return 0;
}

static int
rf_gid(struct rf_line *l, const char *value, const char **error_r)
{
	unsigned long id = (unsigned long)l->u->gid;

	*error_r = "gid is not a number";
	if (rf_parse_id(value, &id) < 0)
		return -1;
	l->u->gid = (gid_t)id;
	return 0;
}

static int
rf_quota_storage(struct rf_line *l, const char *value, const char **error_r)
{
	*error_r = "quota_storage is not a size";
	return rf_parse_size(value, 1, &l->u->quota_storage);
}

static int
rf_quota_messages(struct rf_line *l, const char *value, const char **error_r)
{
	*error_r = "quota_messages is not a number";
	return rf_parse_size(value, 1, &l->u->quota_messages) < 0 ||
	    strpbrk(value, "bkmgtBKMGT") != NULL ? -1 : 0;
}

/*
 * Dovecot's rules for the whole store: `*:storage=N` (kilobytes unless
 * a unit is given), `*:bytes=N`, `*:messages=N`, `*:ignore`.  Rules for
 * single mailboxes are kept as extra fields.
 */
static int
rf_quota_rule(struct rf_line *l, const char *value, const char **error_r)
{
	const char *rule = value + 2;

	if (strncmp(value, "*:", 2) != 0)
		return 1;
	*error_r = "unsupported quota rule for '*'";
	if (strncmp(rule, "storage=", 8) == 0)
		return rf_parse_size(rule + 8, 1024, &l->u->quota_storage);
	if (strncmp(rule, "bytes=", 6) == 0)
		return rf_parse_size(rule + 6, 1, &l->u->quota_storage);
	if (strncmp(rule, "messages=", 9) == 0)
		return rf_quota_messages(l, rule + 9, error_r);
	return strcmp(rule, "ignore") == 0 ? 0 : -1;
}

static int
rf_aliases(struct rf_line *l, const char *value, const char **error_r)
{
	l->u->aliases = rf_list(l->pool, value);
	return 0;
}

static int
rf_cert(struct rf_line *l, const char *value, const char **error_r)
{
	const char **items = rf_list(l->pool, value);
	struct realm_file_user *u = l->u;
	char hex[2 * REALM_FILE_FP_LEN + 1];
	size_t n = 0, i;

	while (items[n] != NULL)
		n++;
	u->cert_fp = gd_pool_alloc(l->pool, (n + 1) * sizeof(*u->cert_fp));
	for (i = 0; i < n; i++) {
		if (realm_file_parse_fingerprint(items[i], strlen(items[i]),
		    u->cert_fp[i]) < 0) {
			*error_r = "cert: expected SHA256:HEX fingerprints";
			return -1;
		}
		items[i] = gd_pool_printf(l->pool, "SHA256:%s",
		    gd_pw_hex_encode(u->cert_fp[i], REALM_FILE_FP_LEN, hex));
	}
	u->certs = items;
	u->ncerts = n;
	return 0;
}

static int
rf_act_as(struct rf_line *l, const char *value, const char **error_r)
{
	l->u->act_as = rf_list(l->pool, value);
	return 0;
}

static int
rf_master(struct rf_line *l, const char *value, const char **error_r)
{
	static const char *const yes[] = { "", "yes", "y", "true", "1" };
	static const char *const no[] = { "no", "n", "false", "0" };
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			l->u->master = true;
			return 0;
		}
	}
	for (i = 0; i < GD_N_ELEMENTS(no); i++) {
		if (strcasecmp(value, no[i]) == 0) {
			l->u->master = false;
			return 0;
		}
	}
	*error_r = "master: expected yes or no";
	return -1;
}

int
realm_file_parse_fingerprint(const char *text, size_t len,
    unsigned char *fp)
{
	char hex[2 * REALM_FILE_FP_LEN];
	size_t n = 0, i;

	if (len < 7 || strncasecmp(text, "SHA256:", 7) != 0)
		return -1;
	for (i = 7; i < len; i++) {
		if (text[i] == ':' && n % 2 == 0 && n > 0 && i + 1 < len)
			continue;
		if (n == sizeof(hex))
			return -1;
		hex[n++] = text[i];
	}
	return gd_pw_hex_decode(hex, n, fp, REALM_FILE_FP_LEN);
}

/* One key=value (or bare key) of the extra fields. */
static int
rf_extra(struct rf_line *l, char *token, const char **error_r)
{
	char *eq = strchr(token, '=');
	const char *key = token, *value = eq != NULL ? eq + 1 : "";
	size_t klen = eq != NULL ? (size_t)(eq - token) : strlen(token), i, n;
	int r;

	if (klen > 7 && strncmp(key, "userdb_", 7) == 0) {
		key += 7;
		klen -= 7;
	}
	if (klen == 0) {
		*error_r = "an extra field without a name";
		return -1;
	}
	for (i = 0; i < GD_N_ELEMENTS(rf_fields); i++) {
		n = strlen(rf_fields[i].key);
		if (rf_fields[i].key[n - 1] == '*' ? klen >= n - 1 &&
		    strncmp(key, rf_fields[i].key, n - 1) == 0 :
		    klen == n && strncmp(key, rf_fields[i].key, n) == 0) {
			if ((r = rf_fields[i].fn(l, value, error_r)) <= 0)
				return r;
			break;
		}
	}
	if (l->nextra == RF_MAX_EXTRA) {
		*error_r = "too many extra fields";
		return -1;
	}
	l->extra[l->nextra++] = token;
	return 0;
}

static int
rf_extras(struct rf_line *l, char *fields, const char **error_r)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(fields, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save))
		if (rf_extra(l, tok, error_r) < 0)
			return -1;
	return 0;
}

/* Append `n` bytes to out (when not NULL); count them in any case. */
static size_t
rf_put(char *out, size_t at, const char *s, size_t n)
{
	if (out != NULL)
		memcpy(out + at, s, n);
	return at + n;
}

/*
 * Expand the path part of `mail` (`len` bytes): a leading ~ is the home,
 * %u the user, %n its local part, %d its domain, %% a percent sign.
 * Writes into `out` when not NULL; returns the length either way.
 */
static size_t
rf_expand(const struct realm_file_user *u, const char *mail, size_t len,
    char *out)
{
	const char *at = strchr(u->name, '@'), *p;
	size_t nlen = at != NULL ? (size_t)(at - u->name) : strlen(u->name);
	size_t o = 0;

	for (p = mail; p < mail + len; p++) {
		if (p == mail && *p == '~' && u->home != NULL)
			o = rf_put(out, o, u->home, strlen(u->home));
		else if (*p != '%' || p + 1 == mail + len)
			o = rf_put(out, o, p, 1);
		else if (*++p == 'u')
			o = rf_put(out, o, u->name, strlen(u->name));
		else if (*p == 'n')
			o = rf_put(out, o, u->name, nlen);
		else if (*p == 'd' && at != NULL)
			o = rf_put(out, o, at + 1, strlen(at + 1));
		else if (*p == 'd')
			continue;
		else if (*p == '%')
			o = rf_put(out, o, "%", 1);
		else
			o = rf_put(out, o, p - 1, 2);
	}
	return o;
}

/* "maildir:~/Maildir:LAYOUT=fs" -> HOME/Maildir (options dropped). */
static const char *
rf_expand_mail(struct gd_pool *pool, const struct realm_file_user *u,
    const char *mail)
{
	const char *colon;
	size_t len, n;
	char *out;

	if (strncasecmp(mail, "maildir:", 8) == 0)
		mail += 8;
	else if (strncasecmp(mail, "mbox:", 5) == 0)
		mail += 5;
	colon = strchr(mail, ':');
	len = colon != NULL ? (size_t)(colon - mail) : strlen(mail);
	n = rf_expand(u, mail, len, NULL);
	out = gd_pool_alloc(pool, n + 1);
	rf_expand(u, mail, len, out);
	out[n] = '\0';
	return out;
}

static void
rf_finish(struct rf_line *l)
{
	struct realm_file_user *u = l->u;
	size_t i;

	if (l->mail != NULL && *l->mail != '\0')
		u->mail = rf_expand_mail(l->pool, u, l->mail);
	u->extra = gd_pool_alloc(l->pool, (l->nextra + 1) * sizeof(char *));
	for (i = 0; i < l->nextra; i++)
		u->extra[i] = l->extra[i];
	if (u->aliases == NULL)
		u->aliases = gd_pool_alloc(l->pool, sizeof(char *));
	if (u->certs == NULL)
		u->certs = gd_pool_alloc(l->pool, sizeof(char *));
	if (u->act_as == NULL)
		u->act_as = gd_pool_alloc(l->pool, sizeof(char *));
}

static bool
rf_blank(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '#';
}

int
realm_file_parse_line(struct gd_pool *pool, char *line,
    struct realm_file_user *u, const char **error_r)
{
	struct rf_line l = { .pool = pool, .u = u };
	char *f[RF_FIELDS];

	if (rf_blank(line))
		return 0;
	memset(u, 0, sizeof(*u));
	u->uid = (uid_t)-1;
	u->gid = (gid_t)-1;
	rf_split(line, f);
	u->name = f[0];
	if (!rf_name_ok(u->name)) {
		*error_r = "bad user name";
		return -1;
	}
	if (gd_pw_parse(f[1] != NULL ? f[1] : "", f[1] != NULL ?
	    strlen(f[1]) : 0, &u->pw, error_r) < 0)
		return -1;
	if ((f[2] != NULL && rf_uid(&l, f[2], error_r) < 0) ||
	    (f[3] != NULL && rf_gid(&l, f[3], error_r) < 0))
		return -1;
	if (f[5] != NULL && *f[5] != '\0')
		u->home = f[5];
	if (f[7] != NULL && rf_extras(&l, f[7], error_r) < 0)
		return -1;
	rf_finish(&l);
	return 1;
}
