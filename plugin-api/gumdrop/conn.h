/* gumdrop/conn.h — placeholder being written; see the owning helper. */
#ifndef GUMDROP_CONN_H
#define GUMDROP_CONN_H
#include <gumdrop/common.h>
#endif
