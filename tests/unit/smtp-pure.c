/*
 * smtp-pure.c — the pure protocol code of modules/smtp (smtp-parse.h)
 * compiled into a test or fuzz program, which cannot reach the hidden
 * copies inside smtp.so.  Link with $(LIBIDN2_LIBS) and the core (for
 * gd_msg_date_format).
 */
#include "../../modules/smtp/smtp-reply.c"
#include "../../modules/smtp/smtp-xtext.c"
#include "../../modules/smtp/smtp-cmd.c"
#include "../../modules/smtp/smtp-domain.c"
#include "../../modules/smtp/smtp-path.c"
#include "../../modules/smtp/smtp-param.c"
#include "../../modules/smtp/smtp-param-rcpt.c"
#include "../../modules/smtp/smtp-datetime.c"
#include "../../modules/smtp/smtp-data.c"
#include "../../modules/smtp/smtp-bdat.c"
#include "../../modules/smtp/smtp-received.c"
#include "../../modules/smtp/smtp-xclient.c"
#include "../../modules/smtp/smtp-field.c"
