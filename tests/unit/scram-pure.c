/*
 * scram-pure.c — the SCRAM exchange of modules/sasl-scram compiled into a
 * test or fuzz program, which cannot reach the hidden copies inside
 * sasl-scram.so.  The program drives scram_server_step() with its own
 * struct scram_env: a fixed server nonce (the RFC vectors), a fake realm.
 */
#include "../../modules/sasl-scram/scram-parse.c"
#include "../../modules/sasl-scram/scram-crypto.c"
#include "../../modules/sasl-scram/scram-server.c"
