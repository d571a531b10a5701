/* tls-private.h — being written. */
#pragma once
