/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/sortition_lottery.c — rounding a distribution over panels
 * to a uniform lottery over m tickets (Flanigan, Kehne, Procaccia, "Fair
 * Sortition Made Transparent", NeurIPS 2021), deterministically.
 *
 * Panel j gets c_j = ⌊m λ_j⌋ + X_j tickets, X_j ∈ {0,1}, Σ X_j = Σ f_j with
 * f_j = m λ_j − ⌊m λ_j⌋. Respondent i's error in tickets is
 * dev_i = Σ_{j∋i} (X_j − f_j); the contract promises |dev_i| < k (so every
 * probability moves by less than k/m).
 *
 * 1. A greedy discrepancy walk over the panels in their (sorted) order:
 *    round up when that lowers Σ_{i∈K_j} dev_i² (within the budget of ups).
 *    Fast and usually far inside the bound.
 * 2. If some |dev_i| ≥ k after the walk, Beck–Fiala iterative rounding,
 *    which guarantees the bound: keep the constraints "Σ_{j∋i, j fractional}
 *    x_j unchanged" of respondents on more than k fractional panels (and on
 *    fewer than all of them: that one is implied by the sum) plus the sum
 *    row; such rows are fewer than the fractional variables minus one (each
 *    panel holds k respondents), so a null-space direction exists among a
 *    few columns; move along it until a variable reaches 0 or 1; repeat.
 *    A dropped respondent keeps |dev_i| < (its ≤ k fractional panels).
 * Both steps are pure functions of the weights: same result, same list.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sortition_int.h"

/* Values within SNAP of 0 or 1 count as integral. */
#define SNAP 1e-9

void sortition_lottery_fini(struct sortition_lottery *l)
{
    if (l == NULL) {
        return;
    }
    free(l->panel);
    free(l->probabilities);
    memset(l, 0, sizeof *l);
}

static void greedy(const struct sortition_result *r, const double *f, long ups, double *x,
                   double *dev)
{
    int k = r->k;
    long left_frac = 0;
    for (int j = 0; j < r->npanels; j++) {
        left_frac += f[j] > 0;
    }
    memset(dev, 0, (size_t)r->n * sizeof *dev);
    for (int j = 0; j < r->npanels; j++) {
        if (f[j] <= 0) {
            x[j] = 0;
            continue;
        }
        const int *pn = r->panels + (size_t)j * (size_t)k;
        bool up;
        if (ups <= 0) {
            up = false;
        } else if (ups >= left_frac) {
            up = true;
        } else {
            /* Σ (dev+1−f)² − (dev−f)² = 2 Σ dev + k (1 − 2f) */
            double s = 0.0;
            for (int t = 0; t < k; t++) {
                s += dev[pn[t]];
            }
            up = 2.0 * s + k * (1.0 - 2.0 * f[j]) < 0.0;
        }
        x[j] = up ? 1.0 : 0.0;
        ups -= up;
        left_frac--;
        for (int t = 0; t < k; t++) {
            dev[pn[t]] += x[j] - f[j];
        }
    }
}

/* Null vector of the rows×cols dense matrix a (row-major), into d (cols);
   0 on success, -1 when the columns are independent. Destroys a. */
static int null_vector(double *a, int rows, int cols, double *d, int *pivcol)
{
    int r = 0;
    for (int c = 0; c < cols && r < rows; c++) {
        int best = -1;
        double bv = 1e-9;
        for (int q = r; q < rows; q++) {
            if (fabs(a[(size_t)q * (size_t)cols + (size_t)c]) > bv) {
                bv = fabs(a[(size_t)q * (size_t)cols + (size_t)c]);
                best = q;
            }
        }
        if (best < 0) {
            continue;
        }
        if (best != r) {
            for (int t = 0; t < cols; t++) {
                double tmp = a[(size_t)r * (size_t)cols + (size_t)t];
                a[(size_t)r * (size_t)cols + (size_t)t] =
                    a[(size_t)best * (size_t)cols + (size_t)t];
                a[(size_t)best * (size_t)cols + (size_t)t] = tmp;
            }
        }
        double pv = a[(size_t)r * (size_t)cols + (size_t)c];
        for (int t = 0; t < cols; t++) {
            a[(size_t)r * (size_t)cols + (size_t)t] /= pv;
        }
        for (int q = 0; q < rows; q++) {
            double fq = a[(size_t)q * (size_t)cols + (size_t)c];
            if (q == r || fq == 0.0) {
                continue;
            }
            for (int t = 0; t < cols; t++) {
                a[(size_t)q * (size_t)cols + (size_t)t] -=
                    fq * a[(size_t)r * (size_t)cols + (size_t)t];
            }
        }
        pivcol[r++] = c;
    }
    /* The first column that is not a pivot is free. */
    int free_c = -1;
    for (int c = 0, q = 0; c < cols; c++) {
        if (q < r && pivcol[q] == c) {
            q++;
            continue;
        }
        free_c = c;
        break;
    }
    if (free_c < 0) {
        return -1;
    }
    memset(d, 0, (size_t)cols * sizeof *d);
    d[free_c] = 1.0;
    for (int q = 0; q < r; q++) {
        d[pivcol[q]] = -a[(size_t)q * (size_t)cols + (size_t)free_c];
    }
    return 0;
}

static int beck_fiala(const struct sortition_result *r, const double *f, double *x)
{
    int n = r->n, k = r->k, P = r->npanels;
    int rc = SORTITION_ENOMEM;
    int *cnt = calloc((size_t)n, sizeof *cnt);
    int *pos = malloc((size_t)n * sizeof *pos);
    int *S = malloc((size_t)P * sizeof *S);
    int *rowsA = malloc((size_t)n * sizeof *rowsA);
    bool *frac = malloc((size_t)P * sizeof *frac);
    double *a = NULL, *d = NULL;
    int *piv = NULL;
    if (cnt == NULL || pos == NULL || S == NULL || rowsA == NULL || frac == NULL) {
        goto out;
    }
    int nv = 0;
    for (int j = 0; j < P; j++) {
        x[j] = f[j];
        frac[j] = f[j] > SNAP && f[j] < 1.0 - SNAP;
        if (!frac[j]) {
            x[j] = f[j] >= 0.5 ? 1.0 : 0.0;
            continue;
        }
        nv++;
        for (int t = 0; t < k; t++) {
            cnt[r->panels[(size_t)j * (size_t)k + (size_t)t]]++;
        }
    }
    for (int i = 0; i < n; i++) {
        pos[i] = -1;
    }
    while (nv > 1) {
        /* Grow S over the fractional panels in order until it has two more
           columns than the active rows it touches (plus the sum row). */
        int ns = 0, na = 0;
        for (int j = 0; j < P && ns < na + 2; j++) {
            if (!frac[j]) {
                continue;
            }
            S[ns++] = j;
            for (int t = 0; t < k; t++) {
                int i = r->panels[(size_t)j * (size_t)k + (size_t)t];
                if (cnt[i] > k && cnt[i] < nv && pos[i] < 0) {
                    pos[i] = na;
                    rowsA[na++] = i;
                }
            }
        }
        if (ns < na + 2) {
            /* Cannot happen by the counting argument; numerical safety. */
            rc = SORTITION_ESOLVER;
            for (int q = 0; q < na; q++) {
                pos[rowsA[q]] = -1;
            }
            goto out;
        }
        int rows = na + 1;
        double *na_ = realloc(a, (size_t)rows * (size_t)ns * sizeof *a);
        double *nd = realloc(d, (size_t)ns * sizeof *d);
        int *np = realloc(piv, (size_t)rows * sizeof *piv);
        if (na_ != NULL) {
            a = na_;
        }
        if (nd != NULL) {
            d = nd;
        }
        if (np != NULL) {
            piv = np;
        }
        if (na_ == NULL || nd == NULL || np == NULL) {
            goto out;
        }
        memset(a, 0, (size_t)rows * (size_t)ns * sizeof *a);
        for (int s = 0; s < ns; s++) {
            const int *pn = r->panels + (size_t)S[s] * (size_t)k;
            for (int t = 0; t < k; t++) {
                if (pos[pn[t]] >= 0) {
                    a[(size_t)pos[pn[t]] * (size_t)ns + (size_t)s] = 1.0;
                }
            }
            a[(size_t)na * (size_t)ns + (size_t)s] = 1.0; /* sum row */
        }
        for (int q = 0; q < na; q++) {
            pos[rowsA[q]] = -1;
        }
        if (null_vector(a, rows, ns, d, piv) != 0) {
            rc = SORTITION_ESOLVER;
            goto out;
        }
        /* Largest step t >= 0 keeping x + t d in [0, 1]. */
        double step = HUGE_VAL;
        for (int s = 0; s < ns; s++) {
            double xv = x[S[s]];
            if (d[s] > 1e-12) {
                step = fmin(step, (1.0 - xv) / d[s]);
            } else if (d[s] < -1e-12) {
                step = fmin(step, xv / -d[s]);
            }
        }
        for (int s = 0; s < ns; s++) {
            int j = S[s];
            x[j] += step * d[s];
            if (x[j] <= SNAP || x[j] >= 1.0 - SNAP) {
                x[j] = x[j] >= 0.5 ? 1.0 : 0.0;
                frac[j] = false;
                nv--;
                for (int t = 0; t < k; t++) {
                    cnt[r->panels[(size_t)j * (size_t)k + (size_t)t]]--;
                }
            }
        }
    }
    for (int j = 0; j < P; j++) {
        if (frac[j]) {
            x[j] = x[j] >= 0.5 ? 1.0 : 0.0;
        }
    }
    rc = SORTITION_OK;
out:
    free(cnt);
    free(pos);
    free(S);
    free(rowsA);
    free(frac);
    free(a);
    free(d);
    free(piv);
    return rc;
}

int sortition_lottery_round(const struct sortition_result *r, int m, struct sortition_lottery *l,
                            struct sortition_error *err)
{
    return lottery_round(r, m, false, l, err);
}

int lottery_round(const struct sortition_result *r, int m, bool beck_fiala_only,
                  struct sortition_lottery *l, struct sortition_error *err)
{
    memset(l, 0, sizeof *l);
    if (m < 1 || m > 10000000) {
        return sortition_fail(err, SORTITION_EINVAL, "the lottery size m = %d is outside 1..10^7",
                              m);
    }
    if (r->npanels < 1) {
        return sortition_fail(err, SORTITION_EINVAL, "no distribution to round");
    }
    int P = r->npanels, n = r->n, k = r->k;
    int rc = SORTITION_ENOMEM;
    double *f = malloc((size_t)P * sizeof *f);
    double *x = malloc((size_t)P * sizeof *x);
    long *base = malloc((size_t)P * sizeof *base);
    double *dev = malloc((size_t)n * sizeof *dev);
    if (f == NULL || x == NULL || base == NULL || dev == NULL) {
        goto out;
    }
    double fsum = 0.0;
    long bsum = 0;
    for (int j = 0; j < P; j++) {
        double a = m * r->weights[j];
        base[j] = (long)floor(a);
        f[j] = a - (double)base[j];
        if (f[j] < SNAP) {
            f[j] = 0.0;
        } else if (f[j] > 1.0 - SNAP) {
            base[j]++;
            f[j] = 0.0;
        }
        fsum += f[j];
        bsum += base[j];
    }
    long ups = m - bsum;
    (void)fsum;
    if (ups < 0) {
        rc = SORTITION_ESOLVER;
        goto out;
    }
    double worst = HUGE_VAL;
    if (!beck_fiala_only) {
        greedy(r, f, ups, x, dev);
        worst = 0.0;
        for (int i = 0; i < n; i++) {
            worst = fmax(worst, fabs(dev[i]));
        }
    }
    if (worst >= k - 1e-9) {
        rc = beck_fiala(r, f, x);
        if (rc != SORTITION_OK) {
            goto out;
        }
    }
    /* Exactly m tickets: the rounding keeps Σ x = ups up to floating point;
       repair a drift of a ticket deterministically (first/last panels). */
    long total = bsum;
    for (int j = 0; j < P; j++) {
        total += (long)x[j];
    }
    for (int j = 0; j < P && total < m; j++) {
        if (f[j] > 0 && x[j] == 0.0) {
            x[j] = 1.0;
            total++;
        }
    }
    for (int j = P - 1; j >= 0 && total > m; j--) {
        if (x[j] == 1.0) {
            x[j] = 0.0;
            total--;
        }
    }
    if (total != m) {
        rc = SORTITION_ESOLVER;
        goto out;
    }
    l->m = m;
    l->k = k;
    l->panel = malloc((size_t)m * sizeof *l->panel);
    l->probabilities = calloc((size_t)n, sizeof *l->probabilities);
    if (l->panel == NULL || l->probabilities == NULL) {
        rc = SORTITION_ENOMEM;
        goto out;
    }
    int t = 0;
    for (int j = 0; j < P; j++) {
        long c = base[j] + (long)x[j];
        for (long q = 0; q < c; q++) {
            l->panel[t++] = j;
        }
        for (int q = 0; q < k; q++) {
            l->probabilities[r->panels[(size_t)j * (size_t)k + (size_t)q]] += (double)c;
        }
    }
    l->max_deviation = 0.0;
    for (int i = 0; i < n; i++) {
        l->probabilities[i] /= m;
        l->max_deviation = fmax(l->max_deviation, fabs(l->probabilities[i] - r->probabilities[i]));
    }
    rc = SORTITION_OK;
out:
    free(f);
    free(x);
    free(base);
    free(dev);
    if (rc != SORTITION_OK) {
        sortition_lottery_fini(l);
        if (rc == SORTITION_ENOMEM) {
            sortition_fail(err, rc, "out of memory");
        } else {
            sortition_fail(err, rc, "the lottery rounding failed (numerical trouble)");
        }
    }
    return rc;
}
