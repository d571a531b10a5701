/* tls.c — being written. */
#include "config.h"
