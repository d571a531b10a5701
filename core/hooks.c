/* hooks.c — being written. */
#include "config.h"
