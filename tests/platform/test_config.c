/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests for platform/config: defaults, environment, command-line
 * overrides, bounds, and one-line errors. Each test runs in its own
 * process (Criterion), so setenv does not leak between tests. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "platform/config.h"

static void clear_env(void)
{
    extern char **environ;
    for (;;) {
        char **e = environ;
        while (*e && strncmp(*e, "PNYX_", 5) != 0)
            e++;
        if (!*e)
            break;
        char name[128];
        size_t n = strcspn(*e, "=");
        snprintf(name, sizeof name, "%.*s", (int)n, *e);
        unsetenv(name);
    }
}

Test(config, defaults)
{
    clear_env();
    struct pnyx_config c;
    char err[256];
    char *argv[] = {"pnyxd", NULL};
    cr_assert_eq(config_load(&c, 1, argv, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "127.0.0.1");
    cr_assert_eq(c.listen_port, 8080);
    cr_assert_str_eq(c.data_dir, ".pnyx");
    cr_assert_str_eq(c.static_dir, "static");
    cr_assert_str_eq(c.database_url, "");
    cr_assert_eq(c.threads, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
    cr_assert_eq(c.group_runners, c.threads < 16 ? c.threads : 16);
    cr_assert_eq(c.cookie_secure, false);
    cr_assert_eq(c.log_level, PNYX_LOG_INFO);
    cr_assert_eq(c.argon2_m_kib, 19456);
    cr_assert_eq(c.argon2_t, 2);
    cr_assert_eq(c.argon2_p, 1);
    cr_assert_eq(c.session_max_age, 30 * 24 * 3600);
    cr_assert_eq(c.session_idle, 7 * 24 * 3600);
    cr_assert_eq(c.login_max_failures, 10);
    cr_assert_eq(c.login_window, 900);
    cr_assert_eq(c.login_lock, 60);
    cr_assert_eq(c.login_lock_max, 3600);
    cr_assert_eq(c.login_addr_max, 20);
    cr_assert_eq(c.device_max_age, 365 * 24 * 3600);
    cr_assert_str_eq(c.log_origin, "127.0.0.1");
    cr_assert_str_eq(c.signing_key_file, ".pnyx/audit-signing.key");
    cr_assert_gt(c.max_connections, 0);
    cr_assert_gt(c.max_per_ip, 0);
    cr_assert_geq(c.conn_memory, 8192);
    cr_assert_gt(c.conn_timeout, 0);
    config_fini(&c);
}

Test(config, env_then_argv_override)
{
    clear_env();
    setenv("PNYX_LISTEN", "0.0.0.0:9000", 1);
    setenv("PNYX_THREADS", "3", 1);
    setenv("PNYX_COOKIE_SECURE", "1", 1);
    setenv("PNYX_DATA_DIR", "/var/lib/pnyx", 1);
    struct pnyx_config c;
    char err[256];
    char *argv[] = {
        "pnyxd", "serve", "--threads=5", "--database-url=postgresql:///x", "--session_idle=60",
        NULL};
    bool rest[6] = {false};
    cr_assert_eq(config_load(&c, 5, argv, rest, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "0.0.0.0");
    cr_assert_eq(c.listen_port, 9000);
    cr_assert_eq(c.threads, 5);
    cr_assert_eq(c.group_runners, 5, "follows --threads");
    cr_assert(c.cookie_secure);
    cr_assert_str_eq(c.database_url, "postgresql:///x");
    cr_assert_eq(c.session_idle, 60);
    cr_assert_str_eq(c.signing_key_file, "/var/lib/pnyx/audit-signing.key");
    cr_assert_str_eq(c.log_origin, "0.0.0.0");
    cr_assert(rest[1]);  /* "serve" is the caller's */
    cr_assert(!rest[2]); /* consumed */
    config_fini(&c);
}

Test(config, group_runners_default_is_capped_and_zero_allowed)
{
    clear_env();
    setenv("PNYX_THREADS", "40", 1);
    struct pnyx_config c;
    char err[256];
    char *argv[] = {"pnyxd", NULL};
    cr_assert_eq(config_load(&c, 1, argv, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.group_runners, 16);
    config_fini(&c);
    setenv("PNYX_GROUP_RUNNERS", "0", 1);
    cr_assert_eq(config_load(&c, 1, argv, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.group_runners, 0);
    cr_assert_eq(c.threads, 40);
    config_fini(&c);
}

Test(config, ipv6_listen)
{
    clear_env();
    struct pnyx_config c;
    char err[256];
    char *argv[] = {"pnyxd", "--listen=[::1]:0", NULL};
    cr_assert_eq(config_load(&c, 2, argv, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "::1");
    cr_assert_eq(c.listen_port, 0);
    config_fini(&c);
}

static void expect_error(const char *var, const char *value, const char *needle)
{
    clear_env();
    setenv(var, value, 1);
    struct pnyx_config c;
    char err[256] = "";
    char *argv[] = {"pnyxd", NULL};
    cr_assert_eq(config_load(&c, 1, argv, NULL, err, sizeof err), -1, "%s=%s accepted", var, value);
    cr_assert_not_null(strstr(err, var), "error does not name %s: %s", var, err);
    cr_assert_not_null(strstr(err, needle), "error lacks '%s': %s", needle, err);
    cr_assert_null(strchr(err, '\n'));
}

Test(config, bad_values_fail_with_one_line)
{
    expect_error("PNYX_THREADS", "0", "1..256");
    expect_error("PNYX_THREADS", "abc", "integer");
    expect_error("PNYX_GROUP_RUNNERS", "17", "0..16");
    expect_error("PNYX_LISTEN", "nohostport", "host:port");
    expect_error("PNYX_LISTEN", "127.0.0.1:70000", "host:port");
    expect_error("PNYX_COOKIE_SECURE", "maybe", "boolean");
    expect_error("PNYX_LOG_LEVEL", "loud", "debug");
    expect_error("PNYX_ARGON2_M_KIB", "1", "integer in");
    expect_error("PNYX_SESSION_MAX_AGE", "-5", "integer in");
}

Test(config, unknown_option_without_rest_is_error)
{
    clear_env();
    struct pnyx_config c;
    char err[256];
    char *argv[] = {"pnyxd", "--no-such-key=1", NULL};
    cr_assert_eq(config_load(&c, 2, argv, NULL, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "--no-such-key"));
}
