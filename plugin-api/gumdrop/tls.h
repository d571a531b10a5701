/* gumdrop/tls.h — placeholder being written; see the owning helper. */
#ifndef GUMDROP_TLS_H
#define GUMDROP_TLS_H
#include <gumdrop/common.h>
#endif
