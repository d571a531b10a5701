/* hooks-private.h — being written. */
#pragma once
