/*
 * pwhash-crypt.c — the crypt(3) family through libcrypt (libxcrypt's
 * reentrant crypt_rn, crypt_gensalt_rn and crypt_checksalt):
 * yescrypt ($y$), bcrypt ($2b$, $2y$), SHA-512-crypt ($6$), and whatever
 * else the system's libcrypt accepts.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pwhash-private.h"

int
pw_crypt_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r)
{
	char setting[GD_PW_TEXT_MAX];
	int check;

	if (len == 0 || len >= sizeof(setting) || memchr(data, '\0', len)) {
		*error_r = "crypt: empty or too long hash";
		return -1;
	}
	memcpy(setting, data, len);
	setting[len] = '\0';
	check = crypt_checksalt(setting);
	if (check != CRYPT_SALT_OK && check != CRYPT_SALT_METHOD_LEGACY &&
	    check != CRYPT_SALT_TOO_CHEAP) {
		*error_r = "crypt: hash not recognised by libcrypt";
		return -1;
	}
	pw->text = data;
	pw->text_len = len;
	return 0;
}

int
pw_crypt_run(const void *password, size_t len, const char *setting,
    char *out, size_t size)
{
	struct crypt_data *cd;
	char *phrase;
	const char *res;
	int ret = -1;

	/* A NUL inside the password would silently shorten it. */
	if (memchr(password, '\0', len) != NULL)
		return -1;
	cd = calloc(1, sizeof(*cd));
	phrase = malloc(len + 1);
	if (cd == NULL || phrase == NULL)
		goto fail;
	memcpy(phrase, password, len);
	phrase[len] = '\0';
	/*
	 * crypt_rn is crypt_r with the buffer's size given and NULL on
	 * failure.  It also avoids the sanitizers' crypt_r interceptor,
	 * which jumps to NULL when libcrypt arrives with a dlopen()ed
	 * module after start-up (realm-file in gumdropd).
	 */
	res = crypt_rn(phrase, setting, cd, (int)sizeof(*cd));
	if (res != NULL && res[0] != '*' && strlen(res) < size) {
		strcpy(out, res);
		ret = 0;
	}
	explicit_bzero(phrase, len);
fail:
	if (cd != NULL)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	free(phrase);
	return ret;
}

int
pw_crypt_like(const struct gd_pw *model, const char *password, char *out,
    size_t size)
{
	char setting[GD_PW_TEXT_MAX];

	if (model->text_len >= sizeof(setting))
		return -1;
	memcpy(setting, model->text, model->text_len);
	setting[model->text_len] = '\0';
	return pw_crypt_run(password, strlen(password), setting, out, size);
}

int
pw_crypt_verify(const struct gd_pw *pw, const void *password, size_t len)
{
	char setting[GD_PW_TEXT_MAX], out[GD_PW_TEXT_MAX];
	int ok;

	if (pw->text_len >= sizeof(setting))
		return -1;
	memcpy(setting, pw->text, pw->text_len);
	setting[pw->text_len] = '\0';
	if (memchr(password, '\0', len) != NULL)
		return 0;
	if (pw_crypt_run(password, len, setting, out, sizeof(out)) < 0)
		return -1;
	ok = strlen(out) == pw->text_len &&
	    gd_pw_equal(out, pw->text, pw->text_len);
	explicit_bzero(out, sizeof(out));
	return ok ? 1 : 0;
}

int
pw_crypt_make(const char *prefix, unsigned rounds, const void *password,
    size_t len, char *out, size_t size, const char **error_r)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn(prefix, rounds, NULL, 0, setting,
	    sizeof(setting)) == NULL) {
		*error_r = errno == EINVAL ? "rounds out of range for this "
		    "scheme" : "libcrypt cannot make a salt for this scheme";
		return -1;
	}
	if (pw_crypt_run(password, len, setting, out, size) < 0) {
		*error_r = "libcrypt failed (NUL in the password?)";
		return -1;
	}
	return 0;
}
