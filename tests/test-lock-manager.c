/* test-lock-manager.c: named locks, fairness, timeouts and deadlocks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <shoal.h>

/* Waits in these tests are bounded so that a broken lock fails the test
 * instead of hanging it; the bounds are far above what a loaded machine
 * needs. */
#define PATIENCE_SECONDS 20

/* Threads under valgrind run one at a time and slowly: fewer iterations. */
static gboolean
under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return g_getenv ("SHOAL_UNDER_VALGRIND") != NULL ||
         (preload != NULL && strstr (preload, "vgpreload") != NULL);
}

static ShoalLockManager *
new_manager (double detection_interval)
{
  ShoalLockManager *manager = shoal_lock_manager_new ();

  shoal_lock_manager_set_detection_interval (manager, detection_interval);
  return manager;
}

static void
register_or_die (ShoalLockManager *manager,
                 const char *id,
                 const char *type,
                 gboolean exclusive)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_lock_manager_register_resource (manager, id, type, exclusive, &error));
  g_assert_no_error (error);
}

static void
acquire_or_die (ShoalLockManager *manager,
                const char *holder,
                const char *resource,
                ShoalLockMode mode)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_lock_manager_acquire (manager, holder, resource, mode, PATIENCE_SECONDS, NULL, &error));
  g_assert_no_error (error);
}

static void
release_or_die (ShoalLockManager *manager,
                const char *holder,
                const char *resource)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_lock_manager_release (manager, holder, resource, &error));
  g_assert_no_error (error);
}

/* Polls until @count requests wait for @resource. */
static void
wait_for_waiters (ShoalLockManager *manager,
                  const char *resource,
                  guint count)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_SECONDS * G_USEC_PER_SEC;

  while (shoal_lock_manager_get_waiting (manager, resource) < count)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, resource), ==, count);
}

/* Compares, and frees, a string array a getter returned. */
static void
assert_strv (char **actual,
             const char *const *expected)
{
  g_assert_nonnull (actual);
  g_assert_cmpstrv (actual, expected);
  g_strfreev (actual);
}

/* A thread that takes one resource and reports how it went. */
typedef struct
{
  ShoalLockManager *manager;
  const char *holder;
  const char *resource;
  ShoalLockMode mode;
  double timeout;
  GCancellable *cancellable;
  double hold_seconds;
  gint *grant_counter; /* (nullable): numbers the grants, in order */
  int grant_number;
  gboolean granted;
  GError *error;
} Taker;

static gpointer
taker_thread (gpointer data)
{
  Taker *taker = data;

  taker->granted = shoal_lock_manager_acquire (taker->manager, taker->holder, taker->resource, taker->mode,
                                               taker->timeout, taker->cancellable, &taker->error);
  if (taker->granted)
    {
      if (taker->grant_counter != NULL)
        taker->grant_number = g_atomic_int_add (taker->grant_counter, 1);
      if (taker->hold_seconds > 0)
        g_usleep ((gulong) (taker->hold_seconds * G_USEC_PER_SEC));
      release_or_die (taker->manager, taker->holder, taker->resource);
    }
  return NULL;
}

static GThread *
start_taker (Taker *taker,
             ShoalLockManager *manager,
             const char *holder,
             const char *resource,
             ShoalLockMode mode)
{
  taker->manager = manager;
  taker->holder = holder;
  taker->resource = resource;
  taker->mode = mode;
  /* 0 (not set) means the default patience; set another before. */
  if (taker->timeout == 0)
    taker->timeout = PATIENCE_SECONDS;
  return g_thread_new (holder, taker_thread, taker);
}

/* --- Registration ------------------------------------------------------- */

static void
test_register (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Registering again with the same exclusivity is fine; with another it is an "
                  "error naming the resource and how it was registered");

  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "cache", NULL, FALSE);
  g_assert_true (shoal_lock_manager_has_resource (manager, "db"));
  g_assert_false (shoal_lock_manager_has_resource (manager, "printer"));
  g_assert_true (shoal_lock_manager_is_exclusive (manager, "db"));
  g_assert_false (shoal_lock_manager_is_exclusive (manager, "cache"));
  g_assert_false (shoal_lock_manager_is_exclusive (manager, "printer"));

  g_assert_false (shoal_lock_manager_register_resource (manager, "db", "database", FALSE, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "resource 'db' is already registered as exclusive");
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_register_resource (manager, "cache", NULL, TRUE, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "resource 'cache' is already registered as non-exclusive");
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_register_resource (manager, "", NULL, TRUE, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_assert_true (shoal_lock_manager_is_exclusive (manager, "db"));
}

static void
notify_count (GObject *object,
              GParamSpec *pspec,
              gpointer user_data)
{
  (*(int *) user_data)++;
}

static void
test_detection_interval (void)
{
  g_autoptr (ShoalLockManager) manager = shoal_lock_manager_new ();
  double interval = -1;
  int notified = 0;

  g_test_summary ("detection-interval is 1 s by default and notifies only on change");

  g_assert_cmpfloat (shoal_lock_manager_get_detection_interval (manager), ==, 1.0);
  g_signal_connect (manager, "notify::detection-interval", G_CALLBACK (notify_count), &notified);
  shoal_lock_manager_set_detection_interval (manager, 1.0);
  g_assert_cmpint (notified, ==, 0);
  g_object_set (manager, "detection-interval", 0.25, NULL);
  g_assert_cmpint (notified, ==, 1);
  g_object_get (manager, "detection-interval", &interval, NULL);
  g_assert_cmpfloat (interval, ==, 0.25);
  shoal_lock_manager_set_detection_interval (manager, 0);
  g_assert_cmpint (notified, ==, 2);
}

/* --- Exclusion ---------------------------------------------------------- */

typedef struct
{
  ShoalLockManager *manager;
  const char *holder;
  guint iterations;
  int *inside;
  int *max_inside;
} Contender;

static gpointer
contender_thread (gpointer data)
{
  Contender *contender = data;

  for (guint i = 0; i < contender->iterations; i++)
    {
      int now;

      acquire_or_die (contender->manager, contender->holder, "db", SHOAL_LOCK_MODE_DEFAULT);
      now = g_atomic_int_add (contender->inside, 1) + 1;
      for (int seen = g_atomic_int_get (contender->max_inside);
           now > seen && !g_atomic_int_compare_and_exchange (contender->max_inside, seen, now);
           seen = g_atomic_int_get (contender->max_inside))
        ;
      if (i % 8 == 0)
        g_thread_yield ();
      g_atomic_int_add (contender->inside, -1);
      release_or_die (contender->manager, contender->holder, "db");
    }
  return NULL;
}

static void
test_exclusive_excludes (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  int inside = 0, max_inside = 0;
  Contender contenders[2] = { 0 };
  GThread *threads[2];

  g_test_summary ("Two threads taking an exclusive resource never hold it at once");

  register_or_die (manager, "db", "database", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (contenders); i++)
    {
      contenders[i].manager = manager;
      contenders[i].holder = i == 0 ? "test_a" : "test_b";
      contenders[i].iterations = under_valgrind () ? 200 : 5000;
      contenders[i].inside = &inside;
      contenders[i].max_inside = &max_inside;
      threads[i] = g_thread_new (contenders[i].holder, contender_thread, &contenders[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (max_inside, ==, 1);
  g_assert_cmpint (inside, ==, 0);
  assert_strv (shoal_lock_manager_get_holders (manager, "db"), (const char *const[]){ NULL });
}

/* --- Shared holders ------------------------------------------------------- */

#define N_READERS 4

typedef struct
{
  ShoalLockManager *manager;
  char holder[16];
  int *inside;
  int *max_inside;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *reader = data;
  gint64 deadline = g_get_monotonic_time () + PATIENCE_SECONDS * G_USEC_PER_SEC;
  int now;

  acquire_or_die (reader->manager, reader->holder, "cache", SHOAL_LOCK_MODE_SHARED);
  now = g_atomic_int_add (reader->inside, 1) + 1;
  /* Stay until every reader is in: only possible if they share. */
  while (g_atomic_int_get (reader->inside) < N_READERS && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  now = MAX (now, g_atomic_int_get (reader->inside));
  for (int seen = g_atomic_int_get (reader->max_inside);
       now > seen && !g_atomic_int_compare_and_exchange (reader->max_inside, seen, now);
       seen = g_atomic_int_get (reader->max_inside))
    ;
  release_or_die (reader->manager, reader->holder, "cache");
  return NULL;
}

static void
test_shared_readers (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  int inside = 0, max_inside = 0;
  Reader readers[N_READERS] = { 0 };
  GThread *threads[N_READERS];
  Taker writer = { 0 };
  GThread *writer_thread;

  g_test_summary ("A non-exclusive resource has many shared holders at once, but an exclusive "
                  "request waits until they are gone, and shared ones wait for it");

  register_or_die (manager, "cache", "directory", FALSE);
  for (guint i = 0; i < N_READERS; i++)
    {
      readers[i].manager = manager;
      g_snprintf (readers[i].holder, sizeof readers[i].holder, "reader_%u", i);
      readers[i].inside = &inside;
      readers[i].max_inside = &max_inside;
      threads[i] = g_thread_new (readers[i].holder, reader_thread, &readers[i]);
    }
  for (guint i = 0; i < N_READERS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (max_inside, ==, N_READERS);

  /* A shared holder keeps a writer out; the writer gets it after. */
  acquire_or_die (manager, "reader_0", "cache", SHOAL_LOCK_MODE_DEFAULT);
  acquire_or_die (manager, "reader_1", "cache", SHOAL_LOCK_MODE_SHARED);
  writer_thread = start_taker (&writer, manager, "writer", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  wait_for_waiters (manager, "cache", 1);
  assert_strv (shoal_lock_manager_get_holders (manager, "cache"), (const char *const[]){ "reader_0", "reader_1", NULL });
  release_or_die (manager, "reader_0", "cache");
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, "cache"), ==, 1);
  release_or_die (manager, "reader_1", "cache");
  g_thread_join (writer_thread);
  g_assert_no_error (writer.error);
  g_assert_true (writer.granted);

  /* An exclusive holder keeps readers out. */
  acquire_or_die (manager, "writer", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  g_assert_false (shoal_lock_manager_acquire (manager, "reader_0", "cache", SHOAL_LOCK_MODE_SHARED, 0, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "timed out after 0 s waiting for 'cache' (held by writer)");
  release_or_die (manager, "writer", "cache");
}

typedef struct
{
  ShoalLockManager *manager;
  char holder[16];
  int *stop;
  guint rounds;
} StreamReader;

static gpointer
stream_reader_thread (gpointer data)
{
  StreamReader *reader = data;

  while (!g_atomic_int_get (reader->stop))
    {
      acquire_or_die (reader->manager, reader->holder, "cache", SHOAL_LOCK_MODE_SHARED);
      g_usleep (2000);
      release_or_die (reader->manager, reader->holder, "cache");
      reader->rounds++;
    }
  return NULL;
}

static void
test_writer_not_starved (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  gint grants = 0;
  Taker writer = { 0 }, late_reader = { 0 };
  GThread *writer_thread, *late_thread;
  StreamReader readers[N_READERS] = { 0 };
  GThread *threads[N_READERS];
  int stop = 0;

  g_test_summary ("A shared request never overtakes a queued exclusive one, so a stream of "
                  "readers cannot starve a writer");

  register_or_die (manager, "cache", "directory", FALSE);

  /* Deterministic: with a reader in and a writer queued, a new reader
   * that would fit beside the first waits behind the writer. */
  acquire_or_die (manager, "reader_0", "cache", SHOAL_LOCK_MODE_SHARED);
  writer.grant_counter = &grants;
  writer.hold_seconds = 0.01;
  writer_thread = start_taker (&writer, manager, "writer", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  wait_for_waiters (manager, "cache", 1);

  g_assert_false (shoal_lock_manager_acquire (manager, "reader_1", "cache", SHOAL_LOCK_MODE_SHARED, 0, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_clear_error (&error);

  late_reader.grant_counter = &grants;
  late_thread = start_taker (&late_reader, manager, "reader_2", "cache", SHOAL_LOCK_MODE_SHARED);
  wait_for_waiters (manager, "cache", 2);
  release_or_die (manager, "reader_0", "cache");
  g_thread_join (writer_thread);
  g_thread_join (late_thread);
  g_assert_true (writer.granted);
  g_assert_true (late_reader.granted);
  g_assert_cmpint (writer.grant_number, ==, 0);
  g_assert_cmpint (late_reader.grant_number, ==, 1);

  /* A stream of overlapping readers, then a writer: it gets its turn. */
  for (guint i = 0; i < N_READERS; i++)
    {
      readers[i].manager = manager;
      readers[i].stop = &stop;
      g_snprintf (readers[i].holder, sizeof readers[i].holder, "stream_%u", i);
      threads[i] = g_thread_new (readers[i].holder, stream_reader_thread, &readers[i]);
    }
  g_usleep (20000);
  memset (&writer, 0, sizeof writer);
  writer_thread = start_taker (&writer, manager, "writer", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  g_thread_join (writer_thread);
  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < N_READERS; i++)
    g_thread_join (threads[i]);
  g_assert_no_error (writer.error);
  g_assert_true (writer.granted);
}

/* --- Order, timeouts, errors -------------------------------------------- */

#define N_QUEUED 5

static void
test_fifo (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  gint grants = 0;
  Taker takers[N_QUEUED] = { 0 };
  GThread *threads[N_QUEUED];
  char names[N_QUEUED][16];

  g_test_summary ("Waiters of one resource get it in the order they asked");

  register_or_die (manager, "db", "database", TRUE);
  acquire_or_die (manager, "owner", "db", SHOAL_LOCK_MODE_DEFAULT);
  for (guint i = 0; i < N_QUEUED; i++)
    {
      g_snprintf (names[i], sizeof names[i], "waiter_%u", i);
      takers[i].grant_counter = &grants;
      /* Alternate modes: order holds whatever each asks for. */
      threads[i] = start_taker (&takers[i], manager, names[i], "db",
                                i % 2 ? SHOAL_LOCK_MODE_EXCLUSIVE : SHOAL_LOCK_MODE_DEFAULT);
      wait_for_waiters (manager, "db", i + 1);
    }
  release_or_die (manager, "owner", "db");
  for (guint i = 0; i < N_QUEUED; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < N_QUEUED; i++)
    {
      g_assert_no_error (takers[i].error);
      g_assert_true (takers[i].granted);
      g_assert_cmpint (takers[i].grant_number, ==, i);
    }
}

static void
test_timeout (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  gint64 started;

  g_test_summary ("A wait past its timeout fails naming the resource and its holders, and "
                  "leaves the queue");

  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "cache", "directory", FALSE);
  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);

  started = g_get_monotonic_time ();
  g_assert_false (shoal_lock_manager_acquire (manager, "test_b", "db", SHOAL_LOCK_MODE_DEFAULT, 0.2, NULL, &error));
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 200000);
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "timed out after 0.2 s waiting for 'db' (held by test_a)");
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, "db"), ==, 0);
  g_clear_error (&error);

  acquire_or_die (manager, "test_a", "cache", SHOAL_LOCK_MODE_SHARED);
  acquire_or_die (manager, "test_b", "cache", SHOAL_LOCK_MODE_SHARED);
  g_assert_false (shoal_lock_manager_acquire (manager, "test_c", "cache", SHOAL_LOCK_MODE_EXCLUSIVE, 0.05, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "timed out after 0.05 s waiting for 'cache' (held by test_a, test_b)");
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, "cache"), ==, 0);

  /* The holder is still the holder. */
  assert_strv (shoal_lock_manager_get_holders (manager, "db"), (const char *const[]){ "test_a", NULL });
}

static void
test_timeout_unblocks_queue (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  Taker writer = { 0 }, reader = { 0 };
  GThread *writer_thread, *reader_thread;

  g_test_summary ("A queued writer that times out lets the readers queued behind it in");

  register_or_die (manager, "cache", "directory", FALSE);
  acquire_or_die (manager, "reader_0", "cache", SHOAL_LOCK_MODE_SHARED);

  writer.timeout = 0.3;
  writer_thread = start_taker (&writer, manager, "writer", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  wait_for_waiters (manager, "cache", 1);
  reader_thread = start_taker (&reader, manager, "reader_1", "cache", SHOAL_LOCK_MODE_SHARED);
  wait_for_waiters (manager, "cache", 2);

  g_thread_join (writer_thread);
  g_assert_false (writer.granted);
  g_assert_error (writer.error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_clear_error (&writer.error);
  g_thread_join (reader_thread);
  g_assert_no_error (reader.error);
  g_assert_true (reader.granted);
  release_or_die (manager, "reader_0", "cache");
}

static void
test_unknown_resource (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  const char *const wanted[] = { "db", "printer", NULL };

  g_test_summary ("An unknown resource is an error naming it, with a suggestion when one is close");

  register_or_die (manager, "db", "database", TRUE);

  g_assert_false (shoal_lock_manager_acquire (manager, "test_a", "dbb", SHOAL_LOCK_MODE_DEFAULT, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE);
  g_assert_cmpstr (error->message, ==, "unknown resource 'dbb'; did you mean 'db'?");
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_acquire (manager, "test_a", "printer", SHOAL_LOCK_MODE_DEFAULT, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE);
  g_assert_cmpstr (error->message, ==, "unknown resource 'printer'");
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_release (manager, "test_a", "printer", &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE);
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_try_acquire_all (manager, "test_a", wanted, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE);
  g_assert_cmpstr (error->message, ==, "unknown resource 'printer'");
  assert_strv (shoal_lock_manager_get_holders (manager, "db"), (const char *const[]){ NULL });
  g_assert_null (shoal_lock_manager_get_holders (manager, "printer"));
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, "printer"), ==, 0);
}

static void
test_reacquire (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Locks are not recursive: taking a resource one holds is an error, and an "
                  "exclusive resource cannot be taken shared");

  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "cache", "directory", FALSE);

  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);
  g_assert_false (shoal_lock_manager_acquire (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "test_a already holds 'db'; locks are not recursive");
  g_clear_error (&error);

  acquire_or_die (manager, "test_a", "cache", SHOAL_LOCK_MODE_SHARED);
  g_assert_false (shoal_lock_manager_acquire (manager, "test_a", "cache", SHOAL_LOCK_MODE_SHARED, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_acquire (manager, "test_b", "db", SHOAL_LOCK_MODE_SHARED, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "resource 'db' is exclusive and cannot be taken shared");
  g_clear_error (&error);

  assert_strv (shoal_lock_manager_get_held (manager, "test_a"), (const char *const[]){ "db", "cache", NULL });
}

static void
test_release_not_held (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Releasing what one does not hold is an error; release_all drops everything "
                  "a holder has");

  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "cache", "directory", FALSE);
  register_or_die (manager, "queue", "broker", TRUE);

  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);
  g_assert_false (shoal_lock_manager_release (manager, "test_b", "db", &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_NOT_HELD);
  g_assert_cmpstr (error->message, ==, "test_b does not hold 'db'");
  g_clear_error (&error);

  g_assert_false (shoal_lock_manager_release (manager, "test_a", "cache", &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_NOT_HELD);
  g_clear_error (&error);

  acquire_or_die (manager, "test_a", "cache", SHOAL_LOCK_MODE_DEFAULT);
  acquire_or_die (manager, "test_b", "cache", SHOAL_LOCK_MODE_DEFAULT);
  g_assert_cmpuint (shoal_lock_manager_release_all (manager, "test_a"), ==, 2);
  g_assert_cmpuint (shoal_lock_manager_release_all (manager, "test_a"), ==, 0);
  assert_strv (shoal_lock_manager_get_held (manager, "test_a"), (const char *const[]){ NULL });
  assert_strv (shoal_lock_manager_get_holders (manager, "cache"), (const char *const[]){ "test_b", NULL });

  /* Released once: a second release is not held. */
  release_or_die (manager, "test_b", "cache");
  g_assert_false (shoal_lock_manager_release (manager, "test_b", "cache", &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_NOT_HELD);
}

static void
test_try_acquire_all (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  const char *const wanted[] = { "a", "b", "c", "a", NULL };
  const char *const shared_only[] = { "c", NULL };
  Taker writer = { 0 };
  GThread *thread;

  g_test_summary ("try_acquire_all takes every resource or none, never waits, and does not "
                  "overtake a queued waiter");

  register_or_die (manager, "a", NULL, TRUE);
  register_or_die (manager, "b", NULL, TRUE);
  register_or_die (manager, "c", NULL, FALSE);

  acquire_or_die (manager, "test_x", "b", SHOAL_LOCK_MODE_DEFAULT);
  g_assert_false (shoal_lock_manager_try_acquire_all (manager, "test_y", wanted, &error));
  g_assert_no_error (error);
  assert_strv (shoal_lock_manager_get_held (manager, "test_y"), (const char *const[]){ NULL });
  assert_strv (shoal_lock_manager_get_holders (manager, "a"), (const char *const[]){ NULL });
  assert_strv (shoal_lock_manager_get_holders (manager, "c"), (const char *const[]){ NULL });

  release_or_die (manager, "test_x", "b");
  g_assert_true (shoal_lock_manager_try_acquire_all (manager, "test_y", wanted, &error));
  g_assert_no_error (error);
  assert_strv (shoal_lock_manager_get_held (manager, "test_y"), (const char *const[]){ "a", "b", "c", NULL });

  /* Taking again what one holds is an error, and takes nothing more. */
  g_assert_false (shoal_lock_manager_try_acquire_all (manager, "test_y", shared_only, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID);
  g_clear_error (&error);

  /* "c" is shared: a second holder fits, unless a writer is queued. */
  g_assert_true (shoal_lock_manager_try_acquire_all (manager, "test_z", shared_only, &error));
  g_assert_no_error (error);
  thread = start_taker (&writer, manager, "writer", "c", SHOAL_LOCK_MODE_EXCLUSIVE);
  wait_for_waiters (manager, "c", 1);
  g_assert_false (shoal_lock_manager_try_acquire_all (manager, "test_w", shared_only, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (shoal_lock_manager_release_all (manager, "test_y"), ==, 3);
  g_assert_cmpuint (shoal_lock_manager_release_all (manager, "test_z"), ==, 1);
  g_thread_join (thread);
  g_assert_true (writer.granted);
  g_assert_true (shoal_lock_manager_try_acquire_all (manager, "test_w", (const char *const[]){ NULL }, &error));
  g_assert_no_error (error);
}

static void
test_status (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GVariant) status = NULL;
  g_autoptr (GVariant) db = NULL;
  g_autoptr (GVariant) cache = NULL;
  g_autofree const char **holders = NULL;
  g_autofree const char **waiters = NULL;
  const char *type = NULL, *mode = NULL;
  gboolean exclusive = FALSE;
  guint32 waiting = 0;
  Taker taker = { 0 };
  GThread *thread;

  g_test_summary ("get_status gives, per resource, its type, exclusivity, holders and waiters");

  register_or_die (manager, "db", "database", TRUE);
  register_or_die (manager, "cache", NULL, FALSE);
  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);
  thread = start_taker (&taker, manager, "test_b", "db", SHOAL_LOCK_MODE_DEFAULT);
  wait_for_waiters (manager, "db", 1);

  status = shoal_lock_manager_get_status (manager);
  g_assert_false (g_variant_is_floating (status));
  g_assert_cmpstr (g_variant_get_type_string (status), ==, "a{sa{sv}}");
  g_assert_cmpuint (g_variant_n_children (status), ==, 2);
  g_assert_true (g_variant_lookup (status, "db", "@a{sv}", &db));
  g_assert_true (g_variant_lookup (db, "type", "&s", &type));
  g_assert_cmpstr (type, ==, "database");
  g_assert_true (g_variant_lookup (db, "exclusive", "b", &exclusive));
  g_assert_true (exclusive);
  g_assert_true (g_variant_lookup (db, "mode", "&s", &mode));
  g_assert_cmpstr (mode, ==, "exclusive");
  g_assert_true (g_variant_lookup (db, "holders", "^a&s", &holders));
  g_assert_cmpstrv (holders, ((const char *const[]){ "test_a", NULL }));
  g_assert_true (g_variant_lookup (db, "waiting", "u", &waiting));
  g_assert_cmpuint (waiting, ==, 1);
  g_assert_true (g_variant_lookup (db, "waiters", "^a&s", &waiters));
  g_assert_cmpstrv (waiters, ((const char *const[]){ "test_b", NULL }));

  g_assert_true (g_variant_lookup (status, "cache", "@a{sv}", &cache));
  g_assert_true (g_variant_lookup (cache, "type", "&s", &type));
  g_assert_cmpstr (type, ==, "generic");
  g_assert_true (g_variant_lookup (cache, "mode", "&s", &mode));
  g_assert_cmpstr (mode, ==, "free");

  release_or_die (manager, "test_a", "db");
  g_thread_join (thread);
  g_assert_true (taker.granted);
}

/* --- Cancellation and dispose ------------------------------------------- */

static void
test_cancel (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Taker taker = { 0 };
  GThread *thread;

  g_test_summary ("Cancelling a wait ends it with G_IO_ERROR_CANCELLED and leaves the queue");

  register_or_die (manager, "db", "database", TRUE);
  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);
  taker.cancellable = cancellable;
  thread = start_taker (&taker, manager, "test_b", "db", SHOAL_LOCK_MODE_DEFAULT);
  wait_for_waiters (manager, "db", 1);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  g_assert_false (taker.granted);
  g_assert_error (taker.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&taker.error);
  g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, "db"), ==, 0);

  /* Already cancelled: fails at once, even when the resource is free. */
  release_or_die (manager, "test_a", "db");
  g_assert_false (shoal_lock_manager_acquire (manager, "test_b", "db", SHOAL_LOCK_MODE_DEFAULT, -1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_strv (shoal_lock_manager_get_holders (manager, "db"), (const char *const[]){ NULL });
}

static void
test_dispose_wakes_waiters (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GError) error = NULL;
  Taker takers[2] = { 0 };
  GThread *threads[2];

  g_test_summary ("Disposing the manager fails every wait with CANCELLED, naming the waiter, "
                  "and every later request");

  register_or_die (manager, "db", "database", TRUE);
  acquire_or_die (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);
  threads[0] = start_taker (&takers[0], manager, "test_b", "db", SHOAL_LOCK_MODE_DEFAULT);
  wait_for_waiters (manager, "db", 1);
  takers[1].timeout = -1;
  threads[1] = start_taker (&takers[1], manager, "test_c", "db", SHOAL_LOCK_MODE_DEFAULT);
  wait_for_waiters (manager, "db", 2);

  g_object_run_dispose (G_OBJECT (manager));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_false (takers[i].granted);
      g_assert_error (takers[i].error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_CANCELLED);
    }
  g_assert_cmpstr (takers[0].error->message, ==, "the lock manager was disposed while test_b waited for 'db'");
  for (guint i = 0; i < G_N_ELEMENTS (takers); i++)
    g_clear_error (&takers[i].error);

  g_assert_false (shoal_lock_manager_acquire (manager, "test_d", "db", SHOAL_LOCK_MODE_DEFAULT, 1, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_CANCELLED);
}

/* --- Deadlocks ---------------------------------------------------------- */

/* A barrier: GLib has none. */
typedef struct
{
  GMutex mutex;
  GCond cond;
  guint arrived;
  guint parties;
} Barrier;

static void
barrier_wait (Barrier *barrier)
{
  g_mutex_lock (&barrier->mutex);
  barrier->arrived++;
  g_cond_broadcast (&barrier->cond);
  while (barrier->arrived < barrier->parties)
    g_cond_wait (&barrier->cond, &barrier->mutex);
  g_mutex_unlock (&barrier->mutex);
}

#define MAX_RING 3

static const char *const ring_holders[MAX_RING] = { "test_a", "test_b", "test_c" };
static const char *const ring_locks[MAX_RING] = { "lock1", "lock2", "lock3" };

/* Thread i of a ring of n takes lock i, waits until every thread holds its
 * first lock, then asks for lock i+1: a cycle. */
typedef struct
{
  ShoalLockManager *manager;
  Barrier *barrier;
  guint index;
  guint n;
  gboolean got_second;
  GError *error;
} RingMember;

static gpointer
ring_thread (gpointer data)
{
  RingMember *member = data;
  const char *holder = ring_holders[member->index];
  const char *second = ring_locks[(member->index + 1) % member->n];

  acquire_or_die (member->manager, holder, ring_locks[member->index], SHOAL_LOCK_MODE_DEFAULT);
  barrier_wait (member->barrier);
  member->got_second = shoal_lock_manager_acquire (member->manager, holder, second, SHOAL_LOCK_MODE_DEFAULT,
                                                   PATIENCE_SECONDS, NULL, &member->error);
  /* A victim gives up what it holds, as leaving its `with` blocks would. */
  shoal_lock_manager_release_all (member->manager, holder);
  return NULL;
}

typedef struct
{
  GMutex mutex;
  guint count;
  GStrv cycle;
  char *message;
  GThread *thread;
} Detections;

static void
on_deadlock_detected (ShoalLockManager *manager,
                      GStrv cycle,
                      const char *message,
                      gpointer user_data)
{
  Detections *detections = user_data;

  g_mutex_lock (&detections->mutex);
  detections->count++;
  g_strfreev (detections->cycle);
  detections->cycle = g_strdupv (cycle);
  g_free (detections->message);
  detections->message = g_strdup (message);
  detections->thread = g_thread_self ();
  g_mutex_unlock (&detections->mutex);
}

/* The message a victim at @victim of a ring of @n gets. */
static char *
expected_ring_message (guint victim,
                       guint n)
{
  GString *text = g_string_new ("deadlock: ");

  g_string_append (text, ring_holders[victim]);
  for (guint k = 0; k < n; k++)
    {
      guint next = (victim + k + 1) % n;

      g_string_append_printf (text, "%s '%s' held by %s", k == 0 ? " waits for" : ", which waits for",
                              ring_locks[next], ring_holders[next]);
    }
  g_string_append_printf (text, "; %s gives way, as the one that started waiting last", ring_holders[victim]);
  return g_string_free (text, FALSE);
}

/* Polls detect_deadlocks() until it lists a cycle. */
static GVariant *
wait_for_cycles (ShoalLockManager *manager)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_SECONDS * G_USEC_PER_SEC;
  GVariant *cycles;

  while (g_variant_n_children (cycles = shoal_lock_manager_detect_deadlocks (manager)) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_variant_unref (cycles);
      g_usleep (2000);
    }
  return cycles;
}

static GStrv
cycle_at (GVariant *cycles,
          gsize index)
{
  GStrv cycle = NULL;

  g_assert_false (g_variant_is_floating (cycles));
  g_assert_cmpstr (g_variant_get_type_string (cycles), ==, "aas");
  g_variant_get_child (cycles, index, "^as", &cycle);
  return cycle;
}

static void
run_ring (guint n,
          gboolean automatic)
{
  g_autoptr (ShoalLockManager) manager = new_manager (automatic ? 0.1 : 0);
  g_autoptr (GVariant) cycles = NULL;
  g_autofree char *expected = NULL;
  Barrier barrier = { 0 };
  Detections detections = { 0 };
  RingMember members[MAX_RING] = { 0 };
  GThread *threads[MAX_RING];
  guint victims = 0, victim = 0;

  g_assert_cmpuint (n, <=, MAX_RING);
  for (guint i = 0; i < n; i++)
    register_or_die (manager, ring_locks[i], "mutex", TRUE);
  g_mutex_init (&barrier.mutex);
  g_cond_init (&barrier.cond);
  barrier.parties = n;
  g_mutex_init (&detections.mutex);
  g_signal_connect (manager, "deadlock-detected", G_CALLBACK (on_deadlock_detected), &detections);

  for (guint i = 0; i < n; i++)
    {
      members[i].manager = manager;
      members[i].barrier = &barrier;
      members[i].index = i;
      members[i].n = n;
      threads[i] = g_thread_new (ring_holders[i], ring_thread, &members[i]);
    }

  if (!automatic)
    {
      g_auto (GStrv) cycle = NULL;

      /* Until every thread waits, there is no cycle. */
      cycles = wait_for_cycles (manager);
      g_assert_cmpuint (g_variant_n_children (cycles), ==, 1);
      cycle = cycle_at (cycles, 0);
      g_assert_cmpuint (g_strv_length (cycle), ==, n);
      for (guint i = 0; i < n; i++)
        g_assert_true (g_strv_contains ((const char *const *) cycle, ring_holders[i]));
      /* Detection alone breaks nothing. */
      g_clear_pointer (&cycles, g_variant_unref);
      cycles = shoal_lock_manager_detect_deadlocks (manager);
      g_assert_cmpuint (g_variant_n_children (cycles), ==, 1);
      g_assert_cmpuint (detections.count, ==, 0);

      g_assert_cmpuint (shoal_lock_manager_resolve_deadlocks (manager), ==, 1);
    }

  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < n; i++)
    {
      if (members[i].error != NULL)
        {
          g_assert_error (members[i].error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_DEADLOCK);
          g_assert_false (members[i].got_second);
          victim = i;
          victims++;
        }
      else
        g_assert_true (members[i].got_second);
    }
  g_assert_cmpuint (victims, ==, 1);

  expected = expected_ring_message (victim, n);
  g_assert_cmpstr (members[victim].error->message, ==, expected);
  g_assert_cmpuint (detections.count, ==, 1);
  g_assert_cmpstr (detections.message, ==, expected);
  g_assert_cmpstr (detections.cycle[0], ==, ring_holders[victim]);
  for (guint k = 0; k < n; k++)
    g_assert_cmpstr (detections.cycle[k], ==, ring_holders[(victim + k) % n]);
  if (!automatic)
    {
      /* What detection listed starts with the waiter resolution failed. */
      g_auto (GStrv) listed = cycle_at (cycles, 0);

      g_assert_cmpstrv (listed, detections.cycle);
      g_assert_true (detections.thread == g_thread_self ());
    }
  else
    g_assert_true (detections.thread != g_thread_self ());

  g_clear_pointer (&cycles, g_variant_unref);
  cycles = shoal_lock_manager_detect_deadlocks (manager);
  g_assert_cmpuint (g_variant_n_children (cycles), ==, 0);
  g_assert_cmpuint (shoal_lock_manager_resolve_deadlocks (manager), ==, 0);
  for (guint i = 0; i < n; i++)
    assert_strv (shoal_lock_manager_get_holders (manager, ring_locks[i]), (const char *const[]){ NULL });

  for (guint i = 0; i < n; i++)
    g_clear_error (&members[i].error);
  g_strfreev (detections.cycle);
  g_free (detections.message);
  g_mutex_clear (&detections.mutex);
  g_mutex_clear (&barrier.mutex);
  g_cond_clear (&barrier.cond);
}

static void
test_deadlock_manual (void)
{
  g_test_summary ("Two threads taking two locks in opposite order: detect_deadlocks names the "
                  "cycle, resolve_deadlocks fails the youngest waiter with the cycle spelled "
                  "out, and the other thread gets its second lock");
  run_ring (2, FALSE);
}

static void
test_deadlock_automatic (void)
{
  g_test_summary ("With a detection interval, the same deadlock is found and broken with no "
                  "call, from a waiting thread");
  run_ring (2, TRUE);
}

static void
test_deadlock_ring_of_three (void)
{
  g_test_summary ("A cycle through three holders is named whole, and one gives way");
  run_ring (3, FALSE);
}

static void
test_deadlock_behind_queue (void)
{
  g_autoptr (ShoalLockManager) manager = new_manager (0);
  g_autoptr (GVariant) cycles = NULL;
  g_autoptr (GError) error = NULL;
  Taker writer = { 0 }, reader = { 0 };
  GThread *writer_thread, *reader_thread;

  g_test_summary ("Waiting behind a queued waiter is an edge of the wait-for graph too");

  /* test_a holds "cache" shared; test_w queues for it exclusively; test_r
   * holds "db" and asks "cache" shared: it fits beside test_a but waits
   * behind test_w. Then test_a asks "db": a cycle a -> r -> w -> a. */
  register_or_die (manager, "cache", NULL, FALSE);
  register_or_die (manager, "db", NULL, TRUE);
  acquire_or_die (manager, "test_a", "cache", SHOAL_LOCK_MODE_SHARED);
  writer_thread = start_taker (&writer, manager, "test_w", "cache", SHOAL_LOCK_MODE_EXCLUSIVE);
  wait_for_waiters (manager, "cache", 1);
  acquire_or_die (manager, "test_r", "db", SHOAL_LOCK_MODE_DEFAULT);
  reader_thread = start_taker (&reader, manager, "test_r", "cache", SHOAL_LOCK_MODE_SHARED);
  wait_for_waiters (manager, "cache", 2);

  cycles = shoal_lock_manager_detect_deadlocks (manager);
  g_assert_cmpuint (g_variant_n_children (cycles), ==, 0);
  g_clear_pointer (&cycles, g_variant_unref);

  /* With the timer off, a wait that closes the cycle only times out. */
  g_assert_false (shoal_lock_manager_acquire (manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT, 0.05, NULL, &error));
  g_assert_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* Make the cycle from a thread, and break it by hand. */
  {
    Taker a = { 0 };
    GThread *a_thread = start_taker (&a, manager, "test_a", "db", SHOAL_LOCK_MODE_DEFAULT);

    wait_for_waiters (manager, "db", 1);
    cycles = wait_for_cycles (manager);
    g_assert_cmpuint (g_variant_n_children (cycles), ==, 1);
    assert_strv (cycle_at (cycles, 0), (const char *const[]){ "test_a", "test_r", "test_w", NULL });
    g_assert_cmpuint (shoal_lock_manager_resolve_deadlocks (manager), ==, 1);
    g_thread_join (a_thread);
    g_assert_false (a.granted);
    g_assert_error (a.error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_DEADLOCK);
    g_assert_cmpstr (a.error->message, ==,
                     "deadlock: test_a waits for 'db' held by test_r, which waits for 'cache' queued behind "
                     "test_w, which waits for 'cache' held by test_a; test_a gives way, as the one that "
                     "started waiting last");
    g_clear_error (&a.error);
  }

  /* test_a gives up "cache": the writer, then the reader, go on. */
  release_or_die (manager, "test_a", "cache");
  g_thread_join (writer_thread);
  g_thread_join (reader_thread);
  g_assert_true (writer.granted);
  g_assert_true (reader.granted);
  release_or_die (manager, "test_r", "db");
}

/* --- Stress ------------------------------------------------------------- */

#define STRESS_THREADS 8
#define STRESS_RESOURCES 4

static const char *const stress_resources[STRESS_RESOURCES] = { "r0", "r1", "r2", "r3" };

typedef struct
{
  int exclusive_in[STRESS_RESOURCES];
  int shared_in[STRESS_RESOURCES];
  int violations;
  int max_shared;
} Invariant;

typedef struct
{
  ShoalLockManager *manager;
  Invariant *invariant;
  char holder[16];
  guint index;
  guint iterations;
  guint try_successes;
} StressWorker;

static void
stress_enter (Invariant *inv,
              guint r,
              gboolean exclusive)
{
  if (exclusive)
    {
      if (g_atomic_int_add (&inv->exclusive_in[r], 1) != 0 || g_atomic_int_get (&inv->shared_in[r]) != 0)
        g_atomic_int_inc (&inv->violations);
    }
  else
    {
      int now = g_atomic_int_add (&inv->shared_in[r], 1) + 1;

      if (g_atomic_int_get (&inv->exclusive_in[r]) != 0)
        g_atomic_int_inc (&inv->violations);
      for (int seen = g_atomic_int_get (&inv->max_shared);
           now > seen && !g_atomic_int_compare_and_exchange (&inv->max_shared, seen, now);
           seen = g_atomic_int_get (&inv->max_shared))
        ;
    }
}

static void
stress_leave (Invariant *inv,
              guint r,
              gboolean exclusive)
{
  g_atomic_int_add (exclusive ? &inv->exclusive_in[r] : &inv->shared_in[r], -1);
}

static gpointer
stress_thread (gpointer data)
{
  StressWorker *worker = data;
  ShoalLockManager *manager = worker->manager;
  g_autoptr (GRand) rand = g_rand_new_with_seed (worker->index + 1);

  for (guint i = 0; i < worker->iterations; i++)
    {
      guint r = g_rand_int_range (rand, 0, STRESS_RESOURCES);
      /* r0 and r1 are exclusive; r2 and r3 are shared or, sometimes, taken
       * exclusively. */
      gboolean exclusive = r < 2 || g_rand_int_range (rand, 0, 4) == 0;
      ShoalLockMode mode = r < 2 ? SHOAL_LOCK_MODE_DEFAULT : exclusive ? SHOAL_LOCK_MODE_EXCLUSIVE
                                                                       : SHOAL_LOCK_MODE_SHARED;
      int kind = g_rand_int_range (rand, 0, 8);

      if (kind == 0)
        {
          /* Two at once, without waiting, in their registered modes. */
          guint s = (r + 1 + g_rand_int_range (rand, 0, STRESS_RESOURCES - 1)) % STRESS_RESOURCES;
          const char *const pair[] = { stress_resources[r], stress_resources[s], NULL };
          g_autoptr (GError) error = NULL;

          if (shoal_lock_manager_try_acquire_all (manager, worker->holder, pair, &error))
            {
              stress_enter (worker->invariant, r, r < 2);
              stress_enter (worker->invariant, s, s < 2);
              g_thread_yield ();
              stress_leave (worker->invariant, s, s < 2);
              stress_leave (worker->invariant, r, r < 2);
              g_assert_cmpuint (shoal_lock_manager_release_all (manager, worker->holder), ==, 2);
              worker->try_successes++;
            }
          g_assert_no_error (error);
        }
      else if (kind == 1)
        {
          /* Two, step by step, in a fixed order: never a deadlock. */
          guint lo = MIN (r, 3 - r), hi = MAX (r, 3 - r);

          acquire_or_die (manager, worker->holder, stress_resources[lo], SHOAL_LOCK_MODE_DEFAULT);
          stress_enter (worker->invariant, lo, lo < 2);
          acquire_or_die (manager, worker->holder, stress_resources[hi], SHOAL_LOCK_MODE_DEFAULT);
          stress_enter (worker->invariant, hi, hi < 2);
          g_thread_yield ();
          stress_leave (worker->invariant, hi, hi < 2);
          release_or_die (manager, worker->holder, stress_resources[hi]);
          stress_leave (worker->invariant, lo, lo < 2);
          release_or_die (manager, worker->holder, stress_resources[lo]);
        }
      else
        {
          acquire_or_die (manager, worker->holder, stress_resources[r], mode);
          stress_enter (worker->invariant, r, exclusive);
          if (kind == 2)
            g_thread_yield ();
          stress_leave (worker->invariant, r, exclusive);
          release_or_die (manager, worker->holder, stress_resources[r]);
        }
    }
  return NULL;
}

static void
test_stress (void)
{
  /* The timer runs meanwhile: it must find nothing to break. */
  g_autoptr (ShoalLockManager) manager = new_manager (0.05);
  Invariant invariant = { 0 };
  StressWorker workers[STRESS_THREADS] = { 0 };
  GThread *threads[STRESS_THREADS];
  guint try_successes = 0;
  Detections detections = { 0 };

  g_test_summary ("8 threads, 4 resources, a random mix of shared and exclusive holds, one at "
                  "a time, two in order and two at once: exclusivity is never violated");

  for (guint r = 0; r < STRESS_RESOURCES; r++)
    register_or_die (manager, stress_resources[r], "stress", r < 2);
  g_mutex_init (&detections.mutex);
  g_signal_connect (manager, "deadlock-detected", G_CALLBACK (on_deadlock_detected), &detections);

  for (guint i = 0; i < STRESS_THREADS; i++)
    {
      workers[i].manager = manager;
      workers[i].invariant = &invariant;
      workers[i].index = i;
      workers[i].iterations = under_valgrind () ? 100 : 2000;
      g_snprintf (workers[i].holder, sizeof workers[i].holder, "worker_%u", i);
      threads[i] = g_thread_new (workers[i].holder, stress_thread, &workers[i]);
    }
  for (guint i = 0; i < STRESS_THREADS; i++)
    {
      g_thread_join (threads[i]);
      try_successes += workers[i].try_successes;
    }

  g_assert_cmpint (invariant.violations, ==, 0);
  for (guint r = 0; r < STRESS_RESOURCES; r++)
    {
      g_assert_cmpint (invariant.exclusive_in[r], ==, 0);
      g_assert_cmpint (invariant.shared_in[r], ==, 0);
      assert_strv (shoal_lock_manager_get_holders (manager, stress_resources[r]), (const char *const[]){ NULL });
      g_assert_cmpuint (shoal_lock_manager_get_waiting (manager, stress_resources[r]), ==, 0);
    }
  g_assert_cmpuint (detections.count, ==, 0);
  g_test_message ("most shared holders at once: %d; try_acquire_all successes: %u", invariant.max_shared,
                  try_successes);
  g_mutex_clear (&detections.mutex);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/shoal/lock-manager/register", test_register);
  g_test_add_func ("/shoal/lock-manager/detection-interval", test_detection_interval);
  g_test_add_func ("/shoal/lock-manager/exclusive-excludes", test_exclusive_excludes);
  g_test_add_func ("/shoal/lock-manager/shared-readers", test_shared_readers);
  g_test_add_func ("/shoal/lock-manager/writer-not-starved", test_writer_not_starved);
  g_test_add_func ("/shoal/lock-manager/fifo", test_fifo);
  g_test_add_func ("/shoal/lock-manager/timeout", test_timeout);
  g_test_add_func ("/shoal/lock-manager/timeout-unblocks-queue", test_timeout_unblocks_queue);
  g_test_add_func ("/shoal/lock-manager/unknown-resource", test_unknown_resource);
  g_test_add_func ("/shoal/lock-manager/reacquire", test_reacquire);
  g_test_add_func ("/shoal/lock-manager/release-not-held", test_release_not_held);
  g_test_add_func ("/shoal/lock-manager/try-acquire-all", test_try_acquire_all);
  g_test_add_func ("/shoal/lock-manager/status", test_status);
  g_test_add_func ("/shoal/lock-manager/cancel", test_cancel);
  g_test_add_func ("/shoal/lock-manager/dispose-wakes-waiters", test_dispose_wakes_waiters);
  g_test_add_func ("/shoal/lock-manager/deadlock-manual", test_deadlock_manual);
  g_test_add_func ("/shoal/lock-manager/deadlock-automatic", test_deadlock_automatic);
  g_test_add_func ("/shoal/lock-manager/deadlock-ring-of-three", test_deadlock_ring_of_three);
  g_test_add_func ("/shoal/lock-manager/deadlock-behind-queue", test_deadlock_behind_queue);
  g_test_add_func ("/shoal/lock-manager/stress", test_stress);

  return g_test_run ();
}
