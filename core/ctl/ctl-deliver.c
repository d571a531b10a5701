/*
 * ctl-deliver.c — gumdropctl deliver: a local delivery agent for other
 * MTAs (Postfix's mailbox_command, procmail-style pipes).  Reads one
 * message on stdin and files it durably through the delivery API; the
 * exit code tells the calling MTA what happened (sysexits(3): 0 stored,
 * 75 try again later, others bounce).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gumdrop/mail-deliver.h>
#include <gumdrop/mailbox-impl.h>

#include "ctl.h"

#define CTL_READ_CHUNK	65536
#define CTL_SENDER_MAX	512

struct ctl_deliver_opts {
	const char *user;
	const char *mailbox;
	const char *sender;
	unsigned flags;
};

static int
ctl_deliver_args(struct ctl *ctl, int argc, char **argv,
    struct ctl_deliver_opts *o)
{
	int c;

	o->user = getenv("USER");
	o->flags = GD_MAIL_DELIVER_FALLBACK;
	optind = 1;
	while ((c = getopt(argc, argv, "u:m:f:C")) != -1) {
		switch (c) {
		case 'u':
			o->user = optarg;
			break;
		case 'm':
			o->mailbox = optarg;
			break;
		case 'f':
			o->sender = optarg;
			break;
		case 'C':
			o->flags = GD_MAIL_DELIVER_CREATE;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || o->user == NULL) {
		ctl_error(ctl, "usage: gumdropctl deliver -u USER [-m MAILBOX] "
		    "[-f SENDER] [-C] < message");
		return -1;
	}
	return 0;
}

/*
 * An mbox-style "From sender date" first line (what MTAs prepend when
 * piping) is not part of the message: drop it, and take the sender from
 * it unless -f gave one.  Returns the bytes to skip.
 */
static size_t
ctl_from_line(const char *buf, size_t len, char *sender, size_t size)
{
	const char *nl, *p, *sp;

	if (len < 5 || memcmp(buf, "From ", 5) != 0 ||
	    (nl = memchr(buf, '\n', len)) == NULL)
		return 0;
	p = buf + 5;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (sp == NULL)
		sp = nl;
	snprintf(sender, size, "%.*s", (int)(sp - p), p);
	return (size_t)(nl - buf) + 1;
}

static int
ctl_deliver_read(struct ctl *ctl, struct gd_mail_delivery *d, char *sender,
    struct gd_mail_error *err)
{
	char buf[CTL_READ_CHUNK];
	size_t skip;
	ssize_t n;
	bool first = true;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gd_mail_error_errno(err, "read stdin");
			err->code = GD_MAIL_ERR_TEMP;
			return -1;
		}
		skip = first ? ctl_from_line(buf, (size_t)n, sender,
		    CTL_SENDER_MAX) : 0;
		first = false;
		if (gd_mail_delivery_write(d, buf + skip, (size_t)n - skip,
		    err) < 0)
			return -1;
	}
	if (gd_mail_delivery_size(d) == 0) {
		ctl_error(ctl, "empty message on stdin");
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME, "empty message");
		return -1;
	}
	return 0;
}

static int
ctl_deliver_status(struct ctl *ctl, const struct ctl_deliver_opts *o,
    const struct gd_mail_rcpt_result *r)
{
	switch (r->status) {
	case GD_MAIL_DELIVERED:
		return EX_OK;
	case GD_MAIL_DELIVER_OVERQUOTA:
		ctl_error(ctl, "%s: %s", o->user, r->error.text);
		return r->permanent ? EX_CANTCREAT : EX_TEMPFAIL;
	case GD_MAIL_DELIVER_TEMPFAIL:
		ctl_error(ctl, "%s: %s", o->user, r->error.text);
		return EX_TEMPFAIL;
	default:
		ctl_error(ctl, "%s: %s", o->user, r->error.text);
		return r->error.code == GD_MAIL_ERR_BADNAME ? EX_NOUSER :
		    ctl_exit_code(r->error.code);
	}
}

static int
ctl_deliver(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_deliver_opts o = { 0 };
	const struct gd_mail_backend *b;
	struct gd_mail_user user = { 0 };
	struct gd_mail_delivery *d;
	struct gd_mail_error err;
	char sender[CTL_SENDER_MAX] = "";
	int status;

	if (ctl_deliver_args(ctl, argc, argv, &o) < 0)
		return EX_USAGE;
	if ((b = ctl_backend(ctl)) == NULL)
		return EX_UNAVAILABLE;
	if ((d = gd_mail_delivery_create(b, &err)) == NULL) {
		ctl_error(ctl, "%s", err.text);
		return EX_TEMPFAIL;
	}
	user.name = o.user;
	gd_mail_delivery_add(d, &user, o.mailbox, o.flags);
	if (ctl_deliver_read(ctl, d, sender, &err) < 0) {
		gd_mail_delivery_destroy(&d);
		return err.code == GD_MAIL_ERR_TEMP ? EX_TEMPFAIL : EX_DATAERR;
	}
	gd_mail_delivery_set_sender(d, o.sender != NULL ? o.sender : sender);
	if (gd_mail_delivery_run(d, &err) < 0) {
		ctl_error(ctl, "%s", err.text);
		status = EX_TEMPFAIL;
	} else
		status = ctl_deliver_status(ctl, &o,
		    gd_mail_delivery_result(d, 0));
	gd_mail_delivery_destroy(&d);
	return status;
}

const struct ctl_command ctl_deliver_commands[] = {
	{ "deliver", "-u USER [-m MAILBOX] [-f SENDER] [-C] < message",
	    "deliver one message from stdin (an LDA; -C creates MAILBOX, "
	    "else INBOX is used when it is missing)", 0, -1, ctl_deliver },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
