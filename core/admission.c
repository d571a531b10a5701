/* admission.c — being written. */
#include "config.h"
