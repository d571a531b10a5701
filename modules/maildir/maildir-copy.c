/*
 * maildir-copy.c — COPY and MOVE.
 *
 * Each source file is hard-linked (copied across file systems) into the
 * target's tmp/ under a new unique name, with its flags and its keywords
 * mapped to the target's letters; then maildir_commit() renames them all
 * into the target's cur/ and gives them UIDs under the target's lock.
 * Any failure removes what was made: no copy is left visible.  A move
 * then expunges the originals (reported after the COPYUID pairs).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

struct copy_msg {
	uint32_t seq;
	uint32_t src_uid;
	char src_path[PATH_MAX];
	uint32_t flags;
	uint32_t letters;	/* source letters (known keywords only) */
};

struct copy_ctx {
	struct maildir_box *box;
	char *to_dir;
	struct copy_msg *src;
	struct maildir_newmsg *dst;
	char (*tmp)[PATH_MAX];
	size_t n;
	uint64_t bytes;
};

static int copy_collect(struct copy_ctx *cc,
    const struct gd_mail_range *ranges, size_t nranges,
    struct gd_mail_error *err);
static int copy_keywords(struct copy_ctx *cc, uint64_t *map,
    struct gd_mail_error *err);
static int copy_link(struct copy_ctx *cc, size_t k, uint32_t letters,
    struct gd_mail_error *err);
static void copy_free(struct copy_ctx *cc, size_t linked);

/* The source messages (ascending), their current files and flags. */
static int
copy_collect(struct copy_ctx *cc, const struct gd_mail_range *ranges,
    size_t nranges, struct gd_mail_error *err)
{
	struct maildir_box *box = cc->box;
	struct maildir_state st;
	struct maildir_peek pk;
	struct maildir_cur cur;
	uint32_t seq;
	size_t k;
	bool *want;
	int ret;

	want = gd_xcalloc(box->list.count + 1, sizeof(*want));
	for (k = 0; k < nranges; k++)
		for (seq = ranges[k].first; seq <= ranges[k].last &&
		    seq <= box->list.count; seq++)
			want[seq] = true;
	if (maildir_state_begin(&st, box->dir, &box->store->cfg->store,
	    box->lock_fd, err) < 0) {
		free(want);
		return -1;
	}
	ret = maildir_peek_load(box, &st, &pk, err);
	cc->src = gd_xcalloc(box->list.count + 1, sizeof(*cc->src));
	for (seq = 1; seq <= box->list.count && ret == 0; seq++) {
		if (!want[seq] || maildir_cur_prepare(box, &pk, seq, &cur) == 0)
			continue;
		cc->src[cc->n].seq = seq;
		cc->src[cc->n].src_uid = box->list.msgs[seq - 1].uid;
		memcpy(cc->src[cc->n].src_path, cur.path, sizeof(cur.path));
		cc->src[cc->n].flags = cur.f.flags;
		cc->src[cc->n].letters = cur.f.letters &
		    (uint32_t)maildir_box_kw_mask(box);
		cc->n++;
	}
	maildir_peek_free(&pk);
	if (maildir_state_end(&st, ret == 0 ? err : NULL) < 0)
		ret = -1;
	free(want);
	return ret;
}

/* map[i]: the target letter bit for source keyword i. */
static int
copy_keywords(struct copy_ctx *cc, uint64_t *map, struct gd_mail_error *err)
{
	struct maildir_box *box = cc->box;
	uint32_t used = 0;
	uint64_t bits;
	unsigned i;
	size_t k;

	for (k = 0; k < cc->n; k++)
		used |= cc->src[k].letters;
	memset(map, 0, MAILDIR_KEYWORD_MAX * sizeof(*map));
	for (i = 0; i < box->base.keyword_count; i++) {
		const char *one[2] = { box->base.keywords[i], NULL };

		if ((used & (1u << i)) == 0)
			continue;
		if (maildir_keywords_map_dir(box->store, cc->to_dir, one,
		    &bits, err) < 0)
			return -1;
		map[i] = bits;
	}
	return 0;
}

/* Link source k into the target's tmp/ under its new name. */
static int
copy_link(struct copy_ctx *cc, size_t k, uint32_t letters,
    struct gd_mail_error *err)
{
	struct maildir_module *mod = maildir_module_get(cc->box->base.store->backend);
	const struct copy_msg *s = &cc->src[k];
	struct maildir_newmsg *d = &cc->dst[k];
	const struct gd_mail_msg *m = &cc->box->list.msgs[s->seq - 1];
	char base[MAILDIR_NAME_MAX + 1];
	struct maildir_fname f;
	struct stat sb;
	int n, fd;

	if (stat(s->src_path, &sb) < 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u was expunged", s->src_uid);
		return -1;
	}
	maildir_fname_parse(strrchr(s->src_path, '/') + 1,
	    strlen(strrchr(s->src_path, '/') + 1), &f);
	n = maildir_fname_unique(base, sizeof(base), mod->host,
	    (uint64_t)sb.st_size, m->size);
	if (n < 0 || maildir_fname_build(d->name, sizeof(d->name), base,
	    (size_t)n, s->flags, letters, NULL) < 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT, "name too long");
		return -1;
	}
	snprintf(cc->tmp[k], PATH_MAX, "%s/tmp/%s", cc->to_dir, base);
	d->tmp_path = cc->tmp[k];
	d->vsize = m->size;
	d->mtime = (int64_t)sb.st_mtim.tv_sec;
	d->in_new = false;
	cc->bytes += (uint64_t)sb.st_size;
	if (link(s->src_path, cc->tmp[k]) == 0)
		return 0;
	if (errno != EXDEV) {
		gd_mail_error_errno(err, "link %s", s->src_path);
		if (errno == ENOENT && err != NULL)
			err->code = GD_MAIL_ERR_EXPUNGED;
		return -1;
	}
	fd = open(s->src_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		gd_mail_error_errno(err, "open %s", s->src_path);
		return -1;
	}
	n = maildir_copy_file(&cc->box->store->cfg->store, fd, cc->tmp[k],
	    err);
	close(fd);
	return n;
}

static void
copy_free(struct copy_ctx *cc, size_t linked)
{
	size_t k;

	for (k = 0; k < linked; k++)
		unlink(cc->tmp[k]);
	free(cc->src);
	free(cc->dst);
	free(cc->tmp);
	free(cc->to_dir);
}

int
maildir_copy(struct gd_mailbox *gbox, const struct gd_mail_range *ranges,
    size_t nranges, const char *to, bool move, gd_mail_copied_fn *copied,
    gd_mail_expunged_fn *expunged, void *arg, uint32_t *uidvalidity_r,
    struct gd_mail_error *err)
{
	struct copy_ctx cc = { .box = (struct maildir_box *)gbox };
	uint64_t map[MAILDIR_KEYWORD_MAX];
	uint32_t letters, uidvalidity = 0;
	size_t k, linked = 0;
	unsigned i;
	int ret;

	cc.to_dir = maildir_existing_dir(cc.box->store, to, err);
	if (cc.to_dir == NULL)
		return -1;
	ret = copy_collect(&cc, ranges, nranges, err);
	if (ret == 0)
		ret = copy_keywords(&cc, map, err);
	cc.dst = gd_xcalloc(cc.n + 1, sizeof(*cc.dst));
	cc.tmp = gd_xcalloc(cc.n + 1, sizeof(*cc.tmp));
	for (k = 0; k < cc.n && ret == 0; k++) {
		for (letters = 0, i = 0; i < MAILDIR_KEYWORD_MAX; i++)
			if ((cc.src[k].letters & (1u << i)) != 0)
				letters |= (uint32_t)map[i];
		ret = copy_link(&cc, k, letters, err);
		if (ret == 0)
			linked++;
	}
	if (ret == 0 && cc.n > 0)
		ret = maildir_commit(cc.to_dir, &cc.box->store->cfg->store,
		    cc.dst, cc.n, &uidvalidity, err);
	if (ret != 0) {
		copy_free(&cc, linked);
		return -1;
	}
	if (uidvalidity_r != NULL)
		*uidvalidity_r = uidvalidity;
	maildir_quota_add(cc.box->store->base.root, (int64_t)cc.bytes,
	    (int64_t)cc.n);
	for (k = 0; k < cc.n; k++) {
		if (copied != NULL)
			copied(arg, cc.src[k].src_uid, cc.dst[k].uid);
		cc.box->list.msgs[cc.src[k].seq - 1].flags |= MAILDIR_MSG_SEEN;
	}
	copy_free(&cc, 0);
	if (!move) {
		for (k = 0; k < cc.box->list.count; k++)
			cc.box->list.msgs[k].flags &= ~MAILDIR_MSG_SEEN;
		return 0;
	}
	return maildir_expunge_marked(cc.box, GD_MAIL_EXPUNGE_RANGES, NULL, 0,
	    true, expunged, arg, err);
}
