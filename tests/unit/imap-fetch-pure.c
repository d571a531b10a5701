/*
 * imap-fetch-pure.c — the FETCH response code of modules/imap
 * (imap-fetch-resp.h) compiled into a test, fuzz or driver program,
 * alongside imap-pure.c.  It needs libgumdrop-core (pools, the message
 * library, gd_mail_content_* for the content source).
 */
#include "../../modules/imap/imap-fetch-src.c"
#include "../../modules/imap/imap-sbuf.c"
#include "../../modules/imap/imap-envelope.c"
#include "../../modules/imap/imap-bodystructure.c"
#include "../../modules/imap/imap-section.c"
#include "../../modules/imap/imap-hdrfilter.c"
#include "../../modules/imap/imap-fetch-stream.c"
