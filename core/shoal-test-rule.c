/* shoal-test-rule.c: what shoal.yaml says about some tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-test-rule.h"

/**
 * ShoalTestRule:
 *
 * Settings `shoal.yaml` gives a set of tests: a whole suite (the keys of a
 * suite's mapping) or the tests whose ids match a pattern (an entry of the
 * top-level `tests:` list):
 *
 * |[
 * tests:
 *   - match: "api::payment_*"
 *     resources: [payment_gateway, drivers:2]
 *     depends: [api::setup]         # runs after it
 *     requires: [api::login]        # skipped unless it passed
 *     skip_if_failed: [api::seed]   # skipped if it failed (not if it was skipped)
 *     priority: 10
 *     slots: 2                      # worker slots it occupies (like CTest PROCESSORS)
 *     fixtures: [database]          # run-scoped setup and teardown (see `fixtures:`)
 *     timeout: 60
 *     tags: [slow]
 * ]|
 *
 * A dependency without `::` names a test of the same suite. Rules add to
 * what adapters declared (resources, dependencies, tags) and override the
 * rest (timeout, priority, slots) in the order they are written.
 */
struct _ShoalTestRule
{
  GObject parent_instance;

  char *match;
  GStrv resources;
  GStrv depends;
  GStrv requires;
  GStrv skip_if_failed;
  GStrv fixtures;
  GStrv tags;
  double timeout;
  int priority;
  guint slots;
  gboolean has_exclusive;
  gboolean exclusive;
  int retries; /* -1: not given */
  gboolean has_priority;
};

G_DEFINE_FINAL_TYPE (ShoalTestRule, shoal_test_rule, G_TYPE_OBJECT)

static const char *const empty_strv[] = { NULL };

static void
shoal_test_rule_finalize (GObject *object)
{
  ShoalTestRule *self = SHOAL_TEST_RULE (object);

  g_free (self->match);
  g_strfreev (self->resources);
  g_strfreev (self->depends);
  g_strfreev (self->requires);
  g_strfreev (self->skip_if_failed);
  g_strfreev (self->fixtures);
  g_strfreev (self->tags);

  G_OBJECT_CLASS (shoal_test_rule_parent_class)->finalize (object);
}

static void
shoal_test_rule_class_init (ShoalTestRuleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_test_rule_finalize;
}

static void
shoal_test_rule_init (ShoalTestRule *self)
{
}

/**
 * shoal_parse_resource_request:
 * @request: `name` or `name:count`
 * @out_name: (out) (optional): the resource's name
 * @out_count: (out) (optional): how many instances (1 without a count)
 * @error: return location for a #GError
 *
 * Reads one entry of a test's `resources:`.
 *
 * Returns: %TRUE if @request is well formed
 */
gboolean
shoal_parse_resource_request (const char *request,
                              char **out_name,
                              guint *out_count,
                              GError **error)
{
  const char *colon;
  g_autofree char *name = NULL;
  guint64 count = 1;

  g_return_val_if_fail (request != NULL, FALSE);

  colon = strrchr (request, ':');
  name = colon != NULL ? g_strndup (request, colon - request) : g_strdup (request);
  if (*name == '\0')
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
                   _ ("malformed resource request '%s': the resource has no name"), request);
      return FALSE;
    }
  if (colon != NULL)
    {
      char *end = NULL;

      if (colon[1] == '-' || !g_ascii_isdigit (colon[1]) ||
          (count = g_ascii_strtoull (colon + 1, &end, 10), *end != '\0') || count == 0 ||
          count > G_MAXINT)
        {
          g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
                       _ ("malformed resource request '%s': the count must be a positive integer"),
                       request);
          return FALSE;
        }
    }
  if (out_name != NULL)
    *out_name = g_steal_pointer (&name);
  if (out_count != NULL)
    *out_count = (guint) count;
  return TRUE;
}

static gboolean
read_strv (ShoalSettings *settings,
           const char *key,
           GStrv *out,
           GError **error)
{
  if (!shoal_settings_get_strv (settings, key, out, error))
    return FALSE;
  return TRUE;
}

/**
 * shoal_test_rule_new_from_settings:
 * @settings: a suite's mapping, or an entry of `tests:`
 * @with_match: whether this is an entry of `tests:` (with its `match:`,
 *   `timeout:` and `tags:`); a suite's own timeout and tags are the
 *   suite's
 * @error: return location for a #GError
 *
 * Reads the keys of a rule (`resources`, `depends`, `requires`,
 * `skip_if_failed`, `priority`, `slots`, `exclusive`, `retries`, and with
 * @with_match `match`, `timeout`, `tags`). Errors name
 * file, line, column and key.
 *
 * Returns: (transfer full): the rule, or %NULL with @error set
 */
ShoalTestRule *
shoal_test_rule_new_from_settings (ShoalSettings *settings,
                                   gboolean with_match,
                                   GError **error)
{
  g_autoptr (ShoalTestRule) self = g_object_new (SHOAL_TYPE_TEST_RULE, NULL);
  gint64 priority = 0;
  gint64 slots = 0;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (settings), NULL);

  if (with_match)
    {
      if (shoal_settings_get_kind (settings, "match") == SHOAL_SETTINGS_KIND_NONE)
        {
          shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                            _ ("missing required key 'match' (a test id or a "
                                               "pattern such as \"suite::*\")"));
          return NULL;
        }
      self->match = shoal_settings_get_string (settings, "match", NULL, error);
      if (self->match == NULL)
        return NULL;
      if (!shoal_settings_get_double (settings, "timeout", 0, 0, G_MAXDOUBLE, &self->timeout,
                                      error) ||
          !read_strv (settings, "tags", &self->tags, error))
        return NULL;
    }

  if (!read_strv (settings, "resources", &self->resources, error) ||
      !read_strv (settings, "depends", &self->depends, error) ||
      !read_strv (settings, "requires", &self->requires, error) ||
      !read_strv (settings, "skip_if_failed", &self->skip_if_failed, error) ||
      !read_strv (settings, "fixtures", &self->fixtures, error))
    return NULL;

  for (guint i = 0; self->resources != NULL && self->resources[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!shoal_parse_resource_request (self->resources[i], NULL, NULL, &local_error))
        {
          shoal_settings_set_error_literal (settings, "resources", error,
                                            SHOAL_CONFIG_ERROR_INVALID, local_error->message);
          return NULL;
        }
    }

  self->has_priority = shoal_settings_get_kind (settings, "priority") != SHOAL_SETTINGS_KIND_NONE;
  if (!shoal_settings_get_int (settings, "priority", 0, -1000000, 1000000, &priority, error) ||
      !shoal_settings_get_int (settings, "slots", 0, 1, 1024, &slots, error))
    return NULL;
  self->priority = (int) priority;
  self->slots = (guint) slots;
  {
    gint64 retries = -1;

    if (!shoal_settings_get_int (settings, "retries", -1, 0, 100, &retries, error))
      return NULL;
    self->retries = (int) retries;
  }
  self->has_exclusive = shoal_settings_get_kind (settings, "exclusive") != SHOAL_SETTINGS_KIND_NONE;
  if (!shoal_settings_get_boolean (settings, "exclusive", FALSE, &self->exclusive, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * shoal_test_rule_get_match:
 * @self: a rule
 *
 * Returns: (transfer none) (nullable): the pattern, or %NULL for a suite's rule
 */
const char *
shoal_test_rule_get_match (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), NULL);
  return self->match;
}

/**
 * shoal_test_rule_get_resources:
 * @self: a rule
 *
 * Returns: (transfer none) (array zero-terminated=1): resource requests
 */
const char *const *
shoal_test_rule_get_resources (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), empty_strv);
  return self->resources != NULL ? (const char *const *) self->resources : empty_strv;
}

/**
 * shoal_test_rule_get_depends:
 * @self: a rule
 *
 * Returns: (transfer none) (array zero-terminated=1): tests to run after
 */
const char *const *
shoal_test_rule_get_depends (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), empty_strv);
  return self->depends != NULL ? (const char *const *) self->depends : empty_strv;
}

/**
 * shoal_test_rule_get_requires:
 * @self: a rule
 *
 * Returns: (transfer none) (array zero-terminated=1): tests that must pass
 */
const char *const *
shoal_test_rule_get_requires (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), empty_strv);
  return self->requires != NULL ? (const char *const *) self->requires : empty_strv;
}

/**
 * shoal_test_rule_get_skip_if_failed:
 * @self: a rule
 *
 * Returns: (transfer none) (array zero-terminated=1): tests whose failure
 *   skips the rule's tests (see [method@Shoal.TestCase.get_skip_if_failed])
 */
const char *const *
shoal_test_rule_get_skip_if_failed (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), empty_strv);
  return self->skip_if_failed != NULL ? (const char *const *) self->skip_if_failed : empty_strv;
}

/**
 * shoal_test_rule_get_fixtures:
 * @self: a rule
 *
 * Returns: (transfer none) (array zero-terminated=1): fixtures the tests need
 */
const char *const *
shoal_test_rule_get_fixtures (ShoalTestRule *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), empty_strv);
  return self->fixtures != NULL ? (const char *const *) self->fixtures : empty_strv;
}

/**
 * shoal_test_id_matches:
 * @test_id: a test id
 * @pattern: a pattern
 *
 * How test ids are selected everywhere (`shoal run PATTERN`, `match:`): a
 * pattern with `*` or `?` is a glob over the whole id, a plain one selects
 * the ids it starts (a suite, a binary, a path).
 *
 * Returns: %TRUE if @test_id matches @pattern
 */
gboolean
shoal_test_id_matches (const char *test_id,
                       const char *pattern)
{
  g_return_val_if_fail (test_id != NULL, FALSE);
  g_return_val_if_fail (pattern != NULL, FALSE);

  if (strpbrk (pattern, "*?") != NULL)
    return g_pattern_match_simple (pattern, test_id);
  return g_str_has_prefix (test_id, pattern);
}

/**
 * shoal_test_rule_matches:
 * @self: a rule
 * @test_id: a test id
 *
 * Returns: %TRUE if the rule applies to @test_id (a suite's rule applies to
 *   every test it is given)
 */
gboolean
shoal_test_rule_matches (ShoalTestRule *self,
                         const char *test_id)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RULE (self), FALSE);
  return self->match == NULL || shoal_test_id_matches (test_id, self->match);
}

static GStrv
merge (const char *const *current,
       const char *const *added,
       const char *suite)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint pass = 0; pass < 2; pass++)
    {
      const char *const *list = pass == 0 ? current : added;

      for (guint i = 0; list != NULL && list[i] != NULL; i++)
        {
          char *value = (suite != NULL && pass == 1 && strstr (list[i], "::") == NULL)
                            ? g_strconcat (suite, "::", list[i], NULL)
                            : g_strdup (list[i]);

          if (g_hash_table_contains (seen, value))
            {
              g_free (value);
              continue;
            }
          g_strv_builder_add (builder, value);
          g_hash_table_add (seen, value);
        }
    }
  return g_strv_builder_end (builder);
}

/**
 * shoal_test_rule_apply:
 * @self: a rule
 * @test: an unsealed test
 *
 * Adds the rule's resources, dependencies and tags to @test and sets its
 * timeout, priority and slots where the rule gives them.
 */
void
shoal_test_rule_apply (ShoalTestRule *self,
                       ShoalTestCase *test)
{
  const char *suite;
  g_auto (GStrv) resources = NULL;
  g_auto (GStrv) depends = NULL;
  g_auto (GStrv) requires = NULL;
  g_auto (GStrv) skip_if_failed = NULL;
  g_auto (GStrv) tags = NULL;

  g_return_if_fail (SHOAL_IS_TEST_RULE (self));
  g_return_if_fail (SHOAL_IS_TEST_CASE (test));

  suite = shoal_test_case_get_suite (test);
  if (self->resources != NULL)
    {
      resources = merge (shoal_test_case_get_required_resources (test),
                         (const char *const *) self->resources, NULL);
      shoal_test_case_set_required_resources (test, (const char *const *) resources);
    }
  if (self->depends != NULL)
    {
      depends = merge (shoal_test_case_get_dependencies (test), (const char *const *) self->depends,
                       suite);
      shoal_test_case_set_dependencies (test, (const char *const *) depends);
    }
  if (self->requires != NULL)
    {
      requires = merge (shoal_test_case_get_requirements (test),
                        (const char *const *) self->requires, suite);
      shoal_test_case_set_requirements (test, (const char *const *) requires);
    }
  if (self->skip_if_failed != NULL)
    {
      skip_if_failed = merge (shoal_test_case_get_skip_if_failed (test),
                              (const char *const *) self->skip_if_failed, suite);
      shoal_test_case_set_skip_if_failed (test, (const char *const *) skip_if_failed);
    }
  if (self->fixtures != NULL)
    {
      /* A test needs a fixture's setup to have passed. */
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) setups = NULL;
      g_auto (GStrv) merged = NULL;

      for (guint i = 0; self->fixtures[i] != NULL; i++)
        {
          g_autofree char *setup = g_strconcat ("fixture::", self->fixtures[i], "/setup", NULL);

          g_strv_builder_add (builder, setup);
        }
      setups = g_strv_builder_end (builder);
      merged = merge (shoal_test_case_get_requirements (test), (const char *const *) setups, NULL);
      shoal_test_case_set_requirements (test, (const char *const *) merged);
    }
  if (self->tags != NULL)
    {
      tags = merge (shoal_test_case_get_tags (test), (const char *const *) self->tags, NULL);
      shoal_test_case_set_tags (test, (const char *const *) tags);
    }
  if (self->timeout > 0)
    shoal_test_case_set_timeout (test, self->timeout);
  if (self->has_priority)
    shoal_test_case_set_priority (test, self->priority);
  if (self->slots > 0)
    shoal_test_case_set_slots (test, self->slots);
  if (self->has_exclusive)
    shoal_test_case_set_exclusive (test, self->exclusive);
  if (self->retries >= 0)
    shoal_test_case_set_retries (test, self->retries);
}
