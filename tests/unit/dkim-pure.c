/*
 * dkim-pure.c — the dkim module's engine (dkim-engine.h) compiled into a
 * test or fuzz program.  Needs GnuTLS and nettle, not the core.
 */
#include "../../modules/dkim/dkim-tags.c"
#include "../../modules/dkim/dkim-sig.c"
#include "../../modules/dkim/dkim-key.c"
#include "../../modules/dkim/dkim-canon.c"
#include "../../modules/dkim/dkim-header.c"
#include "../../modules/dkim/dkim-crypto.c"
#include "../../modules/dkim/dkim-keycache.c"
#include "../../modules/dkim/dkim-verify.c"
#include "../../modules/dkim/dkim-sign.c"
#include "../../modules/dkim/dkim-keygen.c"
