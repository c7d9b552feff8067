/* test-resource-pool-manager.c: pools, queues, sizing and health of ShoalResourcePoolManager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Cases that wait for another thread poll for the state they expect, with
 * a generous deadline, rather than sleep for a fixed time: they pass as
 * fast as the machine allows and do not fail on a loaded one.
 */

#include <string.h>

#include <shoal.h>

/* How long a case waits for something that should happen at once. */
#define PATIENCE_USEC (20 * G_USEC_PER_SEC)

#define assert_contains(haystack, needle)                                                        \
  G_STMT_START                                                                                   \
  {                                                                                              \
    const char *h__ = (haystack);                                                                \
    const char *n__ = (needle);                                                                  \
    if (h__ == NULL || strstr (h__, n__) == NULL)                                                \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,                   \
                                  #haystack " contains " #needle, h__, "does not contain", n__); \
  }                                                                                              \
  G_STMT_END

/* ---- a provider whose instances can be made to fail ---- */

#define TEST_TYPE_PROVIDER (test_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestProvider, test_provider, TEST, PROVIDER, GObject)

struct _TestProvider
{
  GObject parent_instance;

  GMutex lock;
  char *pool_name;
  GHashTable *failing;   /* ids whose health check fails */
  int fail_create_index; /* -1: none */
  gboolean fail_create;
  guint created;
  guint destroyed;
  guint checked;
};

static void test_provider_iface_init (ShoalResourceProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestProvider, test_provider, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (SHOAL_TYPE_RESOURCE_PROVIDER, test_provider_iface_init))

static gboolean
test_provider_configure (ShoalResourceProvider *provider,
                         const char *pool_name,
                         ShoalSettings *settings,
                         GError **error)
{
  TestProvider *self = TEST_PROVIDER (provider);

  g_mutex_lock (&self->lock);
  g_free (self->pool_name);
  self->pool_name = g_strdup (pool_name);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Ids are i<serial>, so a replacement is told from what it replaced. */
static ShoalResourceInstance *
test_provider_create_instance (ShoalResourceProvider *provider,
                               guint index,
                               GCancellable *cancellable,
                               GError **error)
{
  TestProvider *self = TEST_PROVIDER (provider);
  ShoalResourceInstance *instance = NULL;

  g_mutex_lock (&self->lock);
  if (self->fail_create || self->fail_create_index == (int) index)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  else
    {
      g_autofree char *id = g_strdup_printf ("i%u", self->created);
      g_autofree char *value = g_strdup_printf ("%u", index);

      instance = shoal_resource_instance_new (self->pool_name, id);
      shoal_resource_instance_setenv (instance, "TEST_INDEX", value);
      self->created++;
    }
  g_mutex_unlock (&self->lock);
  return instance;
}

static gboolean
test_provider_check_instance (ShoalResourceProvider *provider,
                              ShoalResourceInstance *instance,
                              GCancellable *cancellable,
                              GError **error)
{
  TestProvider *self = TEST_PROVIDER (provider);
  gboolean healthy;

  g_mutex_lock (&self->lock);
  self->checked++;
  healthy = !g_hash_table_contains (self->failing, shoal_resource_instance_get_id (instance));
  g_mutex_unlock (&self->lock);
  if (!healthy)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "it stopped answering");
  return healthy;
}

static void
test_provider_destroy_instance (ShoalResourceProvider *provider,
                                ShoalResourceInstance *instance)
{
  TestProvider *self = TEST_PROVIDER (provider);

  g_mutex_lock (&self->lock);
  self->destroyed++;
  g_mutex_unlock (&self->lock);
}

static void
test_provider_iface_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = test_provider_configure;
  iface->create_instance = test_provider_create_instance;
  iface->check_instance = test_provider_check_instance;
  iface->destroy_instance = test_provider_destroy_instance;
}

static void
test_provider_finalize (GObject *object)
{
  TestProvider *self = TEST_PROVIDER (object);

  g_free (self->pool_name);
  g_hash_table_unref (self->failing);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (test_provider_parent_class)->finalize (object);
}

static void
test_provider_class_init (TestProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_provider_finalize;
}

static void
test_provider_init (TestProvider *self)
{
  g_mutex_init (&self->lock);
  self->failing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->fail_create_index = -1;
}

static TestProvider *
test_provider_new (const char *pool_name)
{
  TestProvider *self = g_object_new (TEST_TYPE_PROVIDER, NULL);
  g_autoptr (GError) error = NULL;

  shoal_resource_provider_configure (SHOAL_RESOURCE_PROVIDER (self), pool_name, NULL, &error);
  g_assert_no_error (error);
  return self;
}

static void
test_provider_set_failing (TestProvider *self,
                           const char *id,
                           gboolean failing)
{
  g_mutex_lock (&self->lock);
  if (failing)
    g_hash_table_add (self->failing, g_strdup (id));
  else
    g_hash_table_remove (self->failing, id);
  g_mutex_unlock (&self->lock);
}

static void
test_provider_set_fail_create (TestProvider *self,
                               gboolean fail)
{
  g_mutex_lock (&self->lock);
  self->fail_create = fail;
  g_mutex_unlock (&self->lock);
}

static guint
test_provider_get_destroyed (TestProvider *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->destroyed;
  g_mutex_unlock (&self->lock);
  return n;
}

static guint
test_provider_get_created (TestProvider *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->created;
  g_mutex_unlock (&self->lock);
  return n;
}

/* ---- helpers ---- */

static ShoalResourcePoolManager *
manager_with_pool (const char *name,
                   guint size)
{
  ShoalResourcePoolManager *manager = shoal_resource_pool_manager_new ();
  g_autoptr (GError) error = NULL;

  shoal_resource_pool_manager_add_pool (manager, name, size, &error);
  g_assert_no_error (error);
  return manager;
}

static GVariant *
pool_status (ShoalResourcePoolManager *manager,
             const char *pool)
{
  g_autoptr (GVariant) status = shoal_resource_pool_manager_get_pool_status (manager);
  GVariant *entry = g_variant_lookup_value (status, pool, G_VARIANT_TYPE ("a{sv}"));

  g_assert_nonnull (entry);
  return entry;
}

static guint
pool_stat (ShoalResourcePoolManager *manager,
           const char *pool,
           const char *key)
{
  g_autoptr (GVariant) entry = pool_status (manager, pool);
  guint value = 0;

  g_assert_true (g_variant_lookup (entry, key, "u", &value));
  return value;
}

static guint64
pool_total (ShoalResourcePoolManager *manager,
            const char *pool,
            const char *key)
{
  g_autoptr (GVariant) entry = pool_status (manager, pool);
  guint64 value = 0;

  g_assert_true (g_variant_lookup (entry, key, "t", &value));
  return value;
}

/* Polls until pool_stat() gives @expected; fails after PATIENCE_USEC. */
static void
wait_for_stat (ShoalResourcePoolManager *manager,
               const char *pool,
               const char *key,
               guint expected)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_USEC;

  while (pool_stat (manager, pool, key) != expected && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpuint (pool_stat (manager, pool, key), ==, expected);
}

static void
release (ShoalResourcePoolManager *manager,
         ShoalResourceInstance *instance,
         const char *worker)
{
  g_autoptr (GError) error = NULL;

  shoal_resource_pool_manager_release_resource (manager, shoal_resource_instance_get_pool (instance),
                                                shoal_resource_instance_get_id (instance), worker,
                                                &error);
  g_assert_no_error (error);
}

/* Records the alerts, from whichever thread emits them. */
typedef struct
{
  GMutex lock;
  GPtrArray *kinds;
  GPtrArray *messages;
} Alerts;

static void
on_alert (ShoalResourcePoolManager *manager,
          const char *kind,
          const char *pool,
          const char *message,
          gpointer user_data)
{
  Alerts *alerts = user_data;

  g_mutex_lock (&alerts->lock);
  g_ptr_array_add (alerts->kinds, g_strdup (kind));
  g_ptr_array_add (alerts->messages, g_strdup (message));
  g_mutex_unlock (&alerts->lock);
}

static void
alerts_init (Alerts *alerts,
             ShoalResourcePoolManager *manager)
{
  g_mutex_init (&alerts->lock);
  alerts->kinds = g_ptr_array_new_with_free_func (g_free);
  alerts->messages = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (manager, "alert", G_CALLBACK (on_alert), alerts);
}

static void
alerts_clear (Alerts *alerts)
{
  g_ptr_array_unref (alerts->kinds);
  g_ptr_array_unref (alerts->messages);
  g_mutex_clear (&alerts->lock);
}

static guint
alerts_count (Alerts *alerts,
              const char *kind)
{
  guint n = 0;

  g_mutex_lock (&alerts->lock);
  for (guint i = 0; i < alerts->kinds->len; i++)
    if (g_str_equal (g_ptr_array_index (alerts->kinds, i), kind))
      n++;
  g_mutex_unlock (&alerts->lock);
  return n;
}

/* The message of the last alert of @kind. */
static char *
alerts_last (Alerts *alerts,
             const char *kind)
{
  char *message = NULL;

  g_mutex_lock (&alerts->lock);
  for (guint i = 0; i < alerts->kinds->len; i++)
    if (g_str_equal (g_ptr_array_index (alerts->kinds, i), kind))
      {
        g_free (message);
        message = g_strdup (g_ptr_array_index (alerts->messages, i));
      }
  g_mutex_unlock (&alerts->lock);
  return message;
}

static void
wait_for_alert (Alerts *alerts,
                const char *kind,
                guint count)
{
  gint64 deadline = g_get_monotonic_time () + PATIENCE_USEC;

  while (alerts_count (alerts, kind) < count && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpuint (alerts_count (alerts, kind), >=, count);
}

/* A blocking acquisition in a thread of its own. */
typedef struct
{
  ShoalResourcePoolManager *manager;
  const char *pool;
  guint count;
  const char *worker;
  int priority;
  double timeout;
  GCancellable *cancellable;
  GPtrArray *instances;
  GError *error;
  /* For the order test: where to record that it was served. */
  GMutex *order_lock;
  GString *order;
  gboolean release_at_once;
  GThread *thread;
} Acquirer;

static gpointer
acquirer_run (gpointer data)
{
  Acquirer *acquirer = data;

  shoal_resource_pool_manager_acquire_resource_full (acquirer->manager, acquirer->pool,
                                                     acquirer->count, acquirer->worker,
                                                     acquirer->priority, acquirer->timeout,
                                                     acquirer->cancellable, &acquirer->instances,
                                                     &acquirer->error);
  if (acquirer->order != NULL && acquirer->instances != NULL)
    {
      g_mutex_lock (acquirer->order_lock);
      g_string_append (acquirer->order, acquirer->worker);
      g_mutex_unlock (acquirer->order_lock);
    }
  if (acquirer->release_at_once && acquirer->instances != NULL)
    shoal_resource_pool_manager_release_all (acquirer->manager, acquirer->worker);
  return NULL;
}

static void
acquirer_start (Acquirer *acquirer)
{
  acquirer->thread = g_thread_new ("acquirer", acquirer_run, acquirer);
}

static void
acquirer_join (Acquirer *acquirer)
{
  g_thread_join (g_steal_pointer (&acquirer->thread));
}

static void
acquirer_clear (Acquirer *acquirer)
{
  g_clear_pointer (&acquirer->instances, g_ptr_array_unref);
  g_clear_error (&acquirer->error);
}

/* ---- cases ---- */

static void
test_bad_input (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("drivers", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalResourceInstance) instance = NULL;
  g_autoptr (GPtrArray) instances = NULL;

  g_test_summary ("Bad pools and requests are errors with exact messages");

  g_assert_false (shoal_resource_pool_manager_add_pool (manager, "empty", 0, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "pool 'empty' must have at least 1 instance");
  g_clear_error (&error);
  g_assert_false (shoal_resource_pool_manager_has_pool (manager, "empty"));

  g_assert_false (shoal_resource_pool_manager_add_pool (manager, "drivers", 3, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "a pool named 'drivers' already exists");
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_add_pool (manager, "a:b", 3, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_add_pool_full (manager, "odd", 2, 3, 4, NULL, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "pool 'odd' needs 1 <= min <= size <= max, got min 3, size 2, max 4");
  g_clear_error (&error);

  for (guint i = 0; i < 4; i++)
    {
      const char *bad[] = { "drivers:-1", "drivers:0", "drivers:", "drivers:2x" };
      const char *requests[] = { "drivers", bad[i], NULL };
      g_autofree char *expected = g_strdup_printf (
          "malformed resource request '%s': the count must be a positive integer", bad[i]);

      g_assert_false (shoal_resource_pool_manager_try_acquire (manager, requests, "w1", 0, &instances,
                                                               &error));
      g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_null (instances);
      g_clear_error (&error);
    }
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 0);

  {
    const char *requests[] = { ":2", NULL };

    g_assert_false (shoal_resource_pool_manager_try_acquire (manager, requests, "w1", 0, NULL, &error));
    g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
    g_assert_cmpstr (error->message, ==, "malformed resource request ':2': the pool name is empty");
    g_clear_error (&error);
  }

  {
    const char *requests[] = { "drivers", "nope:2", NULL };

    g_assert_false (shoal_resource_pool_manager_try_acquire (manager, requests, "w1", 0, NULL, &error));
    g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_UNKNOWN_POOL);
    g_assert_cmpstr (error->message, ==, "unknown resource pool 'nope'");
    g_clear_error (&error);
    g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 0);
  }

  g_assert_null (shoal_resource_pool_manager_acquire_resource (manager, "nope", "w1", 1, NULL, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_UNKNOWN_POOL);
  g_assert_cmpstr (error->message, ==, "unknown resource pool 'nope'");
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 3, "w1", 0, -1,
                                                                     NULL, &instances, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_EXHAUSTED);
  g_assert_cmpstr (error->message, ==, "cannot acquire 3 instances of 'drivers': the pool has at most 2");
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 0, "w1", 0, -1,
                                                                     NULL, &instances, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_clear_error (&error);

  instance = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w1", 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_resource_instance_get_id (instance), ==, "0");

  g_assert_false (shoal_resource_pool_manager_release_resource (manager, "drivers", "0", "w2", &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD);
  g_assert_cmpstr (error->message, ==, "instance '0' of 'drivers' is not held by 'w2'");
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_release_resource (manager, "drivers", "1", "w1", &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD);
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_release_resource (manager, "drivers", "7", "w1", &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD);
  g_assert_cmpstr (error->message, ==, "pool 'drivers' has no instance '7'");
  g_clear_error (&error);

  g_assert_false (shoal_resource_pool_manager_release_resource (manager, "nope", "0", "w1", &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_UNKNOWN_POOL);
  g_clear_error (&error);

  release (manager, instance, "w1");
  g_assert_false (shoal_resource_pool_manager_release_resource (manager, "drivers", "0", "w1", &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD);
}

/* Eight threads take and give back instances as fast as they can; every
 * instance counts its holders, which must never exceed one. */
#define HAMMER_THREADS 8
#define HAMMER_ROUNDS 150
#define HAMMER_SIZE 3

typedef struct
{
  ShoalResourcePoolManager *manager;
  int holders[HAMMER_SIZE];
  int in_use;
  int max_in_use;
  int violations;
} Hammer;

static void
hammer_take (Hammer *hammer,
             ShoalResourceInstance *instance)
{
  guint index = (guint) g_ascii_strtoull (shoal_resource_instance_get_id (instance), NULL, 10);
  int in_use;

  g_assert_cmpuint (index, <, HAMMER_SIZE);
  if (g_atomic_int_add (&hammer->holders[index], 1) != 0)
    g_atomic_int_inc (&hammer->violations);
  in_use = g_atomic_int_add (&hammer->in_use, 1) + 1;
  for (int max = g_atomic_int_get (&hammer->max_in_use);
       in_use > max && !g_atomic_int_compare_and_exchange (&hammer->max_in_use, max, in_use);
       max = g_atomic_int_get (&hammer->max_in_use))
    ;
}

static void
hammer_give (Hammer *hammer,
             ShoalResourceInstance *instance)
{
  guint index = (guint) g_ascii_strtoull (shoal_resource_instance_get_id (instance), NULL, 10);

  g_atomic_int_add (&hammer->in_use, -1);
  g_atomic_int_add (&hammer->holders[index], -1);
}

static gpointer
hammer_run (gpointer data)
{
  Hammer *hammer = data;
  g_autofree char *worker = g_strdup_printf ("w%p", (void *) g_thread_self ());
  GRand *rand = g_rand_new ();

  for (guint round = 0; round < HAMMER_ROUNDS; round++)
    {
      g_autoptr (GPtrArray) instances = NULL;
      g_autoptr (GError) error = NULL;
      guint choice = g_rand_int_range (rand, 0, 3);

      if (choice == 0)
        {
          const char *requests[] = { "slots", NULL };

          if (!shoal_resource_pool_manager_try_acquire (hammer->manager, requests, worker,
                                                        g_rand_int_range (rand, 0, 3), &instances,
                                                        &error))
            {
              g_assert_no_error (error);
              g_thread_yield ();
              continue;
            }
        }
      else
        shoal_resource_pool_manager_acquire_resource_full (hammer->manager, "slots", choice, worker,
                                                           g_rand_int_range (rand, 0, 3), -1, NULL,
                                                           &instances, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (instances->len, ==, MAX (choice, 1));
      for (guint i = 0; i < instances->len; i++)
        hammer_take (hammer, g_ptr_array_index (instances, i));
      g_thread_yield ();
      for (guint i = 0; i < instances->len; i++)
        hammer_give (hammer, g_ptr_array_index (instances, i));
      if (round % 2 == 0)
        shoal_resource_pool_manager_release_all (hammer->manager, worker);
      else
        for (guint i = 0; i < instances->len; i++)
          release (hammer->manager, g_ptr_array_index (instances, i), worker);
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_never_two_holders (void)
{
  Hammer hammer = { 0 };
  GThread *threads[HAMMER_THREADS];

  g_test_summary ("Under eight threads taking and releasing, no instance ever has two holders and "
                  "no more instances than the pool's size are held");

  hammer.manager = manager_with_pool ("slots", HAMMER_SIZE);
  for (guint i = 0; i < HAMMER_THREADS; i++)
    threads[i] = g_thread_new ("hammer", hammer_run, &hammer);
  for (guint i = 0; i < HAMMER_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (hammer.violations, ==, 0);
  g_assert_cmpint (hammer.max_in_use, <=, HAMMER_SIZE);
  g_assert_cmpint (hammer.max_in_use, >=, 1);
  g_assert_cmpuint (pool_stat (hammer.manager, "slots", "in_use"), ==, 0);
  g_assert_cmpuint (pool_stat (hammer.manager, "slots", "waiting"), ==, 0);
  g_object_unref (hammer.manager);
}

static void
test_queue_order (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("db", 1);
  g_autoptr (ShoalResourceInstance) held = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) order = g_string_new (NULL);
  /* Arrival order A B C D E; C and E have the higher priority. */
  const char *workers[] = { "A", "B", "C", "D", "E" };
  const int priorities[] = { 0, 0, 5, 0, 5 };
  Acquirer acquirers[G_N_ELEMENTS (workers)] = { 0 };
  GMutex order_lock;

  g_test_summary ("Waiters are served by priority, and first come first served within a priority");

  g_mutex_init (&order_lock);
  held = shoal_resource_pool_manager_acquire_resource (manager, "db", "holder", -1, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      acquirers[i] = (Acquirer){
        .manager = manager,
        .pool = "db",
        .count = 1,
        .worker = workers[i],
        .priority = priorities[i],
        .timeout = -1,
        .order_lock = &order_lock,
        .order = order,
        .release_at_once = TRUE,
      };
      acquirer_start (&acquirers[i]);
      /* Queued before the next one arrives. */
      wait_for_stat (manager, "db", "waiting", i + 1);
    }

  release (manager, held, "holder");
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      acquirer_join (&acquirers[i]);
      g_assert_no_error (acquirers[i].error);
      acquirer_clear (&acquirers[i]);
    }
  g_assert_cmpstr (order->str, ==, "CEABD");
  g_assert_cmpuint (pool_total (manager, "db", "acquired_total"), ==, 6);
  g_mutex_clear (&order_lock);
}

static void
test_head_of_line (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("db", 2);
  g_autoptr (GPtrArray) held = NULL;
  g_autoptr (GPtrArray) taken = NULL;
  g_autoptr (GError) error = NULL;
  Acquirer big = { 0 };
  const char *one[] = { "db", NULL };

  g_test_summary ("A waiter for two instances is not overtaken by smaller requests of its priority");

  shoal_resource_pool_manager_acquire_resource_full (manager, "db", 2, "holder", 0, -1, NULL, &held,
                                                     &error);
  g_assert_no_error (error);

  big = (Acquirer){ .manager = manager, .pool = "db", .count = 2, .worker = "big", .timeout = -1 };
  acquirer_start (&big);
  wait_for_stat (manager, "db", "waiting", 1);

  release (manager, g_ptr_array_index (held, 0), "holder");
  /* One instance is free, but the head of the queue needs two. */
  g_assert_false (shoal_resource_pool_manager_try_acquire (manager, one, "small", 0, &taken, &error));
  g_assert_no_error (error);
  g_assert_null (taken);
  /* A higher priority goes first. */
  g_assert_true (shoal_resource_pool_manager_try_acquire (manager, one, "urgent", 1, &taken, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (taken->len, ==, 1);

  release (manager, g_ptr_array_index (held, 1), "holder");
  g_assert_cmpuint (pool_stat (manager, "db", "waiting"), ==, 1);
  shoal_resource_pool_manager_release_all (manager, "urgent");
  acquirer_join (&big);
  g_assert_no_error (big.error);
  g_assert_cmpuint (big.instances->len, ==, 2);
  g_assert_cmpuint (pool_stat (manager, "db", "in_use"), ==, 2);
  acquirer_clear (&big);
}

static void
test_timeout (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("drivers", 4);
  g_autoptr (GPtrArray) held = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalResourceInstance) instance = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *alert = NULL;
  Acquirer waiter = { 0 };
  Alerts alerts;

  g_test_summary ("An acquisition that waits past its timeout fails with a message naming the pool "
                  "and raises an alert; a cancelled one fails too");

  alerts_init (&alerts, manager);
  shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 4, "w0", 0, -1, NULL, &held,
                                                     &error);
  g_assert_no_error (error);

  instance = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w1", 0.2, NULL, &error);
  g_assert_null (instance);
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==,
                   "timed out after 0.2 s waiting for 1 instance of 'drivers' (4 of 4 in use)");
  g_clear_error (&error);
  g_assert_cmpuint (pool_stat (manager, "drivers", "waiting"), ==, 0);
  g_assert_cmpuint (pool_total (manager, "drivers", "timeouts_total"), ==, 1);
  g_assert_cmpuint (alerts_count (&alerts, "acquisition-timeout"), ==, 1);
  alert = alerts_last (&alerts, "acquisition-timeout");
  assert_contains (alert, "timed out after 0.2 s waiting for 1 instance of 'drivers'");
  assert_contains (alert, "'w1'");

  waiter = (Acquirer){ .manager = manager,
                       .pool = "drivers",
                       .count = 2,
                       .worker = "w2",
                       .timeout = -1,
                       .cancellable = cancellable };
  acquirer_start (&waiter);
  wait_for_stat (manager, "drivers", "waiting", 1);
  g_cancellable_cancel (cancellable);
  acquirer_join (&waiter);
  g_assert_error (waiter.error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_CANCELLED);
  g_assert_null (waiter.instances);
  g_assert_cmpuint (pool_stat (manager, "drivers", "waiting"), ==, 0);
  acquirer_clear (&waiter);

  /* Already cancelled: fails at once. */
  instance = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w3", -1, cancellable,
                                                           &error);
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (alerts_count (&alerts, "acquisition-timeout"), ==, 1);

  alerts_clear (&alerts);
}

static void
test_try_acquire_atomic (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (ShoalResourceInstance) db = NULL;
  g_autoptr (GPtrArray) taken = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) environment = NULL;
  const char *requests[] = { "db", "selenium-drivers:2", NULL };

  g_test_summary ("try_acquire takes from every pool it names at once, or from none");

  shoal_resource_pool_manager_add_pool (manager, "db", 1, &error);
  g_assert_no_error (error);
  shoal_resource_pool_manager_add_pool (manager, "selenium-drivers", 3, &error);
  g_assert_no_error (error);

  db = shoal_resource_pool_manager_acquire_resource (manager, "db", "other", -1, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (shoal_resource_pool_manager_try_acquire (manager, requests, "t1", 0, &taken, &error));
  g_assert_no_error (error);
  g_assert_null (taken);
  g_assert_cmpuint (pool_stat (manager, "selenium-drivers", "in_use"), ==, 0);

  release (manager, db, "other");
  g_assert_true (shoal_resource_pool_manager_try_acquire (manager, requests, "t1", 0, &taken, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (taken->len, ==, 3);
  g_assert_cmpstr (shoal_resource_instance_get_pool (g_ptr_array_index (taken, 0)), ==, "db");
  g_assert_cmpstr (shoal_resource_instance_get_id (g_ptr_array_index (taken, 1)), ==, "0");
  g_assert_cmpstr (shoal_resource_instance_get_id (g_ptr_array_index (taken, 2)), ==, "1");
  g_assert_cmpuint (pool_stat (manager, "db", "in_use"), ==, 1);
  g_assert_cmpuint (pool_stat (manager, "selenium-drivers", "in_use"), ==, 2);

  environment = shoal_resource_pool_manager_environment_for (manager, taken);
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_DB"), ==, "0");
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_SELENIUM_DRIVERS"), ==, "0,1");
  g_assert_cmpuint (g_strv_length (environment), ==, 2);

  /* The same pool twice adds up; more than the pool can ever have is an error. */
  {
    const char *twice[] = { "selenium-drivers", "selenium-drivers", NULL };
    const char *too_many[] = { "selenium-drivers:4", NULL };
    g_autoptr (GPtrArray) more = NULL;

    g_assert_false (shoal_resource_pool_manager_try_acquire (manager, twice, "t2", 0, &more, &error));
    g_assert_no_error (error);
    g_assert_false (shoal_resource_pool_manager_try_acquire (manager, too_many, "t2", 0, &more, &error));
    g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_EXHAUSTED);
    g_clear_error (&error);
  }

  shoal_resource_pool_manager_release_all (manager, "t1");
  g_assert_cmpuint (pool_stat (manager, "db", "in_use"), ==, 0);
  g_assert_cmpuint (pool_stat (manager, "selenium-drivers", "in_use"), ==, 0);
}

static void
test_pool_status (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("drivers", 4);
  g_autoptr (GPtrArray) held = NULL;
  g_autoptr (GVariant) entry = NULL;
  g_autoptr (GError) error = NULL;
  Acquirer waiter = { 0 };
  double utilization = -1;
  gboolean has_key;

  g_test_summary ("get_pool_status reports size, use, queue, utilization and health per pool");

  shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 3, "w1", 0, -1, NULL, &held,
                                                     &error);
  g_assert_no_error (error);

  entry = pool_status (manager, "drivers");
  g_assert_true (g_variant_lookup (entry, "utilization", "d", &utilization));
  g_assert_cmpfloat_with_epsilon (utilization, 0.75, 1e-9);
  g_assert_cmpuint (pool_stat (manager, "drivers", "size"), ==, 4);
  g_assert_cmpuint (pool_stat (manager, "drivers", "min"), ==, 4);
  g_assert_cmpuint (pool_stat (manager, "drivers", "max"), ==, 4);
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 3);
  g_assert_cmpuint (pool_stat (manager, "drivers", "waiting"), ==, 0);
  g_assert_cmpuint (pool_stat (manager, "drivers", "healthy"), ==, 4);
  g_assert_cmpuint (pool_stat (manager, "drivers", "unhealthy"), ==, 0);
  g_assert_cmpuint (pool_total (manager, "drivers", "acquired_total"), ==, 3);
  g_assert_cmpuint (pool_total (manager, "drivers", "timeouts_total"), ==, 0);
  has_key = g_variant_lookup (entry, "nonsense", "u", NULL);
  g_assert_false (has_key);

  waiter = (Acquirer){ .manager = manager, .pool = "drivers", .count = 2, .worker = "w2", .timeout = -1 };
  acquirer_start (&waiter);
  wait_for_stat (manager, "drivers", "waiting", 1);
  shoal_resource_pool_manager_release_all (manager, "w1");
  acquirer_join (&waiter);
  g_assert_no_error (waiter.error);
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 2);
  g_assert_cmpuint (pool_stat (manager, "drivers", "waiting"), ==, 0);
  g_assert_cmpuint (pool_total (manager, "drivers", "acquired_total"), ==, 5);
  acquirer_clear (&waiter);
}

static void
test_dynamic_sizing (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (ShoalResourceInstance) first = NULL;
  g_autoptr (GPtrArray) taken = NULL;
  g_autoptr (GError) error = NULL;
  Acquirer waiters[2] = { 0 };
  const char *two[] = { "drivers:2", NULL };

  g_test_summary ("A pool grows up to its maximum while requests queue and shrinks back to its "
                  "size, then its minimum, once idle");

  shoal_resource_pool_manager_set_idle_shrink_delay (manager, 0.2);
  shoal_resource_pool_manager_add_pool_full (manager, "drivers", 2, 1, 4, NULL, &error);
  g_assert_no_error (error);

  shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 2, "w0", 0, -1, NULL, &taken,
                                                     &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      waiters[i] = (Acquirer){ .manager = manager,
                               .pool = "drivers",
                               .count = 1,
                               .worker = i == 0 ? "w1" : "w2",
                               .timeout = 30 };
      acquirer_start (&waiters[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      acquirer_join (&waiters[i]);
      g_assert_no_error (waiters[i].error);
    }
  g_assert_cmpuint (pool_stat (manager, "drivers", "size"), ==, 4);
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 4);

  /* At its maximum, the pool does not grow further. */
  first = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w3", 0.3, NULL, &error);
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_cmpuint (pool_stat (manager, "drivers", "size"), ==, 4);

  /* Back to the size once the queue is empty, with one instance still held... */
  shoal_resource_pool_manager_release_all (manager, "w0");
  shoal_resource_pool_manager_release_all (manager, "w1");
  wait_for_stat (manager, "drivers", "size", 2);
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 1);
  /* ... to the minimum once nothing is used. */
  shoal_resource_pool_manager_release_all (manager, "w2");
  wait_for_stat (manager, "drivers", "size", 1);

  /* A try_acquire that finds too few instances is demand too. */
  g_clear_pointer (&taken, g_ptr_array_unref);
  {
    gint64 deadline = g_get_monotonic_time () + PATIENCE_USEC;

    while (!shoal_resource_pool_manager_try_acquire (manager, two, "w4", 0, &taken, &error) &&
           g_get_monotonic_time () < deadline)
      {
        g_assert_no_error (error);
        g_usleep (5000);
      }
  }
  g_assert_no_error (error);
  g_assert_nonnull (taken);
  g_assert_cmpuint (taken->len, ==, 2);
  g_assert_cmpuint (pool_stat (manager, "drivers", "size"), ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    acquirer_clear (&waiters[i]);
}

static void
test_health_checks (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (TestProvider) provider = test_provider_new ("db");
  g_autoptr (ShoalResourceInstance) held = NULL;
  g_autoptr (ShoalResourceInstance) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  guint destroyed;
  Alerts alerts;

  g_test_summary ("Health checks replace an instance that fails, at once when idle, after its "
                  "release when in use; a failed replacement is a provider-failure alert");

  alerts_init (&alerts, manager);
  shoal_resource_pool_manager_set_health_check_interval (manager, 0.05);
  shoal_resource_pool_manager_add_pool_full (manager, "db", 2, 0, 0,
                                             SHOAL_RESOURCE_PROVIDER (provider), &error);
  g_assert_no_error (error);

  /* i0 is held; i1 is idle. Both start failing. */
  held = shoal_resource_pool_manager_acquire_resource (manager, "db", "w1", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_resource_instance_get_id (held), ==, "i0");
  test_provider_set_failing (provider, "i0", TRUE);
  test_provider_set_failing (provider, "i1", TRUE);

  wait_for_alert (&alerts, "unhealthy-instance", 1);
  message = alerts_last (&alerts, "unhealthy-instance");
  g_assert_cmpstr (message, ==,
                   "instance 'i1' of pool 'db' failed its health check: it stopped answering");
  wait_for_stat (manager, "db", "healthy", 2);
  g_assert_cmpuint (test_provider_get_created (provider), ==, 3);
  g_assert_cmpuint (test_provider_get_destroyed (provider), ==, 1);
  /* The held one is left alone while held. */
  g_assert_cmpuint (pool_stat (manager, "db", "in_use"), ==, 1);
  g_assert_true (shoal_resource_instance_get_healthy (held));

  /* Released, it is checked before anyone else gets it, and replaced. */
  release (manager, held, "w1");
  wait_for_alert (&alerts, "unhealthy-instance", 2);
  {
    gint64 deadline = g_get_monotonic_time () + PATIENCE_USEC;

    while (test_provider_get_created (provider) < 4 && g_get_monotonic_time () < deadline)
      g_usleep (5000);
    g_assert_cmpuint (test_provider_get_created (provider), ==, 4);
  }
  g_assert_false (shoal_resource_instance_get_healthy (held));
  wait_for_stat (manager, "db", "healthy", 2);
  g_assert_cmpuint (test_provider_get_destroyed (provider), ==, 2);
  {
    g_autoptr (GPtrArray) both = NULL;

    shoal_resource_pool_manager_acquire_resource_full (manager, "db", 2, "w2", 0, 10, NULL, &both,
                                                       &error);
    g_assert_no_error (error);
    for (guint i = 0; i < both->len; i++)
      {
        const char *id = shoal_resource_instance_get_id (g_ptr_array_index (both, i));

        g_assert_cmpstr (id, !=, "i0");
        g_assert_cmpstr (id, !=, "i1");
      }
    shoal_resource_pool_manager_release_all (manager, "w2");
  }

  /* A replacement that cannot be made leaves the instance unhealthy. */
  test_provider_set_fail_create (provider, TRUE);
  test_provider_set_failing (provider, "i2", TRUE);
  wait_for_alert (&alerts, "provider-failure", 1);
  g_clear_pointer (&message, g_free);
  message = alerts_last (&alerts, "provider-failure");
  g_assert_cmpstr (message, ==, "cannot create instance 1 of pool 'db': boom");
  wait_for_stat (manager, "db", "unhealthy", 1);
  g_assert_cmpuint (pool_stat (manager, "db", "healthy"), ==, 1);
  g_assert_cmpuint (pool_stat (manager, "db", "size"), ==, 2);

  /* The next rounds retry. */
  test_provider_set_fail_create (provider, FALSE);
  wait_for_stat (manager, "db", "unhealthy", 0);
  g_assert_cmpuint (pool_stat (manager, "db", "healthy"), ==, 2);
  again = shoal_resource_pool_manager_acquire_resource (manager, "db", "w3", 10, NULL, &error);
  g_assert_no_error (error);

  destroyed = test_provider_get_destroyed (provider);
  g_clear_object (&manager);
  /* Disposing the manager tears every instance down. */
  g_assert_cmpuint (test_provider_get_destroyed (provider), ==, destroyed + 2);
  alerts_clear (&alerts);
}

static void
test_add_pool_failure (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (TestProvider) provider = test_provider_new ("db");
  g_autoptr (TestProvider) wrong = test_provider_new ("elsewhere");
  g_autoptr (GError) error = NULL;

  g_test_summary ("A pool whose provider fails to make an instance is not added, and what was "
                  "made is torn down");

  provider->fail_create_index = 2;
  g_assert_false (shoal_resource_pool_manager_add_pool_full (manager, "db", 3, 0, 0,
                                                             SHOAL_RESOURCE_PROVIDER (provider),
                                                             &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER);
  g_assert_cmpstr (error->message, ==, "cannot create instance 2 of pool 'db': boom");
  g_clear_error (&error);
  g_assert_cmpuint (test_provider_get_created (provider), ==, 2);
  g_assert_cmpuint (test_provider_get_destroyed (provider), ==, 2);
  g_assert_false (shoal_resource_pool_manager_has_pool (manager, "db"));

  g_assert_false (shoal_resource_pool_manager_add_pool_full (manager, "db", 1, 0, 0,
                                                             SHOAL_RESOURCE_PROVIDER (wrong), &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER);
  assert_contains (error->message, "made it for pool 'elsewhere'");
  g_clear_error (&error);

  /* The name is free again. */
  provider->fail_create_index = -1;
  shoal_resource_pool_manager_add_pool_full (manager, "db", 1, 0, 0,
                                             SHOAL_RESOURCE_PROVIDER (provider), &error);
  g_assert_no_error (error);
}

static void
test_high_utilization (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("drivers", 2);
  g_autoptr (ShoalResourceInstance) a = NULL;
  g_autoptr (ShoalResourceInstance) b = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  Alerts alerts;

  g_test_summary ("Utilization crossing above 90% raises one alert per crossing");

  alerts_init (&alerts, manager);
  a = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w1", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (alerts_count (&alerts, "high-utilization"), ==, 0);
  b = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w2", -1, NULL, &error);
  g_assert_no_error (error);
  /* Emitted by the acquiring thread, before the acquisition returns. */
  g_assert_cmpuint (alerts_count (&alerts, "high-utilization"), ==, 1);
  message = alerts_last (&alerts, "high-utilization");
  g_assert_cmpstr (message, ==, "pool 'drivers' is at 100% utilization (2 of 2 in use)");

  release (manager, b, "w2");
  g_clear_object (&b);
  b = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w2", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (alerts_count (&alerts, "high-utilization"), ==, 2);
  alerts_clear (&alerts);
}

static GVariant *
find_worker (GVariant *workers,
             const char *id)
{
  for (gsize i = 0; i < g_variant_n_children (workers); i++)
    {
      g_autoptr (GVariant) entry = g_variant_get_child_value (workers, i);
      const char *worker_id = NULL;

      if (g_variant_lookup (entry, "worker_id", "&s", &worker_id) && g_str_equal (worker_id, id))
        return g_steal_pointer (&entry);
    }
  g_assert_not_reached ();
}

static void
test_worker_status (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = manager_with_pool ("drivers", 1);
  g_autoptr (ShoalResourceInstance) held = NULL;
  g_autoptr (ShoalResourceInstance) none = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) workers = NULL;
  g_autoptr (GVariant) w1 = NULL;
  g_autoptr (GVariant) w2 = NULL;
  g_autoptr (GVariant) w3 = NULL;
  g_autofree const char **held_ids = NULL;
  const char *status = NULL;
  const char *reason = NULL;
  guint64 count = 0;

  g_test_summary ("get_worker_status says who holds what, who is idle and who failed");

  held = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w1", -1, NULL, &error);
  g_assert_no_error (error);
  none = shoal_resource_pool_manager_acquire_resource (manager, "drivers", "w2", 0.05, NULL, &error);
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_TIMEOUT);
  g_clear_error (&error);
  shoal_resource_pool_manager_mark_worker_failed (manager, "w3", "crashed");

  workers = shoal_resource_pool_manager_get_worker_status (manager);
  g_assert_cmpuint (g_variant_n_children (workers), ==, 3);

  w1 = find_worker (workers, "w1");
  g_assert_true (g_variant_lookup (w1, "status", "&s", &status));
  g_assert_cmpstr (status, ==, "active");
  g_assert_true (g_variant_lookup (w1, "held", "^a&s", &held_ids));
  g_assert_cmpuint (g_strv_length ((char **) held_ids), ==, 1);
  g_assert_cmpstr (held_ids[0], ==, "drivers:0");
  g_assert_true (g_variant_lookup (w1, "acquisitions", "t", &count));
  g_assert_cmpuint (count, ==, 1);

  w2 = find_worker (workers, "w2");
  g_assert_true (g_variant_lookup (w2, "status", "&s", &status));
  g_assert_cmpstr (status, ==, "idle");
  g_assert_true (g_variant_lookup (w2, "failures", "t", &count));
  g_assert_cmpuint (count, ==, 1);

  w3 = find_worker (workers, "w3");
  g_assert_true (g_variant_lookup (w3, "status", "&s", &status));
  g_assert_cmpstr (status, ==, "failed");
  g_assert_true (g_variant_lookup (w3, "reason", "&s", &reason));
  g_assert_cmpstr (reason, ==, "crashed");

  /* A failed worker that holds something keeps it until released. */
  shoal_resource_pool_manager_mark_worker_failed (manager, "w1", "lost");
  g_clear_pointer (&workers, g_variant_unref);
  g_clear_pointer (&w1, g_variant_unref);
  workers = shoal_resource_pool_manager_get_worker_status (manager);
  w1 = find_worker (workers, "w1");
  g_assert_true (g_variant_lookup (w1, "status", "&s", &status));
  g_assert_cmpstr (status, ==, "failed");
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 1);
  shoal_resource_pool_manager_release_all (manager, "w1");
  g_assert_cmpuint (pool_stat (manager, "drivers", "in_use"), ==, 0);
}

static void
test_environment (void)
{
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (TestProvider) provider = test_provider_new ("web.db");
  g_autoptr (GPtrArray) taken = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *name = NULL;
  const char *requests[] = { "web.db:2", NULL };

  g_test_summary ("Tests get SHOAL_RESOURCE_<POOL> with their instances' ids and the providers' "
                  "variables");

  name = shoal_resource_pool_manager_environment_name ("selenium-drivers.v2");
  g_assert_cmpstr (name, ==, "SHOAL_RESOURCE_SELENIUM_DRIVERS_V2");

  shoal_resource_pool_manager_add_pool_full (manager, "web.db", 2, 0, 0,
                                             SHOAL_RESOURCE_PROVIDER (provider), &error);
  g_assert_no_error (error);
  /* Same variable as web.db. */
  g_assert_false (shoal_resource_pool_manager_add_pool (manager, "web-db", 1, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "pools 'web.db' and 'web-db' would both be handed to tests in SHOAL_RESOURCE_WEB_DB");
  g_clear_error (&error);

  g_assert_true (shoal_resource_pool_manager_try_acquire (manager, requests, "t", 0, &taken, &error));
  g_assert_no_error (error);
  environment = shoal_resource_pool_manager_environment_for (manager, taken);
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_WEB_DB"), ==, "i0,i1");
  /* Both export TEST_INDEX; the first instance keeps it. */
  g_assert_cmpstr (g_environ_getenv (environment, "TEST_INDEX"), ==, "0");
  g_assert_cmpuint (g_strv_length (environment), ==, 2);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/shoal/resource-pool-manager/bad-input", test_bad_input);
  g_test_add_func ("/shoal/resource-pool-manager/never-two-holders", test_never_two_holders);
  g_test_add_func ("/shoal/resource-pool-manager/queue-order", test_queue_order);
  g_test_add_func ("/shoal/resource-pool-manager/head-of-line", test_head_of_line);
  g_test_add_func ("/shoal/resource-pool-manager/timeout", test_timeout);
  g_test_add_func ("/shoal/resource-pool-manager/try-acquire-atomic", test_try_acquire_atomic);
  g_test_add_func ("/shoal/resource-pool-manager/pool-status", test_pool_status);
  g_test_add_func ("/shoal/resource-pool-manager/dynamic-sizing", test_dynamic_sizing);
  g_test_add_func ("/shoal/resource-pool-manager/health-checks", test_health_checks);
  g_test_add_func ("/shoal/resource-pool-manager/add-pool-failure", test_add_pool_failure);
  g_test_add_func ("/shoal/resource-pool-manager/high-utilization", test_high_utilization);
  g_test_add_func ("/shoal/resource-pool-manager/worker-status", test_worker_status);
  g_test_add_func ("/shoal/resource-pool-manager/environment", test_environment);

  return g_test_run ();
}
