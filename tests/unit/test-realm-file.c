/*
 * test-realm-file.c — the realm-file module loaded with gd_modules_load:
 * every field of a passwd-file line, entries made by doveadm and
 * mkpasswd, malformed lines logged as FILE:LINE with the rest loaded,
 * the plaintext warning and refusal, SCRAM secrets (stored and derived),
 * certificates, acting as others, reload on SIGHUP and on a file change
 * (on a real loop), swaps under concurrent readers, and unknown users
 * costing as much as known ones.  Every wait is bounded.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <nettle/sha2.h>

#include <gumdrop/gumdrop.h>

#include "loop-private.h"
#include "module-private.h"
#include "pwhash/pwhash.h"

#define MODDIR		GD_TOP_BUILDDIR "/modules/.built"
#define TOOL_USERS	GD_TEST_SRCDIR "/data/realm-file/tool-users"

static char dir[64], users[128], logpath[128];
static struct gd_config *cfg;
static struct gd_pool *pool;
static int saved_stderr = -1;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gd-realm-file-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(users, sizeof(users), "%s/users", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	char cmd[128];

	gd_modules_unload();
	gd_config_free(&cfg);
	gd_pool_destroy(&pool);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(realm_file, .init = setup, .fini = teardown, .timeout = 60);

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Replace `path` by rename, as editors do. */
static void
replace_file(const char *path, const char *text)
{
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	write_file(tmp, text);
	cr_assert_eq(rename(tmp, path), 0);
}

static const struct gd_config_node *
yaml(const char *fmt, ...)
{
	char text[2048], *err = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	gd_config_free(&cfg);
	cfg = gd_config_load_string("test.yaml", text, strlen(text), &err);
	cr_assert_not_null(cfg, "config: %s", err);
	return gd_config_root(cfg);
}

/* Load realm-file for `path` with extra settings; 0 or -1. */
static int
load_realm(const char *path, const char *extra, const char **error_r)
{
	return gd_modules_load(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\nrealm-file:\n  path: \"%s\"\n%s", MODDIR, path,
	    extra != NULL ? extra : ""), NULL, error_r);
}

static const struct gd_realm *
realm_for(const char *text, const char *extra)
{
	const struct gd_realm *realm;
	const char *error = NULL;

	write_file(users, text);
	cr_assert_eq(load_realm(users, extra, &error), 0, "%s", error);
	realm = gd_service_lookup("realm.file", GD_REALM_MAJOR,
	    GD_REALM_MINOR, &error);
	cr_assert_not_null(realm, "%s", error);
	cr_assert_str_eq(realm->name, "file");
	return realm;
}

static int
verify(const struct gd_realm *realm, const char *user, const char *pw)
{
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	int r;

	r = realm->verify_password(realm, user, pw, strlen(pw), pool, &u,
	    &err);
	cr_assert_neq(r, -1, "%s", err);
	if (r == 1) {
		cr_assert_not_null(u);
		cr_assert_str_eq(u->name, user);
	}
	return r;
}

static struct gd_realm_user *
lookup(const struct gd_realm *realm, const char *user)
{
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	int r;

	r = realm->lookup(realm, user, pool, &u, &err);
	cr_assert_neq(r, -1, "%s", err);
	return r == 1 ? u : NULL;
}

/* Send stderr (where gd_log writes) to logpath until log_end(). */
static void
log_begin(void)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *
log_end(void)
{
	static char text[16384];
	FILE *f;
	size_t n;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	f = fopen(logpath, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static size_t
count_lines_with(const char *text, const char *needle)
{
	const char *p = text, *nl;
	size_t n = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (memmem(p, (size_t)(nl - p), needle, strlen(needle)) != NULL)
			n++;
		p = *nl != '\0' ? nl + 1 : nl;
	}
	return n;
}

static void
fingerprint_hex(const char *der, char *hex, bool colons)
{
	unsigned char fp[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	size_t i;

	sha256_init(&c);
	sha256_update(&c, strlen(der), (const uint8_t *)der);
	sha256_digest(&c, sizeof(fp), fp);
	for (i = 0; i < sizeof(fp); i++)
		hex += sprintf(hex, colons && i > 0 ? ":%02X" : "%02x", fp[i]);
}

/* ---- fields ------------------------------------------------------------- */

Test(realm_file, basic_every_field)
{
	const struct gd_realm *realm;
	struct gd_realm_user *u;
	char text[2048], fp[128];

	fingerprint_hex("alice's certificate", fp, true);
	snprintf(text, sizeof(text),
	    "# a comment\n"
	    "\n"
	    "alice:{PLAIN}pw:1000:1001:Alice A:/home/alice:/bin/sh:"
	    "mail=maildir:~/Maildir:LAYOUT=fs quota_storage=10M "
	    "quota_messages=500 aliases=a@example.org,al@example.org "
	    "cert=SHA256:%s foo=bar flag\n"
	    "bob@example.org:{PLAIN}pw::::/srv/bob::"
	    "userdb_mail=mbox:/var/mail/%%d/%%n/%%u/%%%% "
	    "userdb_quota_rule=*:storage=2048 userdb_quota_rule2=*:messages=7 "
	    "userdb_quota_rule3=Trash:storage=+100M\n"
	    "carol:{PLAIN}pw\n"
	    "dave\n"
	    "erin:{PLAIN}pw::::::userdb_quota_rule=*:bytes=123 "
	    "userdb_uid=55 gid=66 userdb_home=/h/erin mail=~/mail\n", fp);
	realm = realm_for(text, NULL);

	u = lookup(realm, "alice");
	cr_assert_not_null(u);
	cr_assert_eq(u->uid, 1000);
	cr_assert_eq(u->gid, 1001);
	cr_assert_str_eq(u->home, "/home/alice");
	cr_assert_str_eq(u->mail, "/home/alice/Maildir");
	cr_assert_eq(u->quota_storage, 10 * 1024 * 1024);
	cr_assert_eq(u->quota_messages, 500);
	cr_assert_str_eq(u->aliases[0], "a@example.org");
	cr_assert_str_eq(u->aliases[1], "al@example.org");
	cr_assert_null(u->aliases[2]);
	fingerprint_hex("alice's certificate", fp, false);
	cr_assert_eq(strncmp(u->cert_fingerprints[0], "SHA256:", 7), 0);
	cr_assert_str_eq(u->cert_fingerprints[0] + 7, fp);
	cr_assert_null(u->cert_fingerprints[1]);
	cr_assert_str_eq(u->extra[0], "foo=bar");
	cr_assert_str_eq(u->extra[1], "flag");
	cr_assert_null(u->extra[2]);

	u = lookup(realm, "bob@example.org");
	cr_assert_not_null(u);
	cr_assert_eq(u->uid, (uid_t)-1);
	cr_assert_eq(u->gid, (gid_t)-1);
	cr_assert_str_eq(u->home, "/srv/bob");
	cr_assert_str_eq(u->mail,
	    "/var/mail/example.org/bob/bob@example.org/%");
	cr_assert_eq(u->quota_storage, 2048 * 1024, "storage is in kB");
	cr_assert_eq(u->quota_messages, 7);
	cr_assert_str_eq(u->extra[0], "userdb_quota_rule3=Trash:storage=+100M");
	cr_assert_null(u->extra[1]);
	cr_assert_null(u->aliases[0]);

	u = lookup(realm, "carol");
	cr_assert_not_null(u);
	cr_assert_null(u->home);
	cr_assert_null(u->mail);
	cr_assert_eq(u->quota_storage, 0);
	cr_assert_null(u->extra[0]);
	cr_assert_not_null(lookup(realm, "dave"), "no password field");
	cr_assert_eq(verify(realm, "dave", ""), 0);

	u = lookup(realm, "erin");
	cr_assert_not_null(u);
	cr_assert_eq(u->quota_storage, 123);
	cr_assert_eq(u->uid, 55);
	cr_assert_eq(u->gid, 66);
	cr_assert_str_eq(u->home, "/h/erin");
	cr_assert_str_eq(u->mail, "/h/erin/mail");
	cr_assert_null(lookup(realm, "Alice"), "names are case-sensitive");
	cr_assert_null(lookup(realm, "nobody"));
}

Test(realm_file, basic_tool_entries_verify)
{
	const struct gd_realm *realm;
	const char *error = NULL, *pw;
	char line[1024], *colon;
	unsigned n = 0;
	FILE *f;

	cr_assert_eq(load_realm(TOOL_USERS, NULL, &error), 0, "%s", error);
	realm = gd_service_lookup("realm.file", 1, 0, &error);
	cr_assert_not_null(realm);
	f = fopen(TOOL_USERS, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || (colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		pw = strstr(line, "-u8") != NULL ? "p\xc3\xa4ssw\xc3\xb6rd" :
		    "correct horse";
		cr_assert_eq(verify(realm, line, pw), 1, "%s", line);
		cr_assert_eq(verify(realm, line, "correct horsE"), 0, "%s",
		    line);
		n++;
	}
	fclose(f);
	cr_assert_geq(n, 20);
	cr_assert_eq(verify(realm, "nobody", "correct horse"), 0);
}

/* ---- malformed lines ---------------------------------------------------- */

Test(realm_file, basic_malformed_lines_logged_rest_loaded)
{
	static const char text[] =
	    "good1:{PLAIN}a\n"				/* 1 */
	    " spaced:{PLAIN}a\n"			/* 2 */
	    "bad2:{NOPE}secretvalue\n"			/* 3 */
	    "bad3:{PLAIN}a:abc\n"			/* 4 */
	    "good2:{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=\n"
	    "bad4:{SHA256}c2VjcmV0dmFsdWU=\n"		/* 6 */
	    "bad5:{PLAIN}a::::::master=maybe\n"	/* 7 */
	    "bad6:{PLAIN}a::::::cert=SHA256:00\n"	/* 8 */
	    "bad7:{PLAIN}a::::::quota_rule=*:storage=10%\n"	/* 9 */
	    "good1:{PLAIN}b\n"				/* 10: duplicate */
	    "bad8:{SCRAM-SHA-256}4096,AAAA\n"		/* 11 */
	    ":{PLAIN}a\n"				/* 12 */
	    "bad9:{PLAIN}a::::::=x\n"			/* 13 */
	    "good3:$6$rounds=1000$abc$x\r\n";		/* 14: bad hash */
	const struct gd_realm *realm;
	char want[256], *log;
	static const unsigned bad[] = { 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13 };
	size_t i;

	log_begin();
	realm = realm_for(text, NULL);
	log = log_end();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "event=realm.file.line at=%s:%u ",
		    users, bad[i]);
		cr_assert_eq(count_lines_with(log, want), 1, "line %u in:\n%s",
		    bad[i], log);
	}
	cr_assert_null(strstr(log, "secretvalue"), "a secret was logged");
	cr_assert_null(strstr(log, "c2VjcmV0dmFsdWU"), "a hash was logged");
	cr_assert_eq(verify(realm, "good1", "a"), 1, "the first one wins");
	cr_assert_eq(verify(realm, "good2", "correct horse"), 1);
	cr_assert_null(lookup(realm, "bad2"));
	cr_assert_null(lookup(realm, "bad9"));
	/* A crypt hash libcrypt accepts loads, and matches nothing. */
	cr_assert_eq(count_lines_with(log, "users=3 malformed=11 "), 1, "%s",
	    log);
	cr_assert_not_null(lookup(realm, "good3"));
	cr_assert_eq(verify(realm, "good3", "x"), 0);
}

Test(realm_file, basic_nul_and_long_lines)
{
	static char text[80 * 1024];
	const struct gd_realm *realm;
	const char *error = NULL;
	char want[256], *log;
	size_t n;
	FILE *f;

	/* Line 2 holds a NUL, line 3 is longer than 64 KiB. */
	n = (size_t)snprintf(text, sizeof(text), "a:{PLAIN}x\nb:{PLAIN}y");
	text[n++] = '\0';
	n += (size_t)snprintf(text + n, sizeof(text) - n, "z\nc:{PLAIN}");
	memset(text + n, 'x', 70 * 1024);
	n += 70 * 1024;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nd:{PLAIN}w");
	f = fopen(users, "w");
	cr_assert_eq(fwrite(text, 1, n, f), n);
	fclose(f);
	log_begin();
	cr_assert_eq(load_realm(users, NULL, &error), 0, "%s", error);
	log = log_end();
	realm = gd_service_lookup("realm.file", 1, 0, NULL);
	snprintf(want, sizeof(want), "at=%s:2 reason=\"NUL byte", users);
	cr_assert_not_null(strstr(log, want), "%s", log);
	snprintf(want, sizeof(want), "at=%s:3 reason=\"line too long", users);
	cr_assert_not_null(strstr(log, want), "%s", log);
	cr_assert_eq(verify(realm, "a", "x"), 1);
	cr_assert_eq(verify(realm, "d", "w"), 1, "a last line without LF");
	cr_assert_null(lookup(realm, "b"));
	cr_assert_null(lookup(realm, "c"));
}

Test(realm_file, basic_model_that_cannot_be_hashed)
{
	const struct gd_realm *realm;
	char want[256], *log;

	/* libcrypt accepts these as settings but cannot compute them: the
	 * file still loads, with a default stand-in for unknown users. */
	log_begin();
	realm = realm_for("a:$2b$99$abcdefghijklmnopqrstuv\n"
	    "b:$2b$99$abcdefghijklmnopqrstuw\nc:{PLAIN}x\n", NULL);
	log = log_end();
	snprintf(want, sizeof(want), "at=%s:1 reason=\"cannot hash like this "
	    "entry", users);
	cr_assert_not_null(strstr(log, want), "%s", log);
	cr_assert_eq(verify(realm, "c", "x"), 1);
	cr_assert_eq(verify(realm, "a", "x"), 0);
	cr_assert_eq(verify(realm, "nobody", "x"), 0);
}

/* ---- configuration ------------------------------------------------------ */

Test(realm_file, basic_config_errors)
{
	const char *error = NULL;

	write_file(users, "a:{PLAIN}x\n");
	cr_assert_eq(gd_modules_load(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\n", MODDIR), NULL, &error), -1);
	cr_assert_not_null(strstr(error, "'path' is required"), "%s", error);
	cr_assert_eq(load_realm(users, "  dummy-scheme: MD4\n", &error), -1);
	cr_assert_not_null(strstr(error, "dummy-scheme"), "%s", error);
	cr_assert_eq(load_realm(users, "  scram-iterations: 0\n", &error), -1);
	cr_assert_eq(load_realm("/nonexistent/users", NULL, &error), -1);
	cr_assert_not_null(strstr(error, "/nonexistent/users: No such file"),
	    "%s", error);
	cr_assert_eq(load_realm(dir, NULL, &error), -1);
	cr_assert_not_null(strstr(error, "not a regular file"), "%s", error);
}

/* ---- plaintext ---------------------------------------------------------- */

Test(realm_file, basic_plaintext_warned_and_refused)
{
	const struct gd_realm *realm;
	struct gd_realm_user *u = NULL;
	const char *secret = NULL, *err = NULL;
	char want[256], *log;
	size_t len = 0;

	log_begin();
	realm = realm_for("h:{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7"
	    "VjE=\np1:{PLAIN}one\np2:{CLEAR}two\n", NULL);
	log = log_end();
	snprintf(want, sizeof(want), "event=realm.file.plaintext at=%s:2 "
	    "users=2 ", users);
	cr_assert_eq(count_lines_with(log, want), 1, "%s", log);
	cr_assert_null(strstr(log, "one"), "%s", log);
	cr_assert_eq(realm->plain_secret(realm, "p1", pool, &secret, &len, &u,
	    &err), 0, "given out without allow-plaintext-secrets");
	cr_assert_eq(verify(realm, "p1", "one"), 1);
}

Test(realm_file, basic_plaintext_given_when_allowed)
{
	const struct gd_realm *realm;
	struct gd_realm_user *u = NULL;
	const char *secret = NULL, *err = NULL;
	size_t len = 0;

	realm = realm_for("h:{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7Vj"
	    "E=\np1:{PLAIN}one two\n", "  allow-plaintext-secrets: true\n");
	cr_assert_eq(realm->plain_secret(realm, "p1", pool, &secret, &len, &u,
	    &err), 1);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(secret, "one two");
	cr_assert_str_eq(u->name, "p1");
	cr_assert_eq(realm->plain_secret(realm, "h", pool, &secret, &len, &u,
	    &err), 0, "a hash is no plaintext");
	cr_assert_eq(realm->plain_secret(realm, "nobody", pool, &secret, &len,
	    &u, &err), 0);
}

/* ---- SCRAM -------------------------------------------------------------- */

Test(realm_file, basic_scram_stored_keys)
{
	static const char entry[] = "{SCRAM-SHA-256}4096,v9WOOkKANO60UGEfiOe"
	    "Whw==,G7+erZ6Bw5YTjDcJLixBUG5SUwCq6SMqBKVJELqMrNQ=,3Ze4K5JBWvAy7"
	    "JlpbBjIqEcCbEhXh78zCOCOKlKEFT8=";
	const struct gd_realm *realm;
	struct gd_realm_scram s;
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	char text[512];
	struct gd_pw pw;

	snprintf(text, sizeof(text), "s:%s\nc:$6$abcdefgh$x\n", entry);
	realm = realm_for(text, NULL);
	cr_assert_eq(gd_pw_parse(entry, strlen(entry), &pw, &err), 0);
	cr_assert_eq(realm->scram_secret(realm, "s", "SHA-256", pool, &s, &u,
	    &err), 1);
	cr_assert_str_eq(s.hash, "SHA-256");
	cr_assert_eq(s.iterations, 4096);
	cr_assert_eq(s.key_len, 32);
	cr_assert_eq(s.salt_len, pw.salt_len);
	cr_assert_arr_eq(s.salt, pw.salt, pw.salt_len);
	cr_assert_arr_eq(s.stored_key, pw.key, 32);
	cr_assert_arr_eq(s.server_key, pw.server_key, 32);
	cr_assert_str_eq(u->name, "s");
	cr_assert_eq(realm->scram_secret(realm, "s", "SHA-1", pool, &s, &u,
	    &err), 0, "no SHA-1 keys stored");
	cr_assert_eq(realm->scram_secret(realm, "c", "SHA-256", pool, &s, &u,
	    &err), 0, "crypt has no SCRAM keys");
	cr_assert_eq(realm->scram_secret(realm, "x", "SHA-256", pool, &s, &u,
	    &err), 0);
	cr_assert_eq(verify(realm, "s", "correct horse"), 1);
}

Test(realm_file, complex_scram_derived_from_plain)
{
	const struct gd_realm *realm;
	struct gd_realm_scram a, b, c;
	struct gd_realm_user *u = NULL;
	unsigned char stored[64], server[64];
	const char *err = NULL;

	realm = realm_for("p:{PLAIN}pencil\nq:{PLAIN}pencil\n",
	    "  scram-iterations: 5000\n");
	cr_assert_eq(realm->scram_secret(realm, "p", "SHA-256", pool, &a, &u,
	    &err), 1);
	cr_assert_eq(a.iterations, 5000);
	cr_assert_eq(a.salt_len, 16);
	gd_pw_scram_derive(GD_PW_HASH_SHA256, "pencil", 6, a.salt, a.salt_len,
	    5000, stored, server);
	cr_assert_arr_eq(a.stored_key, stored, 32);
	cr_assert_arr_eq(a.server_key, server, 32);
	cr_assert_eq(realm->scram_secret(realm, "p", "SHA-256", pool, &b, &u,
	    &err), 1);
	cr_assert_arr_eq(a.salt, b.salt, 16, "the salt is stable");
	cr_assert_eq(realm->scram_secret(realm, "q", "SHA-256", pool, &c, &u,
	    &err), 1);
	cr_assert_arr_neq(a.salt, c.salt, 16, "salts differ per user");
	cr_assert_arr_neq(a.stored_key, c.stored_key, 32);
	cr_assert_eq(realm->scram_secret(realm, "p", "SHA-1", pool, &c, &u,
	    &err), 1);
	cr_assert_eq(c.key_len, 20);
	cr_assert_eq(realm->scram_secret(realm, "p", "MD5", pool, &c, &u,
	    &err), 0);
	/* SIGHUP keeps the per-file secret, so the salt survives it. */
	cr_assert_eq(gd_modules_reload(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\nrealm-file: {path: \"%s\"}\n", MODDIR, users),
	    &err), 0, "%s", err);
	cr_assert_eq(realm->scram_secret(realm, "p", "SHA-256", pool, &b, &u,
	    &err), 1);
	cr_assert_arr_eq(a.salt, b.salt, 16);
	cr_assert_eq(b.iterations, 4096, "the new setting applies");
}

/* ---- certificates and acting as others ---------------------------------- */

Test(realm_file, basic_map_certificate)
{
	const struct gd_realm *realm;
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	char text[1024], fa[128], fb[128];

	fingerprint_hex("cert A", fa, true);
	fingerprint_hex("cert B", fb, false);
	snprintf(text, sizeof(text), "a:{PLAIN}x::::::cert=sha256:%s\n"
	    "b:::::::cert=SHA256:0000000000000000000000000000000000000000000"
	    "000000000000000000000,SHA256:%s\nc:{PLAIN}x::::::cert=SHA256:%s\n",
	    fa, fb, fa);
	log_begin();
	realm = realm_for(text, NULL);
	cr_assert_not_null(strstr(log_end(), "certificate already given on "
	    "line 1"));
	cr_assert_eq(realm->map_certificate(realm, "cert A", 6, pool, &u,
	    &err), 1);
	cr_assert_str_eq(u->name, "a");
	cr_assert_eq(realm->map_certificate(realm, "cert B", 6, pool, &u,
	    &err), 1);
	cr_assert_str_eq(u->name, "b");
	cr_assert_eq(realm->map_certificate(realm, "cert C", 6, pool, &u,
	    &err), 0);
}

Test(realm_file, basic_may_act_as)
{
	const struct gd_realm *realm;
	struct gd_realm_user *alice, *bob, ghost = { .name = "ghost" };
	const char *err = NULL;

	realm = realm_for("alice:{PLAIN}x::::::allow_act_as=bob,dave\n"
	    "bob:{PLAIN}x::::::userdb_master=yes\n"
	    "carol:{PLAIN}x::::::master=no\n", NULL);
	alice = lookup(realm, "alice");
	bob = lookup(realm, "bob");
	cr_assert_eq(realm->may_act_as(realm, alice, "bob", &err), 1);
	cr_assert_eq(realm->may_act_as(realm, alice, "dave", &err), 1);
	cr_assert_eq(realm->may_act_as(realm, alice, "carol", &err), 0);
	cr_assert_eq(realm->may_act_as(realm, alice, "bo", &err), 0);
	cr_assert_eq(realm->may_act_as(realm, alice, "alice", &err), 1);
	cr_assert_eq(realm->may_act_as(realm, bob, "anyone", &err), 1);
	cr_assert_eq(realm->may_act_as(realm, lookup(realm, "carol"), "bob",
	    &err), 0);
	cr_assert_eq(realm->may_act_as(realm, &ghost, "bob", &err), 0);
	cr_assert_eq(realm->verify_token, NULL);
}

/* ---- reloading ---------------------------------------------------------- */

Test(realm_file, complex_reload_on_sighup)
{
	const struct gd_realm *realm;
	const char *error = NULL;
	char other[160];

	realm = realm_for("a:{PLAIN}1\n", NULL);
	write_file(users, "b:{PLAIN}2\n");
	cr_assert_not_null(lookup(realm, "a"), "no reload yet");
	cr_assert_eq(gd_modules_reload(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\nrealm-file: {path: \"%s\"}\n", MODDIR, users),
	    &error), 0, "%s", error);
	cr_assert_null(lookup(realm, "a"));
	cr_assert_eq(verify(realm, "b", "2"), 1);
	/* A path that cannot be read is refused; the users stay. */
	cr_assert_eq(gd_modules_reload(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\nrealm-file: {path: \"%s/missing\"}\n", MODDIR,
	    dir), &error), -1);
	cr_assert_not_null(strstr(error, "missing"), "%s", error);
	cr_assert_eq(verify(realm, "b", "2"), 1);
	/* Another path. */
	snprintf(other, sizeof(other), "%s/other", dir);
	write_file(other, "c:{PLAIN}3\n");
	cr_assert_eq(gd_modules_reload(yaml("modules: {path: \"%s\", load: "
	    "[realm-file]}\nrealm-file: {path: \"%s\"}\n", MODDIR, other),
	    &error), 0, "%s", error);
	cr_assert_eq(verify(realm, "c", "3"), 1);
	cr_assert_null(lookup(realm, "b"));
}

static int
wait_for_user(const struct gd_realm *realm, const char *user, bool present)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		if ((lookup(realm, user) != NULL) == present)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

Test(realm_file, complex_reload_on_file_change)
{
	const struct gd_realm *realm;
	const char *error = NULL;
	int fd;

	realm = realm_for("a:{PLAIN}1\n", NULL);
	cr_assert_eq(gd_loops_start(2, 1, gd_modules_thread_init,
	    gd_modules_thread_fini, &error), 0, "%s", error);
	/* Written in place. */
	write_file(users, "a:{PLAIN}1\nb:{PLAIN}2\n");
	cr_assert_eq(wait_for_user(realm, "b", true), 0, "in-place write");
	/* Replaced by rename. */
	replace_file(users, "c:{PLAIN}3\n");
	cr_assert_eq(wait_for_user(realm, "c", true), 0, "rename");
	cr_assert_null(lookup(realm, "a"));
	/* And again: the watch followed the new inode. */
	replace_file(users, "d:{PLAIN}4\n");
	cr_assert_eq(wait_for_user(realm, "d", true), 0, "second rename");
	/* Truncated and appended through one descriptor. */
	fd = open(users, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "e:{PLAIN}5\n", 11), 11);
	close(fd);
	cr_assert_eq(wait_for_user(realm, "e", true), 0, "truncate");
	/* Deleted: the users stay; created again: read. */
	cr_assert_eq(unlink(users), 0);
	write_file(users, "f:{PLAIN}6\n");
	cr_assert_eq(wait_for_user(realm, "f", true), 0, "re-created");
	cr_assert_eq(verify(realm, "f", "6"), 1);
	gd_loops_join();
}

/* Readers on several threads while the table is swapped under them. */
struct reader {
	const struct gd_realm *realm;
	atomic_bool *stop;
	unsigned calls;
};

static void *
reader_run(void *arg)
{
	struct reader *r = arg;
	struct gd_pool *p = gd_pool_create("reader");
	struct gd_realm_user *u;
	const char *err;

	while (!atomic_load(r->stop) && r->calls < 200000) {
		u = NULL;
		if (r->realm->verify_password(r->realm, "a", "1", 1, p, &u,
		    &err) == 1 && strcmp(u->name, "a") != 0)
			abort();
		(void)r->realm->lookup(r->realm, "b", p, &u, &err);
		gd_pool_clear(p);
		r->calls++;
	}
	gd_pool_destroy(&p);
	return NULL;
}

Test(realm_file, complex_swap_under_readers)
{
	struct reader readers[3];
	pthread_t threads[3];
	atomic_bool stop = false;
	const struct gd_realm *realm;
	const char *error = NULL;
	size_t i;
	int round;

	realm = realm_for("a:{PLAIN}1\n", NULL);
	for (i = 0; i < 3; i++) {
		readers[i] = (struct reader){ realm, &stop, 0 };
		pthread_create(&threads[i], NULL, reader_run, &readers[i]);
	}
	for (round = 0; round < 60; round++) {
		write_file(users, round % 2 ? "a:{PLAIN}1\nb:{PLAIN}2\n" :
		    "a:{PLAIN}1\n");
		cr_assert_eq(gd_modules_reload(yaml("modules: {path: \"%s\", "
		    "load: [realm-file]}\nrealm-file: {path: \"%s\"}\n",
		    MODDIR, users), &error), 0, "%s", error);
	}
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++) {
		pthread_join(threads[i], NULL);
		cr_assert_gt(readers[i].calls, 0);
	}
}

/* ---- no user enumeration by timing --------------------------------------- */

static uint64_t
time_verify_ns(const struct gd_realm *realm, const char *user)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	(void)verify(realm, user, "wrong password");
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
	    (uint64_t)(b.tv_nsec - a.tv_nsec);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Median time of a wrong password for a known user and for an unknown
 * one, interleaved; the ratio of the medians.
 */
static double
timing_ratio(const struct gd_realm *realm, const char *known)
{
	enum { N = 15 };
	uint64_t k[N], u[N];
	int i;

	(void)time_verify_ns(realm, known);
	for (i = 0; i < N; i++) {
		k[i] = time_verify_ns(realm, known);
		u[i] = time_verify_ns(realm, "no-such-user");
	}
	qsort(k, N, sizeof(k[0]), cmp_u64);
	qsort(u, N, sizeof(u[0]), cmp_u64);
	cr_log_info("%s: known %.2f ms, unknown %.2f ms", known,
	    k[N / 2] / 1e6, u[N / 2] / 1e6);
	return (double)u[N / 2] / (double)k[N / 2];
}

/*
 * A loose bound (a factor of 2 either way) on a shared machine, met by
 * one of three rounds: a loaded machine can spoil one round, while
 * without the stand-in every round is off by a factor of a thousand
 * (microseconds against milliseconds).
 */
static void
check_timing(const char *text, const char *known)
{
	const struct gd_realm *realm = realm_for(text, NULL);
	double ratio = 0;
	int round;

	for (round = 0; round < 3; round++) {
		ratio = timing_ratio(realm, known);
		if (ratio > 0.5 && ratio < 2.0)
			break;
	}
	cr_assert(ratio > 0.5 && ratio < 2.0, "%s: unknown/known time %.2f "
	    "in three rounds", known, ratio);
}

Test(realm_file, complex_unknown_user_costs_the_same_scram)
{
	/* Most entries SCRAM-SHA-256 (20000 iterations), one cheap one. */
	check_timing(
	    "cheap:{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=\n"
	    "s1:{SCRAM-SHA-256}20000,v9WOOkKANO60UGEfiOeWhw==,G7+erZ6Bw5YTjDcJ"
	    "LixBUG5SUwCq6SMqBKVJELqMrNQ=,3Ze4K5JBWvAy7JlpbBjIqEcCbEhXh78zCOC"
	    "OKlKEFT8=\n"
	    "s2:{SCRAM-SHA-256}20000,h1fV34HDWFshC1Nf61HVMA==,G7+erZ6Bw5YTjDcJ"
	    "LixBUG5SUwCq6SMqBKVJELqMrNQ=,3Ze4K5JBWvAy7JlpbBjIqEcCbEhXh78zCOC"
	    "OKlKEFT8=\n", "s1");
}

Test(realm_file, complex_unknown_user_costs_the_same_crypt)
{
	check_timing("c1:{SHA512-CRYPT}$6$rounds=40000$VL7rNrQzvdm5whaU$ZQAQqg"
	    "RDerf1pWN95fZvKmiQFPLdiH.bJBe1YVKB6jlVod9WxwqbhZPXDhUKrT.8.RXRWpm"
	    "xPYmVFJ1zySz4f0\n", "c1");
}
