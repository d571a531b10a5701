/* dns.c — being written. */
#include "config.h"
