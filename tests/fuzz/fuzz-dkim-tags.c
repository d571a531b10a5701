/*
 * fuzz-dkim-tags.c — libFuzzer target for the dkim module's tag-list
 * parser (RFC 6376 3.2), DKIM-Signature values and key records.  The
 * input is used whole as each of the three; checks: every tag lies
 * inside the input with its '=' and end in order, every refusal carries
 * a reason, results are among the RFC's, decoded lengths within bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_tags(const char *in, size_t size)
{
	struct dkim_taglist tl;
	const struct dkim_tag *t;
	const char *err = NULL;
	size_t i;

	if (dkim_tags_parse(in, size, &tl, &err) < 0) {
		if (err == NULL || err[0] == '\0')
			abort();
		return;
	}
	if (tl.count == 0 || tl.count > DKIM_TAGS_MAX)
		abort();
	for (i = 0; i < tl.count; i++) {
		t = &tl.tags[i];
		if (t->name < in || t->name + t->name_len > in + size ||
		    t->value < in || t->value + t->value_len > in + size ||
		    t->eq >= size || t->end > size || t->eq >= t->end + 1 ||
		    t->name_len == 0 || dkim_tags_find(&tl, "") != NULL)
			abort();
		if (memchr(t->value, ';', t->value_len) != NULL)
			abort();
	}
}

static void
fz_sig(const char *in, size_t size)
{
	static struct dkim_sig s;
	const char *why = NULL;
	enum gd_dkim_result r = dkim_sig_parse(in, size, &s, &why);

	if (r != GD_DKIM_PASS && r != GD_DKIM_NEUTRAL &&
	    r != GD_DKIM_PERMERROR)
		abort();
	if (r != GD_DKIM_PASS && (why == NULL || why[0] == '\0'))
		abort();
	if (r != GD_DKIM_PASS)
		return;
	if (s.b_len == 0 || s.b_len > DKIM_SIG_B_MAX || s.nh == 0 ||
	    s.nh > DKIM_H_MAX || s.b_eq > s.b_end || s.b_end > size ||
	    s.domain[0] == '\0' || strchr(s.auid, '@') == NULL ||
	    strlen(s.b_prefix) > GD_DKIM_B_PREFIX)
		abort();
}

static void
fz_key(const char *in, size_t size)
{
	static struct dkim_key k;
	const char *why = NULL;
	enum gd_dkim_result r = dkim_key_parse(in, size, &k, &why);

	if (r == GD_DKIM_PASS && (k.p_len == 0 || k.p_len > sizeof(k.p)))
		abort();
	if (r != GD_DKIM_PASS && (r != GD_DKIM_PERMERROR || why == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	/* Exact-size copy so ASan sees reads past the end. */
	memcpy(copy, data, size);
	fz_tags(copy, size);
	fz_sig(copy, size);
	fz_key(copy, size);
	free(copy);
	return 0;
}
