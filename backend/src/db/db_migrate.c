/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_migrate.c — schema migrations: sql/NNN_name.sql applied in order,
 * each in its own transaction together with its schema_migrations row, so a
 * failing file leaves no trace and can be fixed and re-run. Concurrent
 * migrators (two pnyxd starting at once) serialise on an advisory lock.
 * Files must not contain BEGIN/COMMIT themselves.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db/db.h"
#include "db/db_int.h"
#include "platform/log.h"

/* Why 16 MiB: migrations are hand-written DDL (a few KiB); anything larger
 * is a mistake (a data dump in sql/), refused before reading it. */
#define MIGRATION_MAX_BYTES (16u * 1024u * 1024u)
/* Arbitrary constant identifying pnyx's migration lock ("pnyx" in ASCII). */
#define MIGRATION_LOCK "1886288248"
/* Why 1000: NNN is three digits. */
#define MIGRATION_MAX_FILES 1000

struct mfile {
    char name[256]; /* "001_accounts.sql" */
};

/* NNN_name.sql with name of [A-Za-z0-9_-]+. */
static int valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len < 9 || len >= sizeof(((struct mfile *)0)->name))
        return 0;
    for (int i = 0; i < 3; i++) {
        if (n[i] < '0' || n[i] > '9')
            return 0;
    }
    if (n[3] != '_' || strcmp(n + len - 4, ".sql") != 0)
        return 0;
    for (size_t i = 4; i < len - 4; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int cmp_mfile(const void *a, const void *b)
{
    return strcmp(((const struct mfile *)a)->name, ((const struct mfile *)b)->name);
}

/* Lists migration files sorted; returns count or -1 (logged). Caller frees *out. */
static int list_files(const char *dir, struct mfile **out)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_error("cannot open migrations directory %s", dir);
        return -1;
    }
    struct mfile *v = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!valid_name(e->d_name))
            continue;
        if (n == MIGRATION_MAX_FILES)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = pnyx_xrealloc(v, (size_t)cap * sizeof(*v));
        }
        snprintf(v[n].name, sizeof v[n].name, "%s", e->d_name);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(v, (size_t)n, sizeof(*v), cmp_mfile);
    *out = v;
    return n;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (size_t)st.st_size > MIGRATION_MAX_BYTES) {
        fclose(f);
        return NULL;
    }
    char *buf = pnyx_xmalloc((size_t)st.st_size + 1);
    size_t got = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

static const char *version_of(struct arena *a, const char *file)
{
    return arena_strndup(a, file, strlen(file) - 4); /* drop ".sql" */
}

/* Is `version` recorded? 1 yes, 0 no, -1 error (status in *st). */
static int applied(struct db_conn *c, struct arena *a, const char *version, enum db_status *st)
{
    const char *p[] = {version};
    struct db_result r;
    *st = db_query(c, a, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, &r);
    if (*st != DB_OK)
        return -1;
    return r.nrows > 0;
}

static enum db_status table_exists(struct db_conn *c, struct arena *a, bool *exists)
{
    struct db_result r;
    enum db_status st =
        db_query(c, a, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, &r);
    if (st == DB_OK)
        st = db_get_bool(&r, 0, 0, exists) == 0 ? DB_OK : DB_HARD_ERROR;
    return st;
}

enum db_status db_migrate_pending(struct db_conn *c, const char *sql_dir, int *pending)
{
    struct mfile *files = NULL;
    int n = list_files(sql_dir, &files);
    if (n < 0)
        return DB_HARD_ERROR;
    struct arena *a = arena_new();
    bool exists = false;
    enum db_status st = table_exists(c, a, &exists);
    *pending = 0;
    for (int i = 0; st == DB_OK && i < n; i++) {
        if (!exists) {
            (*pending)++;
            continue;
        }
        int r = applied(c, a, version_of(a, files[i].name), &st);
        if (r == 0)
            (*pending)++;
    }
    arena_free(a);
    free(files);
    return st;
}

static enum db_status apply_one(struct db_conn *c, struct arena *a, const char *dir,
                                const char *file, bool *did)
{
    *did = false;
    char *path = arena_printf(a, "%s/%s", dir, file);
    char *sql = read_file(path);
    if (!sql) {
        log_error("cannot read migration %s (missing or larger than %u bytes)", path,
                  MIGRATION_MAX_BYTES);
        return DB_HARD_ERROR;
    }
    const char *version = version_of(a, file);
    enum db_status st = db_exec_script(c, "BEGIN", "migrate begin");
    if (st != DB_OK)
        goto out;
    st = db_exec_script(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", "migrate lock");
    if (st != DB_OK)
        goto rollback;
    int r = applied(c, a, version, &st);
    if (r < 0)
        goto rollback;
    if (r == 1) { /* another process applied it meanwhile */
        st = db_exec_script(c, "COMMIT", "migrate commit");
        goto out;
    }
    st = db_exec_script(c, sql, file);
    if (st != DB_OK)
        goto rollback;
    const char *p[] = {version};
    st = db_query(c, a, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p, NULL);
    if (st != DB_OK)
        goto rollback;
    st = db_exec_script(c, "COMMIT", "migrate commit");
    if (st == DB_OK) {
        *did = true;
        log_info("migration %s applied", file);
    }
    goto out;
rollback:
    log_error("migration %s failed (%s); rolled back", file, db_status_name(st));
    if (db_exec_script(c, "ROLLBACK", "migrate rollback") != DB_OK)
        log_warn("rollback of %s failed", file);
out:
    free(sql);
    return st;
}

enum db_status db_migrate_apply(struct db_conn *c, const char *sql_dir, int *applied_count)
{
    struct mfile *files = NULL;
    int count = 0;
    if (applied_count)
        *applied_count = 0;
    int n = list_files(sql_dir, &files);
    if (n < 0)
        return DB_HARD_ERROR;
    struct arena *a = arena_new();
    /* The bookkeeping table is created under the same lock, so two
     * migrators cannot race on CREATE TABLE. */
    enum db_status st = db_exec_script(c,
                                       "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK "); "
                                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version text PRIMARY KEY,"
                                       " applied_at timestamptz NOT NULL DEFAULT now()); COMMIT",
                                       "schema_migrations");
    for (int i = 0; st == DB_OK && i < n; i++) {
        bool did = false;
        int r = applied(c, a, version_of(a, files[i].name), &st);
        if (r != 0)
            continue;
        st = apply_one(c, a, sql_dir, files[i].name, &did);
        count += did;
    }
    if (applied_count)
        *applied_count = count;
    arena_free(a);
    free(files);
    return st;
}
