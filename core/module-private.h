/* module-private.h — being written. */
#pragma once
