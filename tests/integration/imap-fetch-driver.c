/*
 * imap-fetch-driver.c — print our FETCH response for one message file,
 * without a session (complex-imap-structure.py compares it with
 * Dovecot's):
 *
 *   imap-fetch-driver FILE 'ITEMS'      ITEMS as after "FETCH 1 ", e.g.
 *                                       '(ENVELOPE BODY.PEEK[1.MIME])'
 *
 * Writes "* 1 FETCH (...)\r\n" to stdout, literals included, streaming
 * sections through imap_fetch_stream_produce() in small chunks.  The
 * file is read as a store serves it: a gd_mail_content over the file
 * (mailbox-impl.h) with bare LF served as CRLF, as Dovecot does.
 * Exit 0, or 1 with a message on stderr (a refused item prints its NO).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>

#include "imap-fetch-resp.h"

static char *
drv_slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*len_r = len;
	return buf;
}

/* The size with each LF not after CR counted as CRLF. */
static uint64_t
drv_served_size(const char *data, size_t len)
{
	uint64_t n = len;
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			n++;
	return n;
}

static int
drv_section(struct imap_sbuf *sb, struct imap_src *src,
    const struct gd_mime_part *root, uint64_t size,
    const struct imap_fetch_att *att)
{
	struct imap_fetch_stream st;
	struct imap_section sec;
	struct imap_error err;
	char name[1024], chunk[7];
	bool done = false;
	ssize_t n;

	if (imap_section_resolve(root, size, att, &sec, &err) < 0) {
		fprintf(stderr, "NO %s\n", err.text);
		return -1;
	}
	imap_fetch_att_name(name, sizeof(name), att);
	imap_sbuf_str(sb, name);
	if (imap_fetch_stream_open(&st, src, &sec) < 0)
		return -1;
	if (sec.size_only) {
		imap_sbuf_add(sb, " ", 1);
		imap_sbuf_u64(sb, imap_fetch_stream_total(&st));
		return 0;
	}
	imap_sbuf_str(sb, imap_fetch_stream_has_nul(&st) ? " ~{" : " {");
	imap_sbuf_u64(sb, imap_fetch_stream_size(&st));
	imap_sbuf_str(sb, "}\r\n");
	while (!done) {
		n = imap_fetch_stream_produce(&st, chunk, sizeof(chunk),
		    &done);
		if (n < 0)
			return -1;
		imap_sbuf_add(sb, chunk, (size_t)n);
	}
	return 0;
}

static void
drv_sep(struct imap_sbuf *sb)
{
	if (sb->buf[sb->len - 1] != '(')
		imap_sbuf_add(sb, " ", 1);
}

static int
drv_fetch(struct gd_pool *pool, struct imap_src *src,
    const struct gd_mime_part *root, uint64_t size, const struct imap_fetch *f)
{
	const struct imap_fetch_att *att;
	struct imap_sbuf sb;

	imap_sbuf_init(&sb, pool);
	imap_sbuf_str(&sb, "* 1 FETCH (");
	if (f->items & IMAP_FETCH_RFC822_SIZE) {
		imap_sbuf_str(&sb, "RFC822.SIZE ");
		imap_sbuf_u64(&sb, size);
	}
	if (f->items & IMAP_FETCH_ENVELOPE) {
		drv_sep(&sb);
		imap_sbuf_str(&sb, "ENVELOPE ");
		imap_envelope_write(&sb, root, 0);
	}
	if (f->items & IMAP_FETCH_BODY) {
		drv_sep(&sb);
		imap_sbuf_str(&sb, "BODY ");
		imap_bodystructure_write(&sb, root, false, 0);
	}
	if (f->items & IMAP_FETCH_BODYSTRUCTURE) {
		drv_sep(&sb);
		imap_sbuf_str(&sb, "BODYSTRUCTURE ");
		imap_bodystructure_write(&sb, root, true, 0);
	}
	for (att = f->atts; att != NULL; att = att->next) {
		drv_sep(&sb);
		if (drv_section(&sb, src, root, size, att) < 0)
			return -1;
	}
	imap_sbuf_str(&sb, ")\r\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct gd_pool *pool;
	struct imap_content_src cs;
	struct gd_mail_content *content;
	struct imap_args a;
	struct imap_error err;
	struct imap_fetch f;
	const struct gd_mime_part *root;
	uint64_t size;
	size_t len;
	char *data, *items;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: imap-fetch-driver FILE ITEMS\n");
		return 2;
	}
	data = drv_slurp(argv[1], &len);
	if (data == NULL) {
		perror(argv[1]);
		return 1;
	}
	content = gd_mail_content_from_fd(open(argv[1], O_RDONLY), 0, len,
	    true, drv_served_size(data, len));
	pool = gd_pool_create("driver");
	items = gd_pool_printf(pool, " %s", argv[2]);
	imap_args_init(&a, items, strlen(items), pool, 0, &err);
	if (imap_parse_fetch(&a, &f) < 0) {
		fprintf(stderr, "BAD %s\n", err.text);
		return 1;
	}
	imap_src_content(&cs, content);
	if (imap_msg_tree(pool, &cs.src, NULL, &root, &size) < 0)
		return 1;
	rc = drv_fetch(pool, &cs.src, root, size, &f);
	gd_mail_content_close(&content);
	gd_pool_destroy(&pool);
	free(data);
	return rc < 0 ? 1 : 0;
}
