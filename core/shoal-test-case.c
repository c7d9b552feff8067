/* shoal-test-case.c: one schedulable test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-test-case.h"

/**
 * ShoalTestCase:
 *
 * One test as the scheduler sees it: an id unique across suites
 * (`<suite>::<the adapter's own id>`), what it needs (dependencies,
 * resources, a timeout), what the strategies use (priority, estimated
 * duration), and how its adapter runs it (argv, environment, working
 * directory).
 *
 * An adapter builds test cases during discovery; the core seals them before
 * the run, after which they are immutable and can be shared between threads.
 */
struct _ShoalTestCase
{
  GObject parent_instance;

  char *id;
  char *suite;
  char *local_id;
  char *name;
  char *adapter;
  char *cwd;
  char *note;
  char *workspace;
  GStrv workspace_exclude;
  GStrv tags;
  GStrv dependencies;
  GStrv requirements;
  GStrv skip_if_failed;
  GStrv resources;
  GStrv locks;
  GStrv argv;
  GStrv environment;
  double timeout;
  double estimated_duration;
  int priority;
  guint slots;
  gboolean runs_finally;
  gboolean exclusive;
  int retries; /* -1: the run's default */
  gboolean sealed;
};

G_DEFINE_FINAL_TYPE (ShoalTestCase, shoal_test_case, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_SUITE,
  PROP_LOCAL_ID,
  PROP_NAME,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];
static const char *const empty_strv[] = { NULL };

#define RETURN_IF_SEALED(self)                                                                \
  G_STMT_START                                                                                \
  {                                                                                           \
    if G_UNLIKELY ((self)->sealed)                                                            \
      {                                                                                       \
        g_critical ("%s: test case '%s' is sealed and cannot change", G_STRFUNC, (self)->id); \
        return;                                                                               \
      }                                                                                       \
  }                                                                                           \
  G_STMT_END

static void
replace_strv (GStrv *slot,
              const char *const *value)
{
  g_strfreev (*slot);
  *slot = (value != NULL && value[0] != NULL) ? g_strdupv ((char **) value) : NULL;
}

static void
shoal_test_case_finalize (GObject *object)
{
  ShoalTestCase *self = SHOAL_TEST_CASE (object);

  g_free (self->id);
  g_free (self->suite);
  g_free (self->local_id);
  g_free (self->name);
  g_free (self->adapter);
  g_free (self->cwd);
  g_free (self->note);
  g_free (self->workspace);
  g_strfreev (self->workspace_exclude);
  g_strfreev (self->tags);
  g_strfreev (self->dependencies);
  g_strfreev (self->requirements);
  g_strfreev (self->skip_if_failed);
  g_strfreev (self->resources);
  g_strfreev (self->locks);
  g_strfreev (self->argv);
  g_strfreev (self->environment);

  G_OBJECT_CLASS (shoal_test_case_parent_class)->finalize (object);
}

static void
shoal_test_case_constructed (GObject *object)
{
  ShoalTestCase *self = SHOAL_TEST_CASE (object);

  G_OBJECT_CLASS (shoal_test_case_parent_class)->constructed (object);

  if (self->suite == NULL)
    self->suite = g_strdup ("default");
  if (self->local_id == NULL)
    self->local_id = g_strdup ("unnamed");
  self->id = g_strconcat (self->suite, "::", self->local_id, NULL);
  if (self->name == NULL)
    self->name = g_strdup (self->local_id);
}

static void
shoal_test_case_get_property (GObject *object,
                              guint prop_id,
                              GValue *value,
                              GParamSpec *pspec)
{
  ShoalTestCase *self = SHOAL_TEST_CASE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_SUITE:
      g_value_set_string (value, self->suite);
      break;
    case PROP_LOCAL_ID:
      g_value_set_string (value, self->local_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_test_case_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  ShoalTestCase *self = SHOAL_TEST_CASE (object);

  switch (prop_id)
    {
    case PROP_SUITE:
      self->suite = g_value_dup_string (value);
      break;
    case PROP_LOCAL_ID:
      self->local_id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      shoal_test_case_set_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_test_case_class_init (ShoalTestCaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_test_case_finalize;
  object_class->constructed = shoal_test_case_constructed;
  object_class->get_property = shoal_test_case_get_property;
  object_class->set_property = shoal_test_case_set_property;

  /**
   * ShoalTestCase:id:
   *
   * The id, `<suite>::<local id>`, unique across suites.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalTestCase:suite:
   *
   * The name of the suite the test belongs to.
   */
  properties[PROP_SUITE] = g_param_spec_string ("suite", NULL, NULL, NULL,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                    G_PARAM_STATIC_STRINGS);
  /**
   * ShoalTestCase:local-id:
   *
   * The adapter's own id of the test (a GTest path, a pytest node id).
   */
  properties[PROP_LOCAL_ID] = g_param_spec_string ("local-id", NULL, NULL, NULL,
                                                   G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                       G_PARAM_STATIC_STRINGS);
  /**
   * ShoalTestCase:name:
   *
   * The name shown to people; the local id unless the adapter knows better.
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_test_case_init (ShoalTestCase *self)
{
  self->slots = 1;
  self->retries = -1;
}

/**
 * shoal_test_case_new:
 * @suite: the suite's name
 * @local_id: the adapter's own id of the test
 *
 * Returns: (transfer full): a new test case with id `<suite>::<local_id>`
 */
ShoalTestCase *
shoal_test_case_new (const char *suite,
                     const char *local_id)
{
  g_return_val_if_fail (suite != NULL, NULL);
  g_return_val_if_fail (local_id != NULL, NULL);

  return g_object_new (SHOAL_TYPE_TEST_CASE, "suite", suite, "local-id", local_id, NULL);
}

/**
 * shoal_test_case_get_id:
 * @self: a test case
 *
 * Returns: (transfer none): the id, `<suite>::<local id>`
 */
const char *
shoal_test_case_get_id (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->id;
}

/**
 * shoal_test_case_get_local_id:
 * @self: a test case
 *
 * Returns: (transfer none): the adapter's own id of the test
 */
const char *
shoal_test_case_get_local_id (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->local_id;
}

/**
 * shoal_test_case_get_suite:
 * @self: a test case
 *
 * Returns: (transfer none): the suite's name
 */
const char *
shoal_test_case_get_suite (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->suite;
}

/**
 * shoal_test_case_get_name:
 * @self: a test case
 *
 * Returns: (transfer none): the name shown to people
 */
const char *
shoal_test_case_get_name (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->name;
}

/**
 * shoal_test_case_set_name:
 * @self: a test case
 * @name: the name shown to people
 *
 * Sets the name; only before the test is sealed.
 */
void
shoal_test_case_set_name (ShoalTestCase *self,
                          const char *name)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  g_return_if_fail (name != NULL);
  RETURN_IF_SEALED (self);

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * shoal_test_case_get_adapter:
 * @self: a test case
 *
 * Returns: (transfer none) (nullable): the name of the adapter that found it
 */
const char *
shoal_test_case_get_adapter (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->adapter;
}

/**
 * shoal_test_case_set_adapter:
 * @self: a test case
 * @adapter: (nullable): the adapter's name
 *
 * Records which adapter found the test.
 */
void
shoal_test_case_set_adapter (ShoalTestCase *self,
                             const char *adapter)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  g_free (self->adapter);
  self->adapter = g_strdup (adapter);
}

#define STRV_ACCESSORS(field, getter, setter, doc)                               \
  const char *const *getter (ShoalTestCase *self)                                \
  {                                                                              \
    g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), empty_strv);                \
    return self->field != NULL ? (const char *const *) self->field : empty_strv; \
  }                                                                              \
  void setter (ShoalTestCase *self, const char *const *value)                    \
  {                                                                              \
    g_return_if_fail (SHOAL_IS_TEST_CASE (self));                                \
    RETURN_IF_SEALED (self);                                                     \
    replace_strv (&self->field, value);                                          \
  }

/**
 * shoal_test_case_get_tags:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): the test's tags
 */
/**
 * shoal_test_case_set_tags:
 * @self: a test case
 * @tags: (array zero-terminated=1) (nullable): tags (pytest markers, behave tags)
 *
 * Sets the tags.
 */
STRV_ACCESSORS (tags, shoal_test_case_get_tags, shoal_test_case_set_tags, tags)

/**
 * shoal_test_case_get_dependencies:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): ids of the tests that
 *   must finish before this one starts
 */
/**
 * shoal_test_case_set_dependencies:
 * @self: a test case
 * @dependencies: (array zero-terminated=1) (nullable): test ids
 *
 * Sets the tests that must finish before this one starts.
 */
STRV_ACCESSORS (dependencies, shoal_test_case_get_dependencies, shoal_test_case_set_dependencies, dependencies)

/**
 * shoal_test_case_get_requirements:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): ids of the tests that
 *   must pass for this one to run; it runs after them, and is skipped (with
 *   the reason) when one did not pass
 */
/**
 * shoal_test_case_set_requirements:
 * @self: a test case
 * @requirements: (array zero-terminated=1) (nullable): test ids
 *
 * Sets the tests that must pass for this one to run.
 */
STRV_ACCESSORS (requirements, shoal_test_case_get_requirements, shoal_test_case_set_requirements, requirements)

/**
 * shoal_test_case_get_skip_if_failed:
 * @self: a test case
 *
 * Tests this one runs after and is skipped (with the reason) if one of
 * them failed. Unlike a requirement, a test that was skipped lets it run:
 * only a failure stops it, that is a test that ran and did not pass
 * (failed, timed out, crashed, could not run) or one skipped because a
 * test it depends on failed. This is how CTest treats the setup tests of a
 * fixture.
 *
 * Returns: (transfer none) (array zero-terminated=1): ids of the tests
 *   whose failure skips this one
 */
/**
 * shoal_test_case_set_skip_if_failed:
 * @self: a test case
 * @skip_if_failed: (array zero-terminated=1) (nullable): test ids
 *
 * Sets the tests this one runs after and is skipped if one of them failed
 * (see [method@Shoal.TestCase.get_skip_if_failed]).
 */
STRV_ACCESSORS (skip_if_failed, shoal_test_case_get_skip_if_failed, shoal_test_case_set_skip_if_failed, skip_if_failed)

/**
 * shoal_test_case_get_required_resources:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): the resources the test
 *   needs, as `name` or `name:count`
 */
/**
 * shoal_test_case_set_required_resources:
 * @self: a test case
 * @resources: (array zero-terminated=1) (nullable): `name` or `name:count`
 *
 * Sets the resources the test needs.
 */
STRV_ACCESSORS (resources, shoal_test_case_get_required_resources, shoal_test_case_set_required_resources, resources)

/**
 * shoal_test_case_get_locks:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): the named locks the
 *   test's own framework declares (CTest `RESOURCE_LOCK`, a behave
 *   `@exclusive.NAME` tag)
 */
/**
 * shoal_test_case_set_locks:
 * @self: a test case
 * @locks: (array zero-terminated=1) (nullable): lock names
 *
 * Sets named locks the test holds while it runs. Unlike the resources of
 * [method@Shoal.TestCase.set_required_resources] they need no entry in
 * `resources:`: a name nobody declared is an exclusive lock. A name that is
 * declared there (as shared, for instance) is that resource.
 */
STRV_ACCESSORS (locks, shoal_test_case_get_locks, shoal_test_case_set_locks, locks)

/**
 * shoal_test_case_get_argv:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): the command the adapter
 *   recorded for the test (empty if it builds it in prepare)
 */
/**
 * shoal_test_case_set_argv:
 * @self: a test case
 * @argv: (array zero-terminated=1) (nullable): a command, as separate arguments
 *
 * Records the command that runs the test.
 */
STRV_ACCESSORS (argv, shoal_test_case_get_argv, shoal_test_case_set_argv, argv)

/**
 * shoal_test_case_get_environment:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): `NAME=VALUE` entries
 *   added to the test's environment
 */
/**
 * shoal_test_case_set_environment:
 * @self: a test case
 * @environment: (array zero-terminated=1) (nullable): `NAME=VALUE` entries
 *
 * Sets variables added to the test's environment.
 */
STRV_ACCESSORS (environment, shoal_test_case_get_environment, shoal_test_case_set_environment, environment)

/**
 * shoal_test_case_has_tag:
 * @self: a test case
 * @tag: a tag
 *
 * Returns: %TRUE if the test has @tag
 */
gboolean
shoal_test_case_has_tag (ShoalTestCase *self,
                         const char *tag)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), FALSE);
  return self->tags != NULL && g_strv_contains ((const char *const *) self->tags, tag);
}

/**
 * shoal_test_case_get_timeout:
 * @self: a test case
 *
 * Returns: the test's own timeout in seconds, or 0 for the run's default
 */
double
shoal_test_case_get_timeout (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), 0);
  return self->timeout;
}

/**
 * shoal_test_case_set_timeout:
 * @self: a test case
 * @timeout: seconds, or 0 for the run's default
 *
 * Sets the test's own timeout.
 */
void
shoal_test_case_set_timeout (ShoalTestCase *self,
                             double timeout)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  g_return_if_fail (timeout >= 0);
  RETURN_IF_SEALED (self);
  self->timeout = timeout;
}

/**
 * shoal_test_case_get_slots:
 * @self: a test case
 *
 * Returns: how many worker slots the test occupies while it runs (1 unless
 *   it uses several CPUs, like CTest's PROCESSORS)
 */
guint
shoal_test_case_get_slots (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), 1);
  return self->slots;
}

/**
 * shoal_test_case_set_slots:
 * @self: a test case
 * @slots: worker slots, at least 1
 *
 * Sets how many worker slots the test occupies while it runs.
 */
void
shoal_test_case_set_slots (ShoalTestCase *self,
                           guint slots)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  g_return_if_fail (slots >= 1);
  RETURN_IF_SEALED (self);
  self->slots = slots;
}

/**
 * shoal_test_case_get_priority:
 * @self: a test case
 *
 * Returns: the priority; higher runs first when resources are contended
 */
int
shoal_test_case_get_priority (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), 0);
  return self->priority;
}

/**
 * shoal_test_case_set_priority:
 * @self: a test case
 * @priority: higher runs first
 *
 * Sets the priority.
 */
void
shoal_test_case_set_priority (ShoalTestCase *self,
                              int priority)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  self->priority = priority;
}

/**
 * shoal_test_case_get_estimated_duration:
 * @self: a test case
 *
 * Returns: the estimated duration in seconds, or 0 when unknown
 */
double
shoal_test_case_get_estimated_duration (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), 0);
  return self->estimated_duration;
}

/**
 * shoal_test_case_set_estimated_duration:
 * @self: a test case
 * @seconds: the estimate, or 0 when unknown
 *
 * Sets the estimated duration (from history, or declared by the adapter).
 */
void
shoal_test_case_set_estimated_duration (ShoalTestCase *self,
                                        double seconds)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  g_return_if_fail (seconds >= 0);
  RETURN_IF_SEALED (self);
  self->estimated_duration = seconds;
}

/**
 * shoal_test_case_get_cwd:
 * @self: a test case
 *
 * Returns: (transfer none) (nullable): the working directory to run it in
 */
const char *
shoal_test_case_get_cwd (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->cwd;
}

/**
 * shoal_test_case_set_cwd:
 * @self: a test case
 * @cwd: (nullable): a directory
 *
 * Sets the working directory to run the test in.
 */
void
shoal_test_case_set_cwd (ShoalTestCase *self,
                         const char *cwd)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  g_free (self->cwd);
  self->cwd = g_strdup (cwd);
}

/**
 * shoal_test_case_get_workspace:
 * @self: a test case
 *
 * Returns: (transfer none) (nullable): the tree the test runs in a private
 *   copy of (one copy per worker), or %NULL to run it where it is
 */
const char *
shoal_test_case_get_workspace (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->workspace;
}

/**
 * shoal_test_case_get_workspace_exclude:
 * @self: a test case
 *
 * Returns: (transfer none) (array zero-terminated=1): paths of the workspace
 *   left out of the copies (globs relative to it)
 */
const char *const *
shoal_test_case_get_workspace_exclude (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), empty_strv);
  return self->workspace_exclude != NULL ? (const char *const *) self->workspace_exclude
                                         : empty_strv;
}

/**
 * shoal_test_case_set_workspace:
 * @self: a test case
 * @source_dir: (nullable): a directory tree
 * @exclude: (array zero-terminated=1) (nullable): globs of paths to leave out
 *
 * Makes the test run in a copy of @source_dir private to its worker (for
 * suites whose tests write into their own tree): its working directory is
 * mapped into the copy. `workspace: copy` on a suite sets this.
 */
void
shoal_test_case_set_workspace (ShoalTestCase *self,
                               const char *source_dir,
                               const char *const *exclude)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  g_free (self->workspace);
  self->workspace = g_strdup (source_dir);
  replace_strv (&self->workspace_exclude, exclude);
}

/**
 * shoal_test_case_get_runs_finally:
 * @self: a test case
 *
 * Returns: whether the test is a cleanup that runs even after an
 *   interruption (see [method@Shoal.TestCase.set_runs_finally])
 */
gboolean
shoal_test_case_get_runs_finally (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), FALSE);
  return self->runs_finally;
}

/**
 * shoal_test_case_set_runs_finally:
 * @self: a test case
 * @runs_finally: whether it is such a cleanup
 *
 * Marks a cleanup (a fixture's teardown): it runs after the tests it
 * depends on, and when the run is interrupted it still runs, as soon as
 * none of them is running any more, provided one of them had started.
 */
void
shoal_test_case_set_runs_finally (ShoalTestCase *self,
                                  gboolean runs_finally)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  self->runs_finally = !!runs_finally;
}

/**
 * shoal_test_case_get_exclusive:
 * @self: a test case
 *
 * Returns: %TRUE if no other test may run beside this one
 */
gboolean
shoal_test_case_get_exclusive (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), FALSE);
  return self->exclusive;
}

/**
 * shoal_test_case_set_exclusive:
 * @self: a test case
 * @exclusive: whether the test runs alone
 *
 * Makes the test run alone (CTest `RUN_SERIAL`, installed-tests
 * `Type=session-exclusive`, `exclusive: true` in `shoal.yaml`): it occupies
 * every worker slot of the run.
 */
void
shoal_test_case_set_exclusive (ShoalTestCase *self,
                               gboolean exclusive)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  self->exclusive = !!exclusive;
}

/**
 * shoal_test_case_get_retries:
 * @self: a test case
 *
 * Returns: how many times the test runs again after an attempt that did
 *   not pass, or -1 for the run's default (`retries:`)
 */
int
shoal_test_case_get_retries (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), -1);
  return self->retries;
}

/**
 * shoal_test_case_set_retries:
 * @self: a test case
 * @retries: the number of retries, or -1 for the run's default
 *
 * Sets how many times the test runs again after an attempt that did not
 * pass.
 */
void
shoal_test_case_set_retries (ShoalTestCase *self,
                             int retries)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  self->retries = MAX (retries, -1);
}

/**
 * shoal_test_case_get_note:
 * @self: a test case
 *
 * Returns: (transfer none) (nullable): a remark from discovery (why a
 *   binary runs whole, for instance), carried into the test's result
 */
const char *
shoal_test_case_get_note (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);
  return self->note;
}

/**
 * shoal_test_case_set_note:
 * @self: a test case
 * @note: (nullable): a remark from discovery
 *
 * Sets a remark that the test's result will carry.
 */
void
shoal_test_case_set_note (ShoalTestCase *self,
                          const char *note)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  RETURN_IF_SEALED (self);
  g_free (self->note);
  self->note = g_strdup (note);
}

/**
 * shoal_test_case_seal:
 * @self: a test case
 *
 * Makes the test case immutable; the core seals every test before a run so
 * it can be shared between threads.
 */
void
shoal_test_case_seal (ShoalTestCase *self)
{
  g_return_if_fail (SHOAL_IS_TEST_CASE (self));
  self->sealed = TRUE;
}

/**
 * shoal_test_case_is_sealed:
 * @self: a test case
 *
 * Returns: %TRUE once [method@Shoal.TestCase.seal] was called
 */
gboolean
shoal_test_case_is_sealed (ShoalTestCase *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), FALSE);
  return self->sealed;
}

static void
add_strv_member (JsonBuilder *builder,
                 const char *name,
                 GStrv strv)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

/**
 * shoal_test_case_to_json:
 * @self: a test case
 *
 * The test as `shoal list --json` and the `test-queued` event show it.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
shoal_test_case_to_json (ShoalTestCase *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_TEST_CASE (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "suite");
  json_builder_add_string_value (builder, self->suite);
  if (self->adapter != NULL)
    {
      json_builder_set_member_name (builder, "adapter");
      json_builder_add_string_value (builder, self->adapter);
    }
  add_strv_member (builder, "tags", self->tags);
  add_strv_member (builder, "dependencies", self->dependencies);
  add_strv_member (builder, "requires", self->requirements);
  if (self->skip_if_failed != NULL)
    add_strv_member (builder, "skip_if_failed", self->skip_if_failed);
  add_strv_member (builder, "resources", self->resources);
  if (self->locks != NULL)
    add_strv_member (builder, "locks", self->locks);
  if (self->exclusive)
    {
      json_builder_set_member_name (builder, "exclusive");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_double_value (builder, self->timeout);
  json_builder_set_member_name (builder, "priority");
  json_builder_add_int_value (builder, self->priority);
  json_builder_set_member_name (builder, "slots");
  json_builder_add_int_value (builder, self->slots);
  json_builder_set_member_name (builder, "estimated_duration");
  json_builder_add_double_value (builder, self->estimated_duration);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
