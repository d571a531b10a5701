/* echo.c — being written. */
#include "config.h"
