/* listener-private.h — being written. */
#pragma once
