/*
 * pop3-pure.c — the pure protocol code of modules/pop3 (pop3-parse.h)
 * compiled into a test or fuzz program.  No library beyond libc.
 */
#include "../../modules/pop3/pop3-cmd.c"
#include "../../modules/pop3/pop3-reply.c"
#include "../../modules/pop3/pop3-stuff.c"
