/* cidr.c — being written. */
#include "config.h"
