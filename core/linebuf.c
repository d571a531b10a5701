/* linebuf.c — being written. */
#include "config.h"
