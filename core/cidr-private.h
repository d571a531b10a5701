/* cidr-private.h — being written. */
#pragma once
