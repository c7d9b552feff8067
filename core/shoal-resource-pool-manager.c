/* shoal-resource-pool-manager.c: counted pools of resource instances, thread-safe
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-resource-pool-manager.h"

/**
 * ShoalResourcePoolManager:
 *
 * Named pools of resource instances (WebDrivers, databases, ports, plain
 * slots) that tests take and give back.
 *
 * Each pool holds between its minimum and maximum number of instances, made,
 * checked and torn down by its [iface@Shoal.ResourceProvider]. A holder takes
 * instances in one of two ways:
 *
 * - [method@Shoal.ResourcePoolManager.acquire_resource] blocks until an
 *   instance is free, the timeout passes or the cancellable fires. Waiters
 *   of one pool form one queue, ordered by priority and first come, first
 *   served within a priority; the head of the queue is served before anyone
 *   behind it, even one that asks for fewer instances, so nobody is starved
 *   by smaller requests. (Starvation of low priorities by a stream of high
 *   ones is the caller's to prevent, by ageing priorities, as the scheduler
 *   does.)
 * - [method@Shoal.ResourcePoolManager.try_acquire] never blocks: it takes
 *   the instances of several pools all at once or none of them, and never
 *   takes instances ahead of a queued waiter of the same or a higher
 *   priority. The scheduler uses it from its main loop.
 *
 * The manager is thread-safe: every method can be called from any thread.
 * Providers are called without the manager's lock held: by the thread that
 * adds a pool (its first instances), by [method@GObject.Object.dispose]
 * (tear-down), and otherwise by one internal maintenance thread, so the
 * calls to one provider never overlap.
 *
 * The maintenance thread, started with the first pool and stopped in
 * dispose, sizes the pools and watches their health:
 *
 * - when requests are queued (or a [method@Shoal.ResourcePoolManager.try_acquire]
 *   found too few instances) and the free instances cannot serve them, the
 *   pool grows, up to its maximum;
 * - once the queue has been empty for
 *   [property@Shoal.ResourcePoolManager:idle-shrink-delay], idle instances
 *   beyond the pool's configured size are torn down; once the pool has been
 *   wholly unused for that long, it shrinks further, to its minimum;
 * - every [property@Shoal.ResourcePoolManager:health-check-interval]
 *   seconds each instance is checked through the provider: an idle one at
 *   once, one in use as soon as it is released and before anyone else gets
 *   it. An instance that fails is marked unhealthy, torn down and replaced.
 *
 * Problems are reported through [signal@Shoal.ResourcePoolManager::alert].
 */

/* clang-format off */
G_DEFINE_QUARK (shoal-pool-error-quark, shoal_pool_error)
/* clang-format on */

/* Above this share of instances in use, a pool raises a high-utilization
 * alert (once per crossing). */
#define HIGH_UTILIZATION 0.9

/* When the provider fails to make an instance, how long to wait before the
 * next attempt if health checks are off (else: the next health round). */
#define DEFAULT_RETRY_DELAY 30.0

typedef enum
{
  SLOT_CREATING,      /* reserved: the maintenance thread will make it */
  SLOT_FREE,          /* idle, may be taken */
  SLOT_HELD,          /* taken by slot->holder */
  SLOT_CHECKING,      /* being health-checked, outside the lock */
  SLOT_CHECK_PENDING, /* released while a check was due: checked before reuse */
  SLOT_UNHEALTHY,     /* failed its check (or its replacement failed): to replace */
} SlotState;

typedef struct
{
  guint index;
  SlotState state;
  gboolean busy;                   /* a maintenance job works on it, outside the lock */
  gboolean check_due;              /* a health round wants it checked */
  gint64 retry_at;                 /* SLOT_UNHEALTHY: the next replacement attempt */
  ShoalResourceInstance *instance; /* owned; NULL while being made */
  char *holder;
} Slot;

typedef struct
{
  char *name;
  char *env_name;
  guint size;
  guint min_size;
  guint max_size;
  ShoalResourceProvider *provider; /* nullable: plain numbered slots */
  GPtrArray *slots;                /* Slot*, owned */
  GQueue waiters;                  /* Waiter*, by priority then arrival */
  guint try_demand;                /* instances a failed try_acquire lacked */
  gint64 last_pressure;            /* when requests were last queued or unmet */
  gint64 last_busy;                /* when anything was last held or queued */
  gint64 grow_retry_at;            /* after a failed growth */
  guint64 acquired_total;
  guint64 timeouts_total;
  gboolean high_utilization;
} Pool;

typedef struct
{
  Pool *pool;
  guint count;
  int priority;
  const char *holder;
  GPtrArray *granted; /* ShoalResourceInstance*, set when served */
} Waiter;

typedef struct
{
  char *id;
  guint64 acquisitions;
  guint64 failures;
  gboolean failed;
  char *reason;
} Worker;

typedef enum
{
  ALERT_HIGH_UTILIZATION,
  ALERT_UNHEALTHY_INSTANCE,
  ALERT_ACQUISITION_TIMEOUT,
  ALERT_PROVIDER_FAILURE,
  N_ALERT_KINDS,
} AlertKind;

static const char *const alert_names[N_ALERT_KINDS] = {
  "high-utilization",
  "unhealthy-instance",
  "acquisition-timeout",
  "provider-failure",
};

/* The signal details, made once: interning at each emission would take a
 * global lock on the hot path. */
static GQuark alert_quarks[N_ALERT_KINDS];

typedef struct
{
  AlertKind kind;
  char *pool;
  char *message;
} Alert;

struct _ShoalResourcePoolManager
{
  GObject parent_instance;

  /* Guards everything below; never held while calling a provider or
   * emitting a signal. */
  GMutex lock;
  GCond served;      /* waiters: instances were handed out, or a cancellation */
  GCond maintenance; /* the maintenance thread: there may be work */

  GPtrArray *pools;           /* Pool*, owned, in the order they were added */
  GHashTable *pools_by_name;  /* name -> Pool* */
  GHashTable *reserved_names; /* pools being added, not yet visible */
  GPtrArray *workers;         /* Worker*, owned, in order of appearance */
  GHashTable *workers_by_id;  /* id -> Worker* */

  double health_check_interval;
  double idle_shrink_delay;
  gint64 next_health_round;

  GThread *thread;
  GCancellable *cancellable; /* cancels provider calls at dispose */
  gboolean stopping;
};

G_DEFINE_FINAL_TYPE (ShoalResourcePoolManager, shoal_resource_pool_manager, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_HEALTH_CHECK_INTERVAL,
  PROP_IDLE_SHRINK_DELAY,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_ALERT,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static gpointer maintenance_thread (gpointer data);

/* ---- small pieces ---- */

static gint64
seconds_to_usec (double seconds)
{
  return seconds >= (double) (G_MAXINT64 / 2 / G_USEC_PER_SEC) ? G_MAXINT64 / 2
                                                               : (gint64) (seconds * G_USEC_PER_SEC);
}

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_clear_object (&slot->instance);
  g_free (slot->holder);
  g_free (slot);
}

static void
pool_free (gpointer data)
{
  Pool *pool = data;

  g_free (pool->name);
  g_free (pool->env_name);
  g_clear_object (&pool->provider);
  g_ptr_array_unref (pool->slots);
  g_queue_clear (&pool->waiters);
  g_free (pool);
}

static void
worker_free (gpointer data)
{
  Worker *worker = data;

  g_free (worker->id);
  g_free (worker->reason);
  g_free (worker);
}

static void
alert_free (gpointer data)
{
  Alert *alert = data;

  g_free (alert->pool);
  g_free (alert->message);
  g_free (alert);
}

static void
add_alert (GPtrArray **alerts,
           AlertKind kind,
           const char *pool,
           char *message /* owned */)
{
  Alert *alert = g_new0 (Alert, 1);

  if (*alerts == NULL)
    *alerts = g_ptr_array_new_with_free_func (alert_free);
  alert->kind = kind;
  alert->pool = g_strdup (pool);
  alert->message = message;
  g_ptr_array_add (*alerts, alert);
}

/* Called without the lock, from the thread that noticed. */
static void
emit_alerts (ShoalResourcePoolManager *self,
             GPtrArray *alerts)
{
  if (alerts == NULL)
    return;
  for (guint i = 0; i < alerts->len; i++)
    {
      Alert *alert = g_ptr_array_index (alerts, i);

      g_debug ("pool alert %s: %s", alert_names[alert->kind], alert->message);
      g_signal_emit (self, signals[SIGNAL_ALERT], alert_quarks[alert->kind],
                     alert_names[alert->kind], alert->pool, alert->message);
    }
}

static const char *
instances_word (guint count)
{
  return g_dngettext (GETTEXT_PACKAGE, "instance", "instances", count);
}

static guint
pool_count (Pool *pool,
            SlotState state)
{
  guint n = 0;

  for (guint i = 0; i < pool->slots->len; i++)
    if (((Slot *) g_ptr_array_index (pool->slots, i))->state == state)
      n++;
  return n;
}

/* The instances that exist (or are being replaced): all but reservations. */
static guint
pool_size (Pool *pool)
{
  return pool->slots->len - pool_count (pool, SLOT_CREATING);
}

static guint
pool_queued_demand (Pool *pool)
{
  guint demand = 0;

  for (GList *l = pool->waiters.head; l != NULL; l = l->next)
    demand += ((Waiter *) l->data)->count;
  return demand;
}

static Slot *
pool_find_slot (Pool *pool,
                const char *id)
{
  for (guint i = 0; i < pool->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (pool->slots, i);

      if (slot->instance != NULL &&
          g_str_equal (shoal_resource_instance_get_id (slot->instance), id))
        return slot;
    }
  return NULL;
}

static guint
pool_free_index (Pool *pool)
{
  for (guint index = 0;; index++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < pool->slots->len && !used; i++)
        used = ((Slot *) g_ptr_array_index (pool->slots, i))->index == index;
      if (!used)
        return index;
    }
}

static int
compare_slots (gconstpointer a,
               gconstpointer b)
{
  const Slot *sa = *(const Slot *const *) a;
  const Slot *sb = *(const Slot *const *) b;

  return sa->index < sb->index ? -1 : sa->index > sb->index;
}

static Worker *
ensure_worker (ShoalResourcePoolManager *self,
               const char *id)
{
  Worker *worker = g_hash_table_lookup (self->workers_by_id, id);

  if (worker == NULL)
    {
      worker = g_new0 (Worker, 1);
      worker->id = g_strdup (id);
      g_ptr_array_add (self->workers, worker);
      g_hash_table_insert (self->workers_by_id, worker->id, worker);
    }
  return worker;
}

static void
note_utilization (Pool *pool,
                  GPtrArray **alerts)
{
  guint size = pool_size (pool);
  guint in_use = pool_count (pool, SLOT_HELD);
  double utilization = size > 0 ? (double) in_use / size : 0.0;

  if (utilization > HIGH_UTILIZATION && !pool->high_utilization)
    {
      pool->high_utilization = TRUE;
      add_alert (alerts, ALERT_HIGH_UTILIZATION, pool->name,
                 g_strdup_printf (_ ("pool '%s' is at %.0f%% utilization (%u of %u in use)"),
                                  pool->name, utilization * 100, in_use, size));
    }
  else if (utilization <= HIGH_UTILIZATION)
    pool->high_utilization = FALSE;
}

/* Marks @count free instances held by @holder; returns new references. */
static GPtrArray *
pool_take (Pool *pool,
           guint count,
           const char *holder)
{
  GPtrArray *taken = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < pool->slots->len && taken->len < count; i++)
    {
      Slot *slot = g_ptr_array_index (pool->slots, i);

      if (slot->state != SLOT_FREE)
        continue;
      slot->state = SLOT_HELD;
      slot->holder = g_strdup (holder);
      g_ptr_array_add (taken, g_object_ref (slot->instance));
    }
  g_assert (taken->len == count);
  pool->acquired_total += count;
  pool->last_busy = g_get_monotonic_time ();
  return taken;
}

static void
wake_maintenance (ShoalResourcePoolManager *self)
{
  g_cond_signal (&self->maintenance);
}

/* Serves the head of @pool's queue while the free instances allow it. */
static void
pool_dispatch (ShoalResourcePoolManager *self,
               Pool *pool,
               GPtrArray **alerts)
{
  gboolean served = FALSE;
  Waiter *head;

  while ((head = g_queue_peek_head (&pool->waiters)) != NULL &&
         pool_count (pool, SLOT_FREE) >= head->count)
    {
      head->granted = pool_take (pool, head->count, head->holder);
      g_queue_pop_head (&pool->waiters);
      pool->last_pressure = g_get_monotonic_time ();
      served = TRUE;
    }
  if (served)
    {
      g_cond_broadcast (&self->served);
      note_utilization (pool, alerts);
    }
  if (!g_queue_is_empty (&pool->waiters))
    wake_maintenance (self);
}

static void
release_slot (ShoalResourcePoolManager *self,
              Pool *pool,
              Slot *slot)
{
  g_clear_pointer (&slot->holder, g_free);
  slot->state = slot->check_due ? SLOT_CHECK_PENDING : SLOT_FREE;
  pool->last_busy = g_get_monotonic_time ();
  /* The maintenance thread checks pending instances and may now shrink. */
  wake_maintenance (self);
}

static gboolean
valid_pool_name (const char *name)
{
  return name[0] != '\0' && strpbrk (name, ":,= \t\n") == NULL && g_utf8_validate (name, -1, NULL);
}

/* ---- GObject ---- */

static void
shoal_resource_pool_manager_dispose (GObject *object)
{
  ShoalResourcePoolManager *self = SHOAL_RESOURCE_POOL_MANAGER (object);
  g_autoptr (GPtrArray) doomed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) providers = g_ptr_array_new_with_free_func (g_object_unref);
  GThread *thread;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  thread = g_steal_pointer (&self->thread);
  g_cond_signal (&self->maintenance);
  g_mutex_unlock (&self->lock);

  g_cancellable_cancel (self->cancellable);
  if (thread != NULL)
    {
      /* Dropping the last reference from an alert handler would join the
       * maintenance thread from itself. */
      g_return_if_fail (thread != g_thread_self ());
      g_thread_join (thread);
    }

  /* Tear every instance down, held or not: the pools end with the manager. */
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->pools->len; i++)
    {
      Pool *pool = g_ptr_array_index (self->pools, i);

      for (guint j = 0; j < pool->slots->len; j++)
        {
          Slot *slot = g_ptr_array_index (pool->slots, j);

          if (slot->instance != NULL && pool->provider != NULL)
            {
              g_ptr_array_add (providers, g_object_ref (pool->provider));
              g_ptr_array_add (doomed, g_steal_pointer (&slot->instance));
            }
        }
      g_ptr_array_set_size (pool->slots, 0);
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < doomed->len; i++)
    shoal_resource_provider_destroy_instance (g_ptr_array_index (providers, i),
                                              g_ptr_array_index (doomed, i));

  G_OBJECT_CLASS (shoal_resource_pool_manager_parent_class)->dispose (object);
}

static void
shoal_resource_pool_manager_finalize (GObject *object)
{
  ShoalResourcePoolManager *self = SHOAL_RESOURCE_POOL_MANAGER (object);

  g_hash_table_unref (self->pools_by_name);
  g_hash_table_unref (self->reserved_names);
  g_ptr_array_unref (self->pools);
  g_hash_table_unref (self->workers_by_id);
  g_ptr_array_unref (self->workers);
  g_object_unref (self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->served);
  g_cond_clear (&self->maintenance);

  G_OBJECT_CLASS (shoal_resource_pool_manager_parent_class)->finalize (object);
}

static void
shoal_resource_pool_manager_get_property (GObject *object,
                                          guint prop_id,
                                          GValue *value,
                                          GParamSpec *pspec)
{
  ShoalResourcePoolManager *self = SHOAL_RESOURCE_POOL_MANAGER (object);

  switch (prop_id)
    {
    case PROP_HEALTH_CHECK_INTERVAL:
      g_value_set_double (value, shoal_resource_pool_manager_get_health_check_interval (self));
      break;
    case PROP_IDLE_SHRINK_DELAY:
      g_value_set_double (value, shoal_resource_pool_manager_get_idle_shrink_delay (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_resource_pool_manager_set_property (GObject *object,
                                          guint prop_id,
                                          const GValue *value,
                                          GParamSpec *pspec)
{
  ShoalResourcePoolManager *self = SHOAL_RESOURCE_POOL_MANAGER (object);

  switch (prop_id)
    {
    case PROP_HEALTH_CHECK_INTERVAL:
      shoal_resource_pool_manager_set_health_check_interval (self, g_value_get_double (value));
      break;
    case PROP_IDLE_SHRINK_DELAY:
      shoal_resource_pool_manager_set_idle_shrink_delay (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_resource_pool_manager_class_init (ShoalResourcePoolManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_resource_pool_manager_dispose;
  object_class->finalize = shoal_resource_pool_manager_finalize;
  object_class->get_property = shoal_resource_pool_manager_get_property;
  object_class->set_property = shoal_resource_pool_manager_set_property;

  /**
   * ShoalResourcePoolManager:health-check-interval:
   *
   * Seconds between health checks of every instance through its provider;
   * 0 turns health checks off.
   */
  properties[PROP_HEALTH_CHECK_INTERVAL] =
      g_param_spec_double ("health-check-interval", NULL, NULL, 0, G_MAXDOUBLE, 30,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalResourcePoolManager:idle-shrink-delay:
   *
   * Seconds a pool's queue must stay empty before the instances it grew
   * beyond its size are torn down (and that the pool must stay wholly
   * unused before it shrinks to its minimum).
   */
  properties[PROP_IDLE_SHRINK_DELAY] =
      g_param_spec_double ("idle-shrink-delay", NULL, NULL, 0, G_MAXDOUBLE, 30,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ShoalResourcePoolManager::alert:
   * @self: the manager
   * @kind: `high-utilization` (more than 90% of a pool's instances are in
   *   use), `unhealthy-instance` (an instance failed its health check),
   *   `acquisition-timeout` (a request waited past its timeout) or
   *   `provider-failure` (an instance could not be made)
   * @pool: the pool's name
   * @message: a sentence saying what happened
   *
   * Reports a problem with a pool. The detail is the @kind, so handlers can
   * connect to `alert::unhealthy-instance`.
   *
   * It is emitted from the thread that noticed the problem, without the
   * manager's lock held: the thread of the acquisition for
   * `high-utilization` and `acquisition-timeout`, the internal maintenance
   * thread for the others. Handlers may call the manager, but must not drop
   * its last reference.
   */
  signals[SIGNAL_ALERT] =
      g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0,
                    NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  for (guint i = 0; i < N_ALERT_KINDS; i++)
    alert_quarks[i] = g_quark_from_static_string (alert_names[i]);
}

static void
shoal_resource_pool_manager_init (ShoalResourcePoolManager *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->served);
  g_cond_init (&self->maintenance);
  self->pools = g_ptr_array_new_with_free_func (pool_free);
  self->pools_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->reserved_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->workers = g_ptr_array_new_with_free_func (worker_free);
  self->workers_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->health_check_interval = 30;
  self->idle_shrink_delay = 30;
  self->cancellable = g_cancellable_new ();
}

/**
 * shoal_resource_pool_manager_new:
 *
 * Returns: (transfer full): a manager with no pools
 */
ShoalResourcePoolManager *
shoal_resource_pool_manager_new (void)
{
  return g_object_new (SHOAL_TYPE_RESOURCE_POOL_MANAGER, NULL);
}

/* ---- properties ---- */

/**
 * shoal_resource_pool_manager_get_health_check_interval:
 * @self: a manager
 *
 * Returns: the value of [property@Shoal.ResourcePoolManager:health-check-interval]
 */
double
shoal_resource_pool_manager_get_health_check_interval (ShoalResourcePoolManager *self)
{
  double value;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), 0);

  g_mutex_lock (&self->lock);
  value = self->health_check_interval;
  g_mutex_unlock (&self->lock);
  return value;
}

/**
 * shoal_resource_pool_manager_set_health_check_interval:
 * @self: a manager
 * @seconds: seconds between health checks, or 0 for none
 *
 * Sets [property@Shoal.ResourcePoolManager:health-check-interval]. The next
 * round of checks is @seconds from now.
 */
void
shoal_resource_pool_manager_set_health_check_interval (ShoalResourcePoolManager *self,
                                                       double seconds)
{
  gboolean changed;

  g_return_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self));
  g_return_if_fail (seconds >= 0);

  g_mutex_lock (&self->lock);
  changed = self->health_check_interval != seconds;
  self->health_check_interval = seconds;
  self->next_health_round = g_get_monotonic_time () + seconds_to_usec (seconds);
  wake_maintenance (self);
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEALTH_CHECK_INTERVAL]);
}

/**
 * shoal_resource_pool_manager_get_idle_shrink_delay:
 * @self: a manager
 *
 * Returns: the value of [property@Shoal.ResourcePoolManager:idle-shrink-delay]
 */
double
shoal_resource_pool_manager_get_idle_shrink_delay (ShoalResourcePoolManager *self)
{
  double value;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), 0);

  g_mutex_lock (&self->lock);
  value = self->idle_shrink_delay;
  g_mutex_unlock (&self->lock);
  return value;
}

/**
 * shoal_resource_pool_manager_set_idle_shrink_delay:
 * @self: a manager
 * @seconds: how long a pool's queue stays empty before it shrinks
 *
 * Sets [property@Shoal.ResourcePoolManager:idle-shrink-delay].
 */
void
shoal_resource_pool_manager_set_idle_shrink_delay (ShoalResourcePoolManager *self,
                                                   double seconds)
{
  gboolean changed;

  g_return_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self));
  g_return_if_fail (seconds >= 0);

  g_mutex_lock (&self->lock);
  changed = self->idle_shrink_delay != seconds;
  self->idle_shrink_delay = seconds;
  wake_maintenance (self);
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_SHRINK_DELAY]);
}

/* ---- making instances ---- */

/* Makes instance @index of @pool_name, by @provider or as a plain slot, and
 * checks that it belongs to the pool. Called without the lock. */
static ShoalResourceInstance *
make_instance (ShoalResourceProvider *provider,
               const char *pool_name,
               guint index,
               GCancellable *cancellable,
               GError **error)
{
  g_autoptr (ShoalResourceInstance) instance = NULL;
  g_autoptr (GError) local_error = NULL;

  if (provider == NULL)
    {
      g_autofree char *id = g_strdup_printf ("%u", index);

      return shoal_resource_instance_new (pool_name, id);
    }

  instance = shoal_resource_provider_create_instance (provider, index, cancellable, &local_error);
  if (instance == NULL && g_error_matches (local_error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER))
    {
      /* The provider's own message already names the pool and instance. */
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (instance == NULL)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   _ ("cannot create instance %u of pool '%s': %s"), index, pool_name,
                   local_error != NULL ? local_error->message : _ ("the provider gave no reason"));
      return NULL;
    }
  if (!g_str_equal (shoal_resource_instance_get_pool (instance), pool_name))
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   _ ("cannot create instance %u of pool '%s': the provider %s made it for pool '%s' "
                      "(was it configured for this pool?)"),
                   index, pool_name, G_OBJECT_TYPE_NAME (provider),
                   shoal_resource_instance_get_pool (instance));
      shoal_resource_provider_destroy_instance (provider, instance);
      return NULL;
    }
  return g_steal_pointer (&instance);
}

static void
ensure_thread (ShoalResourcePoolManager *self)
{
  if (self->thread == NULL && !self->stopping)
    self->thread = g_thread_new ("shoal-pools", maintenance_thread, self);
}

/**
 * shoal_resource_pool_manager_add_pool:
 * @self: a manager
 * @pool_name: the pool's name, as requests name it
 * @initial_size: its number of instances, at least 1
 * @error: return location for a #GError
 *
 * Adds a pool of @initial_size plain slots, with ids `0`, `1`, ..., that
 * neither grows nor shrinks.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%SHOAL_POOL_ERROR_INVALID
 *   for a size of 0 or a name already used)
 */
gboolean
shoal_resource_pool_manager_add_pool (ShoalResourcePoolManager *self,
                                      const char *pool_name,
                                      guint initial_size,
                                      GError **error)
{
  return shoal_resource_pool_manager_add_pool_full (self, pool_name, initial_size, initial_size,
                                                    initial_size, NULL, error);
}

/**
 * shoal_resource_pool_manager_add_pool_full:
 * @self: a manager
 * @pool_name: the pool's name, as requests name it
 * @size: its number of instances, at least 1
 * @min_size: the size it may shrink to when unused, from 1 to @size; 0
 *   means @size
 * @max_size: the size it may grow to when requests queue up, at least
 *   @size; 0 means @size
 * @provider: (nullable): the provider that makes, checks and tears down its
 *   instances, already configured for @pool_name; %NULL for plain numbered
 *   slots
 * @error: return location for a #GError
 *
 * Adds a pool and makes its @size instances, in order, in the calling
 * thread. If one cannot be made, those already made are torn down and the
 * error names the pool and the instance. (A provider error of
 * %SHOAL_POOL_ERROR_PROVIDER is taken to name them already and is passed on
 * as it is; any other is prefixed with them.)
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_resource_pool_manager_add_pool_full (ShoalResourcePoolManager *self,
                                           const char *pool_name,
                                           guint size,
                                           guint min_size,
                                           guint max_size,
                                           ShoalResourceProvider *provider,
                                           GError **error)
{
  g_autoptr (GPtrArray) made = NULL;
  g_autofree char *env_name = NULL;
  GError *local_error = NULL;
  Pool *pool;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (pool_name != NULL, FALSE);
  g_return_val_if_fail (provider == NULL || SHOAL_IS_RESOURCE_PROVIDER (provider), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (min_size == 0)
    min_size = size;
  if (max_size == 0)
    max_size = size;
  if (!valid_pool_name (pool_name))
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                   _ ("invalid pool name '%s' (it must be non-empty, without ':', ',', '=' or "
                      "white space)"),
                   pool_name);
      return FALSE;
    }
  if (size == 0)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                   _ ("pool '%s' must have at least 1 instance"), pool_name);
      return FALSE;
    }
  if (min_size > size || max_size < size)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                   _ ("pool '%s' needs 1 <= min <= size <= max, got min %u, size %u, max %u"),
                   pool_name, min_size, size, max_size);
      return FALSE;
    }

  env_name = shoal_resource_pool_manager_environment_name (pool_name);

  /* Reserve the name, so a second pool of that name fails now rather than
   * after making its instances. */
  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->pools_by_name, pool_name) ||
      g_hash_table_contains (self->reserved_names, pool_name))
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                   _ ("a pool named '%s' already exists"), pool_name);
      return FALSE;
    }
  for (guint i = 0; i < self->pools->len; i++)
    {
      Pool *other = g_ptr_array_index (self->pools, i);

      if (g_str_equal (other->env_name, env_name))
        {
          g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                       _ ("pools '%s' and '%s' would both be handed to tests in %s"), other->name,
                       pool_name, env_name);
          g_mutex_unlock (&self->lock);
          return FALSE;
        }
    }
  g_hash_table_add (self->reserved_names, g_strdup (pool_name));
  g_mutex_unlock (&self->lock);

  made = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint index = 0; index < size; index++)
    {
      ShoalResourceInstance *instance =
          make_instance (provider, pool_name, index, NULL, &local_error);

      if (instance != NULL)
        {
          for (guint j = 0; j < made->len; j++)
            if (g_str_equal (shoal_resource_instance_get_id (g_ptr_array_index (made, j)),
                             shoal_resource_instance_get_id (instance)))
              {
                g_set_error (&local_error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                             _ ("cannot create instance %u of pool '%s': its id '%s' is already "
                                "taken by instance %u"),
                             index, pool_name, shoal_resource_instance_get_id (instance), j);
                break;
              }
          g_ptr_array_add (made, instance);
        }
      if (local_error != NULL)
        {
          for (guint j = 0; provider != NULL && j < made->len; j++)
            shoal_resource_provider_destroy_instance (provider, g_ptr_array_index (made, j));
          g_mutex_lock (&self->lock);
          g_hash_table_remove (self->reserved_names, pool_name);
          g_mutex_unlock (&self->lock);
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }

  pool = g_new0 (Pool, 1);
  pool->name = g_strdup (pool_name);
  pool->env_name = g_steal_pointer (&env_name);
  pool->size = size;
  pool->min_size = min_size;
  pool->max_size = max_size;
  pool->provider = provider != NULL ? g_object_ref (provider) : NULL;
  pool->slots = g_ptr_array_new_with_free_func (slot_free);
  g_queue_init (&pool->waiters);
  for (guint index = 0; index < made->len; index++)
    {
      Slot *slot = g_new0 (Slot, 1);

      slot->index = index;
      slot->state = SLOT_FREE;
      slot->instance = g_object_ref (g_ptr_array_index (made, index));
      g_ptr_array_add (pool->slots, slot);
    }
  pool->last_pressure = pool->last_busy = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->reserved_names, pool_name);
  g_ptr_array_add (self->pools, pool);
  g_hash_table_insert (self->pools_by_name, pool->name, pool);
  if (self->next_health_round == 0)
    self->next_health_round =
        g_get_monotonic_time () + seconds_to_usec (self->health_check_interval);
  ensure_thread (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * shoal_resource_pool_manager_add_pool_from_config:
 * @self: a manager
 * @config: one pool of `resource_pools:` in `shoal.yaml`
 * @registry: (nullable): where to find its provider, or %NULL for the
 *   default registry
 * @error: return location for a #GError
 *
 * Adds the pool @config describes: makes its provider through @registry,
 * hands it the pool's settings and calls
 * [method@Shoal.ResourcePoolManager.add_pool_full].
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_resource_pool_manager_add_pool_from_config (ShoalResourcePoolManager *self,
                                                  ShoalPoolConfig *config,
                                                  ShoalPluginRegistry *registry,
                                                  GError **error)
{
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name;
  const char *provider_name;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (config), FALSE);
  g_return_val_if_fail (registry == NULL || SHOAL_IS_PLUGIN_REGISTRY (registry), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = shoal_pool_config_get_name (config);
  provider_name = shoal_pool_config_get_provider (config);
  if (provider_name == NULL)
    provider_name = "slots";
  if (registry == NULL)
    registry = shoal_plugin_registry_get_default ();

  provider = shoal_plugin_registry_create_provider (registry, provider_name, &local_error);
  if (provider == NULL)
    {
      /* Plain slots need no module. */
      if (g_str_equal (provider_name, "slots") &&
          g_error_matches (local_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND))
        g_clear_error (&local_error);
      else
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _ ("pool '%s': "),
                                      name);
          return FALSE;
        }
    }
  else if (!shoal_resource_provider_configure (provider, name,
                                               shoal_pool_config_get_settings (config), error))
    return FALSE;

  return shoal_resource_pool_manager_add_pool_full (self, name, shoal_pool_config_get_size (config),
                                                    shoal_pool_config_get_min_size (config),
                                                    shoal_pool_config_get_max_size (config),
                                                    provider, error);
}

/**
 * shoal_resource_pool_manager_has_pool:
 * @self: a manager
 * @pool_name: a pool's name
 *
 * Returns: whether a pool of that name exists
 */
gboolean
shoal_resource_pool_manager_has_pool (ShoalResourcePoolManager *self,
                                      const char *pool_name)
{
  gboolean found;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (pool_name != NULL, FALSE);

  g_mutex_lock (&self->lock);
  found = g_hash_table_contains (self->pools_by_name, pool_name);
  g_mutex_unlock (&self->lock);
  return found;
}

/* ---- acquiring ---- */

static Pool *
lookup_pool (ShoalResourcePoolManager *self,
             const char *pool_name,
             GError **error)
{
  Pool *pool = g_hash_table_lookup (self->pools_by_name, pool_name);

  if (pool == NULL)
    g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_UNKNOWN_POOL,
                 _ ("unknown resource pool '%s'"), pool_name);
  return pool;
}

static gboolean
check_count (Pool *pool,
             guint count,
             GError **error)
{
  if (count > pool->max_size)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_EXHAUSTED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "cannot acquire %u instance of '%s': the pool has at most %u",
                                "cannot acquire %u instances of '%s': the pool has at most %u",
                                count),
                   count, pool->name, pool->max_size);
      return FALSE;
    }
  return TRUE;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer user_data)
{
  ShoalResourcePoolManager *self = user_data;

  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->served);
  g_mutex_unlock (&self->lock);
}

static void
enqueue (Pool *pool,
         Waiter *waiter)
{
  GList *l;

  /* After every waiter of the same or a higher priority. */
  for (l = pool->waiters.head; l != NULL; l = l->next)
    if (((Waiter *) l->data)->priority < waiter->priority)
      break;
  if (l != NULL)
    g_queue_insert_before (&pool->waiters, l, waiter);
  else
    g_queue_push_tail (&pool->waiters, waiter);
  pool->last_pressure = pool->last_busy = g_get_monotonic_time ();
}

/**
 * shoal_resource_pool_manager_acquire_resource:
 * @self: a manager
 * @pool_name: the pool
 * @worker_id: who takes it
 * @timeout: seconds to wait at most; negative to wait for ever
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes one instance of @pool_name, waiting for one to be free; see
 * [method@Shoal.ResourcePoolManager.acquire_resource_full].
 *
 * Returns: (transfer full): the instance, or %NULL with @error set
 */
ShoalResourceInstance *
shoal_resource_pool_manager_acquire_resource (ShoalResourcePoolManager *self,
                                              const char *pool_name,
                                              const char *worker_id,
                                              double timeout,
                                              GCancellable *cancellable,
                                              GError **error)
{
  g_autoptr (GPtrArray) instances = NULL;

  if (!shoal_resource_pool_manager_acquire_resource_full (self, pool_name, 1, worker_id, 0, timeout,
                                                          cancellable, &instances, error))
    return NULL;
  return g_object_ref (g_ptr_array_index (instances, 0));
}

/**
 * shoal_resource_pool_manager_acquire_resource_full:
 * @self: a manager
 * @pool_name: the pool
 * @count: how many instances, at least 1
 * @worker_id: who takes them
 * @priority: higher is served first
 * @timeout: seconds to wait at most; negative to wait for ever, 0 not to
 *   wait
 * @cancellable: (nullable): a #GCancellable
 * @out_instances: (out) (transfer container) (element-type ShoalResourceInstance):
 *   the instances taken; the array holds a reference on each and drops it
 *   when freed
 * @error: return location for a #GError
 *
 * Takes @count instances of @pool_name, all at once, blocking until they
 * are free. Requests are served by priority, first come first served within
 * a priority. While requests wait and the free instances cannot serve them,
 * the pool grows up to its maximum.
 *
 * Returns: %TRUE with the instances, %FALSE with @error set:
 *   %SHOAL_POOL_ERROR_TIMEOUT, %SHOAL_POOL_ERROR_CANCELLED,
 *   %SHOAL_POOL_ERROR_UNKNOWN_POOL, %SHOAL_POOL_ERROR_INVALID (a @count of 0)
 *   or %SHOAL_POOL_ERROR_EXHAUSTED (more than the pool's maximum)
 */
gboolean
shoal_resource_pool_manager_acquire_resource_full (ShoalResourcePoolManager *self,
                                                   const char *pool_name,
                                                   guint count,
                                                   const char *worker_id,
                                                   int priority,
                                                   double timeout,
                                                   GCancellable *cancellable,
                                                   GPtrArray **out_instances,
                                                   GError **error)
{
  g_autoptr (GPtrArray) alerts = NULL;
  Waiter waiter = { 0 };
  GError *local_error = NULL;
  gulong cancel_id = 0;
  gint64 deadline;
  Worker *worker;
  Pool *pool;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (pool_name != NULL, FALSE);
  g_return_val_if_fail (worker_id != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (out_instances != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_instances = NULL;
  if (count == 0)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                   _ ("cannot acquire 0 instances of '%s': the count must be a positive integer"),
                   pool_name);
      return FALSE;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_CANCELLED,
                   g_dngettext (GETTEXT_PACKAGE, "cancelled waiting for %u instance of '%s'",
                                "cancelled waiting for %u instances of '%s'", count),
                   count, pool_name);
      return FALSE;
    }

  deadline = timeout < 0 ? -1 : g_get_monotonic_time () + seconds_to_usec (timeout);
  /* Connected before taking the lock: the callback takes it, and runs at
   * once if @cancellable is already cancelled. */
  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), self, NULL);

  g_mutex_lock (&self->lock);
  pool = lookup_pool (self, pool_name, &local_error);
  if (pool == NULL || !check_count (pool, count, &local_error))
    goto out;

  worker = ensure_worker (self, worker_id);
  waiter.pool = pool;
  waiter.count = count;
  waiter.priority = priority;
  waiter.holder = worker_id;
  enqueue (pool, &waiter);
  pool_dispatch (self, pool, &alerts);

  while (waiter.granted == NULL)
    {
      gboolean cancelled = g_cancellable_is_cancelled (cancellable);

      if (cancelled || (deadline >= 0 && g_get_monotonic_time () >= deadline))
        {
          guint size = pool_size (pool);
          guint in_use = pool_count (pool, SLOT_HELD);

          g_queue_remove (&pool->waiters, &waiter);
          pool->last_pressure = g_get_monotonic_time ();
          worker->failures++;
          if (cancelled)
            g_set_error (&local_error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_CANCELLED,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "cancelled waiting for %u instance of '%s'",
                                      "cancelled waiting for %u instances of '%s'", count),
                         count, pool_name);
          else
            {
              char seconds[G_ASCII_DTOSTR_BUF_SIZE];

              g_ascii_formatd (seconds, sizeof seconds, "%g", timeout);
              pool->timeouts_total++;
              g_set_error (&local_error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_TIMEOUT,
                           _ ("timed out after %s s waiting for %u %s of '%s' (%u of %u in use)"),
                           seconds, count, instances_word (count), pool_name, in_use, size);
              add_alert (&alerts, ALERT_ACQUISITION_TIMEOUT, pool_name,
                         g_strdup_printf ("%s (worker '%s')", local_error->message, worker_id));
            }
          /* Leaving the head may let those behind be served. */
          pool_dispatch (self, pool, &alerts);
          break;
        }

      if (deadline >= 0)
        g_cond_wait_until (&self->served, &self->lock, deadline);
      else
        g_cond_wait (&self->served, &self->lock);
    }

  if (waiter.granted != NULL)
    {
      worker->acquisitions += count;
      worker->failed = FALSE;
      g_clear_pointer (&worker->reason, g_free);
      *out_instances = g_steal_pointer (&waiter.granted);
    }

out:
  g_mutex_unlock (&self->lock);
  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);
  emit_alerts (self, alerts);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char *pool_name;
  guint count;
  Pool *pool;
} Request;

static void
request_clear (gpointer data)
{
  g_free (((Request *) data)->pool_name);
}

/* Parses `pool` and `pool:N` into one request per pool, summing repeats. */
static GArray *
parse_requests (const char *const *requests,
                GError **error)
{
  g_autoptr (GArray) parsed = g_array_new (FALSE, TRUE, sizeof (Request));

  g_array_set_clear_func (parsed, request_clear);
  for (guint i = 0; requests[i] != NULL; i++)
    {
      const char *colon = strrchr (requests[i], ':');
      g_autofree char *name = NULL;
      guint64 count = 1;
      Request *existing = NULL;

      if (colon != NULL)
        {
          const char *digits = colon + 1;

          name = g_strndup (requests[i], colon - requests[i]);
          if (*digits == '\0' || strspn (digits, "0123456789") != strlen (digits) ||
              !g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT, &count, NULL))
            {
              g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                           _ ("malformed resource request '%s': the count must be a positive "
                              "integer"),
                           requests[i]);
              return NULL;
            }
        }
      else
        name = g_strdup (requests[i]);

      if (name[0] == '\0')
        {
          g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_INVALID,
                       _ ("malformed resource request '%s': the pool name is empty"), requests[i]);
          return NULL;
        }

      for (guint j = 0; j < parsed->len && existing == NULL; j++)
        if (g_str_equal (g_array_index (parsed, Request, j).pool_name, name))
          existing = &g_array_index (parsed, Request, j);
      if (existing != NULL)
        existing->count = (guint) MIN ((guint64) existing->count + count, G_MAXINT);
      else
        {
          Request request = { g_steal_pointer (&name), (guint) count, NULL };

          g_array_append_val (parsed, request);
        }
    }
  return g_steal_pointer (&parsed);
}

/**
 * shoal_resource_pool_manager_try_acquire:
 * @self: a manager
 * @requests: (array zero-terminated=1): what to take: `pool` for one
 *   instance, `pool:N` for N
 * @holder_id: who takes them
 * @priority: the priority of the request; queued waiters of the same or a
 *   higher priority are never overtaken
 * @out_instances: (out) (optional) (nullable) (transfer container) (element-type ShoalResourceInstance):
 *   the instances taken, in the order of @requests; the array holds a
 *   reference on each and drops it when freed
 * @error: return location for a #GError
 *
 * Takes every instance @requests names, from all their pools at once, or
 * none, without ever blocking. A request the free instances cannot serve
 * counts as demand: the pool may grow for the next attempt.
 *
 * Returns: %TRUE if everything was taken; %FALSE without @error when
 *   something is busy (nothing is taken); %FALSE with @error set for an
 *   unknown pool, a malformed request or a request larger than a pool's
 *   maximum
 */
gboolean
shoal_resource_pool_manager_try_acquire (ShoalResourcePoolManager *self,
                                         const char *const *requests,
                                         const char *holder_id,
                                         int priority,
                                         GPtrArray **out_instances,
                                         GError **error)
{
  g_autoptr (GArray) parsed = NULL;
  g_autoptr (GPtrArray) alerts = NULL;
  g_autoptr (GPtrArray) taken = NULL;
  gboolean available = TRUE;
  Worker *worker;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (requests != NULL, FALSE);
  g_return_val_if_fail (holder_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_instances != NULL)
    *out_instances = NULL;
  parsed = parse_requests (requests, error);
  if (parsed == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < parsed->len; i++)
    {
      Request *request = &g_array_index (parsed, Request, i);

      request->pool = lookup_pool (self, request->pool_name, error);
      if (request->pool == NULL || !check_count (request->pool, request->count, error))
        {
          g_mutex_unlock (&self->lock);
          return FALSE;
        }
    }

  worker = ensure_worker (self, holder_id);
  for (guint i = 0; i < parsed->len; i++)
    {
      Request *request = &g_array_index (parsed, Request, i);
      Pool *pool = request->pool;
      Waiter *last = g_queue_peek_tail (&pool->waiters);

      /* The queue is ordered by priority, so its tail has the lowest. */
      if (last != NULL && last->priority >= priority)
        available = FALSE;
      else if (pool_count (pool, SLOT_FREE) < request->count)
        {
          available = FALSE;
          pool->try_demand = MAX (pool->try_demand, request->count);
          pool->last_pressure = pool->last_busy = g_get_monotonic_time ();
          wake_maintenance (self);
        }
    }

  if (available)
    {
      taken = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < parsed->len; i++)
        {
          Request *request = &g_array_index (parsed, Request, i);
          g_autoptr (GPtrArray) instances =
              pool_take (request->pool, request->count, holder_id);

          request->pool->try_demand = 0;
          for (guint j = 0; j < instances->len; j++)
            g_ptr_array_add (taken, g_object_ref (g_ptr_array_index (instances, j)));
          note_utilization (request->pool, &alerts);
        }
      worker->acquisitions += taken->len;
      worker->failed = FALSE;
      g_clear_pointer (&worker->reason, g_free);
    }
  g_mutex_unlock (&self->lock);

  emit_alerts (self, alerts);
  if (available && out_instances != NULL)
    *out_instances = g_steal_pointer (&taken);
  return available;
}

/* ---- releasing ---- */

/**
 * shoal_resource_pool_manager_release_resource:
 * @self: a manager
 * @pool_name: the pool
 * @resource_id: the instance's id
 * @worker_id: who holds it
 * @error: return location for a #GError
 *
 * Gives an instance back to its pool, where the next waiter gets it (after
 * a health check, when one fell due while it was held).
 *
 * Returns: %TRUE on success; %FALSE with @error set
 *   (%SHOAL_POOL_ERROR_NOT_HELD if @worker_id does not hold it,
 *   %SHOAL_POOL_ERROR_UNKNOWN_POOL)
 */
gboolean
shoal_resource_pool_manager_release_resource (ShoalResourcePoolManager *self,
                                              const char *pool_name,
                                              const char *resource_id,
                                              const char *worker_id,
                                              GError **error)
{
  g_autoptr (GPtrArray) alerts = NULL;
  Pool *pool;
  Slot *slot;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (pool_name != NULL, FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);
  g_return_val_if_fail (worker_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  pool = lookup_pool (self, pool_name, error);
  if (pool == NULL)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  slot = pool_find_slot (pool, resource_id);
  if (slot == NULL || slot->state != SLOT_HELD || !g_str_equal (slot->holder, worker_id))
    {
      if (slot == NULL)
        g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD,
                     _ ("pool '%s' has no instance '%s'"), pool_name, resource_id);
      else
        g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_NOT_HELD,
                     _ ("instance '%s' of '%s' is not held by '%s'"), resource_id, pool_name,
                     worker_id);
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  release_slot (self, pool, slot);
  pool_dispatch (self, pool, &alerts);
  note_utilization (pool, &alerts);
  g_mutex_unlock (&self->lock);

  emit_alerts (self, alerts);
  return TRUE;
}

/**
 * shoal_resource_pool_manager_release_all:
 * @self: a manager
 * @holder_id: a holder
 *
 * Gives back every instance @holder_id holds, in every pool: the end of a
 * test, or the clean-up after a worker failed.
 */
void
shoal_resource_pool_manager_release_all (ShoalResourcePoolManager *self,
                                         const char *holder_id)
{
  g_autoptr (GPtrArray) alerts = NULL;

  g_return_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self));
  g_return_if_fail (holder_id != NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->pools->len; i++)
    {
      Pool *pool = g_ptr_array_index (self->pools, i);
      gboolean released = FALSE;

      for (guint j = 0; j < pool->slots->len; j++)
        {
          Slot *slot = g_ptr_array_index (pool->slots, j);

          if (slot->state == SLOT_HELD && g_str_equal (slot->holder, holder_id))
            {
              release_slot (self, pool, slot);
              released = TRUE;
            }
        }
      if (released)
        {
          pool_dispatch (self, pool, &alerts);
          note_utilization (pool, &alerts);
        }
    }
  g_mutex_unlock (&self->lock);

  emit_alerts (self, alerts);
}

/* ---- status ---- */

/**
 * shoal_resource_pool_manager_get_pool_status:
 * @self: a manager
 *
 * Describes every pool, as a dictionary (`a{sa{sv}}`) from pool name to
 * `size` (u: its instances now), `min` and `max` (u), `in_use` (u),
 * `waiting` (u: blocked requests), `utilization` (d: in_use / size),
 * `healthy` and `unhealthy` (u: instances that passed and failed their last
 * check; unhealthy ones are being replaced), `acquired_total` and
 * `timeouts_total` (t).
 *
 * Returns: (transfer full): the status
 */
GVariant *
shoal_resource_pool_manager_get_pool_status (ShoalResourcePoolManager *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->pools->len; i++)
    {
      Pool *pool = g_ptr_array_index (self->pools, i);
      guint size = pool_size (pool);
      guint in_use = pool_count (pool, SLOT_HELD);
      guint unhealthy = pool_count (pool, SLOT_UNHEALTHY);
      GVariantBuilder entry;

      g_variant_builder_init (&entry, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&entry, "{sv}", "size", g_variant_new_uint32 (size));
      g_variant_builder_add (&entry, "{sv}", "min", g_variant_new_uint32 (pool->min_size));
      g_variant_builder_add (&entry, "{sv}", "max", g_variant_new_uint32 (pool->max_size));
      g_variant_builder_add (&entry, "{sv}", "in_use", g_variant_new_uint32 (in_use));
      g_variant_builder_add (&entry, "{sv}", "waiting",
                             g_variant_new_uint32 (g_queue_get_length (&pool->waiters)));
      g_variant_builder_add (&entry, "{sv}", "utilization",
                             g_variant_new_double (size > 0 ? (double) in_use / size : 0.0));
      g_variant_builder_add (&entry, "{sv}", "healthy", g_variant_new_uint32 (size - unhealthy));
      g_variant_builder_add (&entry, "{sv}", "unhealthy", g_variant_new_uint32 (unhealthy));
      g_variant_builder_add (&entry, "{sv}", "acquired_total",
                             g_variant_new_uint64 (pool->acquired_total));
      g_variant_builder_add (&entry, "{sv}", "timeouts_total",
                             g_variant_new_uint64 (pool->timeouts_total));
      g_variant_builder_add (&builder, "{sa{sv}}", pool->name, &entry);
    }
  g_mutex_unlock (&self->lock);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * shoal_resource_pool_manager_get_worker_status:
 * @self: a manager
 *
 * Describes every worker (holder) the manager has seen, in order of
 * appearance, as a list (`aa{sv}`) of `worker_id` (s), `status` (s:
 * `active` while it holds instances, `idle` otherwise, `failed` once marked
 * by [method@Shoal.ResourcePoolManager.mark_worker_failed] until it next
 * acquires), `held` (as: `pool:id` of what it holds), `acquisitions` (t:
 * instances it took), `failures` (t: acquisitions that timed out or were
 * cancelled) and, for a failed worker, `reason` (s).
 *
 * Returns: (transfer full): the status
 */
GVariant *
shoal_resource_pool_manager_get_worker_status (ShoalResourcePoolManager *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);
      g_autoptr (GStrvBuilder) held = g_strv_builder_new ();
      g_auto (GStrv) held_strv = NULL;
      GVariantBuilder entry;

      for (guint p = 0; p < self->pools->len; p++)
        {
          Pool *pool = g_ptr_array_index (self->pools, p);

          for (guint s = 0; s < pool->slots->len; s++)
            {
              Slot *slot = g_ptr_array_index (pool->slots, s);

              if (slot->state == SLOT_HELD && g_str_equal (slot->holder, worker->id))
                {
                  g_autofree char *entry_text = g_strdup_printf (
                      "%s:%s", pool->name, shoal_resource_instance_get_id (slot->instance));

                  g_strv_builder_add (held, entry_text);
                }
            }
        }
      held_strv = g_strv_builder_end (held);

      g_variant_builder_init (&entry, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&entry, "{sv}", "worker_id", g_variant_new_string (worker->id));
      g_variant_builder_add (&entry, "{sv}", "status",
                             g_variant_new_string (worker->failed         ? "failed"
                                                   : held_strv[0] != NULL ? "active"
                                                                          : "idle"));
      g_variant_builder_add (&entry, "{sv}", "held", g_variant_new_strv ((const char *const *) held_strv, -1));
      g_variant_builder_add (&entry, "{sv}", "acquisitions",
                             g_variant_new_uint64 (worker->acquisitions));
      g_variant_builder_add (&entry, "{sv}", "failures", g_variant_new_uint64 (worker->failures));
      if (worker->failed)
        g_variant_builder_add (&entry, "{sv}", "reason",
                               g_variant_new_string (worker->reason != NULL ? worker->reason : ""));
      g_variant_builder_add (&builder, "a{sv}", &entry);
    }
  g_mutex_unlock (&self->lock);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * shoal_resource_pool_manager_mark_worker_failed:
 * @self: a manager
 * @worker_id: a worker
 * @reason: (nullable): why it failed
 *
 * Records that @worker_id failed (it crashed, or stopped answering), so
 * [method@Shoal.ResourcePoolManager.get_worker_status] reports it `failed`
 * until it next acquires something. What it holds stays held: give it back
 * with [method@Shoal.ResourcePoolManager.release_all] once its work is
 * stopped.
 */
void
shoal_resource_pool_manager_mark_worker_failed (ShoalResourcePoolManager *self,
                                                const char *worker_id,
                                                const char *reason)
{
  Worker *worker;

  g_return_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self));
  g_return_if_fail (worker_id != NULL);

  g_mutex_lock (&self->lock);
  worker = ensure_worker (self, worker_id);
  worker->failed = TRUE;
  worker->failures++;
  g_free (worker->reason);
  worker->reason = g_strdup (reason);
  g_mutex_unlock (&self->lock);
}

/* ---- identities ---- */

/**
 * shoal_resource_pool_manager_environment_name:
 * @pool_name: a pool's name
 *
 * Gives the name of the variable that hands a test the instances of
 * @pool_name it holds: `SHOAL_RESOURCE_` and the pool's name in upper case,
 * with every character other than `A`-`Z` and `0`-`9` replaced by `_`.
 *
 * Returns: (transfer full): the variable's name
 */
char *
shoal_resource_pool_manager_environment_name (const char *pool_name)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (pool_name != NULL, NULL);

  upper = g_ascii_strup (pool_name, -1);
  for (char *p = upper; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p))
      *p = '_';
  return g_strconcat ("SHOAL_RESOURCE_", upper, NULL);
}

/**
 * shoal_resource_pool_manager_environment_for:
 * @self: a manager
 * @instances: (element-type ShoalResourceInstance): instances a test holds
 *
 * Gives the environment a test holding @instances runs with: for each pool,
 * `SHOAL_RESOURCE_<POOL>=<id>,<id>...` (see
 * [func@Shoal.ResourcePoolManager.environment_name]), then the variables
 * the providers export for each instance. When two instances export the
 * same variable, the first keeps it.
 *
 * Returns: (transfer full) (array zero-terminated=1): `NAME=VALUE` entries
 */
char **
shoal_resource_pool_manager_environment_for (ShoalResourcePoolManager *self,
                                             GPtrArray *instances)
{
  g_autoptr (GPtrArray) pools = g_ptr_array_new ();                                         /* const char*, ordered */
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, NULL); /* pool -> GString* */
  char **environment = g_new0 (char *, 1);

  g_return_val_if_fail (SHOAL_IS_RESOURCE_POOL_MANAGER (self), NULL);
  g_return_val_if_fail (instances != NULL, NULL);

  for (guint i = 0; i < instances->len; i++)
    {
      ShoalResourceInstance *instance = g_ptr_array_index (instances, i);
      const char *pool = shoal_resource_instance_get_pool (instance);
      GString *list = g_hash_table_lookup (ids, pool);

      if (list == NULL)
        {
          list = g_string_new (NULL);
          g_hash_table_insert (ids, (gpointer) pool, list);
          g_ptr_array_add (pools, (gpointer) pool);
        }
      else
        g_string_append_c (list, ',');
      g_string_append (list, shoal_resource_instance_get_id (instance));
    }
  for (guint i = 0; i < pools->len; i++)
    {
      const char *pool = g_ptr_array_index (pools, i);
      g_autofree char *name = shoal_resource_pool_manager_environment_name (pool);
      GString *list = g_hash_table_lookup (ids, pool);

      environment = g_environ_setenv (environment, name, list->str, TRUE);
      g_string_free (list, TRUE);
    }
  for (guint i = 0; i < instances->len; i++)
    {
      const char *const *exported =
          shoal_resource_instance_get_environment (g_ptr_array_index (instances, i));

      for (guint j = 0; exported[j] != NULL; j++)
        {
          const char *eq = strchr (exported[j], '=');
          g_autofree char *name = NULL;

          if (eq == NULL || eq == exported[j])
            continue;
          name = g_strndup (exported[j], eq - exported[j]);
          environment = g_environ_setenv (environment, name, eq + 1, FALSE);
        }
    }
  return environment;
}

/* ---- the maintenance thread ---- */

typedef enum
{
  JOB_NONE,
  JOB_CREATE,  /* make a reserved slot's instance (growth) */
  JOB_CHECK,   /* health-check an instance */
  JOB_REPLACE, /* tear down an unhealthy instance and make its successor */
  JOB_DESTROY, /* tear down an instance removed by shrinking */
} JobKind;

typedef struct
{
  JobKind kind;
  Pool *pool;                      /* pools live as long as the manager */
  Slot *slot;                      /* busy while the job runs, so never freed */
  ShoalResourceInstance *instance; /* to check or to destroy (owned) */
  ShoalResourceInstance *made;     /* the new instance (owned) */
  ShoalResourceProvider *provider; /* owned */
  GError *error;
} Job;

static void
job_clear (Job *job)
{
  g_clear_object (&job->instance);
  g_clear_object (&job->made);
  g_clear_object (&job->provider);
  g_clear_error (&job->error);
  memset (job, 0, sizeof *job);
}

static void
earliest (gint64 *deadline,
          gint64 when)
{
  if (*deadline < 0 || when < *deadline)
    *deadline = when;
}

static gint64
retry_delay (ShoalResourcePoolManager *self)
{
  return seconds_to_usec (self->health_check_interval > 0 ? self->health_check_interval
                                                          : DEFAULT_RETRY_DELAY);
}

static gboolean
find_job_in_pool (ShoalResourcePoolManager *self,
                  Pool *pool,
                  gint64 now,
                  Job *job,
                  gint64 *deadline)
{
  guint queued = g_queue_get_length (&pool->waiters);
  guint held = pool_count (pool, SLOT_HELD);
  guint demand = pool_queued_demand (pool) + pool->try_demand;
  guint supply = pool->slots->len - held;
  gint64 shrink_delay = seconds_to_usec (self->idle_shrink_delay);
  guint target;

  /* Growth: reserve what the queue lacks, then make it one by one. */
  if (demand > supply && pool->slots->len < pool->max_size)
    {
      if (now >= pool->grow_retry_at)
        {
          guint add = MIN (demand - supply, pool->max_size - pool->slots->len);

          for (guint i = 0; i < add; i++)
            {
              Slot *slot = g_new0 (Slot, 1);

              slot->index = pool_free_index (pool);
              slot->state = SLOT_CREATING;
              g_ptr_array_add (pool->slots, slot);
            }
          g_ptr_array_sort (pool->slots, compare_slots);
          pool->try_demand = 0;
        }
      else
        earliest (deadline, pool->grow_retry_at);
    }
  else
    pool->try_demand = 0;

  for (guint i = 0; i < pool->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (pool->slots, i);

      if (slot->busy)
        continue;
      if (slot->state == SLOT_CREATING)
        {
          job->kind = JOB_CREATE;
        }
      else if (slot->state == SLOT_CHECK_PENDING ||
               (slot->state == SLOT_FREE && slot->check_due && pool->provider != NULL))
        {
          job->kind = JOB_CHECK;
          job->instance = g_object_ref (slot->instance);
          slot->state = SLOT_CHECKING;
          slot->check_due = FALSE;
        }
      else if (slot->state == SLOT_UNHEALTHY)
        {
          if (now < slot->retry_at)
            {
              earliest (deadline, slot->retry_at);
              continue;
            }
          job->kind = JOB_REPLACE;
          job->instance = g_steal_pointer (&slot->instance);
        }
      else
        continue;

      slot->busy = TRUE;
      job->pool = pool;
      job->slot = slot;
      job->provider = pool->provider != NULL ? g_object_ref (pool->provider) : NULL;
      return TRUE;
    }

  /* Shrinking: back to the size once the queue has been empty for a
   * while, to the minimum once the pool has been unused for a while. */
  if (queued > 0 || pool->try_demand > 0 || pool->slots->len <= pool->min_size)
    return FALSE;
  if (held == 0 && now >= pool->last_busy + shrink_delay)
    target = pool->min_size;
  else
    {
      if (held == 0)
        earliest (deadline, pool->last_busy + shrink_delay);
      if (pool->slots->len <= pool->size)
        return FALSE;
      if (now < pool->last_pressure + shrink_delay)
        {
          earliest (deadline, pool->last_pressure + shrink_delay);
          return FALSE;
        }
      target = pool->size;
    }

  if (pool->slots->len > target)
    for (guint i = pool->slots->len; i > 0; i--)
      {
        Slot *slot = g_ptr_array_index (pool->slots, i - 1);

        if (slot->state != SLOT_FREE || slot->busy)
          continue;
        job->kind = JOB_DESTROY;
        job->pool = pool;
        job->instance = g_steal_pointer (&slot->instance);
        job->provider = pool->provider != NULL ? g_object_ref (pool->provider) : NULL;
        g_ptr_array_remove_index (pool->slots, i - 1);
        return TRUE;
      }
  return FALSE;
}

/* Picks the next piece of work and marks what it works on, under the lock.
 * Returns FALSE with @deadline set to when to look again (-1: when woken). */
static gboolean
find_job (ShoalResourcePoolManager *self,
          Job *job,
          gint64 *deadline)
{
  gint64 now = g_get_monotonic_time ();

  *deadline = -1;
  if (self->health_check_interval > 0)
    {
      if (now >= self->next_health_round)
        {
          for (guint i = 0; i < self->pools->len; i++)
            {
              Pool *pool = g_ptr_array_index (self->pools, i);

              if (pool->provider == NULL)
                continue;
              for (guint j = 0; j < pool->slots->len; j++)
                {
                  Slot *slot = g_ptr_array_index (pool->slots, j);

                  if (slot->state == SLOT_FREE || slot->state == SLOT_HELD)
                    slot->check_due = TRUE;
                  else if (slot->state == SLOT_UNHEALTHY)
                    slot->retry_at = 0;
                }
            }
          self->next_health_round = now + seconds_to_usec (self->health_check_interval);
        }
      earliest (deadline, self->next_health_round);
    }

  for (guint i = 0; i < self->pools->len; i++)
    if (find_job_in_pool (self, g_ptr_array_index (self->pools, i), now, job, deadline))
      return TRUE;
  return FALSE;
}

/* Runs a job's provider calls, without the lock. */
static void
run_job (ShoalResourcePoolManager *self,
         Job *job)
{
  switch (job->kind)
    {
    case JOB_CREATE:
      job->made = make_instance (job->provider, job->pool->name, job->slot->index,
                                 self->cancellable, &job->error);
      break;
    case JOB_CHECK:
      if (!shoal_resource_provider_check_instance (job->provider, job->instance, self->cancellable,
                                                   &job->error) &&
          job->error == NULL)
        g_set_error_literal (&job->error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                             _ ("the provider gave no reason"));
      break;
    case JOB_REPLACE:
      if (job->instance != NULL && job->provider != NULL)
        shoal_resource_provider_destroy_instance (job->provider, job->instance);
      job->made = make_instance (job->provider, job->pool->name, job->slot->index,
                                 self->cancellable, &job->error);
      break;
    case JOB_DESTROY:
      if (job->provider != NULL)
        shoal_resource_provider_destroy_instance (job->provider, job->instance);
      break;
    case JOB_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Takes a new instance into its slot, unless its id is taken. */
static gboolean
install_instance (Job *job)
{
  Slot *other = pool_find_slot (job->pool, shoal_resource_instance_get_id (job->made));

  if (other != NULL && other != job->slot)
    {
      g_set_error (&job->error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   _ ("cannot create instance %u of pool '%s': its id '%s' is already taken"),
                   job->slot->index, job->pool->name, shoal_resource_instance_get_id (job->made));
      return FALSE;
    }
  job->slot->instance = g_steal_pointer (&job->made);
  job->slot->state = SLOT_FREE;
  return TRUE;
}

/* Applies a job's outcome, under the lock. Returns an instance to tear
 * down (a new one that could not be used), if any. */
static ShoalResourceInstance *
finish_job (ShoalResourcePoolManager *self,
            Job *job,
            GPtrArray **alerts)
{
  Pool *pool = job->pool;
  Slot *slot = job->slot;
  gint64 now = g_get_monotonic_time ();
  gboolean stopping = self->stopping;

  if (slot != NULL)
    slot->busy = FALSE;

  switch (job->kind)
    {
    case JOB_CREATE:
      if (job->made != NULL && install_instance (job))
        {
          note_utilization (pool, alerts);
          break;
        }
      g_ptr_array_remove (pool->slots, slot);
      pool->grow_retry_at = now + retry_delay (self);
      if (!stopping)
        add_alert (alerts, ALERT_PROVIDER_FAILURE, pool->name, g_strdup (job->error->message));
      break;

    case JOB_CHECK:
      if (job->error == NULL || stopping)
        {
          shoal_resource_instance_set_healthy (slot->instance, TRUE);
          slot->state = SLOT_FREE;
          break;
        }
      shoal_resource_instance_set_healthy (slot->instance, FALSE);
      slot->state = SLOT_UNHEALTHY;
      slot->retry_at = 0;
      add_alert (alerts, ALERT_UNHEALTHY_INSTANCE, pool->name,
                 g_strdup_printf (_ ("instance '%s' of pool '%s' failed its health check: %s"),
                                  shoal_resource_instance_get_id (slot->instance), pool->name,
                                  job->error->message));
      break;

    case JOB_REPLACE:
      if (job->made != NULL && install_instance (job))
        break;
      slot->state = SLOT_UNHEALTHY;
      slot->retry_at = now + retry_delay (self);
      if (!stopping)
        add_alert (alerts, ALERT_PROVIDER_FAILURE, pool->name, g_strdup (job->error->message));
      break;

    case JOB_DESTROY:
    case JOB_NONE:
    default:
      break;
    }

  pool_dispatch (self, pool, alerts);
  return g_steal_pointer (&job->made);
}

static gpointer
maintenance_thread (gpointer data)
{
  ShoalResourcePoolManager *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      Job job = { 0 };
      gint64 deadline;

      if (find_job (self, &job, &deadline))
        {
          g_autoptr (GPtrArray) alerts = NULL;
          g_autoptr (ShoalResourceInstance) unused = NULL;
          g_autoptr (ShoalResourceProvider) provider = NULL;

          g_mutex_unlock (&self->lock);
          run_job (self, &job);
          g_mutex_lock (&self->lock);
          unused = finish_job (self, &job, &alerts);
          provider = g_steal_pointer (&job.provider);
          job_clear (&job);
          g_mutex_unlock (&self->lock);

          if (unused != NULL && provider != NULL)
            shoal_resource_provider_destroy_instance (provider, unused);
          emit_alerts (self, alerts);
          g_mutex_lock (&self->lock);
          continue;
        }

      if (deadline < 0)
        g_cond_wait (&self->maintenance, &self->lock);
      else
        g_cond_wait_until (&self->maintenance, &self->lock, deadline);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}
