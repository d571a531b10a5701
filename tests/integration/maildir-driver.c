/*
 * maildir-driver.c — a small session on the maildir backend driven from
 * the integration tests (complex-maildir-*.py) through stdin/stdout:
 *
 *   maildir-driver MODULEDIR PATH-TEMPLATE USER
 *
 * Commands, one per line; each answers one line starting with "ok" or
 * "error" (list answers with lines "msg ..." before its "ok"):
 *   create BOX
 *   append BOX FLAGS KEYWORDS DATE FILE   FLAGS like "SF" or "-",
 *                                         KEYWORDS "a,b" or "-",
 *                                         DATE seconds or 0 → ok UID
 *   open BOX                              → ok COUNT UIDNEXT UIDVALIDITY
 *   sync                                  → ok COUNT
 *   list              msg SEQ UID FLAGS KEYWORDS MODSEQ SIZE, then ok
 *   store SEQ +|-FLAGS                    flag letters as in "append"
 *   notify            start change notification on a worker loop
 *   wait SECONDS      → ok once a notification came since the last wait
 *                       (or now), else "error timeout"
 *   quit
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>

#include "loop-private.h"
#include "module-private.h"


static struct gd_mail_store *drv_store;
static struct gd_mailbox *drv_box;
static bool drv_loops, drv_notifying;
static pthread_mutex_t drv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drv_cond = PTHREAD_COND_INITIALIZER;
static unsigned drv_fired, drv_started;

static uint32_t
drv_flags(const char *s)
{
	uint32_t f = 0;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'S': f |= GD_MAIL_SEEN; break;
		case 'R': f |= GD_MAIL_ANSWERED; break;
		case 'F': f |= GD_MAIL_FLAGGED; break;
		case 'T': f |= GD_MAIL_DELETED; break;
		case 'D': f |= GD_MAIL_DRAFT; break;
		default: break;
		}
	}
	return f;
}

static void
drv_flag_letters(uint32_t f, char *buf)
{
	char *p = buf;

	if (f & GD_MAIL_DRAFT)
		*p++ = 'D';
	if (f & GD_MAIL_FLAGGED)
		*p++ = 'F';
	if (f & GD_MAIL_ANSWERED)
		*p++ = 'R';
	if (f & GD_MAIL_SEEN)
		*p++ = 'S';
	if (f & GD_MAIL_DELETED)
		*p++ = 'T';
	if (p == buf)
		*p++ = '-';
	*p = '\0';
}

static int
drv_fail(const struct gd_mail_error *err)
{
	printf("error %s %s\n", gd_mail_errcode_name(err->code), err->text);
	return 0;
}

static int
drv_append(char *args)
{
	char *box = strtok(args, " "), *flags = strtok(NULL, " ");
	char *kws = strtok(NULL, " "), *date = strtok(NULL, " ");
	char *file = strtok(NULL, " "), *kwv[32], buf[65536];
	struct gd_mail_append_info info = { 0 };
	struct gd_mail_append *ap = NULL;
	struct gd_mail_error err;
	uint32_t uidv, uid;
	unsigned n = 0;
	ssize_t len;
	int fd;

	if (file == NULL)
		return printf("error usage\n"), 0;
	if (strcmp(kws, "-") != 0)
		for (kwv[n] = strtok(kws, ","); kwv[n] != NULL && n < 30;
		    kwv[++n] = strtok(NULL, ","))
			;
	kwv[n] = NULL;
	info.flags = strcmp(flags, "-") == 0 ? 0 : drv_flags(flags);
	info.keywords = n > 0 ? (const char *const *)kwv : NULL;
	info.internal_date = strtoll(date, NULL, 10);
	if ((fd = open(file, O_RDONLY)) < 0)
		return printf("error open %s\n", file), 0;
	if (gd_mail_append_start(drv_store, box, &info, &ap, &err) < 0) {
		close(fd);
		return drv_fail(&err);
	}
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		if (gd_mail_append_write(ap, buf, (size_t)len, &err) < 0) {
			gd_mail_append_abort(&ap);
			close(fd);
			return drv_fail(&err);
		}
	}
	close(fd);
	if (gd_mail_append_end(&ap, &uidv, &uid, &err) < 0)
		return drv_fail(&err);
	printf("ok %u\n", uid);
	return 0;
}

static int
drv_list(void)
{
	uint32_t seq, i;
	char fl[8];

	for (seq = 1; seq <= gd_mailbox_count(drv_box); seq++) {
		const struct gd_mail_msg *m = gd_mailbox_msg(drv_box, seq);
		bool any = false;

		drv_flag_letters(m->flags, fl);
		printf("msg %u %u %s ", seq, m->uid, fl);
		for (i = 0; i < gd_mailbox_keyword_count(drv_box); i++) {
			if ((m->keywords & (1ull << i)) == 0)
				continue;
			printf("%s%s", any ? "," : "",
			    gd_mailbox_keyword(drv_box, i));
			any = true;
		}
		printf("%s %llu %llu\n", any ? "" : "-",
		    (unsigned long long)m->modseq,
		    (unsigned long long)m->size);
	}
	printf("ok\n");
	return 0;
}

static int
drv_store_flags(char *args)
{
	char *seq = strtok(args, " "), *what = strtok(NULL, " ");
	struct gd_mail_flag_change ch = { 0 };
	struct gd_mail_range r;
	struct gd_mail_error err;

	if (what == NULL || drv_box == NULL)
		return printf("error usage\n"), 0;
	r.first = r.last = (uint32_t)atoi(seq);
	ch.op = what[0] == '-' ? GD_MAIL_FLAGS_REMOVE : GD_MAIL_FLAGS_ADD;
	ch.flags = drv_flags(what + 1);
	if (gd_mailbox_set_flags(drv_box, &r, 1, &ch, NULL, NULL, NULL,
	    &err) < 0)
		return drv_fail(&err);
	printf("ok\n");
	return 0;
}

static void
drv_fire(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&drv_lock);
	drv_fired++;
	pthread_cond_broadcast(&drv_cond);
	pthread_mutex_unlock(&drv_lock);
}

static void
drv_notify_start(void *arg)
{
	struct gd_mail_error err;

	(void)arg;
	if (gd_mailbox_notify_start(drv_box, gd_loop_current(), drv_fire,
	    NULL, &err) == 0)
		drv_notifying = true;
	pthread_mutex_lock(&drv_lock);
	drv_started++;
	pthread_cond_broadcast(&drv_cond);
	pthread_mutex_unlock(&drv_lock);
}

static void
drv_notify_stop(void *arg)
{
	(void)arg;
	gd_mailbox_notify_stop(drv_box);
	drv_notifying = false;
	pthread_mutex_lock(&drv_lock);
	drv_started++;
	pthread_cond_broadcast(&drv_cond);
	pthread_mutex_unlock(&drv_lock);
}

static bool
drv_wait_for(unsigned *counter, unsigned n, int seconds)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&drv_lock);
	while (*counter < n &&
	    pthread_cond_timedwait(&drv_cond, &drv_lock, &ts) == 0)
		;
	ok = *counter >= n;
	pthread_mutex_unlock(&drv_lock);
	return ok;
}

static int
drv_notify(void)
{
	const char *error = NULL;

	if (drv_box == NULL)
		return printf("error no mailbox\n"), 0;
	if (!drv_loops) {
		if (gd_loops_start(1, 1, NULL, NULL, &error) < 0)
			return printf("error %s\n", error), 0;
		drv_loops = true;
	}
	gd_loop_invoke(gd_loop_get(0), drv_notify_start, NULL);
	if (!drv_wait_for(&drv_started, 1, 5) || !drv_notifying)
		return printf("error notify\n"), 0;
	printf("ok\n");
	return 0;
}

static unsigned drv_seen;

static int
drv_wait(const char *arg)
{
	if (drv_wait_for(&drv_fired, drv_seen + 1, atoi(arg))) {
		pthread_mutex_lock(&drv_lock);
		drv_seen = drv_fired;
		pthread_mutex_unlock(&drv_lock);
		printf("ok\n");
	} else
		printf("error timeout\n");
	return 0;
}

static int
drv_command(char *line)
{
	struct gd_mail_error err;
	char *cmd = strtok(line, " "), *rest = strtok(NULL, "");

	if (cmd == NULL)
		return 0;
	if (strcmp(cmd, "quit") == 0)
		return 1;
	if (strcmp(cmd, "create") == 0) {
		if (gd_mail_store_create(drv_store, rest, 0, &err) < 0)
			return drv_fail(&err);
		printf("ok\n");
	} else if (strcmp(cmd, "append") == 0 && rest != NULL) {
		return drv_append(rest);
	} else if (strcmp(cmd, "open") == 0 && rest != NULL) {
		if (gd_mailbox_open(drv_store, rest, 0, &drv_box, &err) < 0)
			return drv_fail(&err);
		printf("ok %u %u %u\n", gd_mailbox_count(drv_box),
		    gd_mailbox_uidnext(drv_box),
		    gd_mailbox_uidvalidity(drv_box));
	} else if (strcmp(cmd, "sync") == 0 && drv_box != NULL) {
		if (gd_mailbox_sync(drv_box, 0, NULL, NULL, &err) < 0)
			return drv_fail(&err);
		printf("ok %u\n", gd_mailbox_count(drv_box));
	} else if (strcmp(cmd, "list") == 0 && drv_box != NULL) {
		return drv_list();
	} else if (strcmp(cmd, "store") == 0 && rest != NULL) {
		return drv_store_flags(rest);
	} else if (strcmp(cmd, "notify") == 0) {
		return drv_notify();
	} else if (strcmp(cmd, "wait") == 0 && rest != NULL) {
		return drv_wait(rest);
	} else
		printf("error unknown command\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct gd_mail_user user = { 0 };
	const struct gd_mail_backend *backend;
	char text[2048], line[4096], *cerr = NULL;
	const char *error = NULL;
	struct gd_mail_error err;
	struct gd_config *cfg;

	if (argc != 4) {
		fprintf(stderr, "usage: maildir-driver MODULEDIR PATH USER\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(text, sizeof(text), "modules: {path: \"%s\", load: "
	    "[maildir]}\nmaildir: {path: \"%s\", create-special-use: "
	    "false}\n", argv[1], argv[2]);
	cfg = gd_config_load_string("driver.yaml", text, strlen(text), &cerr);
	gd_log_open(GD_LOG_WARNING, GD_LOG_TARGET_STDERR, "driver", 0);
	if (cfg == NULL || gd_modules_load(gd_config_root(cfg), NULL,
	    &error) < 0) {
		fprintf(stderr, "driver: %s\n", cfg == NULL ? cerr : error);
		return 1;
	}
	backend = gd_mail_backend_find("maildir", &err);
	user.name = argv[3];
	if (backend == NULL || gd_mail_store_open(backend, &user,
	    GD_MAIL_STORE_CREATE, &drv_store, &err) < 0) {
		fprintf(stderr, "driver: %s\n", err.text);
		return 1;
	}
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (drv_command(line) != 0)
			break;
	}
	if (drv_notifying) {
		gd_loop_invoke(gd_loop_get(0), drv_notify_stop, NULL);
		drv_wait_for(&drv_started, 2, 5);
	}
	if (drv_loops)
		gd_loops_join();
	gd_mailbox_close(&drv_box);
	gd_mail_store_close(&drv_store);
	gd_modules_unload();
	gd_config_free(&cfg);
	return 0;
}
