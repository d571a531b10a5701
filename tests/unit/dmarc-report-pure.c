/*
 * dmarc-report-pure.c — the aggregate report builder of modules/dmarc
 * (dmarc-report.h) compiled into a test or fuzz program.  Needs zlib,
 * jansson and GnuTLS.
 */
#include "../../modules/dmarc/dmarc-report-rec.c"
#include "../../modules/dmarc/dmarc-report-xml.c"
#include "../../modules/dmarc/dmarc-report-file.c"
#include "../../modules/dmarc/dmarc-report.c"
#include "../../modules/dmarc/dmarc-failure.c"
