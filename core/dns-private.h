/* dns-private.h — being written. */
#pragma once
