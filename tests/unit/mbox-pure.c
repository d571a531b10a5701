/*
 * mbox-pure.c — the mbox module's pure code (line rules, scanner,
 * filter and writer, sidecar encoding) compiled into a test or fuzz
 * program, which cannot reach the hidden copies inside mbox.so.
 */
#include "../../modules/mbox/mbox-line.c"
#include "../../modules/mbox/mbox-parse.c"
#include "../../modules/mbox/mbox-filter.c"
#include "../../modules/mbox/mbox-state.c"
#include "../../modules/mbox/mbox-io.c"
#include "../../modules/mbox/mbox-journal.c"
