/*
 * dmarc-psl.c — RFC 7489 3.2: the organizational domain through the
 * public suffix list (libpsl: the newest of the system's and the
 * built-in list).  The list is process-wide read-only data, loaded at
 * the first use and freed by dmarc_psl_release() (module fini).
 */
#include <pthread.h>

#include <libpsl.h>

#include "dmarc-engine.h"

static pthread_mutex_t dmarc_psl_lock = PTHREAD_MUTEX_INITIALIZER;
static psl_ctx_t *dmarc_psl_ctx;
static bool dmarc_psl_tried;

static const psl_ctx_t *
dmarc_psl_get(void)
{
	const psl_ctx_t *ctx;

	pthread_mutex_lock(&dmarc_psl_lock);
	if (!dmarc_psl_tried) {
		dmarc_psl_tried = true;
		dmarc_psl_ctx = psl_latest(NULL);
	}
	ctx = dmarc_psl_ctx != NULL ? dmarc_psl_ctx : psl_builtin();
	pthread_mutex_unlock(&dmarc_psl_lock);
	return ctx;
}

const char *
dmarc_psl_org(const char *domain)
{
	const psl_ctx_t *ctx = dmarc_psl_get();
	const char *reg;

	if (ctx == NULL)
		return domain;
	reg = psl_registrable_domain(ctx, domain);
	return reg != NULL ? reg : domain;
}

void
dmarc_psl_release(void)
{
	pthread_mutex_lock(&dmarc_psl_lock);
	psl_free(dmarc_psl_ctx);
	dmarc_psl_ctx = NULL;
	dmarc_psl_tried = false;
	pthread_mutex_unlock(&dmarc_psl_lock);
}
