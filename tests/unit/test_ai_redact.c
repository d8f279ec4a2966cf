/* ai/redact and ai/tools' paths: secrets out of what goes to a model, files only inside the
 * working directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ai/redact.h"
#include "ai/secrets.h"
#include "ai/tools.h"

static char *redact(ai_redact *r, const char *text) {
    static char *last;
    free(last);
    last = ai_redact_text(r, text, strlen(text));
    return last;
}

static void test_redact(void **state) {
    (void)state;
    ai_redact *r = ai_redact_new();
    ai_redact_add(r, "tok_abc/123+xyz", 15);
    ai_redact_add(r, "tok_abc", 7); /* a shorter one inside the first */
    ai_redact_add(r, "wonderland", 10);
    ai_redact_add(r, "abc", 3);         /* too short to tell from text */
    ai_redact_add(r, "wonderland", 10); /* known already */
    assert_int_equal(ai_redact_count(r), 3);
    assert_string_equal(ai_redact_value(r, 1), "tok_abc/123+xyz");
    /* the longest first, in each of its forms: raw, percent-encoded, JSON-escaped */
    assert_string_equal(redact(r, "Bearer tok_abc/123+xyz and tok_abc"),
                        "Bearer {{RAE_SECRET_1}} and {{RAE_SECRET_2}}");
    assert_string_equal(redact(r, "?t=tok_abc%2F123%2Bxyz&p=wonderland"),
                        "?t={{RAE_SECRET_1}}&p={{RAE_SECRET_3}}");
    assert_string_equal(redact(r, "{\"t\":\"tok_abc\\/123+xyz\"}"), "{\"t\":\"{{RAE_SECRET_1}}\"}");
    assert_string_equal(redact(r, "abc, nothing else"), "abc, nothing else");
    assert_string_equal(redact(r, ""), "");
    /* a window never shows a part of a secret at its edges: the whole placeholder instead */
    const char *text = "aaaa wonderland bbbb";
    int cut;
    char *w = ai_redact_window(r, text, strlen(text), 8, 6, &cut); /* from inside the secret */
    assert_string_equal(w, "{{RAE_SECRET_3}}");
    assert_true(cut);
    free(w);
    w = ai_redact_window(r, text, strlen(text), 0, 7, &cut); /* to inside it */
    assert_string_equal(w, "aaaa {{RAE_SECRET_3}}");
    free(w);
    w = ai_redact_window(r, text, strlen(text), 15, 100, &cut); /* past it */
    assert_string_equal(w, " bbbb");
    assert_false(cut);
    free(w);
    assert_int_equal(ai_redact_longest(r), strlen("tok_abc%2F123%2Bxyz"));
    ai_redact_free(r);
}

static void test_secret_names(void **state) {
    (void)state;
    const char *yes[] = {"access_token",  "X-CSRF-Token",  "password",  "api_key",     "apiKey",
                         "signingKey",    "Authorization", "sessionid", "connect.sid", "code",
                         "code_verifier", "refresh",       "X-Api-Key", "nonce",       NULL};
    const char *no[] = {"author",          "title",       "monkey", "side",
                        "keyboard_layout", "status_code", "name",   NULL};
    for (size_t i = 0; yes[i]; i++)
        assert_true(ai_secret_name(yes[i]) || !fprintf(stderr, "%s\n", yes[i]));
    for (size_t i = 0; no[i]; i++)
        assert_false(ai_secret_name(no[i]) && fprintf(stderr, "%s\n", no[i]));
}

static void test_paths(void **state) {
    (void)state;
    char dir[] = "/tmp/rae-test-ai-XXXXXX", path[PATH_MAX], link[PATH_MAX];
    rae_err why;
    assert_non_null(mkdtemp(dir));
    /* inside: folders made on the way */
    assert_int_equal(ai_tool_path(dir, "scripts/deep/x.py", 1, path, sizeof path, &why), 0);
    struct stat st;
    assert_int_equal(stat(strcat(strcpy(link, dir), "/scripts/deep"), &st), 0);
    /* refused, each with its reason */
    const struct {
        const char *rel, *because;
        int write;
    } bad[] = {{"../x.py", "'..'", 1},
               {"/etc/passwd", "absolute", 0},
               {"a/../../x", "'..'", 0},
               {".env", "secrets", 0},
               {"sub/.env", "secrets", 1},
               {"", "no path", 1},
               {"out/link/x.py", "not a folder", 1},
               {"out/link", "out of the working", 0}};
    snprintf(link, sizeof link, "%s/out", dir);
    mkdir(link, 0755);
    snprintf(link, sizeof link, "%s/out/link", dir);
    assert_int_equal(symlink("/tmp", link), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rae_err_clear(&why);
        assert_int_equal(ai_tool_path(dir, bad[i].rel, bad[i].write, path, sizeof path, &why), -1);
        assert_non_null(strstr(why.message, bad[i].because));
    }
    unlink(link);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
