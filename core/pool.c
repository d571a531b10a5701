/* pool.c — being written. */
#include "config.h"
