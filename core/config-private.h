/* config-private.h — being written. */
#pragma once
