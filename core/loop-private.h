/* loop-private.h — being written. */
#pragma once
