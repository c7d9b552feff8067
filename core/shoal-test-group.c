/* shoal-test-group.c: the tests a plan gives one worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-test-group.h"

/**
 * ShoalTestGroup:
 *
 * One worker's share of a static plan ([method@Shoal.Strategy.plan]): its
 * tests in order and their summed estimated duration.
 */
struct _ShoalTestGroup
{
  GObject parent_instance;

  char *worker_id;
  GPtrArray *tests;
  double estimated_duration;
};

G_DEFINE_FINAL_TYPE (ShoalTestGroup, shoal_test_group, G_TYPE_OBJECT)

static void
shoal_test_group_finalize (GObject *object)
{
  ShoalTestGroup *self = SHOAL_TEST_GROUP (object);

  g_free (self->worker_id);
  g_ptr_array_unref (self->tests);

  G_OBJECT_CLASS (shoal_test_group_parent_class)->finalize (object);
}

static void
shoal_test_group_class_init (ShoalTestGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_test_group_finalize;
}

static void
shoal_test_group_init (ShoalTestGroup *self)
{
  self->tests = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * shoal_test_group_new:
 * @worker_id: the worker the group is for
 *
 * Returns: (transfer full): an empty group
 */
ShoalTestGroup *
shoal_test_group_new (const char *worker_id)
{
  ShoalTestGroup *self;

  g_return_val_if_fail (worker_id != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_TEST_GROUP, NULL);
  self->worker_id = g_strdup (worker_id);
  return self;
}

/**
 * shoal_test_group_get_worker_id:
 * @self: a group
 *
 * Returns: (transfer none): the worker the group is for
 */
const char *
shoal_test_group_get_worker_id (ShoalTestGroup *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GROUP (self), NULL);
  return self->worker_id;
}

/**
 * shoal_test_group_add:
 * @self: a group
 * @test: a test
 * @estimate: its estimated duration in seconds
 *
 * Appends @test to the group.
 */
void
shoal_test_group_add (ShoalTestGroup *self,
                      ShoalTestCase *test,
                      double estimate)
{
  g_return_if_fail (SHOAL_IS_TEST_GROUP (self));
  g_return_if_fail (SHOAL_IS_TEST_CASE (test));

  g_ptr_array_add (self->tests, g_object_ref (test));
  self->estimated_duration += MAX (estimate, 0);
}

/**
 * shoal_test_group_get_tests:
 * @self: a group
 *
 * Returns: (transfer none) (element-type ShoalTestCase): the tests, in order
 */
GPtrArray *
shoal_test_group_get_tests (ShoalTestGroup *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GROUP (self), NULL);
  return self->tests;
}

/**
 * shoal_test_group_get_estimated_duration:
 * @self: a group
 *
 * Returns: the sum of its tests' estimates, in seconds
 */
double
shoal_test_group_get_estimated_duration (ShoalTestGroup *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GROUP (self), 0);
  return self->estimated_duration;
}
