/* gumdrop/service.h — placeholder being written; see the owning helper. */
#ifndef GUMDROP_SERVICE_H
#define GUMDROP_SERVICE_H
#include <gumdrop/common.h>
#endif
