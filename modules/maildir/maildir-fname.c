/*
 * maildir-fname.c — message file names:
 *   BASE[,S=size][,W=vsize][:2,FLAGS]
 * The base (everything before ':') identifies the message for good; the
 * flags after ":2," are D F P R S T and the keyword letters a-z, in ASCII
 * order.  Characters we do not know are kept across flag changes.
 * Pure functions: the fuzz target links this file alone.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdatomic.h>

#include "maildir-private.h"

static uint32_t fname_flag_of(char c);
static uint64_t fname_number(const char *base, size_t len, const char *key);

static atomic_uint fname_counter;

static uint32_t
fname_flag_of(char c)
{
	switch (c) {
	case 'D':
		return GD_MAIL_DRAFT;
	case 'F':
		return GD_MAIL_FLAGGED;
	case 'R':
		return GD_MAIL_ANSWERED;
	case 'S':
		return GD_MAIL_SEEN;
	case 'T':
		return GD_MAIL_DELETED;
	default:
		return 0;
	}
}

/* The decimal after `key` (",S=") in the base, or UINT64_MAX. */
static uint64_t
fname_number(const char *base, size_t len, const char *key)
{
	const char *comma;
	size_t i;
	uint64_t v = 0;
	bool any = false;

	/* key is ",X=": find each comma (names have few). */
	for (comma = memchr(base, ',', len); comma != NULL;
	    comma = memchr(comma + 1, ',', len - (size_t)(comma + 1 - base))) {
		i = (size_t)(comma - base);
		if (i + 3 > len || comma[1] != key[1] || comma[2] != key[2])
			continue;
		/* UNSAFE: scan digits while inside the base. */
		for (i += 3; i < len && base[i] >= '0' && base[i] <= '9';
		    i++) {
			if (v > (UINT64_MAX - 9) / 10)
				return UINT64_MAX;
			v = v * 10 + (uint64_t)(base[i] - '0');
			any = true;
		}
		return any ? v : UINT64_MAX;
	}
	return UINT64_MAX;
}

bool
maildir_fname_parse(const char *name, size_t len, struct maildir_fname *f)
{
	const char *colon;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->info = "";
	if (len == 0 || name[0] == '.' || memchr(name, '/', len) != NULL ||
	    memchr(name, '\0', len) != NULL)
		return false;
	colon = memchr(name, ':', len);
	f->base_len = colon != NULL ? (size_t)(colon - name) : len;
	if (f->base_len == 0)
		return false;
	f->size = fname_number(name, f->base_len, ",S=");
	f->vsize = fname_number(name, f->base_len, ",W=");
	if (colon == NULL || len - f->base_len < 3 ||
	    memcmp(colon, ":2,", 3) != 0)
		return true;
	f->info = colon + 3;
	for (i = f->base_len + 3; i < len; i++) {
		if (name[i] >= 'a' && name[i] <= 'z')
			f->letters |= 1u << (name[i] - 'a');
		else
			f->flags |= fname_flag_of(name[i]);
	}
	return true;
}

int
maildir_fname_build(char *buf, size_t size, const char *base,
    size_t base_len, uint32_t flags, uint32_t letters, const char *old_info)
{
	bool keep[128] = { false };
	size_t n = base_len + 3;
	unsigned c;

	if (base_len + 4 > size)
		return -1;
	memcpy(buf, base, base_len);
	memcpy(buf + base_len, ":2,", 3);
	for (; old_info != NULL && *old_info != '\0' && *old_info != ':';
	    old_info++) {
		c = (unsigned char)*old_info;
		if (c < 128 && c > ' ' && fname_flag_of((char)c) == 0 &&
		    !(c >= 'a' && c <= 'z'))
			keep[c] = true;
	}
	for (c = 33; c < 128; c++) {
		bool on = keep[c];

		if (fname_flag_of((char)c) != 0)
			on = (flags & fname_flag_of((char)c)) != 0;
		else if (c >= 'a' && c <= 'z')
			on = (letters & (1u << (c - 'a'))) != 0;
		if (!on)
			continue;
		if (n + 2 > size)
			return -1;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return (int)n;
}

int
maildir_fname_unique(char *buf, size_t size, const char *host,
    uint64_t phys_size, uint64_t vsize)
{
	struct timeval tv;
	uint64_t rnd = 0;
	int n;

	gettimeofday(&tv, NULL);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = ((uint64_t)tv.tv_usec << 32) ^ (uint64_t)getpid() ^
		    (uint64_t)(uintptr_t)&tv;
	/* Microseconds zero-padded: a state rebuilt from the directory
	 * orders files by name, which must then be arrival order. */
	n = snprintf(buf, size, "%lld.M%06ldP%ldQ%uR%016llx.%s,S=%llu,W=%llu",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    atomic_fetch_add(&fname_counter, 1) + 1, (unsigned long long)rnd,
	    host, (unsigned long long)phys_size, (unsigned long long)vsize);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

void
maildir_host_escape(const char *host, char *buf, size_t size)
{
	size_t n = 0;

	/* UNSAFE: each step needs at most 4 bytes plus the NUL. */
	for (; *host != '\0' && n + 5 <= size; host++) {
		if (*host == '/' || *host == ':') {
			n += (size_t)snprintf(buf + n, size - n, "\\%03o",
			    (unsigned char)*host);
		} else
			buf[n++] = *host;
	}
	buf[n] = '\0';
}

void
maildir_fname_flags(const char *name, size_t len, uint32_t *flags_r,
    uint32_t *letters_r)
{
	const char *colon = memchr(name, ':', len);
	size_t i;

	*flags_r = *letters_r = 0;
	if (colon == NULL || (size_t)(name + len - colon) < 3 ||
	    colon[1] != '2' || colon[2] != ',')
		return;
	for (i = (size_t)(colon - name) + 3; i < len; i++) {
		if (name[i] >= 'a' && name[i] <= 'z')
			*letters_r |= 1u << (name[i] - 'a');
		else
			*flags_r |= fname_flag_of(name[i]);
	}
}
