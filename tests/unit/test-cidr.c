/*
 * test-cidr.c — network prefix parsing and matching.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cidr-private.h"

static struct gd_cidr
parse_ok(const char *text)
{
	struct gd_cidr c;
	const char *error = NULL;

	cr_assert_eq(gd_cidr_parse(text, &c, &error), 0, "%s: %s", text,
	    error);
	return c;
}

static void
addr_of(const char *text, uint8_t addr[16])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		cr_assert_eq(gd_cidr_addr_from_sockaddr(
		    (struct sockaddr *)&sin, addr), 0);
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1, "%s",
	    text);
	sin6.sin6_family = AF_INET6;
	cr_assert_eq(gd_cidr_addr_from_sockaddr((struct sockaddr *)&sin6,
	    addr), 0);
}

static bool
match(const char *net, const char *addr)
{
	struct gd_cidr c = parse_ok(net);
	uint8_t a[16];

	addr_of(addr, a);
	return gd_cidr_match(&c, a);
}

Test(cidr, v4_networks)
{
	cr_assert(match("10.0.0.0/8", "10.1.2.3"));
	cr_assert(match("10.0.0.0/8", "10.255.255.255"));
	cr_assert_not(match("10.0.0.0/8", "11.0.0.0"));
	cr_assert(match("192.168.1.0/24", "192.168.1.77"));
	cr_assert_not(match("192.168.1.0/24", "192.168.2.1"));
	cr_assert(match("172.16.0.0/12", "172.31.255.1"));
	cr_assert_not(match("172.16.0.0/12", "172.32.0.1"));
}

Test(cidr, host_bits_are_cleared)
{
	cr_assert(match("10.9.8.7/8", "10.0.0.1"));
	cr_assert(match("2001:db8::1/32", "2001:db8:ffff::2"));
}

Test(cidr, v6_networks)
{
	cr_assert(match("2001:db8::/32", "2001:db8::1"));
	cr_assert(match("2001:db8::/32", "2001:db8:abcd:1::99"));
	cr_assert_not(match("2001:db8::/32", "2001:db9::1"));
	cr_assert(match("fe80::/10", "febf::1"));
	cr_assert_not(match("fe80::/10", "fec0::1"));
}

Test(cidr, v4_mapped_peer_matches_v4_network)
{
	cr_assert(match("10.0.0.0/8", "::ffff:10.2.3.4"));
	cr_assert_not(match("10.0.0.0/8", "::ffff:11.2.3.4"));
	cr_assert(match("127.0.0.1", "::ffff:127.0.0.1"));
	/* a v6 network never matches a plain v4 peer by accident */
	cr_assert_not(match("2001:db8::/32", "10.0.0.1"));
}

Test(cidr, edge_prefixes)
{
	cr_assert(match("0.0.0.0/0", "1.2.3.4"));
	cr_assert(match("0.0.0.0/0", "255.255.255.255"));
	/* v4 /0 covers v4 (and v4-mapped) only */
	cr_assert_not(match("0.0.0.0/0", "2001:db8::1"));
	cr_assert(match("::/0", "2001:db8::1"));
	cr_assert(match("::/0", "1.2.3.4"));
	cr_assert(match("1.2.3.4/32", "1.2.3.4"));
	cr_assert_not(match("1.2.3.4/32", "1.2.3.5"));
	cr_assert(match("1.2.3.4", "1.2.3.4"));
	cr_assert_not(match("1.2.3.4", "1.2.3.5"));
	cr_assert(match("2001:db8::1/128", "2001:db8::1"));
	cr_assert_not(match("2001:db8::1/128", "2001:db8::2"));
	cr_assert(match("2001:db8::1", "2001:db8::1"));
	cr_assert_not(match("2001:db8::1", "2001:db8::2"));
	cr_assert(match("10.0.0.0/31", "10.0.0.1"));
	cr_assert_not(match("10.0.0.0/31", "10.0.0.2"));
}

Test(cidr, prefix_stored_in_v6_space)
{
	struct gd_cidr c = parse_ok("10.0.0.0/8");

	cr_assert_eq(c.prefix, 104);
	c = parse_ok("2001:db8::/32");
	cr_assert_eq(c.prefix, 32);
	c = parse_ok("::1");
	cr_assert_eq(c.prefix, 128);
}

Test(cidr, bad_input)
{
	static const char *const bad[] = {
		"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x",
		"10.0.0/8", "2001:db8::/129", "2001:db8::/", "banana",
		"10.0.0.0/08000", "1.2.3.4/ 8", "::1/1/2", "/8",
		"2001:db8:::/32",
	};
	struct gd_cidr c;
	const char *error;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		error = NULL;
		cr_assert_eq(gd_cidr_parse(bad[i], &c, &error), -1, "'%s'",
		    bad[i]);
		cr_assert_not_null(error);
	}
	cr_assert_eq(gd_cidr_parse("10.0.0.0/33", &c, &error), -1);
	cr_assert_str_eq(error, "bad network: prefix length must be 0..32");
	cr_assert_eq(gd_cidr_parse("::/200", &c, &error), -1);
	cr_assert_str_eq(error, "bad network: prefix length must be 0..128");
}

Test(cidr, list_and_format)
{
	struct gd_cidr list[2];
	uint8_t a[16];
	char buf[64];

	list[0] = parse_ok("10.0.0.0/8");
	list[1] = parse_ok("2001:db8::/32");
	addr_of("2001:db8::5", a);
	cr_assert(gd_cidr_match_list(list, 2, a));
	cr_assert_not(gd_cidr_match_list(list, 0, a));
	cr_assert_str_eq(gd_cidr_addr_str(a, buf, sizeof(buf)),
	    "2001:db8::5");
	addr_of("192.0.2.1", a);
	cr_assert_not(gd_cidr_match_list(list, 2, a));
	cr_assert_str_eq(gd_cidr_addr_str(a, buf, sizeof(buf)), "192.0.2.1");
}

Test(cidr, unix_peer_has_no_address)
{
	struct sockaddr sa;
	uint8_t a[16];

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	cr_assert_eq(gd_cidr_addr_from_sockaddr(&sa, a), -1);
}
