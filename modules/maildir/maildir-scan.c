/*
 * maildir-scan.c — reconciling the state with cur/ and new/.
 *
 * A directory is read only when its mtime differs from the one recorded
 * at the last scan, or that one was not trusted (taken less than
 * MAILDIR_STAMP_MARGIN_NS after the change it shows, or changed during
 * the scan): an unchanged mailbox opens without readdir.
 *
 * Our own renames and unlinks (flag changes, expunge, new/ to cur/),
 * made under the lock and recorded in the state, move the stamp along
 * with them when nothing else had changed the directory since it was
 * taken (maildir_stamps_own): a stamp marked `own`, which spares the
 * next syncs a readdir of a big cur/ for changes they know from the
 * records, until it has aged past the margin; then one scan makes it
 * trusted.  A change by another program after that in a later timestamp
 * tick moves the mtime and is seen at the next sync; only one racing
 * our own writes within their tick is seen late, by that scan, at most
 * the margin after them.
 *
 * Files are matched to messages by their base name (before ':'), so a
 * flag rename by another program keeps the UID (and gets a new modseq).
 * A message whose file is not listed is checked by name, and the
 * directories are read once more for it (readdir may miss a file being
 * renamed while it runs), before it counts as expunged.  Unknown files
 * become new messages in name order; a file without W= is measured once
 * and the size kept in the state.  A regular file with W= is not even
 * stat'ed: its internal date (the mtime) is recorded as unknown and read
 * when asked for (maildir_internal_date), as a first SELECT of a big
 * mailbox would otherwise spend half its time in stat.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

struct scan_file {
	size_t name;		/* offset in names */
	size_t base_len;
	bool in_new;
	bool regular;		/* readdir said DT_REG */
};

struct scan {
	struct maildir_box *box;
	struct maildir_list *l;
	struct maildir_state *st;
	struct maildir_out *out;
	uint32_t *table;	/* index + 1, open addressing */
	size_t mask;
	struct scan_file *files;
	size_t nfiles, files_cap;
	char *names;
	size_t names_len, names_cap;
	uint64_t modseq;	/* of this scan's changes, 0 until needed */
	bool scanned[2];	/* [in_new] */
	bool found_only;
	int dirfd[2];		/* [in_new]: cur/ and new/ for new files */
};

static size_t scan_base_len(const char *name);
static void scan_table_build(struct scan *sc);
static int64_t scan_lookup(struct scan *sc, const char *name, size_t blen);
static int scan_modseq(struct scan *sc, struct gd_mail_error *err);
static bool scan_stamp_same(const struct maildir_stamp *s,
    const struct stat *sb);
static int scan_dir(struct scan *sc, bool in_new, bool record,
    struct gd_mail_error *err);
static int scan_found(struct scan *sc, uint32_t i, bool in_new,
    const char *name, size_t len, struct gd_mail_error *err);
static void scan_file_add(struct scan *sc, const struct dirent *d,
    size_t len, size_t base_len, bool in_new);
static int scan_vanished(struct scan *sc, struct gd_mail_error *err);
static int scan_new_files(struct scan *sc, struct gd_mail_error *err);
static int scan_new_record(struct scan *sc, const struct scan_file *sf,
    const char *name, struct maildir_rec *rec, const struct stat *sb,
    struct gd_mail_error *err);
static int scan_file_cmp(const void *a, const void *b, void *arg);

static size_t
scan_base_len(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon != NULL ? (size_t)(colon - name) : strlen(name);
}

static void
scan_table_build(struct scan *sc)
{
	size_t size = 16, h;
	uint32_t i;

	while (size < (size_t)sc->l->count * 2 + 16)
		size *= 2;
	sc->table = gd_xcalloc(size, sizeof(*sc->table));
	sc->mask = size - 1;
	for (i = 0; i < sc->l->count; i++) {
		const char *name = maildir_list_name(sc->l, i);

		if ((sc->l->msgs[i].flags & (GD_MAIL_EXPUNGED |
		    MAILDIR_MSG_GONE)) != 0)
			continue;
		h = maildir_hash(name, scan_base_len(name)) & sc->mask;
		while (sc->table[h] != 0)
			h = (h + 1) & sc->mask;
		sc->table[h] = i + 1;
	}
}

static int64_t
scan_lookup(struct scan *sc, const char *name, size_t blen)
{
	size_t h = maildir_hash(name, blen) & sc->mask;
	const char *other;

	for (; sc->table[h] != 0; h = (h + 1) & sc->mask) {
		other = maildir_list_name(sc->l, sc->table[h] - 1);
		if (strncmp(other, name, blen) == 0 &&
		    (other[blen] == '\0' || other[blen] == ':'))
			return (int64_t)sc->table[h] - 1;
	}
	return -1;
}

static int
scan_modseq(struct scan *sc, struct gd_mail_error *err)
{
	if (sc->modseq != 0)
		return 0;
	return maildir_state_next_modseq(sc->st, &sc->modseq, err);
}

static bool
scan_mtime_is(const struct maildir_stamp *s, const struct stat *sb)
{
	return s->sec == (int64_t)sb->st_mtim.tv_sec &&
	    s->nsec == (uint32_t)sb->st_mtim.tv_nsec;
}

static bool
scan_mtime_old(const struct stat *sb)
{
	return maildir_now_ns() - ((int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec) >= MAILDIR_STAMP_MARGIN_NS;
}

/* Whether the directory need not be read: its mtime is the stamp's, and
 * the stamp is trusted, or our own and too young to be checked. */
static bool
scan_stamp_same(const struct maildir_stamp *s, const struct stat *sb)
{
	return scan_mtime_is(s, sb) && (s->valid ||
	    (s->own && !scan_mtime_old(sb)));
}

static const char *
scan_dir_path(const struct maildir_box *box, bool in_new, char *buf,
    size_t size)
{
	snprintf(buf, size, "%s/%s", box->dir, in_new ? "new" : "cur");
	return buf;
}

static bool
stamp_current(const struct maildir_box *box, const struct maildir_state *st,
    bool in_new)
{
	const struct maildir_stamp *stamp = in_new ? &st->hdr.new_ :
	    &st->hdr.cur;
	char path[PATH_MAX];
	struct stat sb;

	return stat(scan_dir_path(box, in_new, path, sizeof(path)),
	    &sb) == 0 && scan_mtime_is(stamp, &sb) &&
	    (stamp->valid || stamp->own);
}

static void
stamp_own(const struct maildir_box *box, struct maildir_state *st,
    bool in_new)
{
	struct maildir_stamp *stamp = in_new ? &st->hdr.new_ : &st->hdr.cur;
	char path[PATH_MAX];
	struct stat sb;

	if (stat(scan_dir_path(box, in_new, path, sizeof(path)), &sb) < 0)
		return;
	stamp->sec = (int64_t)sb.st_mtim.tv_sec;
	stamp->nsec = (uint32_t)sb.st_mtim.tv_nsec;
	/* Not trusted: another program's change in the same tick, or
	 * between the check and our changes, is found by the scan once
	 * the mtime has aged past the margin. */
	stamp->valid = false;
	stamp->own = true;
	st->hdr_dirty = true;
}

void
maildir_stamps_check(const struct maildir_box *box,
    const struct maildir_state *st, bool current[2])
{
	current[0] = stamp_current(box, st, false);
	current[1] = stamp_current(box, st, true);
}

void
maildir_stamps_own(const struct maildir_box *box, struct maildir_state *st,
    const bool current[2])
{
	if (current[0])
		stamp_own(box, st, false);
	if (current[1])
		stamp_own(box, st, true);
}

/* A known message's file, maybe under a new name or place. */
static int
scan_found(struct scan *sc, uint32_t i, bool in_new, const char *name,
    size_t len, struct gd_mail_error *err)
{
	struct gd_mail_msg *m = &sc->l->msgs[i];
	const char *old = maildir_list_name(sc->l, i);
	struct maildir_fname fo, fn;
	struct maildir_rec rec = { .type = MAILDIR_REC_NAME };

	if ((m->flags & MAILDIR_MSG_SEEN) != 0 && in_new)
		return 0;	/* also in cur/ (being moved): cur/ wins */
	m->flags |= MAILDIR_MSG_SEEN;
	if (strlen(old) == len && memcmp(old, name, len) == 0 &&
	    maildir_list_in_new(sc->l, i) == in_new)
		return 0;
	maildir_fname_parse(old, strlen(old), &fo);
	maildir_fname_parse(name, len, &fn);
	maildir_touch(sc->box, i);
	if ((fo.flags != fn.flags || fo.letters != fn.letters)) {
		if (scan_modseq(sc, err) < 0)
			return -1;
		m->modseq = sc->modseq;
	}
	maildir_list_rename(sc->l, i, in_new, name, len,
	    maildir_box_kw_mask(sc->box));
	rec.uid = m->uid;
	rec.modseq = m->modseq;
	rec.in_new = in_new;
	rec.name = name;
	rec.name_len = len;
	maildir_out_add(sc->out, &rec);
	return 0;
}

static void
scan_file_add(struct scan *sc, const struct dirent *d, size_t len,
    size_t base_len, bool in_new)
{
	if (sc->nfiles == sc->files_cap) {
		sc->files_cap = sc->files_cap * 2 + 64;
		sc->files = gd_xrealloc(sc->files,
		    sc->files_cap * sizeof(*sc->files));
	}
	if (sc->names_len + len + 1 > sc->names_cap) {
		sc->names_cap = (sc->names_cap + len + 1) * 2;
		sc->names = gd_xrealloc(sc->names, sc->names_cap);
	}
	/* UNSAFE: room for len + 1 bytes was made just above. */
	memcpy(sc->names + sc->names_len, d->d_name, len + 1);
	sc->files[sc->nfiles].name = sc->names_len;
	sc->files[sc->nfiles].base_len = base_len;
	sc->files[sc->nfiles].in_new = in_new;
	sc->files[sc->nfiles].regular = d->d_type == DT_REG;
	sc->nfiles++;
	sc->names_len += len + 1;
}

/* Read one directory; `record`: remember its mtime in the header. */
static int
scan_dir(struct scan *sc, bool in_new, bool record,
    struct gd_mail_error *err)
{
	struct maildir_stamp *stamp = in_new ? &sc->st->hdr.new_ :
	    &sc->st->hdr.cur;
	struct stat before, after;
	struct maildir_fname f;
	struct dirent *d;
	char path[PATH_MAX];
	int64_t i;
	size_t len;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", sc->box->dir,
	    in_new ? "new" : "cur");
	if (stat(path, &before) < 0 || (dir = opendir(path)) == NULL) {
		if (errno != ENOENT) {
			gd_mail_error_errno(err, "read %s", path);
			return -1;
		}
		memset(stamp, 0, sizeof(*stamp));
		return 0;	/* gone: everything in it is expunged */
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' || d->d_type == DT_DIR)
			continue;
		len = strlen(d->d_name);
		if (!maildir_fname_parse(d->d_name, len, &f))
			continue;
		i = scan_lookup(sc, d->d_name, f.base_len);
		if (i >= 0 && scan_found(sc, (uint32_t)i, in_new, d->d_name,
		    len, err) < 0) {
			closedir(dir);
			return -1;
		}
		if (i < 0 && !sc->found_only)
			scan_file_add(sc, d, len, f.base_len, in_new);
	}
	closedir(dir);
	if (!record)
		return 0;
	stamp->sec = (int64_t)before.st_mtim.tv_sec;
	stamp->nsec = (uint32_t)before.st_mtim.tv_nsec;
	stamp->own = false;
	stamp->valid = stat(path, &after) == 0 &&
	    after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec &&
	    scan_mtime_old(&before);
	sc->st->hdr_dirty = true;
	return 0;
}

/* Messages of the scanned directories that were not listed. */
static int
scan_vanished(struct scan *sc, struct gd_mail_error *err)
{
	struct maildir_rec rec = { .type = MAILDIR_REC_EXPUNGE };
	char path[PATH_MAX];
	uint32_t i, missing = 0;
	int pass;

	for (pass = 0; pass < 3; pass++) {
		missing = 0;
		for (i = 0; i < sc->l->count; i++) {
			struct gd_mail_msg *m = &sc->l->msgs[i];
			bool in_new = maildir_list_in_new(sc->l, i);

			if ((m->flags & (GD_MAIL_EXPUNGED | MAILDIR_MSG_GONE |
			    MAILDIR_MSG_SEEN)) != 0 || !sc->scanned[in_new])
				continue;
			if (pass < 2) {
				maildir_msg_path(sc->box, i, path,
				    sizeof(path));
				if (access(path, F_OK) == 0) {
					m->flags |= MAILDIR_MSG_SEEN;
					continue;
				}
				missing++;
				continue;
			}
			if (scan_modseq(sc, err) < 0)
				return -1;
			maildir_touch(sc->box, i);
			m->flags |= MAILDIR_MSG_GONE;
			rec.uid = m->uid;
			rec.modseq = sc->modseq;
			maildir_out_add(sc->out, &rec);
		}
		if (missing == 0 || pass == 2)
			break;
		/* Renamed while we read?  Read again, known names only. */
		sc->found_only = true;
		if ((sc->scanned[1] && scan_dir(sc, true, false, err) < 0) ||
		    (sc->scanned[0] && scan_dir(sc, false, false, err) < 0))
			return -1;
	}
	return 0;
}

static int
scan_file_cmp(const void *a, const void *b, void *arg)
{
	const struct scan_file *fa = a, *fb = b;
	const char *names = arg;
	size_t n = fa->base_len < fb->base_len ? fa->base_len : fb->base_len;
	int c = memcmp(names + fa->name, names + fb->name, n);

	if (c != 0)
		return c;
	if (fa->base_len != fb->base_len)
		return fa->base_len < fb->base_len ? -1 : 1;
	return (int)fa->in_new - (int)fb->in_new;	/* cur/ first */
}

/* Measure and record one new file.  0 also when it vanished.  Looked
 * up relative to its directory: a cold scan stats every file, and a
 * full path's walk was most of that. */
static int
scan_new_file(struct scan *sc, const struct scan_file *sf,
    struct gd_mail_error *err)
{
	const char *name = sc->names + sf->name;
	struct maildir_rec rec = { .type = MAILDIR_REC_MSG };
	int dfd = sc->dirfd[sf->in_new];
	struct maildir_fname f;
	struct stat sb;
	bool bare;
	int fd;

	maildir_fname_parse(name, strlen(name), &f);
	rec.vsize = f.vsize;
	/* With W= in the name of a regular file nothing else is needed:
	 * the internal date (the mtime) is read when asked for. */
	if (f.vsize != UINT64_MAX && sf->regular)
		return scan_new_record(sc, sf, name, &rec, NULL, err);
	if (f.vsize != UINT64_MAX)
		return fstatat(dfd, name, &sb, 0) < 0 || !S_ISREG(sb.st_mode) ?
		    0 : scan_new_record(sc, sf, name, &rec, &sb, err);
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (gd_mail_measure_fd(fd, 0, (uint64_t)sb.st_size, &rec.vsize,
	    &bare, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return scan_new_record(sc, sf, name, &rec, &sb, err);
}

/* Give a new file its UID and record it. */
static int
scan_new_record(struct scan *sc, const struct scan_file *sf,
    const char *name, struct maildir_rec *rec, const struct stat *sb,
    struct gd_mail_error *err)
{
	if (scan_modseq(sc, err) < 0 ||
	    maildir_state_next_uid(sc->st, &rec->uid, err) < 0)
		return -1;
	rec->modseq = sc->modseq;
	rec->mtime = sb != NULL ? (int64_t)sb->st_mtim.tv_sec :
	    GD_MAIL_DATE_UNKNOWN;
	rec->in_new = sf->in_new;
	rec->name = name;
	rec->name_len = strlen(name);
	maildir_out_add(sc->out, rec);
	maildir_list_append(sc->l, rec, maildir_box_kw_mask(sc->box));
	return 0;
}

/* Open cur/ and new/ for the new files' look-ups (a directory that
 * cannot be opened stays -1: look-ups in it fail with EBADF, and its
 * files count as vanished, as when they go during the scan). */
static void
scan_dirs_open(struct scan *sc)
{
	char path[PATH_MAX];
	int k;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", sc->box->dir,
		    k ? "new" : "cur");
		sc->dirfd[k] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
}

static void
scan_dirs_close(struct scan *sc)
{
	int k;

	for (k = 0; k < 2; k++)
		if (sc->dirfd[k] >= 0)
			close(sc->dirfd[k]);
}

static int
scan_new_files(struct scan *sc, struct gd_mail_error *err)
{
	size_t k;
	int ret = 0;

	if (sc->nfiles == 0)
		return 0;
	if (sc->nfiles > 1)
		qsort_r(sc->files, sc->nfiles, sizeof(*sc->files),
		    scan_file_cmp, sc->names);
	scan_dirs_open(sc);
	for (k = 0; k < sc->nfiles && ret == 0; k++) {
		const struct scan_file *sf = &sc->files[k];

		/* The same message seen in new/ and cur/: take cur/. */
		if (k > 0 && sf->base_len == sc->files[k - 1].base_len &&
		    memcmp(sc->names + sf->name, sc->names +
		    sc->files[k - 1].name, sf->base_len) == 0)
			continue;
		ret = scan_new_file(sc, sf, err);
	}
	scan_dirs_close(sc);
	return ret;
}

int
maildir_scan(struct maildir_box *box, struct maildir_state *st, bool force,
    struct maildir_out *out, struct gd_mail_error *err)
{
	struct scan sc = { .box = box, .l = &box->list, .st = st, .out = out };
	char path[PATH_MAX];
	struct stat sb;
	int ret = 0, k;
	uint32_t i;

	for (k = 1; k >= 0; k--) {	/* new/ first: files move to cur/ */
		snprintf(path, sizeof(path), "%s/%s", box->dir,
		    k ? "new" : "cur");
		sc.scanned[k] = force || stat(path, &sb) < 0 ||
		    !scan_stamp_same(k ? &st->hdr.new_ : &st->hdr.cur, &sb);
	}
	if (!sc.scanned[0] && !sc.scanned[1])
		return 0;
	scan_table_build(&sc);
	for (k = 1; k >= 0 && ret == 0; k--) {
		if (sc.scanned[k])
			ret = scan_dir(&sc, k, true, err);
	}
	if (ret == 0)
		ret = scan_vanished(&sc, err);
	if (ret == 0)
		ret = scan_new_files(&sc, err);
	for (i = 0; i < box->list.count; i++)
		box->list.msgs[i].flags &= ~MAILDIR_MSG_SEEN;
	free(sc.table);
	free(sc.files);
	free(sc.names);
	return ret;
}
