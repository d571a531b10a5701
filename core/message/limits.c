/*
 * limits.c — the parser's default bounds.
 */
#include "config.h"

#include <gumdrop/message.h>

void
gd_msg_limits_default(struct gd_msg_limits *limits)
{
	limits->max_header_size = 256 * 1024;
	limits->max_header_fields = 1000;
	limits->max_depth = 32;
	limits->max_parts = 2000;
}
