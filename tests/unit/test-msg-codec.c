/*
 * test-msg-codec.c — base64, quoted-printable, charsets, UTF-8 and
 * RFC 2047 encoded words.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <gumdrop/msg-codec.h>

Test(msg_codec, placeholder)
{
	cr_assert(true);
}
