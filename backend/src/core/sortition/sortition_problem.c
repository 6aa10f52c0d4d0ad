/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_problem.c — the problem: reading the Sortition
 * Foundation's CSV files from memory (RFC 4180), the cheap validation, and
 * the small helpers of the contract (errors, names, options, Gini).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sortition.h"
#include "sortition_int.h"

void sortition_error_init(struct sortition_error *err)
{
    memset(err, 0, sizeof *err);
    err->row = -1;
}

void sortition_error_fini(struct sortition_error *err)
{
    free(err->relaxation);
    sortition_error_init(err);
}

int sortition_fail(struct sortition_error *err, int status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = (enum sortition_status)status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

double sortition_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *sortition_method_name(enum sortition_method m)
{
    switch (m) {
    case SORTITION_LEGACY:
        return "legacy";
    case SORTITION_MAXIMIN:
        return "maximin";
    case SORTITION_LEXIMIN:
        return "leximin";
    }
    return "?";
}

int sortition_method_parse(const char *name)
{
    if (strcmp(name, "legacy") == 0) {
        return SORTITION_LEGACY;
    }
    if (strcmp(name, "maximin") == 0) {
        return SORTITION_MAXIMIN;
    }
    if (strcmp(name, "leximin") == 0) {
        return SORTITION_LEXIMIN;
    }
    return -1;
}

void sortition_options_init(struct sortition_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = SORTITION_LEXIMIN;
    o->seed = 1;
    o->legacy_runs = 10000;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sortition_gini(const double *v, int n)
{
    /* Σ_i Σ_j |v_i − v_j| = 2 Σ_i (2i − n + 1) v_(i) over the sorted values. */
    if (n <= 0) {
        return 0.0;
    }
    double *s = malloc((size_t)n * sizeof *s);
    if (s == NULL) {
        return 0.0;
    }
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double num = 0.0, sum = 0.0;
    for (int i = 0; i < n; i++) {
        num += (2.0 * i - n + 1) * s[i];
        sum += s[i];
    }
    free(s);
    return sum > 0 ? (2.0 * num) / (2.0 * n * sum) : 0.0;
}

/* ------------------------------------------------------------------------ */
/* RFC 4180 from memory.                                                     */

struct csv {
    int nrows;
    int cap;
    struct csv_row {
        int nfields;
        char **f;
        long line; /* 1-based line where the row starts */
    } * rows;
};

static void csv_free(struct csv *c)
{
    for (int r = 0; r < c->nrows; r++) {
        for (int j = 0; j < c->rows[r].nfields; j++) {
            free(c->rows[r].f[j]);
        }
        free(c->rows[r].f);
    }
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* Trim surrounding blanks of s in place. */
static void trim(char *s)
{
    size_t len = strlen(s), a = 0;
    while (a < len && isspace((unsigned char)s[a])) {
        a++;
    }
    while (len > a && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    memmove(s, s + a, len - a);
    s[len - a] = '\0';
}

static int csv_parse(const char *buf, size_t len, const char *file, struct csv *c,
                     struct sortition_error *err)
{
    size_t i = 0;
    long line = 1;
    memset(c, 0, sizeof *c);
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        i = 3;
    }
    char *cell = NULL;
    size_t clen = 0, ccap = 0;
    struct csv_row row = {0, NULL, line};
    int fcap = 0;
    bool row_open = false;
    while (i <= len) {
        /* One field starting at i. */
        bool quoted = false;
        clen = 0;
        if (i < len && buf[i] == '"') {
            quoted = true;
            i++;
        }
        for (;;) {
            if (i >= len) {
                if (quoted) {
                    free(cell);
                    for (int j = 0; j < row.nfields; j++) {
                        free(row.f[j]);
                    }
                    free(row.f);
                    csv_free(c);
                    snprintf(err->file, sizeof err->file, "%s", file);
                    err->row = line;
                    return sortition_fail(err, SORTITION_EINVAL,
                                          "%s.csv line %ld: a quoted cell is not closed", file,
                                          line);
                }
                break;
            }
            char ch = buf[i];
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < len && buf[i + 1] == '"') {
                        i += 2;
                        ch = '"';
                    } else {
                        quoted = false;
                        i++;
                        continue;
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    i++;
                }
            } else {
                if (ch == ',' || ch == '\n' || ch == '\r') {
                    break;
                }
                i++;
            }
            if (clen + 2 > ccap) {
                ccap = ccap ? 2 * ccap : 64;
                char *nc = realloc(cell, ccap);
                if (nc == NULL) {
                    goto nomem;
                }
                cell = nc;
            }
            cell[clen++] = ch;
        }
        char *field = malloc(clen + 1);
        if (field == NULL) {
            goto nomem;
        }
        if (clen) {
            memcpy(field, cell, clen);
        }
        field[clen] = '\0';
        trim(field);
        if (row.nfields == fcap) {
            fcap = fcap ? 2 * fcap : 8;
            char **nf = realloc(row.f, (size_t)fcap * sizeof *nf);
            if (nf == NULL) {
                free(field);
                goto nomem;
            }
            row.f = nf;
        }
        row.f[row.nfields++] = field;
        row_open = true;
        bool end_row = true;
        if (i < len && buf[i] == ',') {
            i++;
            end_row = false;
        } else if (i < len && buf[i] == '\r') {
            i++;
            if (i < len && buf[i] == '\n') {
                i++;
            }
        } else if (i < len && buf[i] == '\n') {
            i++;
        } else {
            i = len + 1; /* end of input */
        }
        if (end_row) {
            /* A blank line (one empty field) is skipped. */
            bool blank = row.nfields == 1 && row.f[0][0] == '\0';
            if (blank) {
                free(row.f[0]);
                row.nfields = 0;
            } else {
                if (c->nrows == c->cap) {
                    int ncap = c->cap ? 2 * c->cap : 64;
                    struct csv_row *nr = realloc(c->rows, (size_t)ncap * sizeof *nr);
                    if (nr == NULL) {
                        goto nomem;
                    }
                    c->rows = nr;
                    c->cap = ncap;
                }
                c->rows[c->nrows++] = row;
                row.f = NULL;
                row.nfields = 0;
                fcap = 0;
            }
            line++;
            row.line = line;
            row_open = false;
        }
    }
    (void)row_open;
    for (int j = 0; j < row.nfields; j++) {
        free(row.f[j]);
    }
    free(row.f);
    free(cell);
    return SORTITION_OK;
nomem:
    for (int j = 0; j < row.nfields; j++) {
        free(row.f[j]);
    }
    free(row.f);
    free(cell);
    csv_free(c);
    return sortition_fail(err, SORTITION_ENOMEM, "out of memory reading %s.csv", file);
}

/* ------------------------------------------------------------------------ */
/* The problem.                                                              */

void sortition_problem_free(struct sortition_problem *p)
{
    if (p == NULL) {
        return;
    }
    for (int c = 0; c < p->ncategories; c++) {
        for (int f = 0; f < p->categories[c].nfeatures; f++) {
            free(p->categories[c].features[f].name);
        }
        free(p->categories[c].features);
        free(p->categories[c].name);
    }
    free(p->categories);
    free(p->value);
    free(p->household);
    free(p);
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > INT_MAX) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int cell_error(struct sortition_error *err, const char *file, long row, const char *column,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int cell_error(struct sortition_error *err, const char *file, long row, const char *column,
                      const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err->file, sizeof err->file, "%s", file);
    err->row = row;
    snprintf(err->column, sizeof err->column, "%s", column ? column : "");
    if (column != NULL && column[0] != '\0') {
        return sortition_fail(err, SORTITION_EINVAL, "%s.csv line %ld, column %s: %s", file, row,
                              column, what);
    }
    return sortition_fail(err, SORTITION_EINVAL, "%s.csv line %ld: %s", file, row, what);
}

static int find_category(const struct sortition_problem *p, const char *name)
{
    for (int c = 0; c < p->ncategories; c++) {
        if (strcmp(p->categories[c].name, name) == 0) {
            return c;
        }
    }
    return -1;
}

static int find_feature(const struct sortition_category *cat, const char *name)
{
    for (int f = 0; f < cat->nfeatures; f++) {
        if (strcmp(cat->features[f].name, name) == 0) {
            return f;
        }
    }
    return -1;
}

static int read_categories(struct sortition_problem *p, const struct csv *c,
                           struct sortition_error *err)
{
    if (c->nrows == 0) {
        return cell_error(err, "categories", 1, NULL,
                          "empty file (expected the header "
                          "category,feature,min,max)");
    }
    const struct csv_row *h = &c->rows[0];
    int col[4] = {-1, -1, -1, -1};
    static const char *const names[4] = {"category", "feature", "min", "max"};
    /* The replication spelling category,feature,min,max, or sortition-
       algorithms' feature,value,min,max. */
    bool has_category = false;
    for (int j = 0; j < h->nfields; j++) {
        has_category = has_category || strcmp(h->f[j], "category") == 0;
    }
    const char *want[4] = {"category", "feature", "min", "max"};
    if (!has_category) {
        want[0] = "feature";
        want[1] = "value";
    }
    for (int j = 0; j < h->nfields; j++) {
        for (int t = 0; t < 4; t++) {
            if (col[t] < 0 && strcmp(h->f[j], want[t]) == 0) {
                col[t] = j;
            }
        }
    }
    for (int t = 0; t < 4; t++) {
        if (col[t] < 0) {
            return cell_error(err, "categories", 1, NULL,
                              "the header needs the columns category,feature,min,max (no '%s')",
                              names[t]);
        }
    }
    for (int r = 1; r < c->nrows; r++) {
        const struct csv_row *row = &c->rows[r];
        for (int t = 0; t < 4; t++) {
            if (col[t] >= row->nfields) {
                return cell_error(err, "categories", row->line, names[t], "missing cell");
            }
        }
        const char *cname = row->f[col[0]], *fname = row->f[col[1]];
        int mn, mx;
        if (cname[0] == '\0') {
            return cell_error(err, "categories", row->line, "category", "empty category name");
        }
        if (fname[0] == '\0') {
            return cell_error(err, "categories", row->line, "feature", "empty feature name");
        }
        if (parse_int(row->f[col[2]], &mn) != 0) {
            return cell_error(err, "categories", row->line, "min",
                              "'%s' is not a non-negative integer", row->f[col[2]]);
        }
        if (parse_int(row->f[col[3]], &mx) != 0) {
            return cell_error(err, "categories", row->line, "max",
                              "'%s' is not a non-negative integer", row->f[col[3]]);
        }
        if (mn > mx) {
            return cell_error(err, "categories", row->line, "min",
                              "the minimum of %s:%s (%d) is above its maximum (%d)", cname, fname,
                              mn, mx);
        }
        int ci = find_category(p, cname);
        if (ci < 0) {
            struct sortition_category *nc =
                realloc(p->categories, (size_t)(p->ncategories + 1) * sizeof *nc);
            if (nc == NULL) {
                return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
            }
            p->categories = nc;
            ci = p->ncategories++;
            memset(&nc[ci], 0, sizeof nc[ci]);
            nc[ci].name = strdup(cname);
            if (nc[ci].name == NULL) {
                return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
            }
        }
        struct sortition_category *cat = &p->categories[ci];
        if (find_feature(cat, fname) >= 0) {
            return cell_error(err, "categories", row->line, "feature", "%s:%s is listed twice",
                              cname, fname);
        }
        struct sortition_feature *nf =
            realloc(cat->features, (size_t)(cat->nfeatures + 1) * sizeof *nf);
        if (nf == NULL) {
            return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        }
        cat->features = nf;
        struct sortition_feature *f = &nf[cat->nfeatures];
        memset(f, 0, sizeof *f);
        f->name = strdup(fname);
        if (f->name == NULL) {
            return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        }
        f->min = mn;
        f->max = mx;
        cat->nfeatures++;
    }
    if (p->ncategories == 0) {
        return cell_error(err, "categories", 1, NULL, "no quota rows");
    }
    return SORTITION_OK;
}

static int read_respondents(struct sortition_problem *p, const struct csv *c,
                            const char *household_column, struct sortition_error *err)
{
    if (c->nrows == 0) {
        return cell_error(err, "respondents", 1, NULL, "empty file (expected a header row)");
    }
    const struct csv_row *h = &c->rows[0];
    int *colof = malloc((size_t)p->ncategories * sizeof *colof);
    if (colof == NULL) {
        return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
    }
    int hcol = -1, rc = SORTITION_OK;
    for (int ci = 0; ci < p->ncategories; ci++) {
        colof[ci] = -1;
        for (int j = 0; j < h->nfields; j++) {
            if (strcmp(h->f[j], p->categories[ci].name) == 0) {
                colof[ci] = j;
                break;
            }
        }
        if (colof[ci] < 0) {
            rc = cell_error(err, "respondents", 1, p->categories[ci].name,
                            "no column for the category '%s' of categories.csv",
                            p->categories[ci].name);
            goto out;
        }
    }
    if (household_column != NULL) {
        for (int j = 0; j < h->nfields; j++) {
            if (strcmp(h->f[j], household_column) == 0) {
                hcol = j;
                break;
            }
        }
        if (hcol < 0) {
            rc = cell_error(err, "respondents", 1, household_column,
                            "no household column '%s' in the header", household_column);
            goto out;
        }
    }
    p->n = c->nrows - 1;
    if (p->n == 0) {
        rc = cell_error(err, "respondents", 1, NULL, "no respondents after the header");
        goto out;
    }
    p->value = malloc((size_t)p->n * (size_t)p->ncategories * sizeof *p->value);
    if (p->value == NULL) {
        rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < p->n; i++) {
        const struct csv_row *row = &c->rows[i + 1];
        if (row->nfields != h->nfields) {
            rc = cell_error(err, "respondents", row->line, NULL, "%d cells, the header has %d",
                            row->nfields, h->nfields);
            goto out;
        }
        for (int ci = 0; ci < p->ncategories; ci++) {
            const char *v = row->f[colof[ci]];
            int f = find_feature(&p->categories[ci], v);
            if (f < 0) {
                if (v[0] == '\0') {
                    rc = cell_error(err, "respondents", row->line, p->categories[ci].name,
                                    "empty value (respondent %d)", i);
                } else {
                    rc = cell_error(err, "respondents", row->line, p->categories[ci].name,
                                    "value '%s' is not a feature of category %s in "
                                    "categories.csv (respondent %d)",
                                    v, p->categories[ci].name, i);
                }
                goto out;
            }
            p->value[(size_t)i * (size_t)p->ncategories + (size_t)ci] = f;
        }
    }
    if (hcol >= 0) {
        /* Dense ids by first appearance: sort indices by key, then number. */
        p->household = malloc((size_t)p->n * sizeof *p->household);
        int *first = malloc((size_t)p->n * sizeof *first);
        if (p->household == NULL || first == NULL) {
            free(first);
            rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
            goto out;
        }
        /* Open addressing on the key strings. */
        size_t cap = 1;
        while (cap < (size_t)p->n * 2) {
            cap <<= 1;
        }
        int *tab = malloc(cap * sizeof *tab);
        if (tab == NULL) {
            free(first);
            rc = sortition_fail(err, SORTITION_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t t = 0; t < cap; t++) {
            tab[t] = -1;
        }
        int *size = first; /* reuse: members per provisional id */
        memset(size, 0, (size_t)p->n * sizeof *size);
        int next = 0;
        for (int i = 0; i < p->n; i++) {
            const char *key = c->rows[i + 1].f[hcol];
            if (key[0] == '\0') {
                p->household[i] = -1;
                continue;
            }
            uint64_t hsh = 1469598103934665603ULL;
            for (const unsigned char *q = (const unsigned char *)key; *q; q++) {
                hsh = (hsh ^ *q) * 1099511628211ULL;
            }
            size_t t = (size_t)hsh & (cap - 1);
            while (tab[t] >= 0 && strcmp(c->rows[tab[t] + 1].f[hcol], key) != 0) {
                t = (t + 1) & (cap - 1);
            }
            if (tab[t] < 0) {
                tab[t] = i;
                p->household[i] = next++;
            } else {
                p->household[i] = p->household[tab[t]];
            }
        }
        p->nhouseholds = next;
        free(tab);
        free(first);
    }
out:
    free(colof);
    return rc;
}

int sortition_problem_from_csv(const char *categories_csv, size_t categories_len,
                               const char *respondents_csv, size_t respondents_len,
                               const char *household_column, int k, struct sortition_problem **out,
                               struct sortition_error *err)
{
    struct csv cc = {0}, rc_ = {0};
    *out = NULL;
    struct sortition_problem *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sortition_fail(err, SORTITION_ENOMEM, "out of memory");
    }
    p->k = k;
    int rc = csv_parse(categories_csv, categories_len, "categories", &cc, err);
    if (rc == SORTITION_OK) {
        rc = read_categories(p, &cc, err);
    }
    if (rc == SORTITION_OK) {
        rc = csv_parse(respondents_csv, respondents_len, "respondents", &rc_, err);
    }
    if (rc == SORTITION_OK) {
        rc = read_respondents(p, &rc_, household_column, err);
    }
    csv_free(&cc);
    csv_free(&rc_);
    if (rc == SORTITION_OK) {
        rc = sortition_problem_validate(p, err);
    }
    if (rc != SORTITION_OK && rc != SORTITION_INFEASIBLE) {
        sortition_problem_free(p);
        return rc;
    }
    /* An infeasible quota table still yields the problem: the caller asks
       sortition_feasibility for the relaxation. */
    *out = p;
    return rc;
}

int sortition_problem_validate(struct sortition_problem *p, struct sortition_error *err)
{
    if (p->n < 1) {
        return sortition_fail(err, SORTITION_EINVAL, "the pool is empty");
    }
    if (p->k < 1 || p->k > p->n) {
        return sortition_fail(err, SORTITION_EINVAL,
                              "the panel size k = %d is outside 1..%d (the pool size)", p->k, p->n);
    }
    for (int c = 0; c < p->ncategories; c++) {
        for (int f = 0; f < p->categories[c].nfeatures; f++) {
            p->categories[c].features[f].pool = 0;
            if (p->categories[c].features[f].min > p->categories[c].features[f].max) {
                return sortition_fail(
                    err, SORTITION_EINVAL, "the minimum of %s:%s (%d) is above its maximum (%d)",
                    p->categories[c].name, p->categories[c].features[f].name,
                    p->categories[c].features[f].min, p->categories[c].features[f].max);
            }
        }
    }
    for (int i = 0; i < p->n; i++) {
        for (int c = 0; c < p->ncategories; c++) {
            int f = p->value[(size_t)i * (size_t)p->ncategories + (size_t)c];
            if (f < 0 || f >= p->categories[c].nfeatures) {
                return sortition_fail(err, SORTITION_EINVAL,
                                      "respondent %d has no valid value for category %s", i,
                                      p->categories[c].name);
            }
            p->categories[c].features[f].pool++;
        }
    }
    /* Quota sums and pool counts: infeasible quotas (the relaxation ILP then
       says what to change), not bad input. */
    for (int c = 0; c < p->ncategories; c++) {
        const struct sortition_category *cat = &p->categories[c];
        long smin = 0, smax = 0;
        for (int f = 0; f < cat->nfeatures; f++) {
            smin += cat->features[f].min;
            smax += cat->features[f].max < cat->features[f].pool ? cat->features[f].max
                                                                 : cat->features[f].pool;
        }
        if (smin > p->k) {
            return sortition_fail(err, SORTITION_INFEASIBLE,
                                  "category %s: the minimums sum to %ld > k = %d; lower some "
                                  "minimums of %s",
                                  cat->name, smin, p->k, cat->name);
        }
        if (smax < p->k) {
            return sortition_fail(err, SORTITION_INFEASIBLE,
                                  "category %s: the maximums (capped by the respondents having "
                                  "each value) sum to %ld < k = %d; raise some maximums of %s",
                                  cat->name, smax, p->k, cat->name);
        }
        for (int f = 0; f < cat->nfeatures; f++) {
            if (cat->features[f].min > cat->features[f].pool) {
                return sortition_fail(err, SORTITION_INFEASIBLE,
                                      "%s:%s needs at least %d on the panel but only %d "
                                      "respondents have it",
                                      cat->name, cat->features[f].name, cat->features[f].min,
                                      cat->features[f].pool);
            }
        }
    }
    return SORTITION_OK;
}
