/* loop.c — being written. */
#include "config.h"
