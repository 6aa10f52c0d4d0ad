/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* core/audit: status names shared by jcs, merkle and note. */
#include "core/audit/audit.h"

const char *audit_status_str(int status)
{
    switch (status) {
    case AUDIT_OK:
        return "ok";
    case AUDIT_EINVAL:
        return "invalid argument";
    case AUDIT_ENOMEM:
        return "out of memory";
    case AUDIT_ENOSPC:
        return "output buffer too small";
    case AUDIT_ESTORE:
        return "storage read failed";
    case AUDIT_ESYNTAX:
        return "syntax error";
    case AUDIT_EDEPTH:
        return "nesting too deep";
    case AUDIT_EDUPKEY:
        return "duplicate object key";
    case AUDIT_EUTF8:
        return "invalid UTF-8";
    case AUDIT_ENUMBER:
        return "number out of range";
    case AUDIT_EORDER:
        return "object keys out of canonical order";
    case AUDIT_ENOKEY:
        return "no signature by the expected key";
    case AUDIT_EVERIFY:
        return "verification failed";
    default:
        return "unknown error";
    }
}
