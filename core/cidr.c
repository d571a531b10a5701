/*
 * cidr.c — parsing and matching IPv4/IPv6 network prefixes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cidr-private.h"

static const uint8_t gd_v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
gd_cidr_mask(uint8_t addr[16], unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff00u >> prefix);
		prefix = 0;
	}
}

static int
gd_cidr_parse_prefix(const char *text, unsigned max, unsigned *prefix_r)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	v = strtoul(text, &end, 10);
	if (*end != '\0' || v > max || end - text > 3)
		return -1;
	*prefix_r = (unsigned)v;
	return 0;
}

int
gd_cidr_parse(const char *text, struct gd_cidr *cidr_r,
    const char **error_r)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	struct in_addr a4;
	unsigned prefix, max;
	bool v4;

	if (text == NULL || strlen(text) >= sizeof(buf)) {
		*error_r = "bad network: too long";
		return -1;
	}
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(cidr_r, 0, sizeof(*cidr_r));
	v4 = inet_pton(AF_INET, buf, &a4) == 1;
	if (v4) {
		memcpy(cidr_r->addr, gd_v4_mapped_prefix, 12);
		memcpy(cidr_r->addr + 12, &a4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, cidr_r->addr) == 1) {
		max = 128;
	} else {
		*error_r = "bad network: not an IPv4 or IPv6 address";
		return -1;
	}
	prefix = max;
	if (slash != NULL && gd_cidr_parse_prefix(slash, max, &prefix) < 0) {
		*error_r = v4 ? "bad network: prefix length must be 0..32" :
		    "bad network: prefix length must be 0..128";
		return -1;
	}
	cidr_r->prefix = v4 ? prefix + 96 : prefix;
	gd_cidr_mask(cidr_r->addr, cidr_r->prefix);
	return 0;
}

int
gd_cidr_addr_from_sockaddr(const struct sockaddr *sa, uint8_t addr_r[16])
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(addr_r, gd_v4_mapped_prefix, 12);
		memcpy(addr_r + 12, &sin->sin_addr, 4);
		return 0;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(addr_r, &sin6->sin6_addr, 16);
		return 0;
	default:
		return -1;
	}
}

bool
gd_cidr_match(const struct gd_cidr *cidr, const uint8_t addr[16])
{
	unsigned full = cidr->prefix / 8, rest = cidr->prefix % 8;
	uint8_t mask;

	if (memcmp(cidr->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return (addr[full] & mask) == cidr->addr[full];
}

bool
gd_cidr_match_list(const struct gd_cidr *list, size_t count,
    const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (gd_cidr_match(&list[i], addr))
			return true;
	}
	return false;
}

const char *
gd_cidr_addr_str(const uint8_t addr[16], char *buf, size_t size)
{
	const void *src = addr;
	int af = AF_INET6;

	if (memcmp(addr, gd_v4_mapped_prefix, 12) == 0) {
		src = addr + 12;
		af = AF_INET;
	}
	if (inet_ntop(af, src, buf, (socklen_t)size) == NULL && size > 0)
		buf[0] = '\0';
	return buf;
}
