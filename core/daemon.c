/* daemon.c — being written. */
#include "config.h"
