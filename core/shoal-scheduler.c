/* shoal-scheduler.c: runs tests on worker slots from one main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "shoal-error.h"
#include "shoal-event-log.h"
#include "shoal-execution.h"
#include "shoal-launcher-private.h"
#include "shoal-process-reaper-private.h"
#include "shoal-scheduler.h"
#include "shoal-worker-session.h"

/**
 * ShoalScheduler:
 *
 * Runs a set of tests on N worker slots.
 *
 * All of the scheduler's state is owned by the thread-default main context
 * of the thread that calls [method@Shoal.Scheduler.run_async]; nothing here
 * is touched from another thread, so there are no locks. A test is a child
 * process spawned from an argument vector in its own process group; its
 * end is an asynchronous wait, so no thread is needed per test.
 *
 * The life of one test:
 *
 * 1. it waits until every test it depends on has finished, then it is
 *    handed to the [iface@Shoal.Strategy] as ready;
 * 2. when a worker slot is free, the strategy picks the test it takes;
 * 3. its adapter describes the command, the core spawns it with output
 *    going straight to a log file (nothing is buffered in memory) and with
 *    `SHOAL_TEST_ID`, `SHOAL_WORKER_ID`, `TEST_WORKER_ID`, `SHOAL_RUN_ID`
 *    and a process cookie in its environment;
 * 4. on timeout its process group gets SIGTERM and, after the grace period,
 *    SIGKILL; when the main process ends, whatever is left in its group and
 *    every escaped descendant carrying its cookie is killed;
 * 5. the adapter turns the exit status and output into results, which enter
 *    the event stream (`events.ndjson`, then every reporter).
 *
 * [method@Shoal.Scheduler.interrupt] (the CLI calls it on SIGINT and
 * SIGTERM) stops starting tests, terminates the running ones the same way
 * as a timeout, and still ends the stream and the reports properly.
 */

typedef enum
{
  JOB_WAITING,
  JOB_READY,
  JOB_RUNNING,
  JOB_DONE,
} JobState;

/* The kinds of dependency, by the names shoal_scheduler_add_test_dependency()
 * takes. Each is an ordering edge; the last two also decide whether the
 * dependent runs at all. */
typedef enum
{
  DEPENDENCY_BEFORE,         /* order only */
  DEPENDENCY_REQUIRES,       /* skipped unless the dependency passed */
  DEPENDENCY_SKIP_IF_FAILED, /* skipped if the dependency failed */
  N_DEPENDENCY_KINDS,
} DependencyKind;

static const char *const dependency_kind_names[] = {
  "before",
  "requires",
  "skip_if_failed",
  NULL,
};
G_STATIC_ASSERT (G_N_ELEMENTS (dependency_kind_names) == N_DEPENDENCY_KINDS + 1);

typedef struct _Job Job;
typedef struct _Worker Worker;
typedef struct _Running Running;

struct _Job
{
  ShoalTestCase *test;
  ShoalAdapter *adapter;
  GPtrArray *dependents;    /* Job*, not owned: wait for this one */
  GPtrArray *dependencies;  /* Job*, not owned: this one waits for them */
  GPtrArray *required_by;   /* Job*, not owned: skipped unless this one passes */
  GPtrArray *failure_skips; /* Job*, not owned: skipped if this one fails */
  GStrv locks;              /* resources of the lock manager it takes */
  GStrv pool_requests;      /* "pool:count" it takes from the pool manager */
  GPtrArray *instances;     /* ShoalResourceInstance*, while it holds them */
  char *skip_reason;        /* set when a test it depends on stops it */
  GPtrArray *batch;         /* Job*, not owned, shared: the tests it may run with in one process */
  gint64 ready_since;       /* monotonic, while ready */
  guint index;
  guint n_waiting_for;
  guint attempt;
  guint slots;
  JobState state;
  gboolean holds_resources;
  gboolean passed;
  gboolean failed;             /* did not pass, and not by being skipped on its own */
  gboolean blocked_by_failure; /* a dependency that failed skips it */
  gboolean exclusive;
  gboolean estimate_known;   /* the history knows its duration */
  guint environment_retries; /* its environment could not be made */
  guint failed_attempts;     /* attempts that did not pass and were retried */
  char *avoid_worker;        /* retry_on_other_worker: the last attempt's */
};

struct _Worker
{
  char *id;
  Running *running;
  guint environment_failures; /* in a row */
  gboolean failed;
};

struct _Running
{
  ShoalScheduler *self;
  Job *job;
  GPtrArray *members; /* Job*, not owned: the rest of its batch, or NULL */
  Worker *worker;
  GPtrArray *extra_workers;          /* Worker*: the other slots a multi-slot test occupies */
  ShoalTestEnvironment *environment; /* (nullable): its private directories */
  ShoalRunCommand *command;
  ShoalWorkerSession *session; /* (nullable): the persistent worker it runs in */
  GSource *child_watch;
  int pidfd; /* -1 when GLib's child watch is used */
  char *output_path;
  char *cookie;
  gint64 start_monotonic;
  gint64 start_wall;
  guint timeout_id;
  guint kill_id;
  pid_t pid;
  double timeout;
  gboolean timed_out;
  gboolean interrupted;
};

struct _ShoalScheduler
{
  GObject parent_instance;

  guint max_workers;
  ShoalStrategy *strategy;
  double default_timeout;
  double kill_grace;
  char *run_dir;
  char *logs_dir;
  char *run_id;
  GStrv environment;

  GPtrArray *jobs;                        /* Job*, owned */
  GHashTable *jobs_by_id;                 /* test id -> Job* */
  GPtrArray *reporters;                   /* ShoalReporter* */
  GPtrArray *early_results;               /* ShoalTestResult*, recorded when the run starts */
  GPtrArray *extra_edges;                 /* char* triples: dependent, dependency, its kind's name */
  GPtrArray *warnings;                    /* char* */
  ShoalLockManager *lock_manager;         /* (nullable) */
  ShoalResourcePoolManager *pool_manager; /* (nullable) */
  ShoalEnvironmentManager *env_manager;   /* (nullable) */
  ShoalHistory *history;                  /* (nullable) */
  double resource_timeout;

  /* While running */
  GMainContext *main_context; /* where every source of the run is attached */
  GTask *task;
  ShoalDispatchContext *context;
  ShoalEventLog *event_log;
  ShoalRunSummary *summary;
  Worker *workers;
  GQueue idle_workers;
  GCancellable *cancellable;
  gulong cancelled_id;
  char **base_environ;
  guint64 sequence;
  gint64 start_monotonic;
  guint n_running;
  guint n_unfinished;
  guint dispatch_id;
  guint resource_tick_id;
  gboolean has_resource_requests;
  gboolean in_finish;
  GQueue skipped; /* Job*: ready tests to end as skipped, see finish_job() */
  GQueue finally; /* Job*: cleanups released by an interruption, to start */
  gboolean started;
  gboolean interrupted;
  gboolean event_log_failed;
  gboolean batching;
  gboolean exclusive_running;
  guint min_workers;  /* 0: a fixed number of workers */
  guint active_limit; /* worker slots that may be busy now */
  guint n_busy;       /* worker slots busy now */
  guint n_failed_workers;
  guint pressure_id;
  guint retries; /* the default number of retries */
  double retry_delay;
  gboolean retry_backoff;
  gboolean retry_on_other_worker;
  gboolean flaky_fails;
  GHashTable *quarantined;                    /* test ids */
  ShoalQuarantineManager *quarantine_manager; /* (nullable) */
  guint n_retry_delays;                       /* retries waiting for their delay */
  GHashTable *sessions;                       /* "worker\nadapter" -> ShoalWorkerSession: see start_in_session() */
  GPtrArray *ending_sessions;                 /* ShoalWorkerSession*: asked to end, see end_idle_sessions() */
  guint first_unfinished;                     /* jobs before this index are done */
};

G_DEFINE_FINAL_TYPE (ShoalScheduler, shoal_scheduler, G_TYPE_OBJECT)

enum
{
  SIGNAL_EVENT,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void dispatch (ShoalScheduler *self);
static void release_resources (ShoalScheduler *self,
                               Job *job);
static void finish_job (ShoalScheduler *self,
                        Job *job,
                        GPtrArray *results);

static void
job_free (Job *job)
{
  g_clear_object (&job->test);
  g_clear_object (&job->adapter);
  g_ptr_array_unref (job->dependents);
  g_ptr_array_unref (job->dependencies);
  g_ptr_array_unref (job->required_by);
  g_ptr_array_unref (job->failure_skips);
  g_strfreev (job->locks);
  g_strfreev (job->pool_requests);
  g_clear_pointer (&job->instances, g_ptr_array_unref);
  g_clear_pointer (&job->batch, g_ptr_array_unref);
  g_free (job->avoid_worker);
  g_free (job->skip_reason);
  g_free (job);
}

static void
shoal_scheduler_finalize (GObject *object)
{
  ShoalScheduler *self = SHOAL_SCHEDULER (object);

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->ending_sessions, g_ptr_array_unref);
  g_clear_object (&self->strategy);
  g_clear_pointer (&self->quarantined, g_hash_table_unref);
  g_clear_object (&self->quarantine_manager);
  g_clear_object (&self->lock_manager);
  g_clear_object (&self->pool_manager);
  g_clear_object (&self->env_manager);
  g_clear_object (&self->history);
  g_queue_clear (&self->skipped);
  g_queue_clear (&self->finally);
  g_free (self->run_dir);
  g_free (self->logs_dir);
  g_free (self->run_id);
  g_strfreev (self->environment);
  g_ptr_array_unref (self->jobs);
  g_hash_table_unref (self->jobs_by_id);
  g_ptr_array_unref (self->reporters);
  g_ptr_array_unref (self->early_results);
  g_ptr_array_unref (self->extra_edges);
  g_ptr_array_unref (self->warnings);
  g_clear_object (&self->context);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_object (&self->event_log);
  g_clear_object (&self->summary);
  if (self->workers != NULL)
    for (guint i = 0; i < self->max_workers; i++)
      g_free (self->workers[i].id);
  g_free (self->workers);
  g_queue_clear (&self->idle_workers);
  g_strfreev (self->base_environ);

  G_OBJECT_CLASS (shoal_scheduler_parent_class)->finalize (object);
}

static void
shoal_scheduler_class_init (ShoalSchedulerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_scheduler_finalize;

  /**
   * ShoalScheduler::event:
   * @self: the scheduler
   * @event: the event
   *
   * Emitted on the scheduler's main context for every event of the run,
   * after it was written to the event log and given to the reporters.
   */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_EVENT);
}

static void
shoal_scheduler_init (ShoalScheduler *self)
{
  self->default_timeout = 300;
  self->kill_grace = 5;
  self->resource_timeout = 300;
  self->batching = TRUE;
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->jobs_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->ending_sessions = g_ptr_array_new_with_free_func (g_object_unref);
  self->reporters = g_ptr_array_new_with_free_func (g_object_unref);
  self->early_results = g_ptr_array_new_with_free_func (g_object_unref);
  self->extra_edges = g_ptr_array_new_with_free_func (g_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
}

/**
 * shoal_scheduler_new:
 * @max_workers: the number of worker slots, or 0 for the number of CPUs
 *
 * Returns: (transfer full): a new scheduler
 */
ShoalScheduler *
shoal_scheduler_new (guint max_workers)
{
  ShoalScheduler *self = g_object_new (SHOAL_TYPE_SCHEDULER, NULL);

  self->max_workers = max_workers > 0 ? max_workers : (guint) g_get_num_processors ();
  return self;
}

/**
 * shoal_scheduler_get_max_workers:
 * @self: a scheduler
 *
 * Returns: the number of worker slots
 */
guint
shoal_scheduler_get_max_workers (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), 0);
  return self->max_workers;
}

/**
 * shoal_scheduler_set_strategy:
 * @self: a scheduler
 * @strategy: the distribution strategy
 *
 * Sets the strategy; without one, tests run in the order they were added.
 */
void
shoal_scheduler_set_strategy (ShoalScheduler *self,
                              ShoalStrategy *strategy)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (SHOAL_IS_STRATEGY (strategy));
  g_return_if_fail (!self->started);
  g_set_object (&self->strategy, strategy);
}

/**
 * shoal_scheduler_set_default_timeout:
 * @self: a scheduler
 * @seconds: the timeout of tests without their own, or 0 for none
 *
 * Sets the default per-test timeout (300 s unless set).
 */
void
shoal_scheduler_set_default_timeout (ShoalScheduler *self,
                                     double seconds)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (seconds >= 0);
  self->default_timeout = seconds;
}

/**
 * shoal_scheduler_set_lock_manager:
 * @self: a scheduler
 * @lock_manager: (nullable): the locks tests can ask for (`resources:`)
 *
 * Sets the lock manager whose resources tests name in their required
 * resources. The scheduler takes all of a test's locks and pool instances
 * at once, or none, before it starts the test.
 */
void
shoal_scheduler_set_lock_manager (ShoalScheduler *self,
                                  ShoalLockManager *lock_manager)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (lock_manager == NULL || SHOAL_IS_LOCK_MANAGER (lock_manager));
  g_return_if_fail (!self->started);
  g_set_object (&self->lock_manager, lock_manager);
}

/**
 * shoal_scheduler_get_lock_manager:
 * @self: a scheduler
 *
 * Returns: (transfer none) (nullable): the lock manager
 */
ShoalLockManager *
shoal_scheduler_get_lock_manager (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  return self->lock_manager;
}

/**
 * shoal_scheduler_set_pool_manager:
 * @self: a scheduler
 * @pool_manager: (nullable): the pools tests can ask for (`resource_pools:`)
 *
 * Sets the pool manager whose pools tests name (`pool` or `pool:count`) in
 * their required resources; the instances a test gets are in its
 * environment as `SHOAL_RESOURCE_<POOL>` and in its result.
 */
void
shoal_scheduler_set_pool_manager (ShoalScheduler *self,
                                  ShoalResourcePoolManager *pool_manager)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (pool_manager == NULL || SHOAL_IS_RESOURCE_POOL_MANAGER (pool_manager));
  g_return_if_fail (!self->started);
  g_set_object (&self->pool_manager, pool_manager);
}

/**
 * shoal_scheduler_get_pool_manager:
 * @self: a scheduler
 *
 * Returns: (transfer none) (nullable): the pool manager
 */
ShoalResourcePoolManager *
shoal_scheduler_get_pool_manager (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  return self->pool_manager;
}

/**
 * shoal_scheduler_set_environment_manager:
 * @self: a scheduler
 * @manager: (nullable): makes each test's private directories
 *
 * With an environment manager every test runs with a directory of its own
 * (`TMPDIR` inside it, and `HOME` and the XDG directories too when it
 * isolates homes), removed after the test or kept when it failed, and
 * tests of a `workspace: copy` suite run in their worker's copy of the
 * suite's tree.
 */
void
shoal_scheduler_set_environment_manager (ShoalScheduler *self,
                                         ShoalEnvironmentManager *manager)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (manager == NULL || SHOAL_IS_ENVIRONMENT_MANAGER (manager));
  g_return_if_fail (!self->started);
  g_set_object (&self->env_manager, manager);
}

/**
 * shoal_scheduler_get_environment_manager:
 * @self: a scheduler
 *
 * Returns: (transfer none) (nullable): the environment manager
 */
ShoalEnvironmentManager *
shoal_scheduler_get_environment_manager (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  return self->env_manager;
}

/**
 * shoal_scheduler_set_history:
 * @self: a scheduler
 * @history: (nullable): where attempts are recorded and estimates come from
 *
 * With a history, every attempt of the run is recorded (in batches, off the
 * per-test path), and the strategy gets each test's estimated duration from
 * it: the test's own mean, else the median of its suite's, else its own
 * declared estimate or a second.
 */
void
shoal_scheduler_set_history (ShoalScheduler *self,
                             ShoalHistory *history)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (history == NULL || SHOAL_IS_HISTORY (history));
  g_return_if_fail (!self->started);
  g_set_object (&self->history, history);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1
                            : 0;
}

/* Estimates for every test of the run, in one query: the test's own, else
 * the median of its suite's known ones. */
static void
load_estimates (ShoalScheduler *self)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autoptr (GHashTable) known = NULL;
  g_autoptr (GHashTable) by_suite = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_array_unref);

  for (guint i = 0; i < self->jobs->len; i++)
    g_ptr_array_add (ids, (gpointer) shoal_test_case_get_id (((Job *) self->jobs->pdata[i])->test));
  g_ptr_array_add (ids, NULL);
  known = shoal_history_get_estimates (self->history, (const char *const *) ids->pdata);
  if (known == NULL)
    return;

  for (guint i = 0; i < self->jobs->len; i++)
    {
      ShoalTestCase *test = ((Job *) self->jobs->pdata[i])->test;
      const double *mean = g_hash_table_lookup (known, shoal_test_case_get_id (test));
      GArray *values;

      if (mean == NULL)
        continue;
      ((Job *) self->jobs->pdata[i])->estimate_known = TRUE;
      shoal_dispatch_context_set_estimate (self->context, shoal_test_case_get_id (test), *mean);
      values = g_hash_table_lookup (by_suite, shoal_test_case_get_suite (test));
      if (values == NULL)
        {
          values = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (by_suite, (gpointer) shoal_test_case_get_suite (test), values);
        }
      g_array_append_val (values, *mean);
    }
  for (guint i = 0; i < self->jobs->len; i++)
    {
      ShoalTestCase *test = ((Job *) self->jobs->pdata[i])->test;
      GArray *values;
      double median;

      if (g_hash_table_contains (known, shoal_test_case_get_id (test)) ||
          shoal_test_case_get_estimated_duration (test) > 0)
        continue;
      values = g_hash_table_lookup (by_suite, shoal_test_case_get_suite (test));
      if (values == NULL || values->len == 0)
        continue;
      g_array_sort (values, compare_doubles);
      median = values->len % 2 ? g_array_index (values, double, values->len / 2)
                               : (g_array_index (values, double, values->len / 2 - 1) +
                                  g_array_index (values, double, values->len / 2)) /
                                     2;
      shoal_dispatch_context_set_estimate (self->context, shoal_test_case_get_id (test), median);
    }
}

/**
 * shoal_scheduler_set_batching:
 * @self: a scheduler
 * @batching: whether short tests may share a process
 *
 * With batching (the default), short tests that their adapter says may run
 * in one process ([method@Shoal.Adapter.get_batch_key]) are grouped when
 * the run starts.
 */
void
shoal_scheduler_set_batching (ShoalScheduler *self,
                              gboolean batching)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (!self->started);
  self->batching = !!batching;
}

/* Batching
 *
 * Tests of an adapter that can batch are grouped when the run starts, on
 * their estimates, so that very short ones share a process:
 *
 * - only tests that hold nothing (no lock, pool, extra slot, not exclusive,
 *   not a cleanup) and that would run the same way share a group, in
 *   discovery order. What "the same way" means depends on the framework, so
 *   the adapter says it: tests of one adapter with equal batch keys
 *   (shoal_adapter_get_batch_key(): one program, one `.test` file, one
 *   interpreter and its arguments), and a NULL key runs alone. To it the
 *   core adds what it owns and may change after discovery: the working
 *   directory, the workspace (and what it leaves out) and the environment;
 * - the target of a group is the suite's share of the work cut into four
 *   pieces per worker, at most BATCH_TARGET_MAX seconds, so batches stay
 *   small enough to keep every worker busy to the end; a test estimated at
 *   the target or more runs alone;
 * - tests the history does not know are grouped by count instead, as many
 *   per group as gives four groups per worker, at most BATCH_MAX_UNKNOWN.
 *
 * A group is not run as a fixed unit: when the strategy hands out one of its
 * tests, the members that are ready at that moment run with it, and those
 * not ready yet go later. A member the adapter reports no result for did
 * not run (the case before it crashed or timed out, charged to that case):
 * it is queued again, to run alone. */

#define BATCH_TARGET_MAX 2.0
#define BATCH_MAX_UNKNOWN 50
#define BATCH_GROUPS_PER_WORKER 4

static gboolean
can_share_process (ShoalScheduler *self,
                   Job *job)
{
  return job->locks == NULL && job->pool_requests == NULL && job->slots == 1 &&
         !shoal_test_case_get_exclusive (job->test) &&
         !shoal_test_case_get_runs_finally (job->test);
}

/* Each part with its length, so that no adapter key or variable holding a
 * newline can make two different tuples read the same. */
static void
append_key_part (GString *key,
                 const char *part)
{
  if (part == NULL)
    g_string_append (key, "-;");
  else
    g_string_append_printf (key, "%zu:%s;", strlen (part), part);
}

static void
append_key_parts (GString *key,
                  const char *const *parts)
{
  g_string_append_printf (key, "%u;", g_strv_length ((char **) parts));
  for (guint i = 0; parts[i] != NULL; i++)
    append_key_part (key, parts[i]);
}

/* Tests batch together only if they would run the same way: the adapter's
 * key, then what the core owns. NULL when the adapter says the test runs
 * alone. */
static char *
batch_key (Job *job)
{
  g_autofree char *adapter_key = shoal_adapter_get_batch_key (job->adapter, job->test);
  GString *key;

  if (adapter_key == NULL)
    return NULL;
  key = g_string_new (NULL);
  g_string_append_printf (key, "%p;", (void *) job->adapter);
  append_key_part (key, adapter_key);
  append_key_part (key, shoal_test_case_get_cwd (job->test));
  append_key_part (key, shoal_test_case_get_workspace (job->test));
  append_key_parts (key, shoal_test_case_get_workspace_exclude (job->test));
  append_key_parts (key, shoal_test_case_get_environment (job->test));
  return g_string_free (key, FALSE);
}

static void
close_batch (GPtrArray **batch)
{
  if (*batch == NULL)
    return;
  if ((*batch)->len > 1)
    for (guint i = 0; i < (*batch)->len; i++)
      ((Job *) (*batch)->pdata[i])->batch = g_ptr_array_ref (*batch);
  g_clear_pointer (batch, g_ptr_array_unref);
}

static void
compute_batches (ShoalScheduler *self)
{
  g_autoptr (GHashTable) families = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  guint n_batchable = 0;

  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = self->jobs->pdata[i];
      g_autofree char *key = NULL;
      GPtrArray *family;

      if (!can_share_process (self, job))
        continue;
      key = batch_key (job);
      if (key == NULL)
        continue;
      family = g_hash_table_lookup (families, key);
      if (family == NULL)
        {
          family = g_ptr_array_new ();
          g_ptr_array_add (order, family);
          g_hash_table_insert (families, g_steal_pointer (&key), family);
        }
      g_ptr_array_add (family, job);
      n_batchable++;
    }
  if (n_batchable < 2)
    return;

  for (guint f = 0; f < order->len; f++)
    {
      GPtrArray *family = order->pdata[f];
      g_autoptr (GPtrArray) known = NULL;
      g_autoptr (GPtrArray) unknown = NULL;
      guint n_known = 0, n_unknown = 0, unknown_size;
      double total = 0, target;

      if (family->len < 2)
        continue;
      for (guint i = 0; i < family->len; i++)
        {
          Job *job = family->pdata[i];

          if (job->estimate_known)
            {
              total += shoal_dispatch_context_estimate (self->context, job->test);
              n_known++;
            }
          else
            n_unknown++;
        }
      target = MIN (BATCH_TARGET_MAX, total / (self->max_workers * BATCH_GROUPS_PER_WORKER));
      unknown_size = MIN (BATCH_MAX_UNKNOWN,
                          (n_unknown + self->max_workers * BATCH_GROUPS_PER_WORKER - 1) /
                              (self->max_workers * BATCH_GROUPS_PER_WORKER));

      {
        double sum = 0;

        for (guint i = 0; i < family->len; i++)
          {
            Job *job = family->pdata[i];

            if (job->estimate_known)
              {
                double estimate = shoal_dispatch_context_estimate (self->context, job->test);

                if (estimate >= target)
                  continue; /* long enough to run alone */
                if (known == NULL)
                  known = g_ptr_array_new ();
                g_ptr_array_add (known, job);
                sum += estimate;
                if (sum >= target)
                  {
                    close_batch (&known);
                    sum = 0;
                  }
              }
            else if (unknown_size > 1)
              {
                if (unknown == NULL)
                  unknown = g_ptr_array_new ();
                g_ptr_array_add (unknown, job);
                if (unknown->len >= unknown_size)
                  close_batch (&unknown);
              }
          }
        close_batch (&known);
        close_batch (&unknown);
      }
    }
}

/**
 * shoal_scheduler_set_resource_timeout:
 * @self: a scheduler
 * @seconds: how long a ready test may wait for its resources
 *
 * A test that is ready but cannot get its resources for longer than this
 * ends as `error`, with a message naming the resources (300 s unless set).
 */
void
shoal_scheduler_set_resource_timeout (ShoalScheduler *self,
                                      double seconds)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (seconds > 0);
  self->resource_timeout = seconds;
}

/**
 * shoal_scheduler_set_kill_grace:
 * @self: a scheduler
 * @seconds: time between SIGTERM and SIGKILL
 *
 * Sets the grace period a timed-out test's process group gets between
 * SIGTERM and SIGKILL (5 s unless set).
 */
void
shoal_scheduler_set_kill_grace (ShoalScheduler *self,
                                double seconds)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (seconds >= 0);
  self->kill_grace = seconds;
}

/**
 * shoal_scheduler_set_run_dir:
 * @self: a scheduler
 * @run_dir: (type filename): the directory for `events.ndjson` and `logs/`
 *
 * Sets where the run's event stream and captured output go. Without one, a
 * fresh directory under the temporary directory is used.
 */
void
shoal_scheduler_set_run_dir (ShoalScheduler *self,
                             const char *run_dir)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (!self->started);
  g_free (self->run_dir);
  self->run_dir = g_strdup (run_dir);
}

/**
 * shoal_scheduler_set_run_id:
 * @self: a scheduler
 * @run_id: the run's id
 *
 * Sets the run's id (by default a time stamp and a random suffix).
 */
void
shoal_scheduler_set_run_id (ShoalScheduler *self,
                            const char *run_id)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (run_id != NULL);
  g_return_if_fail (!self->started);
  g_free (self->run_id);
  self->run_id = g_strdup (run_id);
}

static char *
make_run_id (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");

  return g_strdup_printf ("%s-%06x", stamp, g_random_int () & 0xffffff);
}

/**
 * shoal_scheduler_get_run_id:
 * @self: a scheduler
 *
 * Returns: (transfer none): the run's id
 */
const char *
shoal_scheduler_get_run_id (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  if (self->run_id == NULL)
    self->run_id = make_run_id ();
  return self->run_id;
}

/**
 * shoal_scheduler_set_environment:
 * @self: a scheduler
 * @environment: (array zero-terminated=1) (nullable): `NAME=VALUE` entries
 *
 * Sets variables every test gets on top of the runner's environment (the
 * `environment_variables` of `shoal.yaml`).
 */
void
shoal_scheduler_set_environment (ShoalScheduler *self,
                                 const char *const *environment)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_strfreev (self->environment);
  self->environment = g_strdupv ((char **) environment);
}

/**
 * shoal_scheduler_add_test:
 * @self: a scheduler
 * @test: a test (sealed by the scheduler)
 * @adapter: the adapter that runs it
 * @error: return location for a #GError
 *
 * Adds a test to the run. Its id must be unique.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_scheduler_add_test (ShoalScheduler *self,
                          ShoalTestCase *test,
                          ShoalAdapter *adapter,
                          GError **error)
{
  Job *job;

  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), FALSE);
  g_return_val_if_fail (SHOAL_IS_ADAPTER (adapter), FALSE);

  if (self->started)
    {
      g_set_error_literal (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                           _ ("tests cannot be added to a run that has started"));
      return FALSE;
    }
  if (g_hash_table_contains (self->jobs_by_id, shoal_test_case_get_id (test)))
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                   _ ("two tests have the id '%s'"), shoal_test_case_get_id (test));
      return FALSE;
    }

  shoal_test_case_seal (test);
  job = g_new0 (Job, 1);
  job->test = g_object_ref (test);
  job->adapter = g_object_ref (adapter);
  job->dependents = g_ptr_array_new ();
  job->dependencies = g_ptr_array_new ();
  job->required_by = g_ptr_array_new ();
  job->failure_skips = g_ptr_array_new ();
  job->slots = shoal_test_case_get_slots (test);
  job->index = self->jobs->len;
  g_ptr_array_add (self->jobs, job);
  g_hash_table_insert (self->jobs_by_id, (char *) shoal_test_case_get_id (test), job);
  return TRUE;
}

/**
 * shoal_scheduler_add_test_dependency:
 * @self: a scheduler
 * @dependent_test: the id of the test that waits
 * @dependency_test: the id of the test it waits for
 * @dependency_type: (nullable): `before` (order only, the default),
 *   `requires` (the dependent is skipped, with the reason, when its
 *   dependency did not pass) or `skip_if_failed` (the dependent is skipped
 *   when its dependency failed, see
 *   [method@Shoal.TestCase.get_skip_if_failed]; a skipped one lets it run)
 * @error: return location for a #GError
 *
 * The seed's `add_test_dependency`: adds a dependency between two tests of
 * the run, on top of those the tests declare. Cycles are refused when the
 * run starts, with the cycle spelled out.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_scheduler_add_test_dependency (ShoalScheduler *self,
                                     const char *dependent_test,
                                     const char *dependency_test,
                                     const char *dependency_type,
                                     GError **error)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (dependent_test != NULL && dependency_test != NULL, FALSE);

  if (dependency_type == NULL)
    dependency_type = dependency_kind_names[DEPENDENCY_BEFORE];
  if (!g_strv_contains (dependency_kind_names, dependency_type))
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                   _ ("unknown dependency type '%s' (it is 'before', 'requires' or "
                      "'skip_if_failed')"),
                   dependency_type);
      return FALSE;
    }
  for (guint i = 0; i < 2; i++)
    {
      const char *id = i == 0 ? dependent_test : dependency_test;

      if (!g_hash_table_contains (self->jobs_by_id, id))
        {
          g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                       _ ("no test '%s' in this run"), id);
          return FALSE;
        }
    }
  if (self->started)
    {
      g_set_error_literal (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                           _ ("dependencies cannot be added to a run that has started"));
      return FALSE;
    }
  g_ptr_array_add (self->extra_edges, g_strdup (dependent_test));
  g_ptr_array_add (self->extra_edges, g_strdup (dependency_test));
  g_ptr_array_add (self->extra_edges, g_strdup (dependency_type));
  return TRUE;
}

/**
 * shoal_scheduler_add_result:
 * @self: a scheduler
 * @result: a result known before the run (a suite whose discovery failed)
 *
 * Adds a result that enters the stream as soon as the run starts, so that a
 * problem found before the run is reported like any test and fails the run.
 */
void
shoal_scheduler_add_result (ShoalScheduler *self,
                            ShoalTestResult *result)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (SHOAL_IS_TEST_RESULT (result));
  g_return_if_fail (!self->started);
  g_ptr_array_add (self->early_results, g_object_ref (result));
}

/**
 * shoal_scheduler_add_reporter:
 * @self: a scheduler
 * @reporter: an opened reporter
 *
 * Adds a reporter; the scheduler gives it every event and closes it when
 * the run ends.
 */
void
shoal_scheduler_add_reporter (ShoalScheduler *self,
                              ShoalReporter *reporter)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (SHOAL_IS_REPORTER (reporter));
  g_ptr_array_add (self->reporters, g_object_ref (reporter));
}

/* Events */

static void
emit_event (ShoalScheduler *self,
            ShoalEventKind kind,
            JsonObject *payload)
{
  g_autoptr (ShoalEvent) event = NULL;
  g_autoptr (GError) error = NULL;

  event = shoal_event_new (kind, ++self->sequence, g_get_real_time (), payload);

  if (self->event_log != NULL && !self->event_log_failed &&
      !shoal_event_log_append (self->event_log, event, &error))
    {
      /* Keep running and reporting; say once that the stream is incomplete. */
      self->event_log_failed = TRUE;
      g_ptr_array_add (self->warnings, g_strdup (error->message));
    }
  for (guint i = 0; i < self->reporters->len; i++)
    shoal_reporter_handle_event (g_ptr_array_index (self->reporters, i), event);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);
}

static void
emit_log (ShoalScheduler *self,
          const char *level,
          const char *message)
{
  g_autoptr (JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "level", level);
  json_object_set_string_member (payload, "message", message);
  emit_event (self, SHOAL_EVENT_LOG_MESSAGE, payload);
}

static void
emit_worker_event (ShoalScheduler *self,
                   ShoalEventKind kind,
                   Worker *worker)
{
  g_autoptr (JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "worker_id", worker->id);
  emit_event (self, kind, payload);
}

/* Results */

static void
record_results (ShoalScheduler *self,
                GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      g_autoptr (JsonObject) payload = json_object_new ();

      shoal_test_result_seal (result);
      json_object_set_member (payload, "result", shoal_test_result_to_json (result));
      emit_event (self, SHOAL_EVENT_TEST_FINISHED, payload);
      shoal_run_summary_add_result (self->summary, result);
      if (self->history != NULL)
        {
          g_autoptr (GError) error = NULL;

          /* A history that cannot be written never stops the run. */
          if (!shoal_history_record (self->history, self->run_id, g_get_host_name (), result,
                                     shoal_test_result_get_peak_rss (result),
                                     &error))
            {
              g_ptr_array_add (self->warnings, g_strdup (error->message));
              g_clear_object (&self->history);
            }
        }
    }
}

static GPtrArray *
make_error_results (Job *job,
                    ShoalOutcome outcome,
                    const char *worker_id,
                    const char *message)
{
  GPtrArray *results = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalTestResult *result = shoal_test_result_new (shoal_test_case_get_id (job->test), outcome);
  gint64 now = g_get_real_time ();

  shoal_test_result_set_name (result, shoal_test_case_get_name (job->test));
  shoal_test_result_set_suite (result, shoal_test_case_get_suite (job->test));
  shoal_test_result_set_times (result, now, now);
  shoal_test_result_set_worker_id (result, worker_id);
  shoal_test_result_set_attempt (result, MAX (job->attempt, 1));
  shoal_test_result_set_message (result, message);
  g_ptr_array_add (results, result);
  return results;
}

/* Process handling */

/* Every source of the run goes to the context run_async was called in,
 * which need not be the global default one (shoal_scheduler_run iterates a
 * private context). */
static guint
add_timeout (ShoalScheduler *self,
             double seconds,
             GSourceFunc func,
             gpointer data)
{
  g_autoptr (GSource) source = g_timeout_source_new ((guint) MIN (seconds * 1000, G_MAXUINT));
  guint id;

  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, func, data, NULL);
  id = g_source_attach (source, self->main_context);
  return id;
}

static void
remove_source (ShoalScheduler *self,
               guint *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->main_context, *id);

      if (source != NULL)
        g_source_destroy (source);
      *id = 0;
    }
}

static void
running_free (Running *running)
{
  remove_source (running->self, &running->timeout_id);
  remove_source (running->self, &running->kill_id);
  if (running->child_watch != NULL)
    g_source_destroy (running->child_watch);
  g_clear_pointer (&running->child_watch, g_source_unref);
  if (running->pidfd >= 0)
    close (running->pidfd);
  g_clear_object (&running->command);
  g_clear_object (&running->session);
  g_clear_pointer (&running->extra_workers, g_ptr_array_unref);
  g_clear_pointer (&running->members, g_ptr_array_unref);
  g_clear_object (&running->environment);
  g_free (running->output_path);
  g_free (running->cookie);
  g_free (running);
}

static gboolean
kill_after_grace (gpointer user_data)
{
  Running *running = user_data;

  running->kill_id = 0;
  _shoal_process_reaper_kill_group (running->pid, SIGKILL);
  _shoal_process_reaper_kill_cookie (running->cookie, FALSE, running->pid);
  return G_SOURCE_REMOVE;
}

static void
terminate_running (Running *running)
{
  ShoalScheduler *self = running->self;

  _shoal_process_reaper_kill_group (running->pid, SIGTERM);
  if (running->kill_id == 0)
    running->kill_id = add_timeout (self, self->kill_grace, kill_after_grace, running);
}

static gboolean
on_timeout (gpointer user_data)
{
  Running *running = user_data;

  running->timeout_id = 0;
  running->timed_out = TRUE;
  terminate_running (running);
  return G_SOURCE_REMOVE;
}

/* Removes the test's directory, or keeps it when the test failed and the
 * manager preserves failures; the kept path goes into the message. */
static void
finish_test_environment (ShoalScheduler *self,
                         ShoalTestEnvironment *environment,
                         GPtrArray *results)
{
  g_autofree char *kept = NULL;
  g_autoptr (GError) error = NULL;
  gboolean passed = TRUE;

  for (guint i = 0; i < results->len; i++)
    if (!shoal_outcome_is_success (shoal_test_result_get_outcome (g_ptr_array_index (results, i))))
      passed = FALSE;
  if (!shoal_environment_manager_finish_test_environment (self->env_manager, environment, passed,
                                                          &kept, &error))
    {
      g_autofree char *warning = g_strdup_printf (_ ("%s: %s"),
                                                  shoal_test_environment_get_test_id (environment),
                                                  error->message);

      emit_log (self, "warning", warning);
    }
  for (guint i = 0; kept != NULL && i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      const char *message = shoal_test_result_get_message (result);
      g_autofree char *with_path = NULL;

      /* Kept for a failure: the note goes where the failure is, not on
       * the members of its batch that passed. */
      if (shoal_test_result_is_sealed (result) ||
          (!passed && shoal_outcome_is_success (shoal_test_result_get_outcome (result))))
        continue;
      with_path = g_strdup_printf (_ ("%s%sits directory was kept: %s"), message != NULL ? message : "",
                                   message != NULL ? "; " : "", kept);
      shoal_test_result_set_message (result, with_path);
    }
}

/* Writes what the attempt held (`pool:id` per instance, and the names of
 * its locks) into its results, before they are sealed. */
static void
record_held_resources (ShoalScheduler *self,
                       Job *job,
                       GPtrArray *results)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) held = NULL;

  if (!job->holds_resources)
    return;
  builder = g_strv_builder_new ();
  for (guint i = 0; job->instances != NULL && i < job->instances->len; i++)
    {
      ShoalResourceInstance *instance = g_ptr_array_index (job->instances, i);
      g_autofree char *entry = g_strdup_printf ("%s:%s", shoal_resource_instance_get_pool (instance),
                                                shoal_resource_instance_get_id (instance));

      g_strv_builder_add (builder, entry);
    }
  for (guint i = 0; job->locks != NULL && job->locks[i] != NULL; i++)
    g_strv_builder_add (builder, job->locks[i]);
  held = g_strv_builder_end (builder);
  for (guint i = 0; i < results->len; i++)
    if (!shoal_test_result_is_sealed (g_ptr_array_index (results, i)))
      shoal_test_result_set_resources (g_ptr_array_index (results, i), (const char *const *) held);
}

/* Workers
 *
 * With a fixed number of workers every slot may be busy. With a range
 * (shoal_scheduler_set_min_workers()), a timer watches the machine: when
 * other work already keeps every CPU busy (the 1-minute load average minus
 * the run's own running tests is above the number of CPUs) or memory runs
 * low (MemAvailable under 5% of MemTotal), one slot fewer may be busy, down
 * to the minimum; when neither holds and tests are waiting, one more, up
 * to the maximum. A worker whose test environment cannot be made
 * WORKER_FAILURE_LIMIT times in a row is marked failed and takes no more
 * tests; what it would have run goes to the others (the last healthy
 * worker is never failed). */

static void schedule_dispatch (ShoalScheduler *self);

#define WORKER_FAILURE_LIMIT 3
#define LOW_MEMORY_FRACTION 0.05

static guint
available_slots (ShoalScheduler *self)
{
  guint idle = g_queue_get_length (&self->idle_workers);
  guint allowed = self->active_limit > self->n_busy ? self->active_limit - self->n_busy : 0;

  return MIN (idle, allowed);
}

static void
release_worker (ShoalScheduler *self,
                Worker *worker)
{
  self->n_busy--;
  if (!worker->failed)
    g_queue_push_tail (&self->idle_workers, worker);
}

static gboolean
mark_worker_failed (ShoalScheduler *self,
                    Worker *worker,
                    const char *reason)
{
  g_autoptr (JsonObject) payload = json_object_new ();
  g_autofree char *message = NULL;

  if (worker->failed || self->n_failed_workers + 1 >= self->max_workers)
    return FALSE;
  worker->failed = TRUE;
  self->n_failed_workers++;
  g_queue_remove (&self->idle_workers, worker);
  self->active_limit = MIN (self->active_limit, self->max_workers - self->n_failed_workers);
  message = g_strdup_printf (_ ("worker %s failed (%s); its tests go to the other workers"),
                             worker->id, reason);
  emit_log (self, "warning", message);
  json_object_set_string_member (payload, "worker_id", worker->id);
  json_object_set_string_member (payload, "status", "failed");
  json_object_set_string_member (payload, "reason", reason);
  emit_event (self, SHOAL_EVENT_WORKER_STOPPED, payload);
  return TRUE;
}

static gboolean
worker_environment_failed (ShoalScheduler *self,
                           Worker *worker,
                           const char *reason)
{
  return ++worker->environment_failures >= WORKER_FAILURE_LIMIT &&
         mark_worker_failed (self, worker, reason);
}

/**
 * shoal_scheduler_redistribute_failed_worker_tests:
 * @self: a scheduler
 * @worker_ids: (array zero-terminated=1): ids of workers (`w1`, ...) found
 *   failed, by a health check for instance
 *
 * The seed's `redistribute_failed_worker_tests`: the workers take no more
 * tests, and the tests they would have run go to the others. A test running
 * on one of them runs to its end. The last healthy worker is never failed.
 *
 * Returns: how many workers were marked failed
 */
guint
shoal_scheduler_redistribute_failed_worker_tests (ShoalScheduler *self,
                                                  const char *const *worker_ids)
{
  guint marked = 0;

  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), 0);
  g_return_val_if_fail (worker_ids != NULL, 0);

  for (guint i = 0; worker_ids[i] != NULL && self->workers != NULL; i++)
    for (guint w = 0; w < self->max_workers; w++)
      if (g_str_equal (self->workers[w].id, worker_ids[i]) &&
          mark_worker_failed (self, &self->workers[w], _ ("reported failed")))
        marked++;
  if (marked > 0)
    schedule_dispatch (self);
  return marked;
}

/**
 * shoal_scheduler_get_active_workers:
 * @self: a scheduler
 *
 * Returns: how many worker slots may be busy now (all of them, unless the
 *   number follows the load or workers failed)
 */
guint
shoal_scheduler_get_active_workers (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), 0);
  return self->started ? self->active_limit : self->max_workers;
}

/**
 * shoal_scheduler_set_min_workers:
 * @self: a scheduler
 * @min_workers: the fewest worker slots kept busy under pressure, or 0 for
 *   a fixed number of workers (the default)
 *
 * Makes the number of busy worker slots follow the machine, between
 * @min_workers and the maximum: see the class description.
 */
void
shoal_scheduler_set_min_workers (ShoalScheduler *self,
                                 guint min_workers)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (!self->started);
  self->min_workers = min_workers;
}

/* The 1-minute load average and the memory figures, from /proc (or the
 * files SHOAL_LOADAVG_FILE and SHOAL_MEMINFO_FILE name, for tests). */
static gboolean
read_pressure (double *load,
               guint64 *mem_total,
               guint64 *mem_available)
{
  const char *loadavg_path = g_getenv ("SHOAL_LOADAVG_FILE");
  const char *meminfo_path = g_getenv ("SHOAL_MEMINFO_FILE");
  g_autofree char *loadavg = NULL;
  g_autofree char *meminfo = NULL;
  const char *line;

  if (!g_file_get_contents (loadavg_path != NULL ? loadavg_path : "/proc/loadavg", &loadavg,
                            NULL, NULL) ||
      !g_file_get_contents (meminfo_path != NULL ? meminfo_path : "/proc/meminfo", &meminfo,
                            NULL, NULL))
    return FALSE;
  *load = g_ascii_strtod (loadavg, NULL);
  *mem_total = *mem_available = 0;
  if ((line = strstr (meminfo, "MemTotal:")) != NULL)
    *mem_total = g_ascii_strtoull (line + strlen ("MemTotal:"), NULL, 10);
  if ((line = strstr (meminfo, "MemAvailable:")) != NULL)
    *mem_available = g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10);
  return TRUE;
}

static gboolean
pressure_tick (gpointer user_data)
{
  ShoalScheduler *self = user_data;
  guint healthy = self->max_workers - self->n_failed_workers;
  guint floor = MIN (self->min_workers, healthy);
  guint64 mem_total = 0, mem_available = 0;
  double load = 0;
  gboolean cpu_busy, memory_low;
  g_autofree char *message = NULL;

  if (!read_pressure (&load, &mem_total, &mem_available))
    return G_SOURCE_CONTINUE;
  cpu_busy = load - self->n_running > g_get_num_processors ();
  memory_low = mem_total > 0 && mem_available < mem_total * LOW_MEMORY_FRACTION;

  if ((cpu_busy || memory_low) && self->active_limit > floor)
    {
      self->active_limit--;
      message = g_strdup_printf (_ ("workers: %u active (%s)"), self->active_limit,
                                 memory_low ? _ ("memory is low") : _ ("the CPUs are busy"));
    }
  else if (!cpu_busy && !memory_low && self->active_limit < healthy &&
           self->n_unfinished > self->n_running)
    {
      self->active_limit++;
      message = g_strdup_printf (_ ("workers: %u active (tests are waiting)"), self->active_limit);
      schedule_dispatch (self);
    }
  if (message != NULL)
    emit_log (self, "info", message);
  return G_SOURCE_CONTINUE;
}

static void
make_ready (ShoalScheduler *self,
            Job *job);
static void
finish_job (ShoalScheduler *self,
            Job *job,
            GPtrArray *results);

/* The members of @job's batch that are ready now, taken from the strategy
 * to run with it. */
static GPtrArray *
take_batch_members (ShoalScheduler *self,
                    Job *job)
{
  GPtrArray *members = NULL;

  for (guint i = 0; job->batch != NULL && i < job->batch->len; i++)
    {
      Job *member = job->batch->pdata[i];

      if (member == job || member->state != JOB_READY || member->skip_reason != NULL)
        continue;
      shoal_strategy_remove (self->strategy, member->test);
      member->state = JOB_RUNNING;
      member->attempt++;
      if (members == NULL)
        members = g_ptr_array_new ();
      g_ptr_array_add (members, member);
    }
  return members;
}

/* Batch members that did not run go back to the strategy, to run alone. */
static void
return_batch_members (ShoalScheduler *self,
                      GPtrArray *members)
{
  for (guint i = 0; i < members->len; i++)
    {
      Job *member = members->pdata[i];

      member->attempt--;
      g_clear_pointer (&member->batch, g_ptr_array_unref);
      make_ready (self, member);
    }
  g_ptr_array_unref (members);
}

static void
fail_batch_members (ShoalScheduler *self,
                    Running *running,
                    const char *message)
{
  g_autoptr (GPtrArray) members = g_steal_pointer (&running->members);

  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      Job *member = members->pdata[i];
      g_autoptr (GPtrArray) results = make_error_results (member, SHOAL_OUTCOME_ERROR,
                                                          running->worker->id, message);

      finish_job (self, member, results);
    }
}

/* Gives each test of a batch the results with its id (the leader also
 * those with an id of none of them); a test with none did not run. */
static void
finish_batch (ShoalScheduler *self,
              Job *leader,
              GPtrArray *members,
              GPtrArray *results)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GPtrArray) did_not_run = g_ptr_array_new ();
  GPtrArray *leader_results = g_ptr_array_new_with_free_func (g_object_unref);

  g_hash_table_insert (by_id, (gpointer) shoal_test_case_get_id (leader->test), leader_results);
  for (guint i = 0; i < members->len; i++)
    g_hash_table_insert (by_id, (gpointer) shoal_test_case_get_id (((Job *) members->pdata[i])->test),
                         g_ptr_array_new_with_free_func (g_object_unref));
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = results->pdata[i];
      GPtrArray *own = g_hash_table_lookup (by_id, shoal_test_result_get_test_id (result));

      g_ptr_array_add (own != NULL ? own : leader_results, g_object_ref (result));
    }

  g_ptr_array_insert (members, 0, leader);
  for (guint i = 0; i < members->len; i++)
    {
      Job *member = members->pdata[i];
      GPtrArray *own = g_hash_table_lookup (by_id, shoal_test_case_get_id (member->test));

      if (own->len == 0)
        g_ptr_array_add (did_not_run, member);
      else
        finish_job (self, member, own);
    }
  if (did_not_run->len > 0)
    return_batch_members (self, g_ptr_array_ref (did_not_run));
}

static void
process_exited (Running *running,
                int wait_status,
                gint64 peak_rss)
{
  ShoalScheduler *self = running->self;
  Job *job = running->job;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  gint64 end_monotonic = g_get_monotonic_time ();
  gint64 end_wall = g_get_real_time ();
  g_autoptr (GPtrArray) members = NULL;
  guint leftovers;
  guint escaped;

  /* Whatever the test left in its group, and whatever escaped it, dies
   * with it: a test's processes never outlive the test. A worker session
   * is the group: it lives on, and cleans up after itself when it dies. */
  if (running->session == NULL)
    {
      _shoal_process_reaper_untrack (running->pid);
      leftovers = _shoal_process_reaper_kill_group (running->pid, SIGKILL);
      escaped = _shoal_process_reaper_kill_cookie (running->cookie, FALSE, running->pid);
    }
  else
    leftovers = escaped = 0;

  execution = shoal_execution_new (wait_status, running->timed_out,
                                   running->interrupted, running->start_wall, end_wall,
                                   (end_monotonic - running->start_monotonic) / (double) G_USEC_PER_SEC,
                                   running->worker->id, job->attempt, running->output_path);
  shoal_execution_set_timeout (execution, running->timeout);
  shoal_execution_set_peak_rss (execution, peak_rss);
  /* A test killed for its timeout or an interruption had its group killed
   * on purpose; only a test that ended by itself left something behind. */
  if ((leftovers > 0 || escaped > 0) && !running->timed_out && !running->interrupted)
    {
      g_autofree char *note = g_strdup_printf (
          _ ("left processes behind (%s); they were killed"),
          escaped > 0 ? _ ("some outside its process group") : _ ("in its process group"));

      shoal_execution_set_note (execution, note);
    }

  results = shoal_object_array_from_list (
      shoal_adapter_interpret (job->adapter, running->command, execution, &error));
  record_held_resources (self, job, results);
  for (guint i = 0; i < results->len; i++)
    if (!shoal_test_result_is_sealed (results->pdata[i]) &&
        shoal_test_result_get_peak_rss (results->pdata[i]) < 0)
      shoal_test_result_set_peak_rss (results->pdata[i], peak_rss);
  if (error != NULL || (results->len == 0 && running->members == NULL))
    {
      g_autofree char *message =
          error != NULL ? g_strdup_printf (_ ("cannot read the result: %s"), error->message)
                        : g_strdup (_ ("the adapter gave no result"));

      g_ptr_array_set_size (results, 0);
      g_ptr_array_add (results, shoal_adapter_result_for_execution (job->test, execution,
                                                                    SHOAL_OUTCOME_ERROR, message));
    }
  else if (running->interrupted)
    {
      /* Whatever the adapter read from a killed test, the attempt did not
       * run to its end. */
      for (guint i = 0; i < results->len; i++)
        {
          ShoalTestResult *r = g_ptr_array_index (results, i);

          if (shoal_test_result_get_outcome (r) != SHOAL_OUTCOME_PASSED &&
              shoal_test_result_get_outcome (r) != SHOAL_OUTCOME_SKIPPED)
            {
              shoal_test_result_set_outcome (r, SHOAL_OUTCOME_ERROR);
              shoal_test_result_set_message (r, _ ("interrupted: the run was stopped"));
            }
        }
    }

  if (running->environment != NULL)
    finish_test_environment (self, running->environment, results);

  running->worker->running = NULL;
  release_worker (self, running->worker);
  for (guint i = 0; running->extra_workers != NULL && i < running->extra_workers->len; i++)
    release_worker (self, g_ptr_array_index (running->extra_workers, i));
  self->n_running--;
  if (job->exclusive)
    self->exclusive_running = FALSE;
  members = g_steal_pointer (&running->members);
  running_free (running);

  if (members != NULL)
    finish_batch (self, job, members, results);
  else
    finish_job (self, job, results);
  /* Refill the freed worker now, not after every other pending exit. */
  remove_source (self, &self->dispatch_id);
  dispatch (self);
}

static char *
sanitize_for_path (const char *id)
{
  GString *out = g_string_sized_new (strlen (id));

  for (const char *p = id; *p != '\0' && out->len < 96; p++)
    g_string_append_c (out, (g_ascii_isalnum (*p) || *p == '-' || *p == '.') ? *p : '_');
  return g_string_free (out, FALSE);
}

static char **
merge_environ (char **envp,
               const char *const *entries)
{
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      const char *eq = strchr (entries[i], '=');
      g_autofree char *name = eq != NULL ? g_strndup (entries[i], eq - entries[i]) : NULL;

      if (name != NULL && *name != '\0')
        envp = g_environ_setenv (envp, name, eq + 1, TRUE);
    }
  return envp;
}

/* Gives the test its private directory (and its worker's copy of the
 * workspace): adds the environment's variables to @envp and moves the
 * working directory into the copy. */
static gboolean
prepare_test_environment (ShoalScheduler *self,
                          Job *job,
                          Running *running,
                          char ***envp,
                          const char **cwd,
                          char **out_workspace_cwd,
                          GError **error)
{
  const char *workspace = shoal_test_case_get_workspace (job->test);
  g_auto (GStrv) applied = NULL;

  running->environment = shoal_environment_manager_create_test_environment (
      self->env_manager, running->worker->id, shoal_test_case_get_id (job->test), error);
  if (running->environment == NULL)
    return FALSE;
  applied = shoal_test_environment_apply (running->environment, (const char *const *) *envp);
  g_strfreev (*envp);
  *envp = g_steal_pointer (&applied);

  if (workspace != NULL)
    {
      g_autofree char *copy = NULL;
      g_autofree char *relative = NULL;
      const char *from = *cwd != NULL ? *cwd : workspace;

      if (!shoal_environment_manager_prepare_workspace (
              self->env_manager, running->worker->id, workspace,
              shoal_test_case_get_workspace_exclude (job->test), &copy, error))
        return FALSE;
      /* The same place in the copy as in the tree; a test that runs
       * outside the tree runs at the top of the copy. */
      if (g_str_equal (from, workspace))
        relative = g_strdup ("");
      else if (g_str_has_prefix (from, workspace) && from[strlen (workspace)] == '/')
        relative = g_strdup (from + strlen (workspace) + 1);
      else
        relative = g_strdup ("");
      *out_workspace_cwd = g_build_filename (copy, relative, NULL);
      *cwd = *out_workspace_cwd;
      *envp = g_environ_setenv (*envp, "SHOAL_WORKSPACE", copy, TRUE);
    }
  return TRUE;
}

static void
on_child_watch (GPid pid,
                int wait_status,
                gpointer user_data)
{
  process_exited (user_data, wait_status, -1);
}

/* The test's process ended: reap it with wait4() for its peak memory. */
static gboolean
on_pidfd_readable (int fd,
                   GIOCondition condition,
                   gpointer user_data)
{
  Running *running = user_data;
  struct rusage usage = { 0 };
  int wait_status = 0;
  pid_t reaped;

  do
    reaped = wait4 (running->pid, &wait_status, WNOHANG, &usage);
  while (reaped < 0 && errno == EINTR);
  if (reaped == 0)
    return G_SOURCE_CONTINUE; /* not yet */
  g_clear_pointer (&running->child_watch, g_source_unref);
  close (running->pidfd);
  running->pidfd = -1;
  /* ru_maxrss: kilobytes, of the process and the descendants it waited for. */
  process_exited (running, wait_status, reaped > 0 ? (gint64) usage.ru_maxrss * 1024 : -1);
  return G_SOURCE_REMOVE;
}

/* Waits for the test's process through a pidfd where the kernel has them
 * (so it can be reaped with wait4() and its rusage), else through GLib. */
static void
watch_process (ShoalScheduler *self,
               Running *running)
{
#ifdef SYS_pidfd_open
  running->pidfd = (int) syscall (SYS_pidfd_open, running->pid, 0);
#endif
  if (running->pidfd >= 0)
    {
      fcntl (running->pidfd, F_SETFD, FD_CLOEXEC);
      running->child_watch = g_unix_fd_source_new (running->pidfd, G_IO_IN);
      g_source_set_callback (running->child_watch, (GSourceFunc) (void (*) (void)) on_pidfd_readable,
                             running, NULL);
    }
  else
    {
      running->child_watch = g_child_watch_source_new (running->pid);
      g_source_set_callback (running->child_watch, (GSourceFunc) (void (*) (void)) on_child_watch,
                             running, NULL);
    }
  g_source_attach (running->child_watch, self->main_context);
}

/* Worker sessions
 *
 * An adapter that has a persistent worker process
 * (shoal_adapter_prepare_session()) gets one per worker slot, started on
 * first use and again after it died; a command with a session request is
 * sent to it instead of being spawned. The session's process stands in
 * for the test's process in Running: its pid is the group a time out
 * kills (which ends the session, so the next request starts a new one),
 * and process_exited() is called when it answers (wait status 0) or dies.
 * The sessions end with the run, in complete_run(), or as soon as
 * nothing is left to start (end_idle_sessions()). */

/* How long a worker session may take to start (pytest collecting a large
 * suite) on top of its first request's time-out; the clock starts again
 * when it says it is ready. */
#define SESSION_START_ALLOWANCE 300.0

static void
on_session_done (ShoalWorkerSession *session,
                 int wait_status,
                 gpointer user_data)
{
  Running *running = user_data;

  if (wait_status == -1)
    {
      /* Started: the request's own time begins now. */
      if (running->timeout_id != 0 && !running->timed_out)
        {
          remove_source (running->self, &running->timeout_id);
          running->timeout_id = add_timeout (running->self, running->timeout, on_timeout, running);
        }
      return;
    }
  process_exited (running, wait_status, -1);
}

/* Sends @running's command to its worker's session of the job's adapter.
 * FALSE with @error unset: the adapter has no session, spawn as usual. */
static gboolean
start_in_session (ShoalScheduler *self,
                  Job *job,
                  Running *running,
                  const char *const *envp,
                  const char *cwd,
                  GError **error)
{
  const char *request = shoal_run_command_get_session_request (running->command);
  g_autofree char *key = NULL;
  ShoalWorkerSession *session;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *line = NULL;
  int fd;

  if (request == NULL)
    return FALSE;
  key = g_strdup_printf ("%s\n%p", running->worker->id, (gpointer) job->adapter);
  session = g_hash_table_lookup (self->sessions, key);
  if (session == NULL || !shoal_worker_session_is_alive (session))
    {
      g_autoptr (ShoalRunCommand) command = shoal_adapter_prepare_session (job->adapter, error);
      g_autoptr (ShoalWorkerSession) fresh = NULL;
      g_auto (GStrv) session_env = NULL;
      g_autofree char *cookie = NULL;
      g_autofree char *log_name = NULL;
      g_autofree char *log_path = NULL;
      guint n = g_hash_table_size (self->sessions);

      if (command == NULL)
        return FALSE;
      cookie = g_strdup_printf ("%s:session:%s:%u:%u", self->run_id, running->worker->id,
                                job->index, job->attempt);
      session_env = g_strdupv (self->base_environ);
      session_env = merge_environ (session_env, shoal_test_case_get_environment (job->test));
      session_env = g_environ_setenv (session_env, "SHOAL_WORKER_ID", running->worker->id, TRUE);
      session_env = g_environ_setenv (session_env, "TEST_WORKER_ID", running->worker->id, TRUE);
      session_env = g_environ_setenv (session_env, SHOAL_PROCESS_COOKIE_VAR, cookie, TRUE);
      log_name = g_strdup_printf ("session-%s-%u-%u.log", running->worker->id, job->index, n);
      log_path = g_build_filename (self->logs_dir, log_name, NULL);
      if (shoal_run_command_get_cwd (command) == NULL)
        shoal_run_command_set_cwd (command, cwd);
      fresh = shoal_worker_session_new (command, (const char *const *) session_env, log_path);
      if (!shoal_worker_session_start (fresh, self->main_context, error))
        return FALSE;
      session = fresh;
      g_hash_table_replace (self->sessions, g_steal_pointer (&key), g_steal_pointer (&fresh));
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, request, -1, error))
    return FALSE;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "output");
  json_builder_add_string_value (builder, running->output_path);
  json_builder_set_member_name (builder, "cwd");
  json_builder_add_string_value (builder, cwd);
  json_builder_set_member_name (builder, "env");
  json_builder_begin_object (builder);
  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    {
      const char *eq = strchr (envp[i], '=');
      g_autofree char *name = eq != NULL ? g_strndup (envp[i], eq - envp[i]) : NULL;

      if (name == NULL || !g_utf8_validate (envp[i], -1, NULL))
        continue;
      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder, eq + 1);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "request");
  json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);

  /* The request's output goes to the test's log, as a process's would. */
  fd = open (running->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0)
    close (fd);
  if (!shoal_worker_session_send (session, line, on_session_done, running, error))
    return FALSE;
  running->session = g_object_ref (session);
  running->pid = shoal_worker_session_get_pid (session);
  return TRUE;
}

static gboolean
start_job (ShoalScheduler *self,
           Job *job,
           Worker *worker)
{
  g_autoptr (GPtrArray) tests = g_ptr_array_new ();
  g_auto (GStrv) envp = NULL;
  g_autofree char *workspace_cwd = NULL;
  const char *cwd;
  GPid pid = 0;
  pid_t child = 0;
  int output_fd;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (JsonObject) payload = json_object_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *safe_id = NULL;
  g_autofree char *log_name = NULL;
  g_autofree char *attempt = NULL;
  const char *const *argv;
  g_autoptr (GPtrArray) members = NULL;
  Running *running;
  double timeout;

  job->attempt++;
  g_ptr_array_add (tests, job->test);
  members = take_batch_members (self, job);
  for (guint i = 0; members != NULL && i < members->len; i++)
    g_ptr_array_add (tests, ((Job *) members->pdata[i])->test);
  command = shoal_adapter_prepare (job->adapter, tests, &error);
  if (command == NULL && members != NULL)
    {
      /* The adapter refused the batch: the test runs alone. */
      return_batch_members (self, g_steal_pointer (&members));
      g_clear_error (&error);
      g_ptr_array_set_size (tests, 1);
      command = shoal_adapter_prepare (job->adapter, tests, &error);
    }
  if (command != NULL && shoal_run_command_get_argv (command)[0] == NULL)
    {
      g_set_error_literal (&error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                           _ ("the adapter gave an empty command"));
      g_clear_object (&command);
    }
  if (command == NULL)
    {
      g_autofree char *message = g_strdup_printf (_ ("cannot prepare the test: %s"),
                                                  error != NULL ? error->message : "?");
      g_autoptr (GPtrArray) results = make_error_results (job, SHOAL_OUTCOME_ERROR, worker->id,
                                                          message);

      job->state = JOB_RUNNING;
      finish_job (self, job, results);
      return FALSE;
    }
  if (shoal_run_command_get_tests (command)->len == 0)
    for (guint i = 0; i < tests->len; i++)
      shoal_run_command_add_test (command, tests->pdata[i]);

  running = g_new0 (Running, 1);
  running->self = self;
  running->job = job;
  running->members = g_steal_pointer (&members);
  running->pidfd = -1;
  running->worker = worker;
  running->command = g_steal_pointer (&command);
  running->cookie = g_strdup_printf ("%s:%u:%u", self->run_id, job->index, job->attempt);
  safe_id = sanitize_for_path (shoal_test_case_get_id (job->test));
  log_name = g_strdup_printf ("%05u-%s.%u.log", job->index, safe_id, job->attempt);
  running->output_path = g_build_filename (self->logs_dir, log_name, NULL);
  attempt = g_strdup_printf ("%u", job->attempt);

  /* The test's environment: the run's, the test's own, the command's, then
   * the variables that identify the test to itself and to the reaper. */
  envp = g_strdupv (self->base_environ);
  envp = merge_environ (envp, shoal_test_case_get_environment (job->test));
  envp = merge_environ (envp, shoal_run_command_get_environment (running->command));
  envp = g_environ_setenv (envp, "SHOAL_TEST_ID", shoal_test_case_get_id (job->test), TRUE);
  envp = g_environ_setenv (envp, "SHOAL_WORKER_ID", worker->id, TRUE);
  envp = g_environ_setenv (envp, "TEST_WORKER_ID", worker->id, TRUE);
  envp = g_environ_setenv (envp, "SHOAL_ATTEMPT", attempt, TRUE);
  envp = g_environ_setenv (envp, SHOAL_PROCESS_COOKIE_VAR, running->cookie, TRUE);
  if (job->instances != NULL && job->instances->len > 0)
    {
      /* The pool instances it holds: SHOAL_RESOURCE_<POOL>=<ids>, and what
       * their providers export. */
      g_auto (GStrv) resource_env =
          shoal_resource_pool_manager_environment_for (self->pool_manager, job->instances);

      envp = merge_environ (envp, (const char *const *) resource_env);
    }
  cwd = shoal_run_command_get_cwd (running->command);
  if (cwd == NULL)
    cwd = shoal_test_case_get_cwd (job->test);

  if (self->env_manager != NULL &&
      !prepare_test_environment (self, job, running, &envp, &cwd, &workspace_cwd, &error))
    {
      g_autofree char *message = g_strdup_printf (_ ("cannot prepare its environment: %s"),
                                                  error->message);
      g_autoptr (GPtrArray) results = make_error_results (job, SHOAL_OUTCOME_ERROR, worker->id,
                                                          message);

      if (worker_environment_failed (self, worker, message) ||
          (job->environment_retries++ < WORKER_FAILURE_LIMIT &&
           self->max_workers - self->n_failed_workers > 1))
        {
          /* Another worker may manage (and this one is out when it keeps
           * failing). */
          if (running->members != NULL)
            return_batch_members (self, g_steal_pointer (&running->members));
          running_free (running);
          release_resources (self, job);
          job->attempt--;
          make_ready (self, job);
          return FALSE;
        }
      fail_batch_members (self, running, message);
      running_free (running);
      job->state = JOB_RUNNING;
      finish_job (self, job, results);
      return FALSE;
    }

  /* Output goes straight to the log file, standard error interleaved with
   * standard output as the test wrote them; nothing is held in memory. */
  output_fd = open (running->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  argv = shoal_run_command_get_argv (running->command);
  running->start_monotonic = g_get_monotonic_time ();
  running->start_wall = g_get_real_time ();
  /* Not GSubprocess: it reaps its child in GLib's worker thread and forgets
   * the pid then, and the core needs the pid (also the process group) for
   * as long as the test's descendants may live; the child watch below is
   * the only reaper. Not g_spawn either: see shoal-launcher.c. */
  if (start_in_session (self, job, running, (const char *const *) envp, cwd, &error))
    pid = running->pid;
  else if (error != NULL)
    ; /* said below */
  else if (output_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot write %s: %s", running->output_path, g_strerror (saved_errno));
    }
  else if (_shoal_launcher_spawn (argv, (const char *const *) envp, cwd, output_fd, &child, &error))
    pid = child;
  if (output_fd >= 0)
    close (output_fd);
  if (pid <= 0)
    {
      g_autofree char *message = g_error_matches (error, SHOAL_SCHEDULER_ERROR,
                                                  SHOAL_SCHEDULER_ERROR_SPAWN)
                                     ? g_strdup (error->message)
                                     : g_strdup_printf (_ ("cannot start %s: %s"), argv[0],
                                                        error->message);
      g_autoptr (GPtrArray) results = make_error_results (job, SHOAL_OUTCOME_ERROR, worker->id,
                                                          message);

      fail_batch_members (self, running, message);
      running_free (running);
      job->state = JOB_RUNNING;
      finish_job (self, job, results);
      return FALSE;
    }
  running->pid = pid;
  if (running->session == NULL)
    _shoal_process_reaper_track (running->pid);

  job->state = JOB_RUNNING;
  worker->running = running;
  worker->environment_failures = 0;
  self->n_running++;
  self->n_busy++;
  if (job->exclusive)
    self->exclusive_running = TRUE;
  /* A test that needs several slots occupies as many workers; admission
   * made sure they are idle. */
  for (guint extra = 1; extra < job->slots; extra++)
    {
      Worker *other = g_queue_pop_head (&self->idle_workers);

      if (other == NULL)
        break;
      if (running->extra_workers == NULL)
        running->extra_workers = g_ptr_array_new ();
      g_ptr_array_add (running->extra_workers, other);
      self->n_busy++;
    }

  timeout = shoal_test_case_get_timeout (job->test);
  if (timeout <= 0)
    timeout = self->default_timeout;
  /* A batch: the longest timeout of its tests, plus the time the others
   * are expected to take. */
  for (guint i = 0; timeout > 0 && running->members != NULL && i < running->members->len; i++)
    {
      Job *member = running->members->pdata[i];
      double own = shoal_test_case_get_timeout (member->test);

      timeout = MAX (timeout, own > 0 ? own : self->default_timeout) +
                shoal_dispatch_context_estimate (self->context, member->test);
    }
  running->timeout = timeout;
  if (timeout > 0)
    running->timeout_id = add_timeout (self,
                                       running->session != NULL &&
                                               !shoal_worker_session_is_ready (running->session)
                                           ? timeout + SESSION_START_ALLOWANCE
                                           : timeout,
                                       on_timeout, running);

  json_object_set_string_member (payload, "test_id", shoal_test_case_get_id (job->test));
  json_object_set_string_member (payload, "name", shoal_test_case_get_name (job->test));
  json_object_set_string_member (payload, "suite", shoal_test_case_get_suite (job->test));
  json_object_set_string_member (payload, "worker_id", worker->id);
  json_object_set_int_member (payload, "attempt", job->attempt);
  emit_event (self, SHOAL_EVENT_TEST_STARTED, payload);
  for (guint i = 0; running->members != NULL && i < running->members->len; i++)
    {
      Job *member = running->members->pdata[i];
      g_autoptr (JsonObject) started = json_object_new ();

      json_object_set_string_member (started, "test_id", shoal_test_case_get_id (member->test));
      json_object_set_string_member (started, "name", shoal_test_case_get_name (member->test));
      json_object_set_string_member (started, "suite", shoal_test_case_get_suite (member->test));
      json_object_set_string_member (started, "worker_id", worker->id);
      json_object_set_int_member (started, "attempt", member->attempt);
      json_object_set_string_member (started, "batch", shoal_test_case_get_id (job->test));
      emit_event (self, SHOAL_EVENT_TEST_STARTED, started);
    }

  if (running->session == NULL)
    watch_process (self, running);
  return TRUE;
}

/* Scheduling */

static void
complete_run (ShoalScheduler *self);

/* A test whose dependencies are done: to the strategy, or, if one of them
 * stops it (see skip_dependent()), to the queue of tests ended as skipped. */
static void
make_ready (ShoalScheduler *self,
            Job *job)
{
  job->state = JOB_READY;
  job->ready_since = g_get_monotonic_time ();
  if (job->skip_reason != NULL)
    g_queue_push_tail (&self->skipped, job);
  else
    shoal_strategy_push_ready (self->strategy, job->test, self->context);
}

/* Marks @dependent to be skipped because @job, which it depends on, ended
 * as it did. The first reason is kept; whether any of them was a failure
 * is what the dependent's own dependents see (see finish_job()). */
static void
skip_dependent (Job *dependent,
                Job *job,
                DependencyKind kind)
{
  dependent->blocked_by_failure |= job->failed;
  if (dependent->skip_reason != NULL)
    return;
  if (kind == DEPENDENCY_REQUIRES)
    dependent->skip_reason = g_strdup_printf (
        _ ("skipped: it requires %s, which %s"), shoal_test_case_get_id (job->test),
        job->skip_reason != NULL ? _ ("was skipped") : _ ("did not pass"));
  else
    dependent->skip_reason = g_strdup_printf (
        _ ("skipped: it depends on %s, which %s"), shoal_test_case_get_id (job->test),
        job->skip_reason != NULL ? _ ("was skipped because of a failure") : _ ("failed"));
}

static void
release_dependents (ShoalScheduler *self,
                    Job *job)
{
  if (!job->passed)
    for (guint i = 0; i < job->required_by->len; i++)
      skip_dependent (g_ptr_array_index (job->required_by, i), job, DEPENDENCY_REQUIRES);
  if (job->failed)
    for (guint i = 0; i < job->failure_skips->len; i++)
      skip_dependent (g_ptr_array_index (job->failure_skips, i), job, DEPENDENCY_SKIP_IF_FAILED);
  for (guint i = 0; i < job->dependents->len; i++)
    {
      Job *dependent = g_ptr_array_index (job->dependents, i);

      if (dependent->state == JOB_WAITING && --dependent->n_waiting_for == 0)
        make_ready (self, dependent);
    }
}

static gboolean
dispatch_idle (gpointer user_data)
{
  ShoalScheduler *self = user_data;

  self->dispatch_id = 0;
  dispatch (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_dispatch (ShoalScheduler *self)
{
  if (self->dispatch_id == 0)
    {
      g_autoptr (GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_HIGH_IDLE);
      g_source_set_callback (source, dispatch_idle, self, NULL);
      self->dispatch_id = g_source_attach (source, self->main_context);
    }
}

/* After an interruption, the tests that will never start are abandoned:
 * a cleanup that waits for them (a fixture's teardown) starts as soon as
 * none of its dependencies runs any more, if one of them ran at all. */
static void
release_finally_jobs (ShoalScheduler *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);
      gboolean any_ran = FALSE;
      gboolean any_running = FALSE;

      if (!shoal_test_case_get_runs_finally (job->test) ||
          (job->state != JOB_WAITING && job->state != JOB_READY))
        continue;
      for (guint d = 0; d < job->dependencies->len; d++)
        {
          Job *dependency = g_ptr_array_index (job->dependencies, d);

          any_running = any_running || dependency->state == JOB_RUNNING;
          any_ran = any_ran || dependency->state == JOB_DONE;
        }
      if (any_running || !any_ran || g_queue_find (&self->finally, job) != NULL)
        continue;
      if (job->state == JOB_READY)
        shoal_strategy_remove (self->strategy, job->test);
      job->state = JOB_READY;
      g_queue_push_tail (&self->finally, job);
    }
}

/* Retries
 *
 * An attempt that did not pass (failed, timed out, crashed, error) is
 * retried while the test has retries left: its results are reported and
 * recorded as attempts marked `retried`, its resources released, and the
 * test becomes ready again after the retry delay (doubled for each further
 * retry with backoff). A test that then passes is flaky: its result says
 * so, and with flaky_result: fail it counts as failed. Tests skipped for a
 * requirement, cleanups and interrupted runs are not retried. */

typedef struct
{
  ShoalScheduler *self;
  Job *job;
} Retry;

static guint
retries_for (ShoalScheduler *self,
             Job *job)
{
  int own = shoal_test_case_get_retries (job->test);

  return own >= 0 ? (guint) own : self->retries;
}

static gboolean
on_retry_delay (gpointer user_data)
{
  Retry *retry = user_data;

  retry->self->n_retry_delays--;
  if (retry->job->state == JOB_WAITING && !retry->self->interrupted)
    make_ready (retry->self, retry->job);
  schedule_dispatch (retry->self);
  return G_SOURCE_REMOVE;
}

/* Marks a passing attempt after failed ones flaky. */
static void
mark_flaky (ShoalScheduler *self,
            Job *job,
            GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = results->pdata[i];
      g_autofree char *message = NULL;

      if (shoal_test_result_is_sealed (result))
        continue;
      shoal_test_result_set_flaky (result, TRUE);
      message = g_strdup_printf (_ ("flaky: passed on attempt %u after %u that did not%s"),
                                 job->attempt, job->failed_attempts,
                                 self->flaky_fails ? _ (" (flaky_result: fail)") : "");
      if (self->flaky_fails)
        shoal_test_result_set_outcome (result, SHOAL_OUTCOME_FAILED);
      shoal_test_result_set_message (result, message);
    }
}

static gboolean
retry_job (ShoalScheduler *self,
           Job *job,
           GPtrArray *results)
{
  gboolean failed = results->len == 0;
  const char *worker_id = NULL;
  double delay;

  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = results->pdata[i];

      if (self->quarantined != NULL &&
          g_hash_table_contains (self->quarantined, shoal_test_case_get_id (job->test)) &&
          !shoal_test_result_is_sealed (result))
        shoal_test_result_set_quarantined (result, TRUE);
      if (!shoal_outcome_is_success (shoal_test_result_get_outcome (result)))
        failed = TRUE;
      if (worker_id == NULL)
        worker_id = shoal_test_result_get_worker_id (result);
    }

  if (!failed)
    {
      if (job->failed_attempts > 0)
        mark_flaky (self, job, results);
      return FALSE;
    }
  if (self->interrupted || job->skip_reason != NULL || job->attempt == 0 ||
      shoal_test_case_get_runs_finally (job->test) ||
      job->failed_attempts >= retries_for (self, job))
    return FALSE;

  for (guint i = 0; i < results->len; i++)
    if (!shoal_test_result_is_sealed (results->pdata[i]))
      shoal_test_result_set_retried (results->pdata[i], TRUE);
  job->failed_attempts++;
  release_resources (self, job);
  record_results (self, results);
  g_free (job->avoid_worker);
  job->avoid_worker = self->retry_on_other_worker ? g_strdup (worker_id) : NULL;

  delay = self->retry_delay;
  if (self->retry_backoff)
    delay *= (double) (1u << MIN (job->failed_attempts - 1, 16u));
  job->state = JOB_WAITING;
  if (delay > 0)
    {
      g_autoptr (GSource) source = g_timeout_source_new ((guint) MIN (delay * 1000, G_MAXUINT));
      Retry *retry = g_new (Retry, 1);

      retry->self = self;
      retry->job = job;
      g_source_set_callback (source, on_retry_delay, retry, g_free);
      g_source_attach (source, self->main_context);
      self->n_retry_delays++;
    }
  else
    make_ready (self, job);
  schedule_dispatch (self);
  return TRUE;
}

/**
 * shoal_scheduler_set_retries:
 * @self: a scheduler
 * @retries: how many times a test runs again after an attempt that did not
 *   pass, unless the test says otherwise ([method@Shoal.TestCase.set_retries])
 * @delay: seconds before a retry
 * @backoff: whether the delay doubles with each further retry
 * @on_other_worker: whether a retry avoids the worker of the failed attempt
 *   (when another worker can take it)
 * @flaky_fails: whether a test that passes only on a retry fails the run
 *
 * Sets the run's retries: see the class description.
 */
void
shoal_scheduler_set_retries (ShoalScheduler *self,
                             guint retries,
                             double delay,
                             gboolean backoff,
                             gboolean on_other_worker,
                             gboolean flaky_fails)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (!self->started);
  self->retries = retries;
  self->retry_delay = MAX (delay, 0);
  self->retry_backoff = !!backoff;
  self->retry_on_other_worker = !!on_other_worker;
  self->flaky_fails = !!flaky_fails;
}

/**
 * shoal_scheduler_set_quarantine_manager:
 * @self: a scheduler
 * @manager: (nullable): the quarantine, kept in the history
 *
 * When the run starts, the tests @manager has quarantined are marked so
 * (see [method@Shoal.Scheduler.set_quarantined_tests]); when it ends, the
 * run's results update the quarantine
 * ([method@Shoal.QuarantineManager.update]).
 */
void
shoal_scheduler_set_quarantine_manager (ShoalScheduler *self,
                                        ShoalQuarantineManager *manager)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (manager == NULL || SHOAL_IS_QUARANTINE_MANAGER (manager));
  g_return_if_fail (!self->started);
  g_set_object (&self->quarantine_manager, manager);
}

/**
 * shoal_scheduler_set_quarantined_tests:
 * @self: a scheduler
 * @test_ids: (array zero-terminated=1) (nullable): ids of quarantined tests
 *
 * Quarantined tests run and are reported, marked quarantined, but never
 * fail the run.
 */
void
shoal_scheduler_set_quarantined_tests (ShoalScheduler *self,
                                       const char *const *test_ids)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));
  g_return_if_fail (!self->started);
  g_clear_pointer (&self->quarantined, g_hash_table_unref);
  if (test_ids == NULL || test_ids[0] == NULL)
    return;
  self->quarantined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; test_ids[i] != NULL; i++)
    g_hash_table_add (self->quarantined, g_strdup (test_ids[i]));
}

static void
finish_job (ShoalScheduler *self,
            Job *job,
            GPtrArray *results)
{
  if (retry_job (self, job, results))
    return;
  job->passed = results->len > 0;
  /* Failed: it did not pass, and not because it was skipped, by itself or
   * for a dependency that was skipped. A test skipped because a dependency
   * failed carries the failure on, as CTest does ("Not Run" counts as
   * failed for the tests that need it). */
  job->failed = results->len == 0 || job->blocked_by_failure;
  for (guint i = 0; i < results->len; i++)
    {
      ShoalOutcome outcome = shoal_test_result_get_outcome (g_ptr_array_index (results, i));

      job->passed = job->passed && outcome == SHOAL_OUTCOME_PASSED;
      job->failed = job->failed || !shoal_outcome_is_success (outcome);
    }
  release_resources (self, job);
  record_results (self, results);
  job->state = JOB_DONE;
  self->n_unfinished--;
  release_dependents (self, job);

  /* Tests skipped because what they require did not pass end here, in a
   * loop rather than by recursion: a long chain must not grow the stack. */
  if (!self->in_finish)
    {
      Job *skipped;

      self->in_finish = TRUE;
      while ((skipped = g_queue_pop_head (&self->skipped)) != NULL)
        {
          g_autoptr (GPtrArray) skip_results =
              make_error_results (skipped, SHOAL_OUTCOME_SKIPPED, NULL, skipped->skip_reason);

          skipped->state = JOB_RUNNING;
          finish_job (self, skipped, skip_results);
        }
      self->in_finish = FALSE;
    }
  if (self->interrupted)
    release_finally_jobs (self);
  schedule_dispatch (self);
}

/* Whether every test of the run has started (or ended): none waits for a
 * dependency, a worker or a retry's delay. Jobs never go back to waiting
 * once done, so the scan starts at the first one not done, and passes
 * over running ones only: at most as many as there are running. */
static gboolean
everything_started (ShoalScheduler *self)
{
  if (self->n_retry_delays > 0)
    return FALSE;
  while (self->first_unfinished < self->jobs->len &&
         ((Job *) self->jobs->pdata[self->first_unfinished])->state == JOB_DONE)
    self->first_unfinished++;
  for (guint i = self->first_unfinished; i < self->jobs->len; i++)
    {
      JobState state = ((Job *) self->jobs->pdata[i])->state;

      if (state == JOB_WAITING || state == JOB_READY)
        return FALSE;
    }
  return TRUE;
}

/* Once nothing is left to start, the sessions of idle workers are asked to
 * end, so that their tear-downs (pytest's session fixtures, its exit) run
 * while the last tests do, not after them. complete_run() waits for them.
 * A test that runs again after this (a retry) gets a new session. */
static void
end_idle_sessions (ShoalScheduler *self)
{
  GHashTableIter iter;
  gpointer value;

  if (g_hash_table_size (self->sessions) == 0 || !everything_started (self))
    return;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ShoalWorkerSession *session = value;

      if (shoal_worker_session_is_busy (session))
        continue;
      shoal_worker_session_ask_to_end (session);
      g_ptr_array_add (self->ending_sessions, g_object_ref (session));
      g_hash_table_iter_remove (&iter);
    }
}

static void
dispatch (ShoalScheduler *self)
{
  if (self->task == NULL)
    return;

  /* Interrupted: only the cleanups still start. */
  while (self->interrupted && !g_queue_is_empty (&self->finally) &&
         !g_queue_is_empty (&self->idle_workers))
    {
      Job *job = g_queue_pop_head (&self->finally);
      Worker *worker = g_queue_pop_head (&self->idle_workers);

      if (!start_job (self, job, worker) && !worker->failed)
        g_queue_push_head (&self->idle_workers, worker);
    }

  while (!self->interrupted && !g_queue_is_empty (&self->idle_workers) &&
         self->n_busy < self->active_limit)
    {
      Worker *worker = g_queue_peek_head (&self->idle_workers);
      g_autoptr (ShoalTestCase) test = shoal_strategy_next (self->strategy, worker->id, self->context);
      Job *job;

      if (test == NULL)
        break;
      job = g_hash_table_lookup (self->jobs_by_id, shoal_test_case_get_id (test));
      if (job == NULL || job->state != JOB_READY)
        {
          g_ptr_array_add (self->warnings,
                           g_strdup_printf ("the strategy handed out '%s', which is not ready",
                                            shoal_test_case_get_id (test)));
          continue;
        }
      g_queue_pop_head (&self->idle_workers);
      if (!start_job (self, job, worker) && !worker->failed)
        g_queue_push_head (&self->idle_workers, worker);
    }

  /* Only while a worker sits idle can a session be idle: not on every
   * dispatch, since finding out looks at the tests not yet done. */
  if (!self->interrupted && !g_queue_is_empty (&self->idle_workers))
    end_idle_sessions (self);

  if (self->n_running == 0 && (self->interrupted || self->n_unfinished == 0))
    complete_run (self);
  else if (self->n_running == 0 && self->dispatch_id == 0 && self->resource_tick_id == 0 &&
           self->n_retry_delays == 0)
    {
      /* Nothing runs and nothing can start: only a strategy that refuses
       * every ready test gets here. Fail what is left rather than hang. */
      for (guint i = 0; i < self->jobs->len; i++)
        {
          Job *job = g_ptr_array_index (self->jobs, i);

          if (job->state == JOB_READY || job->state == JOB_WAITING)
            {
              g_autoptr (GPtrArray) results = make_error_results (
                  job, SHOAL_OUTCOME_ERROR, NULL,
                  _ ("never started: no worker could take it (its dependencies or resources "
                     "could not be satisfied)"));

              job->state = JOB_RUNNING;
              finish_job (self, job, results);
            }
        }
    }
}

static gboolean
interrupt_in_context (gpointer user_data)
{
  shoal_scheduler_interrupt (SHOAL_SCHEDULER (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer user_data)
{
  GTask *task = user_data;

  /* Cancellation may come from another thread: hop to the run's context. */
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_HIGH, interrupt_in_context,
                              g_object_ref (g_task_get_source_object (task)), g_object_unref);
}

static gboolean
find_cycle (ShoalScheduler *self,
            GError **error)
{
  /* Depth-first search, colouring jobs 0 (new), 1 (on the stack), 2 (done);
   * an edge to a job on the stack closes a cycle, spelled out from the
   * stack. */
  g_autofree guint8 *colour = g_new0 (guint8, self->jobs->len);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) edge = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint root = 0; root < self->jobs->len; root++)
    {
      guint zero = 0;

      if (colour[root] != 0)
        continue;
      g_array_append_val (stack, root);
      g_array_append_val (edge, zero);
      colour[root] = 1;
      while (stack->len > 0)
        {
          guint top = g_array_index (stack, guint, stack->len - 1);
          guint *next_edge = &g_array_index (edge, guint, edge->len - 1);
          Job *job = g_ptr_array_index (self->jobs, top);

          if (*next_edge < job->dependents->len)
            {
              Job *dependent = g_ptr_array_index (job->dependents, (*next_edge)++);

              if (colour[dependent->index] == 1)
                {
                  g_autoptr (GString) cycle = g_string_new (NULL);
                  guint start = stack->len;

                  while (start > 0 && g_array_index (stack, guint, start - 1) != dependent->index)
                    start--;
                  for (guint i = start - 1; i < stack->len; i++)
                    {
                      Job *member = g_ptr_array_index (self->jobs, g_array_index (stack, guint, i));

                      g_string_append_printf (cycle, "%s -> ", shoal_test_case_get_id (member->test));
                    }
                  g_string_append (cycle, shoal_test_case_get_id (dependent->test));
                  g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                               _ ("the tests depend on each other in a cycle: %s (each runs "
                                  "before the next)"),
                               cycle->str);
                  return TRUE;
                }
              if (colour[dependent->index] == 0)
                {
                  colour[dependent->index] = 1;
                  g_array_append_val (stack, dependent->index);
                  g_array_append_val (edge, zero);
                }
            }
          else
            {
              colour[top] = 2;
              g_array_set_size (stack, stack->len - 1);
              g_array_set_size (edge, edge->len - 1);
            }
        }
    }
  return FALSE;
}

/* The ids a test names as dependencies of one kind. */
static const char *const *
declared_dependencies (ShoalTestCase *test,
                       DependencyKind kind)
{
  switch (kind)
    {
    case DEPENDENCY_BEFORE:
      return shoal_test_case_get_dependencies (test);
    case DEPENDENCY_REQUIRES:
      return shoal_test_case_get_requirements (test);
    case DEPENDENCY_SKIP_IF_FAILED:
    default:
      return shoal_test_case_get_skip_if_failed (test);
    }
}

/* One edge, however many times and kinds it is named: @job waits for
 * @dependency once, and every kind that may skip it is kept. */
static gboolean
link_edge (Job *job,
           Job *dependency,
           DependencyKind kind,
           GError **error)
{
  GPtrArray *skips = kind == DEPENDENCY_REQUIRES         ? dependency->required_by
                     : kind == DEPENDENCY_SKIP_IF_FAILED ? dependency->failure_skips
                                                         : NULL;
  gboolean named_before;

  if (dependency == job)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                   _ ("test '%s' depends on itself"), shoal_test_case_get_id (job->test));
      return FALSE;
    }
  named_before = g_ptr_array_find (dependency->dependents, job, NULL);
  if (!named_before)
    {
      g_ptr_array_add (dependency->dependents, job);
      g_ptr_array_add (job->dependencies, dependency);
      job->n_waiting_for++;
    }
  if (skips != NULL && (!named_before || !g_ptr_array_find (skips, job, NULL)))
    g_ptr_array_add (skips, job);
  return TRUE;
}

static gboolean
link_dependencies (ShoalScheduler *self,
                   GError **error)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      for (DependencyKind kind = 0; kind < N_DEPENDENCY_KINDS; kind++)
        {
          const char *const *deps = declared_dependencies (job->test, kind);

          for (guint d = 0; deps[d] != NULL; d++)
            {
              Job *dependency = g_hash_table_lookup (self->jobs_by_id, deps[d]);

              /* Not part of this run (filtered out): order only matters
               * between tests that run. */
              if (dependency != NULL && !link_edge (job, dependency, kind, error))
                return FALSE;
            }
        }
    }
  for (guint e = 0; e + 2 < self->extra_edges->len; e += 3)
    {
      Job *job = g_hash_table_lookup (self->jobs_by_id, self->extra_edges->pdata[e]);
      Job *dependency = g_hash_table_lookup (self->jobs_by_id, self->extra_edges->pdata[e + 1]);
      DependencyKind kind = DEPENDENCY_BEFORE;

      while (!g_str_equal (dependency_kind_names[kind], self->extra_edges->pdata[e + 2]))
        kind++;
      if (!link_edge (job, dependency, kind, error))
        return FALSE;
    }
  return !find_cycle (self, error);
}

/* Sorts each test's resource requests into locks and pool requests, and
 * refuses what cannot be satisfied before anything runs. */
static gboolean
link_resources (ShoalScheduler *self,
                GError **error)
{
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);
      const char *const *requests = shoal_test_case_get_required_resources (job->test);
      const char *const *declared_locks = shoal_test_case_get_locks (job->test);
      g_autoptr (GStrvBuilder) locks = g_strv_builder_new ();
      g_autoptr (GStrvBuilder) pools = g_strv_builder_new ();
      const char *id = shoal_test_case_get_id (job->test);

      job->exclusive = shoal_test_case_get_exclusive (job->test);

      if (job->slots > self->max_workers)
        {
          g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                       _ ("test '%s' needs %u worker slots, but the run has %u"), id, job->slots,
                       self->max_workers);
          return FALSE;
        }
      for (guint r = 0; requests[r] != NULL; r++)
        {
          g_autofree char *name = NULL;
          g_autoptr (GError) local_error = NULL;
          guint count = 1;

          if (!shoal_parse_resource_request (requests[r], &name, &count, &local_error))
            {
              g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                           _ ("test '%s': %s"), id, local_error->message);
              return FALSE;
            }
          if (self->lock_manager != NULL && shoal_lock_manager_has_resource (self->lock_manager, name))
            {
              if (count != 1)
                {
                  g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                               _ ("test '%s' asks for %u of '%s', but '%s' is a resource one "
                                  "holds or shares, not a pool: ask for it without a count"),
                               id, count, name, name);
                  return FALSE;
                }
              g_strv_builder_add (locks, name);
            }
          else if (self->pool_manager != NULL &&
                   shoal_resource_pool_manager_has_pool (self->pool_manager, name))
            {
              g_autoptr (GVariant) all = shoal_resource_pool_manager_get_pool_status (self->pool_manager);
              g_autoptr (GVariant) status = g_variant_lookup_value (all, name, G_VARIANT_TYPE_VARDICT);
              g_autofree char *request = g_strdup_printf ("%s:%u", name, count);
              guint max_size = G_MAXUINT;

              if (status != NULL && g_variant_lookup (status, "max", "u", &max_size) &&
                  count > max_size)
                {
                  g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                               _ ("test '%s' asks for %u of pool '%s', which has at most %u"),
                               id, count, name, max_size);
                  return FALSE;
                }
              g_strv_builder_add (pools, request);
            }
          else
            {
              g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                           _ ("test '%s' needs the resource '%s', which is neither in "
                              "resources: nor in resource_pools:"),
                           id, name);
              return FALSE;
            }
        }
      /* Locks the test's framework declares need no declaration: a name
       * nobody declared becomes an exclusive lock of the run. */
      for (guint l = 0; declared_locks[l] != NULL; l++)
        {
          if (self->lock_manager == NULL)
            self->lock_manager = shoal_lock_manager_new ();
          if (g_strv_contains (requests, declared_locks[l]))
            continue; /* asked for as a resource too */
          if (!shoal_lock_manager_has_resource (self->lock_manager, declared_locks[l]) &&
              !shoal_lock_manager_register_resource (self->lock_manager, declared_locks[l], NULL,
                                                     TRUE, error))
            return FALSE;
          g_strv_builder_add (locks, declared_locks[l]);
        }
      job->locks = g_strv_builder_end (locks);
      job->pool_requests = g_strv_builder_end (pools);
      if (job->locks[0] == NULL)
        g_clear_pointer (&job->locks, g_strfreev);
      if (job->pool_requests[0] == NULL)
        g_clear_pointer (&job->pool_requests, g_strfreev);
      if (job->locks != NULL || job->pool_requests != NULL)
        self->has_resource_requests = TRUE;
    }
  return TRUE;
}

static void
release_resources (ShoalScheduler *self,
                   Job *job)
{
  const char *id = shoal_test_case_get_id (job->test);

  if (!job->holds_resources)
    return;
  if (job->locks != NULL)
    shoal_lock_manager_release_all (self->lock_manager, id);
  if (job->pool_requests != NULL)
    shoal_resource_pool_manager_release_all (self->pool_manager, id);
  g_clear_pointer (&job->instances, g_ptr_array_unref);
  job->holds_resources = FALSE;
}

/* The dispatch context's admission check: the test's worker slots are
 * free and all of its locks and pool instances can be taken at once; if
 * so they are taken now, for the test the strategy is about to return. */
static gboolean
admit (ShoalTestCase *test,
       const char *worker_id,
       gpointer user_data)
{
  ShoalScheduler *self = user_data;
  Job *job = g_hash_table_lookup (self->jobs_by_id, shoal_test_case_get_id (test));
  const char *id = shoal_test_case_get_id (test);
  g_autoptr (GPtrArray) instances = NULL;

  if (job == NULL || job->slots > available_slots (self) || self->exclusive_running ||
      (job->exclusive && self->n_busy > 0))
    return FALSE;
  /* A retry goes elsewhere when another worker can take it. */
  if (job->avoid_worker != NULL && g_str_equal (job->avoid_worker, worker_id) &&
      self->max_workers - self->n_failed_workers > 1)
    return FALSE;
  if (job->holds_resources)
    return TRUE;
  if (job->locks != NULL &&
      !shoal_lock_manager_try_acquire_all (self->lock_manager, id, (const char *const *) job->locks,
                                           NULL))
    return FALSE;
  if (job->pool_requests != NULL &&
      !shoal_resource_pool_manager_try_acquire (self->pool_manager,
                                                (const char *const *) job->pool_requests, id,
                                                shoal_test_case_get_priority (test), &instances,
                                                NULL))
    {
      if (job->locks != NULL)
        shoal_lock_manager_release_all (self->lock_manager, id);
      return FALSE;
    }
  job->instances = g_steal_pointer (&instances);
  job->holds_resources = TRUE;
  return TRUE;
}

/* What a test waiting for its resources is waiting for, for the message
 * of the error it ends with. */
static char *
describe_busy_resources (ShoalScheduler *self,
                         Job *job)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GVariant) pools = NULL;

  for (guint i = 0; job->locks != NULL && job->locks[i] != NULL; i++)
    {
      g_auto (GStrv) holders = shoal_lock_manager_get_holders (self->lock_manager, job->locks[i]);
      g_autofree char *joined = holders != NULL ? g_strjoinv (", ", holders) : NULL;

      if (text->len > 0)
        g_string_append (text, "; ");
      if (joined != NULL && *joined != '\0')
        g_string_append_printf (text, _ ("'%s' (held by %s)"), job->locks[i], joined);
      else
        g_string_append_printf (text, "'%s'", job->locks[i]);
    }
  if (job->pool_requests != NULL)
    pools = shoal_resource_pool_manager_get_pool_status (self->pool_manager);
  for (guint i = 0; job->pool_requests != NULL && job->pool_requests[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr (GVariant) status = NULL;
      guint count = 1;
      guint in_use = 0, size = 0;

      shoal_parse_resource_request (job->pool_requests[i], &name, &count, NULL);
      if (text->len > 0)
        g_string_append (text, "; ");
      status = g_variant_lookup_value (pools, name, G_VARIANT_TYPE_VARDICT);
      if (status != NULL && g_variant_lookup (status, "in_use", "u", &in_use) &&
          g_variant_lookup (status, "size", "u", &size))
        g_string_append_printf (text, _ ("%u of pool '%s' (%u of %u in use)"), count, name, in_use,
                                size);
      else
        g_string_append_printf (text, _ ("%u of pool '%s'"), count, name);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void finish_job (ShoalScheduler *self,
                        Job *job,
                        GPtrArray *results);

/* Every quarter second while tests wait for resources: ends those that
 * waited too long, and dispatches, since user code may have released
 * something through the managers. */
static gboolean
resource_tick (gpointer user_data)
{
  ShoalScheduler *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 limit = (gint64) (self->resource_timeout * G_USEC_PER_SEC);

  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);
      g_autofree char *busy = NULL;
      g_autofree char *message = NULL;
      g_autoptr (GPtrArray) results = NULL;

      if (job->state != JOB_READY || (job->locks == NULL && job->pool_requests == NULL) ||
          now - job->ready_since < limit)
        continue;
      busy = describe_busy_resources (self, job);
      message = g_strdup_printf (_ ("waited %g s for its resources and gave up: %s"),
                                 self->resource_timeout, busy);
      shoal_strategy_remove (self->strategy, job->test);
      results = make_error_results (job, SHOAL_OUTCOME_ERROR, NULL, message);
      job->state = JOB_RUNNING;
      finish_job (self, job, results);
    }
  dispatch (self);
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_scheduler_run_async:
 * @self: a scheduler
 * @cancellable: (nullable): cancelling interrupts the run
 * @callback: called when the run is over
 * @user_data: data for @callback
 *
 * Runs every test. The run uses the calling thread's default main context;
 * it completes after the last test finished (or the run was interrupted and
 * the running tests were killed), the stream was ended and the reporters
 * closed.
 */
void
shoal_scheduler_run_async (ShoalScheduler *self,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autofree char *events_path = NULL;
  g_autoptr (JsonObject) started = json_object_new ();

  g_return_if_fail (SHOAL_IS_SCHEDULER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_scheduler_run_async);
  /* Cancelling interrupts the run, which still completes with its summary. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->started)
    {
      g_task_return_new_error (task, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                               _ ("a scheduler runs once"));
      return;
    }
  if (self->strategy == NULL)
    {
      g_task_return_new_error (task, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                               _ ("no distribution strategy was set"));
      return;
    }
  self->started = TRUE;

  _shoal_process_reaper_init ();
  shoal_scheduler_get_run_id (self);

  if (!link_dependencies (self, &error) || !link_resources (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->run_dir == NULL)
    {
      self->run_dir = g_build_filename (g_get_tmp_dir (), "shoal-runs", self->run_id, NULL);
    }
  self->logs_dir = g_build_filename (self->run_dir, "logs", NULL);
  if (g_mkdir_with_parents (self->logs_dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_IO,
                               _ ("cannot create %s: %s"), self->logs_dir, g_strerror (saved_errno));
      return;
    }
  events_path = g_build_filename (self->run_dir, "events.ndjson", NULL);
  self->event_log = shoal_event_log_new (events_path, &error);
  if (self->event_log == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->base_environ = merge_environ (g_get_environ (), (const char *const *) self->environment);
  self->base_environ = g_environ_setenv (self->base_environ, "SHOAL_RUN_ID", self->run_id, TRUE);
  self->base_environ = g_environ_setenv (self->base_environ, "SHOAL_RUN_DIR", self->run_dir, TRUE);

  self->main_context = g_main_context_ref_thread_default ();
  self->task = g_steal_pointer (&task);
  self->summary = shoal_run_summary_new (self->run_id);
  shoal_run_summary_set_run_dir (self->summary, self->run_dir);
  self->context = shoal_dispatch_context_new (self->max_workers, 1.0);
  shoal_dispatch_context_set_admit_func (self->context, admit, self, NULL);
  if (self->history != NULL)
    load_estimates (self);
  if (self->batching)
    compute_batches (self);
  for (guint i = 0; self->quarantine_manager != NULL && i < self->jobs->len; i++)
    {
      const char *id = shoal_test_case_get_id (((Job *) self->jobs->pdata[i])->test);

      if (shoal_quarantine_manager_is_quarantined (self->quarantine_manager, id))
        {
          if (self->quarantined == NULL)
            self->quarantined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_add (self->quarantined, g_strdup (id));
        }
    }
  if (self->has_resource_requests)
    {
      g_autoptr (GSource) tick = g_timeout_source_new (250);

      g_source_set_callback (tick, resource_tick, self, NULL);
      self->resource_tick_id = g_source_attach (tick, self->main_context);
    }
  self->start_monotonic = g_get_monotonic_time ();
  self->n_unfinished = self->jobs->len;
  self->first_unfinished = 0;

  if (cancellable != NULL)
    self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                self->task, NULL);

  json_object_set_string_member (started, "run_id", self->run_id);
  json_object_set_int_member (started, "workers", self->max_workers);
  json_object_set_int_member (started, "tests", self->jobs->len);
  json_object_set_string_member (started, "shoal_version", PACKAGE_VERSION);
  json_object_set_string_member (started, "host", g_get_host_name ());
  json_object_set_string_member (started, "run_dir", self->run_dir);
  emit_event (self, SHOAL_EVENT_RUN_STARTED, started);

  if (!_shoal_process_reaper_is_subreaper ())
    emit_log (self, "warning",
              _ ("cannot become a child subreaper; processes that escape a test's process group "
                 "may survive it"));

  self->workers = g_new0 (Worker, self->max_workers);
  for (guint i = 0; i < self->max_workers; i++)
    {
      self->workers[i].id = g_strdup_printf ("w%u", i + 1);
      g_queue_push_tail (&self->idle_workers, &self->workers[i]);
      emit_worker_event (self, SHOAL_EVENT_WORKER_STARTED, &self->workers[i]);
    }
  self->active_limit = self->max_workers;
  if (self->min_workers > 0 && self->min_workers < self->max_workers)
    {
      const char *interval = g_getenv ("SHOAL_PRESSURE_INTERVAL");

      self->pressure_id = add_timeout (self, interval != NULL ? g_ascii_strtod (interval, NULL) : 1.0,
                                       pressure_tick, self);
    }

  tests = g_ptr_array_new ();
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);
      g_autoptr (JsonObject) payload = json_object_new ();

      g_ptr_array_add (tests, job->test);
      json_object_set_member (payload, "test", shoal_test_case_to_json (job->test));
      emit_event (self, SHOAL_EVENT_TEST_QUEUED, payload);
    }
  record_results (self, self->early_results);
  shoal_strategy_prepare (self->strategy, tests, self->context);
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (job->n_waiting_for == 0)
        make_ready (self, job);
    }

  dispatch (self);
}

static void
complete_run (ShoalScheduler *self)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);
  g_autoptr (JsonObject) payload = json_object_new ();
  double elapsed = (g_get_monotonic_time () - self->start_monotonic) / (double) G_USEC_PER_SEC;

  if (task == NULL)
    return;

  remove_source (self, &self->dispatch_id);
  remove_source (self, &self->resource_tick_id);
  remove_source (self, &self->pressure_id);
  if (self->cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->cancelled_id);
  self->cancelled_id = 0;

  /* The worker sessions end: each tears its fixtures down, all at the
   * same time, or is killed after the grace period. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->sessions);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      shoal_worker_session_ask_to_end (value);
    g_hash_table_iter_init (&iter, self->sessions);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      shoal_worker_session_close (value, self->kill_grace);
    g_hash_table_remove_all (self->sessions);
    for (guint i = 0; i < self->ending_sessions->len; i++)
      shoal_worker_session_close (self->ending_sessions->pdata[i], self->kill_grace);
    g_ptr_array_set_size (self->ending_sessions, 0);
  }

  /* Anything of this run still alive (it should not be) dies now. */
  {
    g_autofree char *prefix = g_strdup_printf ("%s:", self->run_id);
    guint stray = _shoal_process_reaper_kill_cookie (prefix, TRUE, 0);

    if (stray > 0)
      {
        g_autofree char *message = g_strdup_printf (_ ("killed %u stray processes of this run"), stray);

        emit_log (self, "warning", message);
      }
  }

  if (self->env_manager != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!shoal_environment_manager_cleanup_all (self->env_manager, &error))
        emit_log (self, "warning", error->message);
    }

  if (self->history != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!shoal_history_flush (self->history, &error))
        g_ptr_array_add (self->warnings, g_strdup (error->message));
    }
  /* The run's results move tests into and out of quarantine. */
  if (self->quarantine_manager != NULL && !self->interrupted)
    {
      g_autoptr (GError) error = NULL;

      shoal_quarantine_manager_update (self->quarantine_manager, self->run_id, &error);
      if (error != NULL)
        g_ptr_array_add (self->warnings, g_strdup (error->message));
    }

  shoal_run_summary_set_execution_time (self->summary, elapsed);
  shoal_run_summary_set_interrupted (self->summary, self->interrupted);

  for (guint i = 0; i < self->max_workers; i++)
    emit_worker_event (self, SHOAL_EVENT_WORKER_STOPPED, &self->workers[i]);

  json_object_set_string_member (payload, "run_id", self->run_id);
  json_object_set_int_member (payload, "total", shoal_run_summary_get_total_tests (self->summary));
  for (ShoalOutcome o = SHOAL_OUTCOME_PASSED; o <= SHOAL_OUTCOME_ERROR; o++)
    json_object_set_int_member (payload, shoal_outcome_to_string (o),
                                shoal_run_summary_count (self->summary, o));
  json_object_set_int_member (payload, "flaky", shoal_run_summary_get_flaky_tests (self->summary));
  json_object_set_int_member (payload, "quarantined",
                              shoal_run_summary_get_quarantined_tests (self->summary));
  json_object_set_int_member (payload, "retried",
                              shoal_run_summary_get_retried_attempts (self->summary));
  json_object_set_double_member (payload, "execution_time", elapsed);
  json_object_set_boolean_member (payload, "interrupted", self->interrupted);
  json_object_set_int_member (payload, "exit_status",
                              shoal_run_summary_get_exit_status (self->summary));
  emit_event (self, SHOAL_EVENT_RUN_FINISHED, payload);

  for (guint i = 0; i < self->reporters->len; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!shoal_reporter_close (g_ptr_array_index (self->reporters, i), &error))
        g_ptr_array_add (self->warnings, g_strdup (error->message));
    }
  if (self->event_log != NULL)
    shoal_event_log_close (self->event_log, NULL);

  g_task_return_pointer (task, g_object_ref (self->summary), g_object_unref);
}

/**
 * shoal_scheduler_run_finish:
 * @self: a scheduler
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run's summary, or %NULL with @error set
 *   (the run could not start: a dependency cycle, an unwritable run
 *   directory). Failing tests are results, not errors.
 */
ShoalRunSummary *
shoal_scheduler_run_finish (ShoalScheduler *self,
                            GAsyncResult *result,
                            GError **error)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
run_sync_done (GObject *object,
               GAsyncResult *result,
               gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/**
 * shoal_scheduler_run:
 * @self: a scheduler
 * @cancellable: (nullable): cancelling interrupts the run
 * @error: return location for a #GError
 *
 * Runs every test, iterating a private main context until the run is over.
 *
 * Returns: (transfer full): the run's summary, or %NULL with @error set
 */
ShoalRunSummary *
shoal_scheduler_run (ShoalScheduler *self,
                     GCancellable *cancellable,
                     GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;
  ShoalRunSummary *summary;

  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);

  g_main_context_push_thread_default (context);
  shoal_scheduler_run_async (self, cancellable, run_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  summary = shoal_scheduler_run_finish (self, result, error);
  g_main_context_pop_thread_default (context);
  return summary;
}

/**
 * shoal_scheduler_interrupt:
 * @self: a scheduler
 *
 * Stops the run: no test starts any more, running tests get SIGTERM and,
 * after the grace period, SIGKILL. The run then completes normally, with
 * complete reports of what ran, and an exit status of 130.
 * Call it from the run's main context.
 */
void
shoal_scheduler_interrupt (ShoalScheduler *self)
{
  g_return_if_fail (SHOAL_IS_SCHEDULER (self));

  if (self->task == NULL || self->interrupted)
    return;
  self->interrupted = TRUE;
  emit_log (self, "warning", _ ("interrupted: stopping the running tests"));
  for (guint i = 0; i < self->max_workers; i++)
    {
      Running *running = self->workers[i].running;

      if (running != NULL)
        {
          running->interrupted = TRUE;
          remove_source (self, &running->timeout_id);
          terminate_running (running);
        }
    }
  release_finally_jobs (self);
  schedule_dispatch (self);
}

/**
 * shoal_scheduler_get_warnings:
 * @self: a scheduler
 *
 * Returns: (transfer none) (element-type utf8): problems that did not stop
 *   the run (a reporter that could not write its file, an event log that
 *   could not be written)
 */
GPtrArray *
shoal_scheduler_get_warnings (ShoalScheduler *self)
{
  g_return_val_if_fail (SHOAL_IS_SCHEDULER (self), NULL);
  return self->warnings;
}
