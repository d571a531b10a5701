/* admission-private.h — being written. */
#pragma once
