/*
 * local-delivery-pure.c — the local-delivery module's pure code (its
 * configuration, address resolution and header filter) compiled into a
 * test program,
 * which cannot reach the hidden copies inside local-delivery.so.
 */
#include "../../modules/local-delivery/ld-config.c"
#include "../../modules/local-delivery/ld-resolve.c"
#include "../../modules/local-delivery/ld-filter.c"
