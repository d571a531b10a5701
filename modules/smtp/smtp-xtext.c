/*
 * smtp-xtext.c — xtext (RFC 3461 section 4), strict: the decoder refuses
 * lower-case hex, a '+' without two hex digits, '=' and anything outside
 * '!'..'~', so that one value has one encoding.
 */
#include <stdio.h>

#include "smtp-parse.h"

static int smtp_xtext_hex(char c);

static int
smtp_xtext_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
smtp_xtext_decode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r)
{
	size_t i, n;
	int hi, lo;
	char c;

	n = 0;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '+') {
			if (len - i < 3)
				return -1;
			hi = smtp_xtext_hex(in[i + 1]);
			lo = smtp_xtext_hex(in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c < '!' || c > '~' || c == '=')
			return -1;
		if (n >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	*out_len_r = n;
	return 0;
}

long
smtp_xtext_encode(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, n;
	unsigned char c;

	n = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c >= '!' && c <= '~' && c != '+' && c != '=') {
			if (n + 1 >= cap)
				return -1;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= cap)
				return -1;
			snprintf(out + n, 4, "+%02X", c);
			n += 3;
		}
	}
	if (cap == 0)
		return -1;
	out[n] = '\0';
	return (long)n;
}
