/*
 * test-gssapi-layer.c — the GSSAPI module's pure parts: the security-layer
 * messages of RFC 4752 3.1 and the mapping of principals to users.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/common.h>

#include "gssapi-layer.h"

static int
parse(const char *data, size_t len, struct gssapi_layer_reply *r)
{
	const char *error = NULL;
	int ret = gssapi_layer_parse(data, len, r, &error);

	cr_assert((ret == 0) == (error == NULL), "error iff -1");
	return ret;
}

Test(layer, offer_is_no_layer_max_zero)
{
	unsigned char o[GSSAPI_LAYER_MSG_LEN];

	memset(o, 0xaa, sizeof(o));
	gssapi_layer_offer(o);
	cr_assert_eq(memcmp(o, "\x01\0\0\0", 4), 0);
}

Test(layer, reply_without_and_with_authzid)
{
	struct gssapi_layer_reply r;

	cr_assert_eq(parse("\x01\0\0\0", 4, &r), 0);
	cr_assert_eq(r.layer, GSSAPI_LAYER_NONE);
	cr_assert_eq(r.max_size, 0);
	cr_assert_eq(r.authzid_len, 0);
	cr_assert_eq(parse("\x01\x01\x02\x03j\xc3\xb6hn", 9, &r), 0);
	cr_assert_eq(r.max_size, 0x010203, "network order");
	cr_assert_eq(r.authzid_len, 5);
	cr_assert_eq(memcmp(r.authzid, "j\xc3\xb6hn", 5), 0);
}

Test(layer, refuses_layers_not_offered)
{
	struct gssapi_layer_reply r;
	unsigned b;
	char msg[4] = { 0, 0, 0, 0 };

	for (b = 0; b < 256; b++) {
		msg[0] = (char)b;
		cr_assert_eq(parse(msg, 4, &r), b == GSSAPI_LAYER_NONE ? 0 :
		    -1, "layer byte %u", b);
	}
}

Test(layer, truncations_and_garbage)
{
	static const char full[] = "\x01\0\0\0alice";
	struct gssapi_layer_reply r;
	size_t len;

	/* Every prefix shorter than the head fails; every longer one is a
	 * shorter authzid. */
	for (len = 0; len <= sizeof(full) - 1; len++)
		cr_assert_eq(parse(full, len, &r), len < 4 ? -1 : 0,
		    "len %zu", len);
	cr_assert_eq(parse("\x01\0\0\0a\0b", 7, &r), -1, "NUL");
	cr_assert_eq(parse("\x01\0\0\0\xc3", 5, &r), -1, "cut UTF-8");
	cr_assert_eq(parse("\x01\0\0\0\xed\xa0\x80", 7, &r), -1,
	    "surrogate");
	cr_assert_eq(parse("\x01\0\0\0\xc0\xaf", 6, &r), -1, "overlong");
}

Test(layer, authzid_length_limit)
{
	static char buf[4 + GSSAPI_AUTHZID_MAX + 1];
	struct gssapi_layer_reply r;

	memset(buf, 'a', sizeof(buf));
	buf[0] = 1;
	buf[1] = buf[2] = buf[3] = 0;
	cr_assert_eq(parse(buf, 4 + GSSAPI_AUTHZID_MAX, &r), 0);
	cr_assert_eq(parse(buf, sizeof(buf), &r), -1);
}

/* ---- principal -> user ---------------------------------------------- */

static const struct gssapi_map_entry map[] = {
	{ "alice/admin@EXAMPLE.TEST", "admin" },
	{ "carol@OTHER.TEST", "carol" },
	{ "bob@EXAMPLE.TEST", "robert" },
};

static const char *
map_user(const struct gssapi_names *n, const char *principal)
{
	static char user[GSSAPI_USER_MAX];
	const char *error = NULL;

	if (gssapi_map_principal(n, principal, user, sizeof(user),
	    &error) < 0) {
		cr_assert_not_null(error);
		return NULL;
	}
	return user;
}

Test(map, realm_stripped_for_one_component)
{
	struct gssapi_names n = { .realm = "EXAMPLE.TEST" };

	cr_assert_str_eq(map_user(&n, "alice@EXAMPLE.TEST"), "alice");
	cr_assert_null(map_user(&n, "alice@OTHER.TEST"));
	cr_assert_null(map_user(&n, "alice@example.test"), "case matters");
	cr_assert_null(map_user(&n, "alice@EXAMPLE.TEST.EVIL"));
	cr_assert_null(map_user(&n, "alice/admin@EXAMPLE.TEST"));
	cr_assert_null(map_user(&n, "@EXAMPLE.TEST"), "empty name");
	cr_assert_null(map_user(&n, "alice"), "no realm");
	/* An escaped '@' belongs to the name: the realm is what follows
	 * the last unescaped one, and escapes are not plain names. */
	cr_assert_null(map_user(&n, "a\\@b@EXAMPLE.TEST"));
	cr_assert_null(map_user(&n, "alice\\@EXAMPLE.TEST"));
	cr_assert_null(map_user(&n, "alice@OTHER.TEST\\"));
}

Test(map, map_first_then_realm)
{
	struct gssapi_names n = { .realm = "EXAMPLE.TEST", .map = map,
	    .nmap = GD_N_ELEMENTS(map) };

	cr_assert_str_eq(map_user(&n, "alice/admin@EXAMPLE.TEST"), "admin");
	cr_assert_str_eq(map_user(&n, "carol@OTHER.TEST"), "carol");
	cr_assert_str_eq(map_user(&n, "bob@EXAMPLE.TEST"), "robert");
	cr_assert_str_eq(map_user(&n, "dave@EXAMPLE.TEST"), "dave");
	cr_assert_null(map_user(&n, "dave@OTHER.TEST"));
}

Test(map, no_realm_configured)
{
	struct gssapi_names n = { .map = map, .nmap = GD_N_ELEMENTS(map) };

	cr_assert_null(map_user(&n, "alice@EXAMPLE.TEST"));
	cr_assert_str_eq(map_user(&n, "carol@OTHER.TEST"), "carol");
}

Test(map, other_realms_allowed_keep_the_full_name)
{
	struct gssapi_names n = { .realm = "EXAMPLE.TEST",
	    .allow_other_realms = true };

	cr_assert_str_eq(map_user(&n, "alice@EXAMPLE.TEST"), "alice");
	cr_assert_str_eq(map_user(&n, "alice@OTHER.TEST"),
	    "alice@OTHER.TEST");
	cr_assert_str_eq(map_user(&n, "alice/admin@EXAMPLE.TEST"),
	    "alice/admin@EXAMPLE.TEST");
}

Test(map, result_must_fit)
{
	struct gssapi_names n = { .realm = "R", .allow_other_realms = true };
	char user[6];
	const char *error;

	cr_assert_eq(gssapi_map_principal(&n, "alice@R", user, sizeof(user),
	    &error), 0);
	cr_assert_str_eq(user, "alice");
	cr_assert_eq(gssapi_map_principal(&n, "alicia@R", user, sizeof(user),
	    &error), -1);
	cr_assert_eq(gssapi_map_principal(&n, "al@OTHER", user, sizeof(user),
	    &error), -1);
}
