/*
 * fuzz-spf-macro.c — libFuzzer target for the spf module's macro
 * expansion (modules/spf/spf-macro.c).  The first input octet picks
 * options (bit 0: explanation text, which allows c r t and spaces; bit
 * 1: an IPv6 client; bit 2: a %{p} name); the rest, up to a NUL, is the
 * macro string, and what follows it the sender's local part.  Expansion
 * must agree with the syntax check, and its output must be bounded: at
 * most 253 octets for a name, SPF_EXPAND_MAX - 1 for text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[SPF_EXPAND_MAX];
	struct spf_macro_ctx mc;
	struct spf_ip ip;
	char *spec, *local, sender[600];
	bool exp;
	int n;

	if (size < 1 || size > 4096)
		return 0;
	exp = data[0] & 1;
	spf_ip_parse(data[0] & 2 ? "2001:db8::1" : "192.0.2.1", &ip);
	if ((spec = malloc(size + 1)) == NULL)
		return 0;
	memcpy(spec, data + 1, size - 1);
	spec[size - 1] = '\0';
	local = spec + strlen(spec) + (strlen(spec) < size - 1 ? 1 : 0);
	if (strlen(local) > 256)
		local[256] = '\0';
	memset(&mc, 0, sizeof(mc));
	snprintf(sender, sizeof(sender), "%s@example.com", local);
	mc.sender = sender;
	mc.local = local;
	mc.sender_domain = "example.com";
	mc.domain = "sub.example.com";
	mc.ip = &ip;
	mc.ptr = data[0] & 4 ? "mail.example.com" : NULL;
	mc.helo = "helo.example.org";
	mc.receiver = "mx.example.net";
	mc.now = 1700000000;
	n = spf_macro_expand(spec, &mc, exp, !exp, out);
	if ((n >= 0) != spf_macro_string_valid(spec, strlen(spec), exp))
		abort();
	if (n >= 0 && ((size_t)n != strlen(out) ||
	    n > (exp ? SPF_EXPAND_MAX - 1 : SPF_DOMAIN_MAX)))
		abort();
	free(spec);
	return 0;
}
