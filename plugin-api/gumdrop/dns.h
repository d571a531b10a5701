/* gumdrop/dns.h — placeholder being written; see the owning helper. */
#ifndef GUMDROP_DNS_H
#define GUMDROP_DNS_H
#include <gumdrop/common.h>
#endif
