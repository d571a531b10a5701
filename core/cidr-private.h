/*
 * cidr-private.h — IPv4/IPv6 network prefixes for allow/deny lists.
 *
 * The functions are public since ABI 1.2: see gumdrop/cidr.h.
 */
#ifndef GD_CIDR_PRIVATE_H
#define GD_CIDR_PRIVATE_H

#include <gumdrop/cidr.h>

#endif /* GD_CIDR_PRIVATE_H */
