/* gumdrop/hooks.h — placeholder being written; see the owning helper. */
#ifndef GUMDROP_HOOKS_H
#define GUMDROP_HOOKS_H
#include <gumdrop/common.h>
#endif
