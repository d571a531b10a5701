/*
 * smtp-config.c — the smtp module's keys, module-wide and per listener.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp-config.h"

static int smtp_settings_parse(const struct gd_config_node *node,
    struct smtp_settings *st, const char **error_r);

/* Keys valid both module-wide and in a `listeners:` entry. */
#define SMTP_COMMON_KEYS \
	{ "hostname", GD_CONFIG_KEY_STRING, "(gethostname)", 0, 0, \
	    "name in the greeting, EHLO reply and Received: fields" }, \
	{ "greeting", GD_CONFIG_KEY_STRING, "ESMTP Gumdrop", 0, 0, \
	    "text of the 220 greeting after the host name" }, \
	{ "max-message-size", GD_CONFIG_KEY_SIZE, "35M", 0, 0, \
	    "largest message accepted, SIZE and 552 5.3.4 (0: no limit)" }, \
	{ "max-recipients", GD_CONFIG_KEY_INT, "100", 0, 1000000, \
	    "RCPTMAX: recipients per transaction, then 452 4.5.3" }, \
	{ "max-transactions", GD_CONFIG_KEY_INT, "0", 0, 1000000, \
	    "MAILMAX: transactions per session, then 421 (0: no limit)" }, \
	{ "max-bad-commands", GD_CONFIG_KEY_INT, "20", 0, 1000000, \
	    "unknown or malformed commands before 421 (0: no limit)" }, \
	{ "auth-required", GD_CONFIG_KEY_BOOL, "(submission: true)", 0, 0, \
	    "MAIL only after AUTH (530 5.7.0)" }, \
	{ "relay-networks", GD_CONFIG_KEY_STRINGS, "[]", 0, 0, \
	    "clients that may relay without AUTH (CIDR list)" }, \
	{ "xclient-networks", GD_CONFIG_KEY_STRINGS, "[]", 0, 0, \
	    "clients allowed to use XCLIENT (CIDR list)" }, \
	{ "greeting-delay", GD_CONFIG_KEY_DURATION, "0", 0, 300000, \
	    "wait this long before the greeting" }, \
	{ "refuse-early-talkers", GD_CONFIG_KEY_BOOL, "true", 0, 0, \
	    "close sessions that send before the greeting (554 5.5.1)" }, \
	{ "bare-lf", GD_CONFIG_KEY_STRING, "refuse", 0, 0, \
	    "a bare LF in DATA: refuse (550 5.5.2) or normalize" }, \
	{ "received", GD_CONFIG_KEY_BOOL, "true", 0, 0, \
	    "add a Received: trace field (RFC 5321 4.4)" }, \
	{ "reverse-dns", GD_CONFIG_KEY_BOOL, "true", 0, 0, \
	    "forward-confirmed reverse DNS of clients before the greeting" }, \
	{ "reverse-dns-timeout", GD_CONFIG_KEY_DURATION, "3s", 1, 60000, \
	    "bound of the reverse DNS lookups" }, \
	{ "extensions", GD_CONFIG_KEY_MAP, NULL, 0, 0, \
	    "EHLO keywords on or off: {chunking: false, ...}" }

const struct gd_config_key smtp_config_keys[] = {
	SMTP_COMMON_KEYS,
	{ "listeners", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "per-listener overrides: {LISTENER-NAME: {key: value, ...}}" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key smtp_listener_keys[] = {
	SMTP_COMMON_KEYS,
	{ NULL, 0, NULL, 0, 0, NULL },
};

const struct smtp_ext_name smtp_ext_names[] = {
	{ "SIZE", SMTP_EXT_SIZE },
	{ "PIPELINING", SMTP_EXT_PIPELINING },
	{ "8BITMIME", SMTP_EXT_8BITMIME },
	{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
	{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES },
	{ "CHUNKING", SMTP_EXT_CHUNKING },
	{ "BINARYMIME", SMTP_EXT_BINARYMIME },
	{ "DSN", SMTP_EXT_DSN },
	{ "LIMITS", SMTP_EXT_LIMITS },
	{ "REQUIRETLS", SMTP_EXT_REQUIRETLS },
	{ "MT-PRIORITY", SMTP_EXT_MTPRIORITY },
	{ "FUTURERELEASE", SMTP_EXT_FUTURERELEASE },
	{ "DELIVERBY", SMTP_EXT_DELIVERBY },
	{ "XCLIENT", SMTP_EXT_XCLIENT },
	{ "STARTTLS", SMTP_EXT_STARTTLS },
	{ "AUTH", SMTP_EXT_AUTH },
	{ "HELP", 0 },
	{ NULL, 0 },
};

/* "MT-PRIORITY" -> "mt-priority" into key (size >= 32). */
static void
smtp_ext_key(const char *keyword, char *key, size_t size)
{
	size_t k;

	for (k = 0; keyword[k] != '\0' && k + 1 < size; k++)
		key[k] = (char)(keyword[k] >= 'A' && keyword[k] <= 'Z' ?
		    keyword[k] + 32 : keyword[k]);
	key[k] = '\0';
}

static int
smtp_ext_set(const struct gd_config_node *map, size_t j,
    struct smtp_settings *st, const char **error_r)
{
	const char *name = smtp_ext_names[j].keyword;
	unsigned bit = smtp_ext_names[j].bit;
	bool on = bit == 0 ? st->help : (st->ext & bit) != 0;
	char key[32];

	smtp_ext_key(name, key, sizeof(key));
	if (gd_config_get_bool(map, key, on, &on, error_r) < 0)
		return -1;
	if (bit == 0)
		st->help = on;
	else if (on)
		st->ext |= bit;
	else
		st->ext &= ~bit;
	return 0;
}

/* The `extensions:` map: lower-case keyword: bool. */
static int
smtp_ext_parse(const struct gd_config_node *node, struct smtp_settings *st,
    const char **error_r)
{
	const struct gd_config_node *map = gd_config_get(node, "extensions");
	char key[32];
	size_t i, j;

	for (i = 0; map != NULL && i < gd_config_node_count(map); i++) {
		const struct gd_config_node *v = gd_config_node_at(map, i);

		for (j = 0; smtp_ext_names[j].keyword != NULL; j++) {
			smtp_ext_key(smtp_ext_names[j].keyword, key,
			    sizeof(key));
			if (strcmp(key, gd_config_node_key(v)) == 0)
				break;
		}
		if (smtp_ext_names[j].keyword == NULL) {
			*error_r = gd_config_error(v, "expected an SMTP "
			    "extension (size, chunking, dsn, ...), got an "
			    "unknown key");
			return -1;
		}
		if (smtp_ext_set(map, j, st, error_r) < 0)
			return -1;
	}
	return 0;
}

static int
smtp_nets_parse(const struct gd_config_node *node, const char *key,
    struct gd_cidr **nets_r, size_t *count_r, const char **error_r)
{
	const char *const *list;
	const char *err;
	size_t n, i;

	if (gd_config_get(node, key) == NULL)
		return 0;
	if (gd_config_get_strings(node, key, &list, &n, error_r) < 0)
		return -1;
	*nets_r = gd_xcalloc(n + 1, sizeof(**nets_r));
	*count_r = n;
	for (i = 0; i < n; i++) {
		if (gd_cidr_parse(list[i], &(*nets_r)[i], &err) < 0) {
			*error_r = gd_config_error(gd_config_get(node, key),
			    "expected networks (CIDR), got '%s': %s",
			    list[i], err);
			return -1;
		}
	}
	return 0;
}

static int
smtp_text_parse(const struct gd_config_node *node, struct smtp_settings *st,
    const char **error_r)
{
	static const char *const bare_lf[] = { "refuse", "normalize", NULL };
	static const char *const keys[] = { "hostname", "greeting", NULL };
	const char *const *key;
	int mode = (int)st->bare_lf;

	if (gd_config_get_string(node, "hostname", st->hostname,
	    &st->hostname, error_r) < 0 ||
	    gd_config_get_string(node, "greeting", st->greeting,
	    &st->greeting, error_r) < 0 ||
	    gd_config_get_enum(node, "bare-lf", bare_lf, mode, &mode,
	    error_r) < 0)
		return -1;
	st->bare_lf = (enum smtp_bare_lf)mode;
	for (key = keys; *key != NULL; key++) {
		const char *v = key == keys ? st->hostname : st->greeting;

		if (strpbrk(v, "\r\n") != NULL || *v == '\0' ||
		    strlen(v) > 200) {
			*error_r = gd_config_error(gd_config_get(node, *key),
			    "expected one non-empty line of at most 200 "
			    "bytes");
			return -1;
		}
	}
	return 0;
}

static int
smtp_limits_parse(const struct gd_config_node *node,
    struct smtp_settings *st, const char **error_r)
{
	int64_t rcpt = st->max_recipients, mail = st->max_transactions;
	int64_t bad = st->max_bad_commands;

	if (gd_config_get_size(node, "max-message-size",
	    st->max_message_size, 0, (uint64_t)1 << 40,
	    &st->max_message_size, error_r) < 0 ||
	    gd_config_get_int(node, "max-recipients", rcpt, 0, 1000000,
	    &rcpt, error_r) < 0 ||
	    gd_config_get_int(node, "max-transactions", mail, 0, 1000000,
	    &mail, error_r) < 0 ||
	    gd_config_get_int(node, "max-bad-commands", bad, 0, 1000000,
	    &bad, error_r) < 0 ||
	    gd_config_get_duration(node, "greeting-delay",
	    st->greeting_delay_ms, 0, 300000, &st->greeting_delay_ms,
	    error_r) < 0)
		return -1;
	st->max_recipients = (unsigned)rcpt;
	st->max_transactions = (unsigned)mail;
	st->max_bad_commands = (unsigned)bad;
	return 0;
}

static int
smtp_flags_parse(const struct gd_config_node *node, struct smtp_settings *st,
    const char **error_r)
{
	bool auth = st->auth_required > 0;

	if (gd_config_get(node, "auth-required") != NULL) {
		if (gd_config_get_bool(node, "auth-required", auth, &auth,
		    error_r) < 0)
			return -1;
		st->auth_required = auth ? 1 : 0;
	}
	if (gd_config_get_bool(node, "reverse-dns", st->reverse_dns,
	    &st->reverse_dns, error_r) < 0 ||
	    gd_config_get_duration(node, "reverse-dns-timeout",
	    st->reverse_dns_timeout_ms, 1, 60000,
	    &st->reverse_dns_timeout_ms, error_r) < 0)
		return -1;
	return gd_config_get_bool(node, "refuse-early-talkers",
	    st->refuse_early_talkers, &st->refuse_early_talkers,
	    error_r) < 0 ||
	    gd_config_get_bool(node, "received", st->received,
	    &st->received, error_r) < 0 ? -1 : 0;
}

/* Read `node`'s keys over the values already in *st (the defaults, or
 * the module-wide settings for a listener's overrides). */
static int
smtp_settings_parse(const struct gd_config_node *node,
    struct smtp_settings *st, const char **error_r)
{
	if (node == NULL)
		return 0;
	if (smtp_text_parse(node, st, error_r) < 0 ||
	    smtp_limits_parse(node, st, error_r) < 0 ||
	    smtp_flags_parse(node, st, error_r) < 0 ||
	    smtp_ext_parse(node, st, error_r) < 0 ||
	    smtp_nets_parse(node, "relay-networks", &st->relay_nets,
	    &st->n_relay_nets, error_r) < 0 ||
	    smtp_nets_parse(node, "xclient-networks", &st->xclient_nets,
	    &st->n_xclient_nets, error_r) < 0)
		return -1;
	return 0;
}

static void
smtp_settings_defaults(struct smtp_settings *st, const char *hostname)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->help = true;
	st->hostname = hostname;
	st->greeting = "ESMTP Gumdrop";
	st->max_message_size = 35u << 20;
	st->max_recipients = 100;
	st->max_bad_commands = 20;
	st->auth_required = -1;
	st->refuse_early_talkers = true;
	st->received = true;
	st->reverse_dns = true;
	st->reverse_dns_timeout_ms = 3000;
	for (i = 0; smtp_ext_names[i].keyword != NULL; i++)
		st->ext |= smtp_ext_names[i].bit;
}

/* A listener's settings start as a copy of the module-wide ones; the
 * network lists are copied so that each settings owns its arrays. */
static struct smtp_settings *
smtp_settings_copy(const struct smtp_settings *base, const char *name)
{
	struct smtp_settings *st = gd_xmalloc(sizeof(*st));

	*st = *base;
	st->listener = name;
	st->next = NULL;
	st->relay_nets = gd_xcalloc(base->n_relay_nets + 1,
	    sizeof(*st->relay_nets));
	memcpy(st->relay_nets, base->relay_nets,
	    base->n_relay_nets * sizeof(*st->relay_nets));
	st->xclient_nets = gd_xcalloc(base->n_xclient_nets + 1,
	    sizeof(*st->xclient_nets));
	memcpy(st->xclient_nets, base->xclient_nets,
	    base->n_xclient_nets * sizeof(*st->xclient_nets));
	return st;
}

static int
smtp_listeners_parse(const struct gd_config_node *node,
    struct smtp_config *cfg, const char **error_r)
{
	const struct gd_config_node *map = gd_config_get(node, "listeners");
	struct smtp_settings **tail = &cfg->base.next;
	size_t i;

	for (i = 0; map != NULL && i < gd_config_node_count(map); i++) {
		const struct gd_config_node *entry = gd_config_node_at(map, i);
		struct smtp_settings *st;

		if (gd_config_validate(entry, smtp_listener_keys,
		    error_r) < 0)
			return -1;
		st = smtp_settings_copy(&cfg->base,
		    gd_config_node_key(entry));
		*tail = st;
		tail = &st->next;
		if (gd_config_get(entry, "relay-networks") != NULL) {
			free(st->relay_nets);
			st->relay_nets = NULL;
			st->n_relay_nets = 0;
		}
		if (gd_config_get(entry, "xclient-networks") != NULL) {
			free(st->xclient_nets);
			st->xclient_nets = NULL;
			st->n_xclient_nets = 0;
		}
		if (smtp_settings_parse(entry, st, error_r) < 0)
			return -1;
	}
	return 0;
}

struct smtp_config *
smtp_config_parse(const struct gd_config_node *node, const char **error_r)
{
	struct smtp_config *cfg = gd_xcalloc(1, sizeof(*cfg));

	if (gethostname(cfg->host, sizeof(cfg->host)) < 0)
		strcpy(cfg->host, "localhost");
	cfg->host[sizeof(cfg->host) - 1] = '\0';
	cfg->node = node;
	smtp_settings_defaults(&cfg->base, cfg->host);
	if (smtp_settings_parse(node, &cfg->base, error_r) < 0 ||
	    smtp_listeners_parse(node, cfg, error_r) < 0) {
		smtp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
smtp_config_free(struct smtp_config *cfg)
{
	struct smtp_settings *st, *next;

	if (cfg == NULL)
		return;
	for (st = cfg->base.next; st != NULL; st = next) {
		next = st->next;
		free(st->relay_nets);
		free(st->xclient_nets);
		free(st);
	}
	free(cfg->base.relay_nets);
	free(cfg->base.xclient_nets);
	free(cfg);
}

const struct smtp_settings *
smtp_config_for(const struct smtp_config *cfg, const char *name)
{
	const struct smtp_settings *st;

	for (st = cfg->base.next; st != NULL; st = st->next)
		if (name != NULL && strcmp(st->listener, name) == 0)
			return st;
	return &cfg->base;
}
