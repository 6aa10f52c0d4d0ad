/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/auth.h — session resolution for the dispatcher. The http layer calls
 * api_auth_resolve() for every route whose auth requirement is not
 * API_AUTH_NONE, after the body is read and before the handler runs.
 * (First version by F1: always anonymous; F2 owns auth.c from then on.)
 */
#ifndef PNYX_API_AUTH_H
#define PNYX_API_AUTH_H

#include "api/api.h"

/* Resolves the caller from `Authorization: Bearer <token>` or the session
 * cookie into rq->auth, enforcing `requirement` (enum api_auth) and CSRF
 * for cookie-authenticated state changes. Returns 0 to continue to the
 * handler, or -1 after writing a 401/403 (or 503 when the database is
 * unavailable) problem into *out. */
int api_auth_resolve(struct api_req *rq, int requirement, struct api_reply *out)
    PNYX_NONNULL(1, 3) PNYX_MUSTCHECK;

#endif /* PNYX_API_AUTH_H */
