/*
 * test-msg-casefold.c — Unicode simple case folding of UTF-8 text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

#include "message/header-private.h"

#define CASEFOLDING_TXT	"/usr/share/unicode/CaseFolding.txt"

static struct gd_pool *pool;

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

TestSuite(casefold, .init = setup, .fini = teardown);

static void
folds(const char *in, const char *want)
{
	size_t n = 12345;
	char *out;

	out = gd_msg_utf8_casefold(pool, in, strlen(in), &n);
	cr_assert_str_eq(out, want, "fold(\"%s\")", in);
	cr_assert_eq(n, strlen(want), "fold(\"%s\") length", in);
}

Test(casefold, ascii)
{
	folds("Hello, WORLD 123 @[`{~", "hello, world 123 @[`{~");
	folds("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz");
	folds("", "");
	cr_assert_str_eq(gd_msg_utf8_casefold(pool, NULL, 0, NULL), "");
}

Test(casefold, ascii_long_fast_path)
{
	char in[1000], want[1000];
	size_t i;

	for (i = 0; i < sizeof(in) - 1; i++) {
		in[i] = (char)('A' + i % 58);
		want[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 :
		    in[i]);
	}
	in[i] = want[i] = '\0';
	folds(in, want);
	/* Non-ASCII after a long ASCII run. */
	memcpy(in + 990, "ÄÖ", 4);
	in[994] = '\0';
	memcpy(want + 990, "äö", 4);
	want[994] = '\0';
	folds(in, want);
}

Test(casefold, latin)
{
	folds("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ",
	    "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ");
	/* Micro sign and long s fold (lower-casing leaves them). */
	folds("µ ſ ß ẞ ÿ Ÿ", "μ s ß ß ÿ ÿ");
	folds("ĀĂĄĆĈĊČĎĐĒĲŁŃŅŇŊŌŒŔŠŢŤŦŨŪŮŰŲŴŶŹŻŽ",
	    "āăąćĉċčďđēĳłńņňŋōœŕšţťŧũūůűųŵŷźżž");
	folds("ƁƂƆƇƉƊƑƓƔƘƜƝƟƠƢƤƧƩƬƮƯƱƲƳƵƷƸƼ",
	    "ɓƃɔƈɖɗƒɠɣƙɯɲɵơƣƥƨʃƭʈưʊʋƴƶʒƹƽ");
	folds("Ǆǅǆ Ǉǈǉ Ǌǋǌ Ǳǲǳ", "ǆǆǆ ǉǉǉ ǌǌǌ ǳǳǳ");
	folds("ǍǏǑǓǕǗǙǛǞǠǢǤǦǨǪǬǮǴǶǷǸȀȂȠȢȤȺȻȽȾɁɃɄɅɆɈɊɌɎ",
	    "ǎǐǒǔǖǘǚǜǟǡǣǥǧǩǫǭǯǵƕƿǹȁȃƞȣȥⱥȼƚⱦɂƀʉʌɇɉɋɍɏ");
	/* No simple folding: dotted capital I (Turkic only) stays. */
	folds("İ", "İ");
	/* Kelvin and Angstrom signs. */
	folds("K Å", "k å");
}

Test(casefold, greek)
{
	folds("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ", "αβγδεζηθικλμνξοπρστυφχψω");
	folds("ΆΈΉΊΌΎΏΪΫ", "άέήίόύώϊϋ");
	/* Final sigma and the symbol forms fold to the plain letters. */
	folds("ς ϐ ϑ ϕ ϖ ϰ ϱ ϵ ι ͅ", "σ β θ φ π κ ρ ε ι ι");
	folds("ΣΊΣΥΦΟΣ", "σίσυφοσ");
	folds("ἈἘἨὈὨᾈ", "ἀἐἠὀὠᾀ");
}

Test(casefold, cyrillic_armenian_fullwidth)
{
	folds("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
	    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя");
	folds("ЀЂЃЄЅІЇЈЉЊЋЌЍЎЏ", "ѐђѓєѕіїјљњћќѝўџ");
	folds("ѠѢҀҊҌӀӁӐԀԮ", "ѡѣҁҋҍӏӂӑԁԯ");
	folds("ԱԲԳԴՈՖ", "աբգդոֆ");
	folds("ＡＢＣＺ ａｂｚ", "ａｂｃｚ ａｂｚ");
}

Test(casefold, other_scripts)
{
	/* Georgian, Cherokee (folds to upper case), Deseret, Glagolitic. */
	folds("ႠႡ", "ⴀⴁ");
	folds("ꭰꭱ", "ᎠᎡ");
	folds("𐐀𐐁", "𐐨𐐩");
	folds("ⰀⰁ", "ⰰⰱ");
	/* Unchanged: CJK, emoji, digits. */
	folds("漢字 😀 ١٢٣", "漢字 😀 ١٢٣");
}

Test(casefold, length_changes)
{
	/* U+023A (2 bytes) folds to U+2C65 (3 bytes); U+1E9E (3) to ß (2). */
	folds("ȺȺ", "ⱥⱥ");
	folds("ẞẞ", "ßß");
}

Test(casefold, invalid_bytes_become_replacement)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "\xff", "\xef\xbf\xbd" },
		{ "a\xc3", "a\xef\xbf\xbd" },
		{ "\xc3(", "\xef\xbf\xbd(" },
		{ "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\x80\xbfZ", "\xef\xbf\xbd\xef\xbf\xbdz" },
		{ "\xef\xbf\xbd", "\xef\xbf\xbd" },
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(cases); i++)
		folds(cases[i].in, cases[i].want);
}

Test(casefold, nul_is_kept)
{
	size_t n;
	char *out;

	out = gd_msg_utf8_casefold(pool, "A\0B\xc3\x84", 5, &n);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(out, "a\0b\xc3\xa4", 6), 0);
}

Test(casefold, substring_search)
{
	const char *hay, *needle;

	hay = gd_msg_utf8_casefold(pool, "Grüße aus ÖSTERREICH, ΣΟΦΊΑ",
	    strlen("Grüße aus ÖSTERREICH, ΣΟΦΊΑ"), NULL);
	needle = gd_msg_utf8_casefold(pool, "österreich", 11, NULL);
	cr_assert_not_null(strstr(hay, needle));
	needle = gd_msg_utf8_casefold(pool, "σοφία", strlen("σοφία"), NULL);
	cr_assert_not_null(strstr(hay, needle));
}

/* Folding is idempotent, and maps into valid code points. */
Test(casefold, table_consistent)
{
	uint32_t cp, f;
	size_t i;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		f = gd_hdr_fold_cp(cp);
		cr_assert(f == cp || (f <= 0x10ffff &&
		    (f < 0xd800 || f > 0xdfff)), "U+%04X", cp);
		cr_assert_eq(gd_hdr_fold_cp(f), f, "U+%04X", cp);
	}
	for (i = 1; i < gd_hdr_fold_nruns; i++)
		cr_assert_gt(gd_hdr_fold_runs[i].start,
		    gd_hdr_fold_runs[i - 1].start);
}

/* Every C and S line of CaseFolding.txt, when the file is installed
 * (Debian package unicode-data). */
Test(casefold, matches_casefolding_txt)
{
	static uint32_t fold[0x110000];
	unsigned code, target;
	char line[512], status;
	uint32_t cp;
	FILE *f;

	f = fopen(CASEFOLDING_TXT, "r");
	if (f == NULL)
		cr_skip_test("%s not installed", CASEFOLDING_TXT);
	for (cp = 0; cp <= 0x10ffff; cp++)
		fold[cp] = cp;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%x; %c; %x", &code, &status, &target) == 3 &&
		    (status == 'C' || status == 'S') && code <= 0x10ffff)
			fold[code] = target;
	fclose(f);
	for (cp = 0; cp <= 0x10ffff; cp++)
		cr_assert_eq(gd_hdr_fold_cp(cp), fold[cp], "U+%04X", cp);
}
