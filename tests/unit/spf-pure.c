/*
 * spf-pure.c — the pure SPF engine of modules/spf (spf-engine.h)
 * compiled into a test, the suite runner or a fuzz target.  libc only.
 */
#include "../../modules/spf/spf-record.c"
#include "../../modules/spf/spf-macro.c"
#include "../../modules/spf/spf-dns.c"
#include "../../modules/spf/spf-mech.c"
#include "../../modules/spf/spf-eval.c"
#include "../../modules/spf/spf-field.c"
