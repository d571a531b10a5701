/*
 * log-private.h — holding a thread's log lines to write them together.
 *
 * A worker loop logs several lines per message (the session, SPF, DKIM,
 * DMARC, the delivery); one write(2) and one lock per line is a large
 * part of what a line costs.  A loop thread holds its lines instead and
 * writes them in one call before it waits for events, so they reach the
 * log within the loop iteration that made them, in the order it made
 * them.  Error and fatal lines are never held.  Threads that do not hold
 * (the main thread, the blocking-work pool) write each line at once.
 */
#ifndef GD_LOG_PRIVATE_H
#define GD_LOG_PRIVATE_H

/* Hold the calling thread's stderr lines from now on (no-op if held). */
void gd_log_hold_start(void);

/* Write the calling thread's held lines, if any; they stay held after. */
void gd_log_hold_flush(void);

/* Write the held lines and go back to writing each line at once. */
void gd_log_hold_stop(void);

#endif
