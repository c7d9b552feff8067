/* test-calculator.c: a GLib test program for Shoal's example project
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A tiny calculator and its GTest cases. Most pass; one is skipped with
 * g_test_skip(); one fails on purpose (calculator_divide() has a bug) so
 * the example shows what a failed assertion looks like in Shoal's
 * reports. With the glib adapter's default `mode: cases`, every GTest
 * path below is a test of its own, run in a process of its own, so the
 * failing assertion aborts only its own case.
 */

#include <glib.h>

static int
calculator_add (int a, int b)
{
  return a + b;
}

static int
calculator_subtract (int a, int b)
{
  return a - b;
}

static int
calculator_multiply (int a, int b)
{
  return a * b;
}

/* The bug the example finds: integer division should round toward zero
 * the way C does, but this "optimisation" rounds up. */
static int
calculator_divide (int a, int b)
{
  return (a + b - 1) / b;
}

static void
test_add (void)
{
  g_assert_cmpint (calculator_add (2, 3), ==, 5);
  g_assert_cmpint (calculator_add (-2, 2), ==, 0);
}

static void
test_subtract (void)
{
  g_assert_cmpint (calculator_subtract (7, 10), ==, -3);
}

static void
test_multiply (void)
{
  g_assert_cmpint (calculator_multiply (6, 7), ==, 42);
  g_assert_cmpint (calculator_multiply (-1, 9), ==, -9);
}

static void
test_divide (void)
{
  g_test_message ("checking that 7 / 2 rounds toward zero");
  g_assert_cmpint (calculator_divide (7, 2), ==, 3);
}

static void
test_big_numbers (void)
{
  g_test_skip ("arbitrary precision is not implemented yet");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The example calculator of Shoal's demo project");

  g_test_add_func ("/calculator/add", test_add);
  g_test_add_func ("/calculator/subtract", test_subtract);
  g_test_add_func ("/calculator/multiply", test_multiply);
  g_test_add_func ("/calculator/divide", test_divide);
  g_test_add_func ("/calculator/big-numbers", test_big_numbers);

  return g_test_run ();
}
