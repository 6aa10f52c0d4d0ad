/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/tally_case_check.c — developer tool: run shared case files
 * (arguments, or every file of the cases folder) and print differences.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_run.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    static char msg[1 << 16];
    char *files[1024];
    int nf = 0, fails = 0;
    static char paths[1024][4096];
    if (argc > 1) {
        for (int i = 1; i < argc && nf < 1024; i++) {
            files[nf++] = argv[i];
        }
    } else {
        DIR *d = opendir(case_dir());
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL && nf < 1024) {
            if (strstr(de->d_name, ".json") != NULL) {
                snprintf(paths[nf], sizeof(paths[nf]), "%s/%s", case_dir(), de->d_name);
                files[nf] = paths[nf];
                nf++;
            }
        }
        if (d != NULL) {
            closedir(d);
        }
        qsort(files, (size_t)nf, sizeof(files[0]), cmp);
    }
    for (int i = 0; i < nf; i++) {
        enum case_status st = case_run_file(files[i], msg, sizeof(msg));
        const char *base = strrchr(files[i], '/');
        printf("%-4s %s\n", st == CASE_PASS ? "ok" : (st == CASE_SKIP ? "skip" : "FAIL"),
               base ? base + 1 : files[i]);
        if (st == CASE_FAIL || (st == CASE_SKIP && getenv("VERBOSE"))) {
            printf("%s\n", msg);
            fails++;
        }
    }
    return fails ? 1 : 0;
}
