/* service.c — being written. */
#include "config.h"
