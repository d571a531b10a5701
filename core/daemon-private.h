/* daemon-private.h — being written. */
#pragma once
