/* test-strategies.c: what each distribution strategy hands out and plans
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <shoal.h>

#include <pthread.h>

static const char *const all_strategies[] = {
  "fifo",
  "load_balanced",
  "time_based",
  "round_robin",
  "dependency_aware",
  "resource_grouped",
};

static ShoalStrategy *
load_strategy (const char *name)
{
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (GError) error = NULL;
  ShoalStrategy *strategy;

  shoal_plugin_registry_add_default_search_paths (registry);
  strategy = shoal_plugin_registry_create_strategy (registry, name, &error);
  g_assert_no_error (error);
  return strategy;
}

/* A test `s::NAME`; @deps and @resources are space-separated lists. */
static ShoalTestCase *
make_test_full (const char *name,
                double estimate,
                const char *deps,
                const char *resources)
{
  ShoalTestCase *test = shoal_test_case_new ("s", name);

  shoal_test_case_set_estimated_duration (test, estimate);
  if (deps != NULL)
    {
      g_auto (GStrv) local = g_strsplit (deps, " ", -1);
      g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();
      g_auto (GStrv) built = NULL;

      for (guint i = 0; local[i] != NULL; i++)
        {
          g_autofree char *id = g_strconcat ("s::", local[i], NULL);

          g_strv_builder_add (ids, id);
        }
      built = g_strv_builder_end (ids);
      shoal_test_case_set_dependencies (test, (const char *const *) built);
    }
  if (resources != NULL)
    {
      g_auto (GStrv) list = g_strsplit (resources, " ", -1);

      shoal_test_case_set_required_resources (test, (const char *const *) list);
    }
  return test;
}

static ShoalTestCase *
make_test (const char *name,
           double estimate,
           const char *depends_on)
{
  return make_test_full (name, estimate, depends_on, NULL);
}

static GPtrArray *
new_tests (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

static char *
names (GPtrArray *tests)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < tests->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            shoal_test_case_get_local_id (tests->pdata[i]));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "w1: a b | w2: c" */
static char *
describe_plan (GList *groups)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (GList *l = groups; l != NULL; l = l->next)
    {
      g_autofree char *members = names (shoal_test_group_get_tests (l->data));

      g_string_append_printf (text, "%s%s: %s", l == groups ? "" : " | ",
                              shoal_test_group_get_worker_id (l->data), members);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
plan_of (const char *strategy_name,
         GPtrArray *tests,
         guint n_workers)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy (strategy_name);
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (n_workers, 1.0);
  g_autoptr (GError) error = NULL;
  GList *groups = shoal_strategy_plan (strategy, tests, context, &error);
  char *text;

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (groups), ==, n_workers);
  text = describe_plan (groups);
  g_list_free_full (groups, g_object_unref);
  return text;
}

static gboolean
waits_for (ShoalTestCase *test,
           const char *id)
{
  return g_strv_contains (shoal_test_case_get_dependencies (test), id) ||
         g_strv_contains (shoal_test_case_get_requirements (test), id) ||
         g_strv_contains (shoal_test_case_get_skip_if_failed (test), id);
}

/* Runs @groups as planned: each worker its group in order, a test
 * starting once the tests it waits for have finished. Every test must be
 * planned exactly once and the plan must never stall (a test planned
 * before one it waits for, on the same worker or in a circle of
 * workers). */
static void
assert_plan_runs (GList *groups,
                  GPtrArray *tests,
                  ShoalDispatchContext *context)
{
  g_autoptr (GHashTable) finish = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GPtrArray) lists = shoal_object_array_from_list (g_list_copy_deep (
      groups, (GCopyFunc) (void (*) (void)) g_object_ref, NULL));
  g_autofree guint *cursor = g_new0 (guint, lists->len);
  g_autofree double *clock = g_new0 (double, lists->len);
  guint planned = 0, placed = 0;
  gboolean progress = TRUE;

  for (guint g = 0; g < lists->len; g++)
    planned += shoal_test_group_get_tests (lists->pdata[g])->len;
  g_assert_cmpuint (planned, ==, tests->len);

  while (progress)
    {
      progress = FALSE;
      for (guint g = 0; g < lists->len; g++)
        {
          GPtrArray *members = shoal_test_group_get_tests (lists->pdata[g]);

          while (cursor[g] < members->len)
            {
              ShoalTestCase *test = members->pdata[cursor[g]];
              double start = clock[g];
              gboolean ready = TRUE;

              g_assert_false (g_hash_table_contains (finish, shoal_test_case_get_id (test)));
              for (guint i = 0; i < tests->len && ready; i++)
                if (waits_for (test, shoal_test_case_get_id (tests->pdata[i])))
                  {
                    double *done = g_hash_table_lookup (finish,
                                                        shoal_test_case_get_id (tests->pdata[i]));

                    if (done == NULL)
                      ready = FALSE;
                    else
                      start = MAX (start, *done);
                  }
              if (!ready)
                break;
              clock[g] = start + shoal_dispatch_context_estimate (context, test);
              g_hash_table_insert (finish, (gpointer) shoal_test_case_get_id (test),
                                   g_memdup2 (&clock[g], sizeof (double)));
              cursor[g]++;
              placed++;
              progress = TRUE;
            }
        }
    }
  g_assert_cmpuint (placed, ==, tests->len);
}

/* A suite with a fixture-like head, a diamond, a tail and independent
 * tests, some listed before what they wait for, two using `db`. */
static GPtrArray *
mixed_suite (void)
{
  GPtrArray *tests = new_tests ();

  g_ptr_array_add (tests, make_test_full ("join", 1, "u1 u2", NULL));
  g_ptr_array_add (tests, make_test_full ("solo1", 4, NULL, "db"));
  g_ptr_array_add (tests, make_test ("setup", 2, NULL));
  g_ptr_array_add (tests, make_test ("u1", 1, "setup"));
  g_ptr_array_add (tests, make_test_full ("u2", 3, "setup", "db:2"));
  g_ptr_array_add (tests, make_test ("tail", 2, "join"));
  g_ptr_array_add (tests, make_test ("u3", 1, "setup"));
  g_ptr_array_add (tests, make_test ("solo2", 0.5, NULL));
  g_ptr_array_add (tests, make_test ("solo3", 2, NULL));
  return tests;
}

static void
test_plan_respects_dependencies (gconstpointer data)
{
  const char *name = data;
  g_autoptr (ShoalStrategy) strategy = load_strategy (name);
  g_autoptr (GPtrArray) tests = mixed_suite ();
  g_autoptr (GError) error = NULL;

  for (guint n_workers = 1; n_workers <= 4; n_workers++)
    {
      g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (n_workers, 1.0);
      GList *groups = shoal_strategy_plan (strategy, tests, context, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_list_length (groups), ==, n_workers);
      assert_plan_runs (groups, tests, context);
      g_list_free_full (groups, g_object_unref);
    }
}

/* A run as the scheduler drives it, on the estimates: tests whose
 * dependencies are done are pushed (in suite order), free workers ask in
 * turn, the first test to finish (on the lowest numbered worker among
 * equals) releases its dependents. Returns the tests in the order they
 * were handed out, as `wN:name`. A test may only be handed out once, after
 * it was pushed, and every test must be handed out. */
static char *
run_strategy (ShoalStrategy *strategy,
              GPtrArray *tests,
              guint n_workers)
{
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (n_workers, 1.0);
  g_autoptr (GString) log = g_string_new (NULL);
  g_autofree int *state = g_new0 (int, tests->len); /* 0 waiting, 1 ready, 2 running, 3 done */
  g_autofree double *finish = g_new0 (double, tests->len);
  g_autofree int *running_on = g_new0 (int, n_workers); /* test index + 1 */
  double clock = 0;
  guint n_done = 0;

  shoal_strategy_prepare (strategy, tests, context);
  while (n_done < tests->len)
    {
      int soonest = -1;

      /* Push what became ready. */
      for (guint i = 0; i < tests->len; i++)
        {
          gboolean ready = state[i] == 0;

          for (guint j = 0; j < tests->len && ready; j++)
            if (state[j] != 3 &&
                waits_for (tests->pdata[i], shoal_test_case_get_id (tests->pdata[j])))
              ready = FALSE;
          if (ready)
            {
              state[i] = 1;
              shoal_strategy_push_ready (strategy, tests->pdata[i], context);
            }
        }
      /* Free workers ask, in order. */
      for (guint w = 0; w < n_workers; w++)
        {
          g_autofree char *worker_id = g_strdup_printf ("w%u", w + 1);
          g_autoptr (ShoalTestCase) test = NULL;
          guint index;

          if (running_on[w] != 0)
            continue;
          test = shoal_strategy_next (strategy, worker_id, context);
          if (test == NULL)
            continue;
          g_assert_true (g_ptr_array_find (tests, test, &index));
          g_assert_cmpint (state[index], ==, 1);
          state[index] = 2;
          finish[index] = clock + shoal_dispatch_context_estimate (context, test);
          running_on[w] = index + 1;
          g_string_append_printf (log, "%s%s:%s", log->len > 0 ? " " : "", worker_id,
                                  shoal_test_case_get_local_id (test));
        }
      /* The first to finish. */
      for (guint w = 0; w < n_workers; w++)
        if (running_on[w] != 0 &&
            (soonest < 0 || finish[running_on[w] - 1] < finish[running_on[soonest] - 1]))
          soonest = w;
      g_assert_cmpint (soonest, >=, 0); /* nothing runs: the strategy lost a test */
      clock = finish[running_on[soonest] - 1];
      state[running_on[soonest] - 1] = 3;
      running_on[soonest] = 0;
      n_done++;
    }
  g_assert_null (shoal_strategy_next (strategy, "w1", context));
  return g_string_free (g_steal_pointer (&log), FALSE);
}

static void
test_run_respects_dependencies (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GPtrArray) tests = mixed_suite ();

  for (guint n_workers = 1; n_workers <= 3; n_workers++)
    {
      g_autoptr (ShoalStrategy) strategy = load_strategy (name);
      g_autofree char *log = run_strategy (strategy, tests, n_workers);

      g_test_message ("%s on %u: %s", name, n_workers, log);
    }
}

/* The scheduler's resource check, faked: `db` is busy while `db_busy`.
 * It remembers its last answer for each test. */
typedef struct
{
  gboolean db_busy;
  GHashTable *answers; /* id -> GINT_TO_POINTER (answer + 1) */
  guint n_refused;
} Admission;

static gboolean
admit_unless_busy (ShoalTestCase *test,
                   const char *worker_id,
                   gpointer user_data)
{
  Admission *admission = user_data;
  const char *const *resources = shoal_test_case_get_required_resources (test);
  gboolean answer = TRUE;

  for (guint i = 0; resources[i] != NULL; i++)
    if (g_str_has_prefix (resources[i], "db") && admission->db_busy)
      answer = FALSE;
  admission->n_refused += !answer;
  g_hash_table_insert (admission->answers, (gpointer) shoal_test_case_get_id (test),
                       GINT_TO_POINTER (answer + 1));
  return answer;
}

static ShoalTestCase *
next_admitted (ShoalStrategy *strategy,
               const char *worker_id,
               ShoalDispatchContext *context,
               Admission *admission)
{
  ShoalTestCase *test = shoal_strategy_next (strategy, worker_id, context);

  /* Handed out only right after the check said yes. */
  if (test != NULL)
    g_assert_cmpint (GPOINTER_TO_INT (
                         g_hash_table_lookup (admission->answers, shoal_test_case_get_id (test))),
                     ==, TRUE + 1);
  return test;
}

static void
test_respects_can_start (gconstpointer data)
{
  const char *name = data;
  g_autoptr (ShoalStrategy) strategy = load_strategy (name);
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) handed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) answers = g_hash_table_new (g_str_hash, g_str_equal);
  Admission admission = { TRUE, answers, 0 };
  g_autofree char *first = NULL;
  g_autofree char *then = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test_full ("d1", 5, NULL, "db"));
  g_ptr_array_add (tests, make_test ("f1", 1, NULL));
  g_ptr_array_add (tests, make_test_full ("d2", 4, NULL, "db:2"));
  g_ptr_array_add (tests, make_test ("f2", 2, NULL));
  g_ptr_array_add (tests, make_test ("f3", 3, NULL));
  shoal_dispatch_context_set_admit_func (context, admit_unless_busy, &admission, NULL);
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);

  /* db is busy: only the others come out, then nothing (from either
   * worker), and the db tests were asked about, not lost. */
  for (guint i = 0; (test = next_admitted (strategy, i % 2 ? "w2" : "w1", context, &admission));
       i++)
    g_ptr_array_add (handed, test);
  g_assert_null (next_admitted (strategy, "w2", context, &admission));
  g_assert_cmpuint (admission.n_refused, >, 0);
  g_ptr_array_sort (handed, (GCompareFunc) (void (*) (void)) g_strcmp0);
  first = names (handed);
  g_assert_cmpuint (handed->len, ==, 3);
  for (guint i = 0; i < handed->len; i++)
    g_assert_null (shoal_test_case_get_required_resources (handed->pdata[i])[0]);

  /* db free again: both db tests. */
  admission.db_busy = FALSE;
  g_ptr_array_set_size (handed, 0);
  while ((test = next_admitted (strategy, "w1", context, &admission)) != NULL)
    g_ptr_array_add (handed, test);
  g_assert_cmpuint (handed->len, ==, 2);
  then = names (handed);
  g_assert_true (g_str_equal (then, "d1 d2") || g_str_equal (then, "d2 d1"));
  shoal_dispatch_context_set_admit_func (context, NULL, NULL, NULL);
}

/* A test the scheduler gave up on is forgotten. */
static void
test_remove (gconstpointer data)
{
  const char *name = data;
  g_autoptr (ShoalStrategy) strategy = load_strategy (name);
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (ShoalTestCase) left = NULL;

  g_ptr_array_add (tests, make_test ("a", 3, NULL));
  g_ptr_array_add (tests, make_test ("b", 2, NULL));
  g_ptr_array_add (tests, make_test ("c", 1, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  shoal_strategy_remove (strategy, tests->pdata[0]);
  shoal_strategy_remove (strategy, tests->pdata[2]);
  left = shoal_strategy_next (strategy, "w1", context);
  g_assert_true (left == tests->pdata[1]);
  g_assert_null (shoal_strategy_next (strategy, "w2", context));
}

/* Tests that depend on each other in a circle get an error naming them,
 * from every strategy's plan, instead of a hang. */
static void
test_plan_refuses_cycles (gconstpointer data)
{
  const char *name = data;
  g_autoptr (ShoalStrategy) strategy = load_strategy (name);
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GError) error = NULL;
  GList *groups;

  g_ptr_array_add (tests, make_test ("a", 1, "c"));
  g_ptr_array_add (tests, make_test ("b", 1, "a"));
  g_ptr_array_add (tests, make_test ("c", 1, "b"));
  g_ptr_array_add (tests, make_test ("d", 1, NULL));
  groups = shoal_strategy_plan (strategy, tests, context, &error);
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_null (groups);
  g_assert_cmpstr (error->message, ==,
                   "the tests depend on each other in a cycle: s::a -> s::b -> s::c -> s::a "
                   "(each runs before the next)");
}

/* fifo ------------------------------------------------------------------ */

static void
test_fifo_order (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("fifo");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("urgent", 1, NULL));
  g_ptr_array_add (tests, make_test ("last", 1, NULL));
  shoal_test_case_set_priority (tests->pdata[2], 2);
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "urgent short long last");
}

/* On 2 workers: a (2) and c (1) start at 0; c done at 1 releases b, but d
 * was ready first and goes on w2; w1 frees at 2 and takes b. */
static void
test_fifo_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("a", 2, NULL));
  g_ptr_array_add (tests, make_test ("b", 1, "c"));
  g_ptr_array_add (tests, make_test ("c", 1, NULL));
  g_ptr_array_add (tests, make_test ("d", 3, NULL));
  plan = plan_of ("fifo", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: a b | w2: c d");
}

/* load_balanced ------------------------------------------------------------ */

/* Ready: short (1 s), long (5 s), and head (1 s) whose dependent tail
 * takes 10 s. The longest remaining critical path goes first: head (11 s),
 * then long (5 s), then short. */
static void
test_load_balanced_critical_path_first (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("head", 1, NULL));
  g_ptr_array_add (tests, make_test ("tail", 10, "head"));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < 3; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);

  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "head long short");
}

/* Equal paths: the longer estimate first, then arrival. */
static void
test_load_balanced_ties (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  /* Paths: x 1 + 3 = 4, y 4, z 4, w 4. */
  g_ptr_array_add (tests, make_test ("x", 1, NULL));
  g_ptr_array_add (tests, make_test ("y", 4, NULL));
  g_ptr_array_add (tests, make_test ("z", 4, NULL));
  g_ptr_array_add (tests, make_test ("after_x", 3, "x"));
  g_ptr_array_add (tests, make_test ("w", 4, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    if (i != 3)
      shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "y z w x");
}

static gboolean
refuse_long (ShoalTestCase *test,
             const char *worker_id,
             gpointer user_data)
{
  return !g_str_equal (shoal_test_case_get_local_id (test), "long");
}

/* A test its resources hold back keeps its place; the next one goes. */
static void
test_load_balanced_respects_can_start (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (ShoalTestCase) first = NULL;
  g_autoptr (ShoalTestCase) second = NULL;
  g_autoptr (ShoalTestCase) third = NULL;

  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  shoal_strategy_push_ready (strategy, tests->pdata[0], context);
  shoal_strategy_push_ready (strategy, tests->pdata[1], context);

  shoal_dispatch_context_set_admit_func (context, refuse_long, NULL, NULL);
  first = shoal_strategy_next (strategy, "w1", context);
  g_assert_cmpstr (shoal_test_case_get_local_id (first), ==, "short");
  second = shoal_strategy_next (strategy, "w1", context);
  g_assert_null (second);
  shoal_dispatch_context_set_admit_func (context, NULL, NULL, NULL);
  third = shoal_strategy_next (strategy, "w1", context);
  g_assert_cmpstr (shoal_test_case_get_local_id (third), ==, "long");
}

/* Priorities come before paths; once no prioritised test is left, paths
 * decide again. */
static void
test_load_balanced_priority_first (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("urgent", 1, NULL));
  g_ptr_array_add (tests, make_test ("middle", 3, NULL));
  shoal_test_case_set_priority (tests->pdata[2], 3);
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "urgent long middle short");
}

/* The plan on 2 workers of 6, 4, 3, 3, 2 s without dependencies: longest
 * first onto whichever worker frees first (LPT): a (6) on w1, b (4) on
 * w2, c (3) on w2 at 4 s, d (3) on w1 at 6 s, e (2) on w2 at 7 s; the
 * makespan is 9 s. */
static void
test_load_balanced_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("c", 3, NULL));
  g_ptr_array_add (tests, make_test ("a", 6, NULL));
  g_ptr_array_add (tests, make_test ("d", 3, NULL));
  g_ptr_array_add (tests, make_test ("e", 2, NULL));
  g_ptr_array_add (tests, make_test ("b", 4, NULL));
  plan = plan_of ("load_balanced", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: a d | w2: b c e");
}

/* A chain is planned in order, after its head. */
static void
test_load_balanced_plan_chain (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("third", 1, "second"));
  g_ptr_array_add (tests, make_test ("second", 1, "first"));
  g_ptr_array_add (tests, make_test ("first", 1, NULL));
  g_ptr_array_add (tests, make_test ("alone", 2, NULL));
  plan = plan_of ("load_balanced", tests, 2);
  /* first (path 3) on w1; alone on w2; second when first is done (w1). */
  g_assert_cmpstr (plan, ==, "w1: first second third | w2: alone");
}

/* time_based ---------------------------------------------------------------- */

/* LPT on 2 workers: b (6) w1, e (5) w2, c (4) w2 at 5, a (3) w1 at 6, d
 * (2) w1 at 9 (both free at 9: the lower numbered). f waits for d, until
 * 11: it follows d on w1 (w2, free since 9, could not start it sooner). */
static void
test_time_based_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("a", 3, NULL));
  g_ptr_array_add (tests, make_test ("b", 6, NULL));
  g_ptr_array_add (tests, make_test ("c", 4, NULL));
  g_ptr_array_add (tests, make_test ("d", 2, NULL));
  g_ptr_array_add (tests, make_test ("e", 5, NULL));
  g_ptr_array_add (tests, make_test ("f", 1, "d"));
  plan = plan_of ("time_based", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: b a d f | w2: e c");
}

/* At run time each worker follows its group; one that runs dry steals
 * from the group with the most work left, its longest test first. */
static void
test_time_based_steals (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("time_based");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) w1 = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  /* Groups: w1 b a d (11 s), w2 e c (9 s). */
  g_ptr_array_add (tests, make_test ("a", 3, NULL));
  g_ptr_array_add (tests, make_test ("b", 6, NULL));
  g_ptr_array_add (tests, make_test ("c", 4, NULL));
  g_ptr_array_add (tests, make_test ("d", 2, NULL));
  g_ptr_array_add (tests, make_test ("e", 5, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  {
    g_autoptr (ShoalTestCase) first = shoal_strategy_next (strategy, "w2", context);

    g_assert_cmpstr (shoal_test_case_get_local_id (first), ==, "e");
  }
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (w1, test);
  got = names (w1);
  g_assert_cmpstr (got, ==, "b a d c");
}

/* round_robin ------------------------------------------------------------- */

/* Dealt in order, a test after what it waits for: t2 waits for t4, so the
 * order is t1 t3 t4 t2 t5. */
static void
test_round_robin_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;
  g_autofree char *three = NULL;

  g_ptr_array_add (tests, make_test ("t1", 1, NULL));
  g_ptr_array_add (tests, make_test ("t2", 9, "t4"));
  g_ptr_array_add (tests, make_test ("t3", 1, NULL));
  g_ptr_array_add (tests, make_test ("t4", 1, NULL));
  g_ptr_array_add (tests, make_test ("t5", 1, NULL));
  plan = plan_of ("round_robin", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: t1 t4 t5 | w2: t3 t2");
  three = plan_of ("round_robin", tests, 3);
  g_assert_cmpstr (three, ==, "w1: t1 t2 | w2: t3 t5 | w3: t4");
}

/* Own queue first, then the queue with the most work left, then
 * priorities within a queue. */
static void
test_round_robin_steals (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("round_robin");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (3, 1.0);
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) w1 = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  /* Queues: w1 t1 t4 (2 s), w2 t2 t5 (6 s), w3 t3 t6 (2 s). */
  g_ptr_array_add (tests, make_test ("t1", 1, NULL));
  g_ptr_array_add (tests, make_test ("t2", 5, NULL));
  g_ptr_array_add (tests, make_test ("t3", 1, NULL));
  g_ptr_array_add (tests, make_test ("t4", 1, NULL));
  g_ptr_array_add (tests, make_test ("t5", 1, NULL));
  g_ptr_array_add (tests, make_test ("t6", 1, NULL));
  shoal_test_case_set_priority (tests->pdata[3], 1);
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (w1, test);
  got = names (w1);
  /* t4 (priority 1) before t1; then w2 (6 s left): t2; then w3 (2 s left
   * against w2's 1 s): t3; then 1 s each: w2's t5 (the lower numbered),
   * w3's t6. */
  g_assert_cmpstr (got, ==, "t4 t1 t2 t3 t5 t6");
}

/* dependency_aware -------------------------------------------------------- */

/* Components: x1-x2-x3 (3 s), y1-y2 (4 s), z (2.5 s), q (1 s). LPT: y on
 * w1, x on w2, z on w2 (5.5 s), q on w1 (5 s). */
static void
test_dependency_aware_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("x1", 1, NULL));
  g_ptr_array_add (tests, make_test ("y1", 2, NULL));
  g_ptr_array_add (tests, make_test ("x2", 1, "x1"));
  g_ptr_array_add (tests, make_test ("z", 2.5, NULL));
  g_ptr_array_add (tests, make_test ("y2", 2, "y1"));
  g_ptr_array_add (tests, make_test ("x3", 1, "x2"));
  g_ptr_array_add (tests, make_test ("q", 1, NULL));
  plan = plan_of ("dependency_aware", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: y1 y2 q | w2: x1 x2 z x3");
}

/* A test waiting for two chains joins them into one component. */
static void
test_dependency_aware_joins (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test ("a", 1, NULL));
  g_ptr_array_add (tests, make_test ("b", 1, NULL));
  g_ptr_array_add (tests, make_test ("both", 1, "a b"));
  g_ptr_array_add (tests, make_test ("big", 5, NULL));
  plan = plan_of ("dependency_aware", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: big | w2: a b both");
}

/* resource_grouped -------------------------------------------------------- */

/* Groups: cache {c, f} (5 s), db {a, b} (3 s, `db:2` is db); LPT: cache
 * w1, db w2; then the rest longest first on the least loaded: d (4) w2,
 * e (1) w1, g (1) w1. */
static void
test_resource_grouped_plan (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test_full ("a", 2, NULL, "db"));
  g_ptr_array_add (tests, make_test_full ("b", 1, NULL, "db:2"));
  g_ptr_array_add (tests, make_test_full ("c", 3, NULL, "cache"));
  g_ptr_array_add (tests, make_test ("d", 4, NULL));
  g_ptr_array_add (tests, make_test ("e", 1, NULL));
  g_ptr_array_add (tests, make_test_full ("f", 2, NULL, "cache"));
  g_ptr_array_add (tests, make_test ("g", 1, NULL));
  plan = plan_of ("resource_grouped", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: c e f g | w2: a b d");
}

/* A test using two resources puts both groups on one worker. */
static void
test_resource_grouped_joins (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *plan = NULL;

  g_ptr_array_add (tests, make_test_full ("x", 1, NULL, "r1"));
  g_ptr_array_add (tests, make_test_full ("y", 1, NULL, "r2"));
  g_ptr_array_add (tests, make_test ("w", 5, NULL));
  g_ptr_array_add (tests, make_test_full ("z", 1, NULL, "r2 r1:3"));
  plan = plan_of ("resource_grouped", tests, 2);
  g_assert_cmpstr (plan, ==, "w1: x y z | w2: w");
}

/* At run time a worker takes its own group first: w1 has the db tests. */
static void
test_resource_grouped_run (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("resource_grouped");
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autofree char *log = NULL;

  g_ptr_array_add (tests, make_test_full ("d1", 2, NULL, "db"));
  g_ptr_array_add (tests, make_test ("f1", 1, NULL));
  g_ptr_array_add (tests, make_test_full ("d2", 2, NULL, "db"));
  g_ptr_array_add (tests, make_test ("f2", 3, NULL));
  log = run_strategy (strategy, tests, 2);
  /* Groups: w1 d1 d2, w2 f1 f2 (3 + 1). */
  g_assert_cmpstr (log, ==, "w1:d1 w2:f1 w2:f2 w1:d2");
}

/* The graph ---------------------------------------------------------------- */

static char *
indices (const guint *values,
         guint n)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%u", i > 0 ? " " : "", values[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_graph (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (ShoalTestGraph) graph = NULL;
  g_autoptr (GError) error = NULL;
  const char *requires_a[] = { "s::a", NULL };
  const char *unless_c_fails[] = { "s::c", NULL };
  g_autofree char *order = NULL;
  g_autofree char *b_deps = NULL;
  g_autofree char *d_deps = NULL;
  g_autofree char *b_dependents = NULL;
  g_autofree char *a_dependents = NULL;
  g_autofree char *c_dependents = NULL;
  guint n, index;

  /* b waits for c and a (named twice: once), d for a test not in the set
   * and for c (skip_if_failed: an edge like the others), e for b. */
  g_ptr_array_add (tests, make_test ("a", 1, NULL));
  g_ptr_array_add (tests, make_test ("b", 2, "c a"));
  shoal_test_case_set_requirements (tests->pdata[1], requires_a);
  g_ptr_array_add (tests, make_test ("c", 3, NULL));
  g_ptr_array_add (tests, make_test ("d", 4, "elsewhere"));
  shoal_test_case_set_skip_if_failed (tests->pdata[3], unless_c_fails);
  g_ptr_array_add (tests, make_test ("e", 5, "b"));
  graph = shoal_test_graph_new (tests, NULL, 0, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (shoal_test_graph_get_n_tests (graph), ==, 5);
  g_assert_cmpuint (shoal_test_graph_get_n_edges (graph), ==, 4);
  g_assert_true (shoal_test_graph_lookup (graph, "s::c", &index));
  g_assert_cmpuint (index, ==, 2);
  g_assert_true (shoal_test_graph_get_test (graph, index) == tests->pdata[2]);
  g_assert_false (shoal_test_graph_lookup (graph, "s::elsewhere", NULL));
  {
    const guint *deps = shoal_test_graph_get_dependencies (graph, 1, &n);

    b_deps = indices (deps, n);
    g_assert_cmpstr (b_deps, ==, "2 0");
  }
  {
    const guint *dependents = shoal_test_graph_get_dependents (graph, 1, &n);

    b_dependents = indices (dependents, n);
    g_assert_cmpstr (b_dependents, ==, "4");
    dependents = shoal_test_graph_get_dependents (graph, 0, &n);
    a_dependents = indices (dependents, n);
    g_assert_cmpstr (a_dependents, ==, "1");
    dependents = shoal_test_graph_get_dependents (graph, 2, &n);
    c_dependents = indices (dependents, n);
    g_assert_cmpstr (c_dependents, ==, "1 3");
  }
  {
    const guint *deps = shoal_test_graph_get_dependencies (graph, 3, &n);

    d_deps = indices (deps, n);
    g_assert_cmpstr (d_deps, ==, "2");
  }

  /* Smallest index first among the tests whose dependencies are placed. */
  {
    const guint *topological = shoal_test_graph_get_topological_order (graph, &n);

    order = indices (topological, n);
    g_assert_cmpstr (order, ==, "0 2 1 3 4");
  }

  /* Paths: e 5, b 2 + 5, a 1 + 7, c 3 + max (7, 4), d 4. */
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 4), ==, 5);
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 1), ==, 7);
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 0), ==, 8);
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 2), ==, 10);
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 3), ==, 4);
  g_assert_cmpfloat (shoal_test_graph_get_longest_chain (graph), ==, 10);
  g_assert_cmpfloat (shoal_test_graph_get_total_estimate (graph), ==, 15);
  g_assert_cmpfloat (shoal_test_graph_get_longest_estimate (graph), ==, 5);
  g_assert_cmpfloat (shoal_test_graph_get_lower_bound (graph, 2), ==, 10);
  g_assert_cmpfloat (shoal_test_graph_get_lower_bound (graph, 1), ==, 15);
  g_assert_true (shoal_test_graph_matches (graph, tests));
}

static void
test_graph_estimates (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (ShoalTestGraph) graph = NULL;
  g_autoptr (GError) error = NULL;
  const double estimates[] = { 2, 0.5 };

  g_ptr_array_add (tests, make_test ("a", 7, NULL));
  g_ptr_array_add (tests, make_test ("b", 7, "a"));
  shoal_test_case_set_priority (tests->pdata[1], -2);
  graph = shoal_test_graph_new (tests, estimates, G_N_ELEMENTS (estimates), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (shoal_test_graph_get_estimate (graph, 0), ==, 2);
  g_assert_cmpfloat (shoal_test_graph_get_longest_chain (graph), ==, 2.5);
  g_assert_cmpint (shoal_test_graph_get_priorities (graph, NULL)[1], ==, -2);
}

static void
test_graph_cycles (void)
{
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) self_loop = new_tests ();
  g_autoptr (GError) error = NULL;
  ShoalTestGraph *graph;

  g_ptr_array_add (tests, make_test ("free", 1, NULL));
  g_ptr_array_add (tests, make_test ("p", 1, "r"));
  g_ptr_array_add (tests, make_test ("q", 1, "p free"));
  g_ptr_array_add (tests, make_test ("r", 1, "q"));
  g_ptr_array_add (tests, make_test ("after", 1, "r"));
  graph = shoal_test_graph_new (tests, NULL, 0, &error);
  g_assert_null (graph);
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "the tests depend on each other in a cycle: s::p -> s::q -> s::r -> s::p "
                   "(each runs before the next)");
  g_clear_error (&error);

  g_ptr_array_add (self_loop, make_test ("me", 1, "me"));
  graph = shoal_test_graph_new (self_loop, NULL, 0, &error);
  g_assert_null (graph);
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "test 's::me' depends on itself");
}

/* Builds a graph over one chain of N tests, each depending on the one
 * before, listed backwards so that the topological sort has work to do.
 * Runs on a thread with a small stack. */
static gpointer
build_long_chain (gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_full (n, g_object_unref);
  g_autoptr (ShoalTestGraph) graph = NULL;
  g_autoptr (GError) error = NULL;
  const guint *order;

  for (guint i = n; i > 0; i--)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i - 1);
      g_autofree char *previous = i > 1 ? g_strdup_printf ("t%u", i - 2) : NULL;

      g_ptr_array_add (tests, make_test (name, 0.5, previous));
    }
  graph = shoal_test_graph_new (tests, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (shoal_test_graph_get_longest_chain (graph), ==, n * 0.5);
  g_assert_cmpfloat (shoal_test_graph_get_remaining_path (graph, 0), ==, 0.5);
  order = shoal_test_graph_get_topological_order (graph, NULL);
  g_assert_cmpuint (order[0], ==, n - 1);
  g_assert_cmpuint (order[n - 1], ==, 0);
  return NULL;
}

static void
test_graph_long_chain (void)
{
  pthread_attr_t attr;
  pthread_t thread;
  gpointer failed = NULL;

  /* A recursive walk needs a frame per link: 20,000 links cannot fit in
   * 256 KiB of stack (13 bytes a frame), so this fails with a crash if
   * the graph code recurses. */
  g_assert_cmpint (pthread_attr_init (&attr), ==, 0);
  g_assert_cmpint (pthread_attr_setstacksize (&attr, 256 * 1024), ==, 0);
  g_assert_cmpint (pthread_create (&thread, &attr, build_long_chain,
                                   GUINT_TO_POINTER (20000)),
                   ==, 0);
  g_assert_cmpint (pthread_join (thread, &failed), ==, 0);
  pthread_attr_destroy (&attr);
  g_assert_null (failed);
}

/* The context builds a graph once and hands it out while neither the
 * tests nor the estimates change. */
static void
test_context_graph (void)
{
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (3, 2.0);
  g_autoptr (ShoalDispatchContext) copy = NULL;
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GPtrArray) same = g_ptr_array_new ();
  g_autoptr (ShoalTestGraph) first = NULL;
  g_autoptr (ShoalTestGraph) again = NULL;
  g_autoptr (ShoalTestGraph) other = NULL;
  g_autoptr (ShoalTestGraph) fewer = NULL;
  g_autoptr (ShoalTestGraph) shared = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (tests, make_test ("a", 0, NULL)); /* the default: 2 */
  g_ptr_array_add (tests, make_test ("b", 3, "a"));
  first = shoal_dispatch_context_get_graph (context, tests, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (shoal_test_graph_get_estimate (first, 0), ==, 2);
  g_assert_cmpfloat (shoal_test_graph_get_longest_chain (first), ==, 5);

  g_ptr_array_extend (same, tests, NULL, NULL);
  again = shoal_dispatch_context_get_graph (context, same, &error);
  g_assert_true (again == first);

  shoal_dispatch_context_set_estimate (context, "s::b", 10);
  other = shoal_dispatch_context_get_graph (context, tests, &error);
  g_assert_true (other != first);
  g_assert_cmpfloat (shoal_test_graph_get_longest_chain (other), ==, 12);
  g_assert_cmpfloat (shoal_dispatch_context_estimate (context, tests->pdata[1]), ==, 10);

  g_ptr_array_set_size (same, 1);
  fewer = shoal_dispatch_context_get_graph (context, same, &error);
  g_assert_cmpuint (shoal_test_graph_get_n_tests (fewer), ==, 1);

  /* A copy for another worker count keeps the estimates. */
  copy = shoal_dispatch_context_copy (context, 5);
  g_assert_cmpuint (shoal_dispatch_context_get_n_workers (copy), ==, 5);
  g_assert_cmpfloat (shoal_dispatch_context_get_default_estimate (copy), ==, 2);
  g_assert_cmpfloat (shoal_dispatch_context_estimate (copy, tests->pdata[1]), ==, 10);
  shared = shoal_dispatch_context_get_graph (copy, same, &error);
  g_assert_true (shared == fewer);
}

/* Estimates recorded for many ids, found in and out of order. */
static void
test_context_estimates (void)
{
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.5);
  g_autoptr (GPtrArray) tests = new_tests ();

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);

      g_ptr_array_add (tests, make_test (name, 0, NULL));
      if (i % 3 != 0)
        shoal_dispatch_context_set_estimate (context, shoal_test_case_get_id (tests->pdata[i]),
                                             i);
    }
  shoal_dispatch_context_set_estimate (context, "s::t5", 0.25); /* again */
  for (guint k = 0; k < 2 * tests->len; k++)
    {
      guint i = k < tests->len ? k : (k * 7919) % tests->len;
      double expected = i == 5 ? 0.25 : i % 3 != 0 ? i
                                                   : 1.5;

      g_assert_cmpfloat (shoal_dispatch_context_estimate (context, tests->pdata[i]), ==, expected);
    }
}

/* The distribution manager -------------------------------------------------- */

static void
test_distribution_manager (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (ShoalTestDistributionManager) manager = NULL;
  g_autoptr (GPtrArray) tests = new_tests ();
  g_autoptr (GError) error = NULL;
  GList *groups, *skewed, *rebalanced;
  g_autoptr (ShoalTestGroup) heavy = shoal_test_group_new ("w1");
  g_autoptr (ShoalTestGroup) light = shoal_test_group_new ("w2");
  g_autofree char *four = NULL;

  /* A 5 s chain (2 + 3) and three 1 s tests: total 8 s on 2 workers. */
  g_ptr_array_add (tests, make_test ("head", 2, NULL));
  g_ptr_array_add (tests, make_test ("tail", 3, "head"));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("one%u", i);

      g_ptr_array_add (tests, make_test (name, 1, NULL));
    }
  manager = shoal_test_distribution_manager_new (strategy, context);
  /* max (8 / 2, 3, 5) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 0), ==, 5);
  /* max (8 / 4, 3, 5) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 4), ==, 5);
  /* max (8 / 1, ...) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 1), ==, 8);

  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (groups), ==, 2);
  /* The chain on one worker (5 s), the rest beside it. */
  g_assert_cmpfloat (shoal_test_distribution_manager_estimated_makespan (groups), ==, 5);
  g_assert_cmpfloat_with_epsilon (shoal_test_distribution_manager_calculate_balance_score (groups),
                                  8.0 / (2 * 5), 1e-9);
  g_list_free_full (groups, g_object_unref);

  /* Another worker count: its own groups, the same estimates. */
  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 4, &error);
  g_assert_no_error (error);
  four = describe_plan (groups);
  g_assert_cmpstr (four, ==, "w1: head tail | w2: one0 | w3: one1 | w4: one2");
  g_list_free_full (groups, g_object_unref);

  /* A lopsided plan is spread again longest first. */
  for (guint i = 0; i < tests->len; i++)
    shoal_test_group_add (heavy, tests->pdata[i],
                          shoal_dispatch_context_estimate (context, tests->pdata[i]));
  skewed = g_list_append (g_list_append (NULL, heavy), light);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (skewed), ==, 0.5);
  rebalanced = shoal_test_distribution_manager_rebalance_if_needed (manager, skewed, 0.9);
  {
    g_autofree char *spread = describe_plan (rebalanced);

    /* tail (3) w1, head (2) w2, one0 w2 (3), one1 w1 (4, the lower
     * numbered of equals), one2 w2 (4). */
    g_assert_cmpstr (spread, ==, "w1: tail one1 | w2: head one0 one2");
  }
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (rebalanced), ==, 1.0);
  g_list_free_full (rebalanced, g_object_unref);
  rebalanced = shoal_test_distribution_manager_rebalance_if_needed (manager, skewed, 0.4);
  g_assert_true (rebalanced->data == heavy);
  g_list_free_full (rebalanced, g_object_unref);
  g_list_free (skewed);
}

/* The score is mean load over the largest: 4 and 2 give 0.75, one empty
 * group of two halves it, no groups or no load is perfect. */
static void
test_balance_score (void)
{
  g_autoptr (ShoalTestGroup) four = shoal_test_group_new ("w1");
  g_autoptr (ShoalTestGroup) two = shoal_test_group_new ("w2");
  g_autoptr (ShoalTestGroup) none = shoal_test_group_new ("w3");
  g_autoptr (ShoalTestCase) test = make_test ("x", 1, NULL);
  GList *groups;

  shoal_test_group_add (four, test, 4);
  shoal_test_group_add (two, test, 2);
  groups = g_list_append (g_list_append (NULL, four), two);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (groups), ==, 0.75);
  g_assert_cmpfloat (shoal_test_distribution_manager_estimated_makespan (groups), ==, 4);
  g_list_free (groups);
  groups = g_list_append (g_list_append (NULL, four), none);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (groups), ==, 0.5);
  g_list_free (groups);
  groups = g_list_append (NULL, none);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (groups), ==, 1.0);
  g_list_free (groups);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (NULL), ==, 1.0);
}

/* The bound on a chain is the chain; tests in a cycle get an error from
 * the plan and a bound without the chain, and neither hangs. */
static void
test_distribution_manager_chains_and_cycles (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("time_based");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (4, 1.0);
  g_autoptr (ShoalTestDistributionManager) manager =
      shoal_test_distribution_manager_new (strategy, context);
  g_autoptr (GPtrArray) chain = new_tests ();
  g_autoptr (GPtrArray) cycle = new_tests ();
  g_autoptr (GError) error = NULL;
  GList *groups;

  /* 1 + 2 + 3 + 4 + 5 in a chain: max (15 / 4, 5, 15). */
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("c%u", i);
      g_autofree char *previous = i > 1 ? g_strdup_printf ("c%u", i - 1) : NULL;

      g_ptr_array_add (chain, make_test (name, i, previous));
    }
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, chain, 0), ==, 15);
  groups = shoal_test_distribution_manager_distribute_tests (manager, chain, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (shoal_test_distribution_manager_estimated_makespan (groups), ==, 15);
  g_list_free_full (groups, g_object_unref);

  g_ptr_array_add (cycle, make_test ("a", 6, "b"));
  g_ptr_array_add (cycle, make_test ("b", 1, "a"));
  g_ptr_array_add (cycle, make_test ("c", 1, NULL));
  groups = shoal_test_distribution_manager_distribute_tests (manager, cycle, 0, &error);
  g_assert_null (groups);
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "s::a -> s::b -> s::a"));
  /* max (8 / 4, 6) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, cycle, 0), ==, 6);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The order each strategy hands tests out in, its static plan, the test graph "
                  "and the distribution manager");

  for (guint i = 0; i < G_N_ELEMENTS (all_strategies); i++)
    {
      const char *name = all_strategies[i];
      struct
      {
        const char *what;
        GTestDataFunc func;
      } generic[] = {
        { "plan-respects-dependencies", test_plan_respects_dependencies },
        { "run-respects-dependencies", test_run_respects_dependencies },
        { "respects-can-start", test_respects_can_start },
        { "remove", test_remove },
        { "plan-refuses-cycles", test_plan_refuses_cycles },
      };

      for (guint g = 0; g < G_N_ELEMENTS (generic); g++)
        {
          g_autofree char *path = g_strdup_printf ("/shoal/strategies/%s/%s", name, generic[g].what);

          g_test_add_data_func (path, name, generic[g].func);
        }
    }

  g_test_add_func ("/shoal/strategies/fifo/order", test_fifo_order);
  g_test_add_func ("/shoal/strategies/fifo/plan", test_fifo_plan);
  g_test_add_func ("/shoal/strategies/load_balanced/critical-path-first",
                   test_load_balanced_critical_path_first);
  g_test_add_func ("/shoal/strategies/load_balanced/ties", test_load_balanced_ties);
  g_test_add_func ("/shoal/strategies/load_balanced/can-start-keeps-place",
                   test_load_balanced_respects_can_start);
  g_test_add_func ("/shoal/strategies/load_balanced/priority-first",
                   test_load_balanced_priority_first);
  g_test_add_func ("/shoal/strategies/load_balanced/plan", test_load_balanced_plan);
  g_test_add_func ("/shoal/strategies/load_balanced/plan-chain", test_load_balanced_plan_chain);
  g_test_add_func ("/shoal/strategies/time_based/plan", test_time_based_plan);
  g_test_add_func ("/shoal/strategies/time_based/steals", test_time_based_steals);
  g_test_add_func ("/shoal/strategies/round_robin/plan", test_round_robin_plan);
  g_test_add_func ("/shoal/strategies/round_robin/steals", test_round_robin_steals);
  g_test_add_func ("/shoal/strategies/dependency_aware/plan", test_dependency_aware_plan);
  g_test_add_func ("/shoal/strategies/dependency_aware/joins", test_dependency_aware_joins);
  g_test_add_func ("/shoal/strategies/resource_grouped/plan", test_resource_grouped_plan);
  g_test_add_func ("/shoal/strategies/resource_grouped/joins", test_resource_grouped_joins);
  g_test_add_func ("/shoal/strategies/resource_grouped/run", test_resource_grouped_run);
  g_test_add_func ("/shoal/strategies/graph/basics", test_graph);
  g_test_add_func ("/shoal/strategies/graph/estimates", test_graph_estimates);
  g_test_add_func ("/shoal/strategies/graph/cycles", test_graph_cycles);
  g_test_add_func ("/shoal/strategies/graph/long-chain", test_graph_long_chain);
  g_test_add_func ("/shoal/strategies/context/graph", test_context_graph);
  g_test_add_func ("/shoal/strategies/context/estimates", test_context_estimates);
  g_test_add_func ("/shoal/strategies/distribution-manager/plan-bound-rebalance",
                   test_distribution_manager);
  g_test_add_func ("/shoal/strategies/distribution-manager/balance-score", test_balance_score);
  g_test_add_func ("/shoal/strategies/distribution-manager/chains-and-cycles",
                   test_distribution_manager_chains_and_cycles);
  return g_test_run ();
}
