/* work.c — being written. */
#include "config.h"
