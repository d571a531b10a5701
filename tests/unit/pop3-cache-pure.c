/*
 * pop3-cache-pure.c — modules/pop3/pop3-cache.c (the size cache and the
 * LOGIN-DELAY memory: memory, a mutex and gd_xmalloc only), built into
 * tests/unit/test-pop3-cache.
 */
#include "../../modules/pop3/pop3-cache.c"
