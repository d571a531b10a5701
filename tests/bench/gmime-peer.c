/*
 * gmime-peer.c — the GMime 3 side of scripts/bench-parser: parse the
 * corpus written by bench-msg-parser --corpus (each message preceded by
 * its length, 8 bytes little-endian) with g_mime_parser_construct_message
 * and print "mbps=N".  Not built by make: the script compiles it with
 * pkg-config gmime-3.0.
 *
 *   gmime-peer CORPUS [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#define PEER_MAX_MESSAGES	10000
#define PEER_MAX_ROUNDS		50

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
load(const char *path, GMimeStream **streams, size_t *total_r)
{
	FILE *f = fopen(path, "rb");
	unsigned char len[8];
	size_t n = 0, l, k;
	char *buf;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	*total_r = 0;
	while (n < PEER_MAX_MESSAGES && fread(len, 1, 8, f) == 8) {
		for (l = 0, k = 0; k < 8; k++)
			l |= (size_t)len[k] << (8 * k);
		buf = malloc(l);
		if (buf == NULL || fread(buf, 1, l, f) != l)
			abort();
		streams[n++] = g_mime_stream_mem_new_with_buffer(buf, l);
		free(buf);
		*total_r += l;
	}
	fclose(f);
	return n;
}

static unsigned
parse_one(GMimeStream *stream)
{
	GMimeParser *parser;
	GMimeMessage *msg;

	g_mime_stream_reset(stream);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	if (msg == NULL)
		abort();
	g_object_unref(msg);
	g_object_unref(parser);
	return 1;
}

int
main(int argc, char **argv)
{
	static GMimeStream *streams[PEER_MAX_MESSAGES];
	double seconds = argc > 2 ? atof(argv[2]) : 3.0, t0, el = 0.0;
	size_t n, i, total, rounds = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: gmime-peer CORPUS [SECONDS]\n");
		return 2;
	}
	g_mime_init();
	n = load(argv[1], streams, &total);
	t0 = now_s();
	while (rounds < PEER_MAX_ROUNDS && (rounds == 0 || el < seconds)) {
		for (i = 0; i < n; i++)
			parse_one(streams[i]);
		rounds++;
		el = now_s() - t0;
	}
	printf("gmime %d.%d.%d: %zu messages, %.1f MB, %zu rounds, %.2f s\n",
	    gmime_major_version, gmime_minor_version, gmime_micro_version, n,
	    (double)total / 1e6, rounds, el);
	printf("mbps=%.1f\n", (double)total * (double)rounds / 1e6 / el);
	for (i = 0; i < n; i++)
		g_object_unref(streams[i]);
	g_mime_shutdown();
	return 0;
}
