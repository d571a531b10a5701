/*
 * test-log.c — log lines on stderr: their shape, and a thread's held
 * lines (log-private.h) written together when flushed, when the buffer
 * fills, or at once for an error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/log.h>

#include "../core/log-private.h"

static int saved_stderr = -1;
static FILE *log_file;		/* stderr's target: an unnamed file */

/* stderr goes to a fresh anonymous temporary file. */
static void
log_setup(void)
{
	log_file = tmpfile();
	cr_assert_not_null(log_file);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(log_file), STDERR_FILENO);
	gd_log_open(GD_LOG_INFO, GD_LOG_TARGET_STDERR, NULL, 0);
}

static void
log_teardown(void)
{
	gd_log_hold_stop();
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fclose(log_file);
}

/* How many lines the file has, and whether one contains `needle`. */
static unsigned
log_lines(const char *needle, bool *found)
{
	char buf[65536];
	ssize_t n = pread(fileno(log_file), buf, sizeof(buf) - 1, 0);
	unsigned lines = 0;

	cr_assert_geq(n, 0);
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	if (found != NULL)
		*found = needle != NULL && strstr(buf, needle) != NULL;
	return lines;
}

TestSuite(log, .init = log_setup, .fini = log_teardown, .timeout = 10);

Test(log, basic_line_shape_and_newlines)
{
	bool found;

	gd_log(GD_LOG_INFO, "test.one", "a=1 b=\"two\nthree\"");
	gd_log(GD_LOG_DEBUG, "test.dropped", NULL);
	cr_assert_eq(log_lines("level=info event=test.one a=1 b=\"two three\"",
	    &found), 1);
	cr_assert(found);
}

Test(log, basic_held_lines_wait_for_the_flush)
{
	bool found;

	gd_log_hold_start();
	gd_log(GD_LOG_INFO, "test.held", "n=1");
	gd_log(GD_LOG_NOTICE, "test.held", "n=2");
	cr_assert_eq(log_lines(NULL, NULL), 0);
	gd_log_hold_flush();
	cr_assert_eq(log_lines("event=test.held n=2", &found), 2);
	cr_assert(found);
	gd_log_hold_flush();
	cr_assert_eq(log_lines(NULL, NULL), 2);
}

Test(log, basic_an_error_is_written_at_once_after_held_lines)
{
	bool found;

	gd_log_hold_start();
	gd_log(GD_LOG_INFO, "test.before", NULL);
	gd_log(GD_LOG_ERROR, "test.error", NULL);
	cr_assert_eq(log_lines("event=test.before\n", &found), 2);
	cr_assert(found);
	cr_assert_eq(log_lines("event=test.error\n", &found), 2);
	cr_assert(found);
}

Test(log, basic_a_full_buffer_is_written)
{
	char pad[300];
	unsigned i, n;

	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	gd_log_hold_start();
	/* ~360 bytes a line: the 4 KiB buffer holds 11 of them. */
	for (i = 0; i < 13; i++)
		gd_log(GD_LOG_INFO, "test.fill", "pad=%s", pad);
	n = log_lines(NULL, NULL);
	cr_assert(n >= 8 && n <= 12, "%u lines written", n);
	gd_log_hold_stop();
	cr_assert_eq(log_lines(NULL, NULL), 13);
	gd_log(GD_LOG_INFO, "test.direct", NULL);
	cr_assert_eq(log_lines(NULL, NULL), 14);
}
