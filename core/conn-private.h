/* conn-private.h — being written. */
#pragma once
