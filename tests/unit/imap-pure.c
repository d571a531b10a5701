/*
 * imap-pure.c — the pure protocol code of modules/imap (imap-parse.h)
 * compiled into a test or fuzz program.  It needs gd_pool_* and
 * gd_search_day() from libgumdrop-core.
 */
#include "../../modules/imap/imap-reply.c"
#include "../../modules/imap/imap-cmd.c"
#include "../../modules/imap/imap-reader.c"
#include "../../modules/imap/imap-token.c"
#include "../../modules/imap/imap-mutf7.c"
#include "../../modules/imap/imap-date.c"
#include "../../modules/imap/imap-seqset.c"
#include "../../modules/imap/imap-flags.c"
#include "../../modules/imap/imap-fetch.c"
#include "../../modules/imap/imap-search.c"
#include "../../modules/imap/imap-args.c"
