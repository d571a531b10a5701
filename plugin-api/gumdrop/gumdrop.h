/*
 * gumdrop/gumdrop.h — the whole plugin API in one include.
 */
#ifndef GUMDROP_GUMDROP_H
#define GUMDROP_GUMDROP_H

#include <gumdrop/common.h>
#include <gumdrop/log.h>
#include <gumdrop/pool.h>
#include <gumdrop/config.h>
#include <gumdrop/loop.h>
#include <gumdrop/module.h>
#include <gumdrop/hooks.h>
#include <gumdrop/service.h>
#include <gumdrop/conn.h>
#include <gumdrop/tls.h>
#include <gumdrop/dns.h>
#include <gumdrop/message.h>
#include <gumdrop/msg-codec.h>
#include <gumdrop/msg-address.h>
#include <gumdrop/msg-date.h>
#include <gumdrop/watch.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/mail-search.h>
#include <gumdrop/mail-deliver.h>
#include <gumdrop/realm.h>
#include <gumdrop/sasl.h>
#include <gumdrop/cidr.h>

#endif /* GUMDROP_GUMDROP_H */
