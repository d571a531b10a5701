/* module.c — being written. */
#include "config.h"
