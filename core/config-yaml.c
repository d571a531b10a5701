/* config-yaml.c — being written. */
#include "config.h"
