/*
 * echo.h — what echo.c and echo-auth.c share inside the module (nothing
 * here is exported: the descriptor stays the only exported symbol).
 */
#ifndef ECHO_H
#define ECHO_H

#include <gumdrop/gumdrop.h>

struct echo_session {
	struct gd_conn *conn;
	struct gd_pool *cmd_pool;	/* per line: copy + hook replies */
	struct gd_hook_call *call;	/* non-NULL while a chain pends */
	const char *line;
	size_t len;
	/* Authentication (echo-auth.c). */
	struct gd_sasl *sasl;		/* non-NULL during an exchange */
	bool sasl_waiting;		/* challenge sent: next line answers */
	const char *user;		/* once authenticated (conn pool) */
};

/* echo-auth.c: AUTH [mech [initial-response]], CAPA; a line while an
 * exchange waits for the client's response; closing. */
void echo_auth_command(struct echo_session *s, const char *args);
void echo_capa(struct echo_session *s);
void echo_auth_response(struct echo_session *s, const char *line,
    size_t len);
void echo_auth_close(struct echo_session *s);

#endif /* ECHO_H */
