/*
 * dmarc-pure.c — the pure engine of modules/dmarc (dmarc-engine.h)
 * compiled into a test or fuzz program.  Needs libpsl.
 */
#include "../../modules/dmarc/dmarc-names.c"
#include "../../modules/dmarc/dmarc-record.c"
#include "../../modules/dmarc/dmarc-domain.c"
#include "../../modules/dmarc/dmarc-walk.c"
#include "../../modules/dmarc/dmarc-psl.c"
#include "../../modules/dmarc/dmarc-policy.c"
#include "../../modules/dmarc/dmarc-authors.c"
#include "../../modules/dmarc/dmarc-eval.c"
#include "../../modules/dmarc/dmarc-ar.c"
