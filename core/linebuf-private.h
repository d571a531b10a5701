/* linebuf-private.h — being written. */
#pragma once
