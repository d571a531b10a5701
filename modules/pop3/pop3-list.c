/*
 * pop3-list.c — the TRANSACTION commands on the snapshot: STAT, LIST,
 * UIDL (RFC 1939 5, 7), DELE and RSET.  Message numbers are the
 * snapshot's 1..n for the whole session; a DELE'd message is invisible
 * to every command until RSET.  A multi-line LIST or UIDL is written as
 * a producer (pop3-retr.c's pop3_produce) so that a maildrop of any size
 * holds at most the write queue's low-water mark of reply in memory.
 */
#include <stdio.h>
#include <string.h>

#include "pop3-private.h"

/* A LIST or UIDL line's longest form ("4294967295 " and 20 digits or 16
 * hex, CRLF) fits; a batch is many of them. */
#define POP3_LIST_LINE_MAX	40
#define POP3_LIST_BATCH		8192

struct pop3_msg *
pop3_msg_get(struct pop3_session *s, uint32_t n)
{
	struct pop3_drop *d = s->drop;

	if (d == NULL || n == 0 || n > d->count || d->msgs[n - 1].deleted)
		return NULL;
	return &d->msgs[n - 1];
}

void
pop3_cmd_stat(struct pop3_session *s)
{
	uint64_t octets;
	uint32_t n = pop3_drop_live(s->drop, &octets);

	pop3_ok(s, "%u %llu", n, (unsigned long long)octets);
}

/* One LIST or UIDL line for message n (1-based). */
static int
pop3_list_line(struct pop3_session *s, uint32_t n, char *buf, size_t cap)
{
	const struct pop3_msg *m = &s->drop->msgs[n - 1];
	char uidl[POP3_UIDL_LEN + 1];

	if (!s->list_uidl)
		return snprintf(buf, cap, "%u %llu\r\n", n,
		    (unsigned long long)m->size);
	pop3_uidl_format(uidl, sizeof(uidl), s->drop->uidvalidity, m->uid);
	return snprintf(buf, cap, "%u %s\r\n", n, uidl);
}

/*
 * The multi-line listing, resumed on DRAINED; true when done.  Lines are
 * gathered into POP3_LIST_BATCH octets per gd_conn_write(): line by line,
 * the queue is made of the core's smallest chunks, and a listing of a
 * thousand messages then left in two or more sends, the later ones held
 * by Nagle until the client's delayed ACK (~40 ms a LIST on loopback,
 * scripts/bench-pop3).
 */
static bool
pop3_list_produce(struct pop3_session *s)
{
	size_t low = gd_conn_write_low_water(s->conn), used = 0;
	struct pop3_drop *d = s->drop;
	char batch[POP3_LIST_BATCH];
	bool done = false;

	while (gd_conn_write_pending(s->conn) + used <= low) {
		if (s->list_next > d->count) {
			memcpy(batch + used, ".\r\n", 3);
			used += 3;
			done = true;
			break;
		}
		if (!d->msgs[s->list_next - 1].deleted)
			used += (size_t)pop3_list_line(s, s->list_next,
			    batch + used, sizeof(batch) - used);
		s->list_next++;
		if (sizeof(batch) - used < POP3_LIST_LINE_MAX) {
			gd_conn_write(s->conn, batch, used);
			used = 0;
		}
	}
	if (used > 0)
		gd_conn_write(s->conn, batch, used);
	return done;
}

void
pop3_cmd_list(struct pop3_session *s, const struct pop3_cmd *cmd, bool uidl)
{
	char line[64];
	uint64_t octets;
	uint32_t n;
	int len;

	s->list_uidl = uidl;
	if (cmd->has_msg) {
		if (pop3_msg_get(s, cmd->msg) == NULL) {
			pop3_refusal(s, POP3_REFUSE_NO_SUCH_MESSAGE);
			return;
		}
		len = pop3_list_line(s, cmd->msg, line, sizeof(line));
		/* "+OK n size" / "+OK n uidl" without the CRLF. */
		pop3_ok(s, "%.*s", len - 2, line);
		return;
	}
	n = pop3_drop_live(s->drop, &octets);
	if (uidl)
		pop3_ok(s, "Unique-ID listing follows");
	else
		pop3_ok(s, "%u messages (%llu octets)", n,
		    (unsigned long long)octets);
	s->list_next = 1;
	s->produce = pop3_list_produce;
	pop3_produce(s);
}

void
pop3_cmd_dele(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	struct pop3_drop *d = s->drop;

	if (cmd->msg >= 1 && cmd->msg <= d->count &&
	    d->msgs[cmd->msg - 1].deleted) {
		pop3_refusal(s, POP3_REFUSE_DELETED);
		return;
	}
	if (pop3_msg_get(s, cmd->msg) == NULL) {
		pop3_refusal(s, POP3_REFUSE_NO_SUCH_MESSAGE);
		return;
	}
	d->msgs[cmd->msg - 1].deleted = true;
	pop3_ok(s, "Message %u deleted", cmd->msg);
}

void
pop3_cmd_rset(struct pop3_session *s)
{
	struct pop3_drop *d = s->drop;
	uint64_t octets;
	uint32_t i, n;

	for (i = 0; i < d->count; i++)
		d->msgs[i].deleted = false;
	n = pop3_drop_live(d, &octets);
	pop3_ok(s, "Maildrop has %u messages (%llu octets)", n,
	    (unsigned long long)octets);
}
