/* test-environment-manager.c: isolated worker and test environments
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <shoal.h>

/* Each case works in a fresh directory of its own, removed at the end. */
typedef struct
{
  char *dir;
  ShoalEnvironmentManager *manager;
} Fixture;

static void
remove_tree (const char *path)
{
  const char *argv[] = { "/bin/rm", "-rf", "--one-file-system", path, NULL };
  int status = 0;

  /* chmod first: as a normal user rm cannot enter a 0000 directory. */
  const char *chmod_argv[] = { "/bin/chmod", "-R", "u+rwx", path, NULL };

  g_spawn_sync (NULL, (char **) chmod_argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                NULL, &status, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
fixture_set_up (Fixture *fixture,
                gconstpointer data)
{
  g_autofree char *base = NULL;
  g_autoptr (GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("shoal-env-test-XXXXXX", &error);
  g_assert_no_error (error);
  base = g_build_filename (fixture->dir, "base", NULL);
  fixture->manager = shoal_environment_manager_new (base);
}

static void
fixture_tear_down (Fixture *fixture,
                   gconstpointer data)
{
  g_clear_object (&fixture->manager);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
assert_private_dir (const char *path)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
}

static gboolean
path_is_inside (const char *path,
                const char *dir)
{
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);

  return g_str_has_prefix (path, prefix);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr (GError) error = NULL;

  /* No temporary file and rename: the cases write thousands of files. */
  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);
}

static GVariant *
status_lookup (ShoalEnvironmentManager *manager,
               const char *key,
               const GVariantType *type)
{
  g_autoptr (GVariant) status = shoal_environment_manager_get_status (manager);
  GVariant *value;

  g_assert_false (g_variant_is_floating (status));
  value = g_variant_lookup_value (status, key, type);
  g_assert_nonnull (value);
  return value;
}

static guint
status_uint (ShoalEnvironmentManager *manager,
             const char *key)
{
  g_autoptr (GVariant) value = status_lookup (manager, key, G_VARIANT_TYPE_UINT32);

  return g_variant_get_uint32 (value);
}

static char **
status_strv (ShoalEnvironmentManager *manager,
             const char *key)
{
  g_autoptr (GVariant) value = status_lookup (manager, key, G_VARIANT_TYPE_STRING_ARRAY);

  return g_variant_dup_strv (value, NULL);
}

static void
test_directories (Fixture *fixture,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) environments = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *base = g_build_filename (fixture->dir, "base", NULL);
  const char *workers[] = { "worker_1", "worker/2" };
  /* The second id is a retry of the first; the third sanitizes like it. */
  const char *tests[] = { "suite::/a/b", "suite::/a/b", "suite__/a/b" };

  g_assert_cmpstr (shoal_environment_manager_get_base_temp_dir (fixture->manager), ==, base);

  for (guint w = 0; w < G_N_ELEMENTS (workers); w++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        ShoalTestEnvironment *environment = shoal_environment_manager_create_test_environment (
            fixture->manager, workers[w], tests[t], &error);
        const char *dir;

        g_assert_no_error (error);
        g_assert_true (SHOAL_IS_TEST_ENVIRONMENT (environment));
        g_ptr_array_add (environments, environment);
        dir = shoal_test_environment_get_directory (environment);
        g_assert_cmpstr (shoal_test_environment_get_worker_id (environment), ==, workers[w]);
        g_assert_cmpstr (shoal_test_environment_get_test_id (environment), ==, tests[t]);
        g_assert_true (path_is_inside (dir, base));
        g_assert_true (g_hash_table_add (seen, (gpointer) dir));
        assert_private_dir (dir);
        assert_private_dir (shoal_test_environment_get_tmp_dir (environment));
        {
          g_autofree char *tmp = g_build_filename (dir, "tmp", NULL);

          g_assert_cmpstr (shoal_test_environment_get_tmp_dir (environment), ==, tmp);
        }
        g_assert_null (shoal_test_environment_get_home_dir (environment));
        /* The worker's directory and the run directory are private too. */
        {
          g_autofree char *tests_dir = g_path_get_dirname (dir);
          g_autofree char *worker_dir = g_path_get_dirname (tests_dir);
          g_autofree char *run_dir = g_path_get_dirname (worker_dir);
          g_autofree char *run_parent = g_path_get_dirname (run_dir);
          g_autofree char *run_name = g_path_get_basename (run_dir);

          assert_private_dir (tests_dir);
          assert_private_dir (worker_dir);
          assert_private_dir (run_dir);
          g_assert_cmpstr (run_parent, ==, base);
          g_assert_true (g_str_has_prefix (run_name, "shoal-env-"));
        }
      }

  /* Readable names: the worker's and the test's ids, sanitized, -2 for the
   * second of a kind. */
  g_assert_true (g_str_has_suffix (
      shoal_test_environment_get_directory (environments->pdata[0]), "/worker_1/tests/suite___a_b"));
  g_assert_true (g_str_has_suffix (
      shoal_test_environment_get_directory (environments->pdata[1]), "/worker_1/tests/suite___a_b-2"));
  g_assert_true (g_str_has_suffix (
      shoal_test_environment_get_directory (environments->pdata[2]), "/worker_1/tests/suite___a_b-3"));
  g_assert_true (g_str_has_suffix (
      shoal_test_environment_get_directory (environments->pdata[3]), "/worker_2/tests/suite___a_b"));

  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 2);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
assert_environment (const char *const *environment,
                    const char *const *expected)
{
  g_autoptr (GPtrArray) sorted_environment = g_ptr_array_new ();
  g_autoptr (GPtrArray) sorted_expected = g_ptr_array_new ();

  for (guint i = 0; environment[i] != NULL; i++)
    g_ptr_array_add (sorted_environment, (gpointer) environment[i]);
  for (guint i = 0; expected[i] != NULL; i++)
    g_ptr_array_add (sorted_expected, (gpointer) expected[i]);
  g_ptr_array_sort (sorted_environment, compare_strings);
  g_ptr_array_sort (sorted_expected, compare_strings);
  g_ptr_array_add (sorted_environment, NULL);
  g_ptr_array_add (sorted_expected, NULL);
  g_assert_cmpstrv (sorted_environment->pdata, sorted_expected->pdata);
}

static void
test_environment_variables (Fixture *fixture,
                            gconstpointer data)
{
  const char *manager_variables[] = { "TEST_PARALLEL_MODE=true", "SHARED=manager",
                                      "TMPDIR=/not/used", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_auto (GStrv) copy = NULL;
  g_auto (GStrv) applied = NULL;
  const char *dir;

  shoal_environment_manager_set_environment_variables (fixture->manager, manager_variables);
  copy = shoal_environment_manager_dup_environment_variables (fixture->manager);
  g_assert_cmpstrv (copy, manager_variables);

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "worker_1",
                                                                   "suite::test", &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);

  {
    g_autofree char *tmpdir = g_strconcat ("TMPDIR=", dir, "/tmp", NULL);
    g_autofree char *test_dir = g_strconcat ("SHOAL_TEST_DIR=", dir, NULL);
    const char *expected[] = {
      "TEST_PARALLEL_MODE=true",
      "SHARED=manager",
      tmpdir,
      "SHOAL_WORKER_ID=worker_1",
      "TEST_WORKER_ID=worker_1",
      "SHOAL_TEST_ID=suite::test",
      test_dir,
      NULL,
    };

    assert_environment (shoal_test_environment_get_environment (environment), expected);
  }

  /* apply() sets the test's variables over a process environment. */
  {
    const char *envp[] = { "PATH=/usr/bin", "SHARED=process", "HOME=/root", NULL };

    applied = shoal_test_environment_apply (environment, envp);
    g_assert_cmpstr (g_environ_getenv (applied, "PATH"), ==, "/usr/bin");
    g_assert_cmpstr (g_environ_getenv (applied, "SHARED"), ==, "manager");
    g_assert_cmpstr (g_environ_getenv (applied, "HOME"), ==, "/root");
    g_assert_cmpstr (g_environ_getenv (applied, "SHOAL_TEST_ID"), ==, "suite::test");
    g_assert_cmpuint (g_strv_length (applied), ==, 3 + 6);
  }

  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                    TRUE, NULL, &error));
  g_assert_no_error (error);
}

static void
test_isolate_home (Fixture *fixture,
                   gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  const char *const *envp;
  const char *dir;
  const char *xdg[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME" };

  shoal_environment_manager_set_isolate_home (fixture->manager, TRUE);
  g_assert_true (shoal_environment_manager_get_isolate_home (fixture->manager));

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "t",
                                                                   &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);
  envp = shoal_test_environment_get_environment (environment);

  {
    g_autofree char *home = g_build_filename (dir, "home", NULL);
    g_autofree char *runtime = g_build_filename (dir, "runtime", NULL);

    g_assert_cmpstr (shoal_test_environment_get_home_dir (environment), ==, home);
    g_assert_cmpstr (g_environ_getenv ((char **) envp, "HOME"), ==, home);
    g_assert_cmpstr (g_environ_getenv ((char **) envp, "XDG_RUNTIME_DIR"), ==, runtime);
    assert_private_dir (home);
    assert_private_dir (runtime);
  }
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      const char *value = g_environ_getenv ((char **) envp, xdg[i]);

      g_assert_nonnull (value);
      g_assert_true (path_is_inside (value, shoal_test_environment_get_home_dir (environment)));
      assert_private_dir (value);
    }
  /* TMPDIR, HOME, 5 XDG, 4 ids and the directory: nothing else. */
  g_assert_cmpuint (g_strv_length ((char **) envp), ==, 11);

  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                    TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_cleanup (Fixture *fixture,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autofree char *preserved = NULL;
  g_autofree char *file = NULL;
  g_autofree char *nested = NULL;
  g_auto (GStrv) kept = NULL;

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "t",
                                                                   &error);
  g_assert_no_error (error);
  file = g_build_filename (shoal_test_environment_get_tmp_dir (environment), "scratch", NULL);
  write_file (file, "data");
  nested = g_build_filename (shoal_test_environment_get_directory (environment), "a", "b", "c",
                             NULL);
  g_assert_cmpint (g_mkdir_with_parents (nested, 0755), ==, 0);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 1);

  g_assert_true (shoal_environment_manager_finish_test_environment (
      fixture->manager, environment, TRUE, &preserved, &error));
  g_assert_no_error (error);
  g_assert_null (preserved);
  g_assert_false (g_file_test (shoal_test_environment_get_directory (environment),
                               G_FILE_TEST_EXISTS));
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 0);
  kept = status_strv (fixture->manager, "preserved");
  g_assert_cmpuint (g_strv_length (kept), ==, 0);

  /* Finished once, not twice. */
  g_assert_false (shoal_environment_manager_finish_test_environment (
      fixture->manager, environment, TRUE, &preserved, &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "the environment of test t on worker w is not active");
  g_assert_null (preserved);
}

static void
test_preserve_on_failure (Fixture *fixture,
                          gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) failed = NULL;
  g_autoptr (ShoalTestEnvironment) passed = NULL;
  g_autoptr (ShoalTestEnvironment) failed_unkept = NULL;
  g_autoptr (ShoalTestEnvironment) running = NULL;
  g_autofree char *preserved = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *worker_dir = NULL;
  g_autofree char *run_dir = NULL;
  g_auto (GStrv) kept = NULL;

  g_assert_true (shoal_environment_manager_get_preserve_on_failure (fixture->manager));
  g_assert_true (shoal_environment_manager_get_cleanup_on_exit (fixture->manager));

  failed = shoal_environment_manager_create_test_environment (fixture->manager, "w", "failed",
                                                              &error);
  g_assert_no_error (error);
  passed = shoal_environment_manager_create_test_environment (fixture->manager, "w", "passed",
                                                              &error);
  g_assert_no_error (error);
  running = shoal_environment_manager_create_test_environment (fixture->manager, "w", "running",
                                                               &error);
  g_assert_no_error (error);
  marker = g_build_filename (shoal_test_environment_get_tmp_dir (failed), "core", NULL);
  write_file (marker, "evidence");

  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, failed,
                                                                    FALSE, &preserved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (preserved, ==, shoal_test_environment_get_directory (failed));
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, passed, TRUE,
                                                                    NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (shoal_test_environment_get_directory (passed), G_FILE_TEST_EXISTS));

  kept = status_strv (fixture->manager, "preserved");
  g_assert_cmpstrv (kept, ((const char *const[]){ preserved, NULL }));

  /* Without preserve-on-failure a failed test's directory goes too. */
  shoal_environment_manager_set_preserve_on_failure (fixture->manager, FALSE);
  failed_unkept = shoal_environment_manager_create_test_environment (fixture->manager, "w",
                                                                     "failed", &error);
  g_assert_no_error (error);
  g_clear_pointer (&preserved, g_free);
  g_assert_true (shoal_environment_manager_finish_test_environment (
      fixture->manager, failed_unkept, FALSE, &preserved, &error));
  g_assert_no_error (error);
  g_assert_null (preserved);
  g_assert_false (
      g_file_test (shoal_test_environment_get_directory (failed_unkept), G_FILE_TEST_EXISTS));

  /* Cleaning up removes the rest (a test still running included), keeps
   * the preserved directory and so the directories holding it. */
  worker_dir = g_path_get_dirname (shoal_test_environment_get_directory (running));
  run_dir = g_path_get_dirname (worker_dir);
  g_assert_true (shoal_environment_manager_cleanup_all (fixture->manager, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (shoal_test_environment_get_directory (running), G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 0);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 0);
  g_assert_false (shoal_environment_manager_finish_test_environment (fixture->manager, running,
                                                                     TRUE, NULL, &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND);
}

static void
test_no_cleanup_on_exit (Fixture *fixture,
                         gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autofree char *preserved = NULL;
  g_autofree char *worker = NULL;

  shoal_environment_manager_set_cleanup_on_exit (fixture->manager, FALSE);
  worker = shoal_environment_manager_create_worker_environment (fixture->manager, "w", NULL,
                                                                &error);
  g_assert_no_error (error);
  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "t",
                                                                   &error);
  g_assert_no_error (error);
  g_assert_true (shoal_environment_manager_finish_test_environment (
      fixture->manager, environment, TRUE, &preserved, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (preserved, ==, shoal_test_environment_get_directory (environment));
  g_assert_true (shoal_environment_manager_destroy_worker_environment (fixture->manager, "w",
                                                                       &error));
  g_assert_no_error (error);
  g_assert_true (shoal_environment_manager_cleanup_all (fixture->manager, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->manager);
  g_assert_true (g_file_test (preserved, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (worker, G_FILE_TEST_IS_DIR));
}

static void
test_symlink_outside (Fixture *fixture,
                      gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autofree char *outside = g_build_filename (fixture->dir, "outside", NULL);
  g_autofree char *outside_sub = g_build_filename (outside, "sub", NULL);
  g_autofree char *marker = g_build_filename (outside, "marker", NULL);
  g_autofree char *sub_marker = g_build_filename (outside_sub, "marker", NULL);
  g_autofree char *inner = NULL;
  const char *dir;
  struct stat st;

  g_assert_cmpint (g_mkdir_with_parents (outside_sub, 0755), ==, 0);
  write_file (marker, "keep me");
  write_file (sub_marker, "keep me too");

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "t",
                                                                   &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);
  inner = g_build_filename (dir, "inner", NULL);
  g_assert_cmpint (g_mkdir (inner, 0700), ==, 0);

  /* Links to a directory outside, to a file outside, to the root, and a
   * dangling one, at the top and deeper. */
  {
    const char *links[][2] = {
      { outside, "to-outside" },
      { marker, "to-marker" },
      { "/", "to-root" },
      { "/nonexistent/nowhere", "dangling" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (links); i++)
      {
        g_autofree char *top = g_build_filename (dir, links[i][1], NULL);
        g_autofree char *deep = g_build_filename (inner, links[i][1], NULL);

        g_assert_cmpint (symlink (links[i][0], top), ==, 0);
        g_assert_cmpint (symlink (links[i][0], deep), ==, 0);
      }
  }

  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                    TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (sub_marker, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (stat (outside, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0755);
  g_assert_cmpint (stat ("/", &st), ==, 0);
}

static void
test_read_only (Fixture *fixture,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  const char *dir;

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "t",
                                                                   &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);

  {
    g_autofree char *ro = g_build_filename (dir, "ro", NULL);
    g_autofree char *locked = g_build_filename (ro, "locked", NULL);
    g_autofree char *deep_file = g_build_filename (locked, "file", NULL);
    g_autofree char *ro_file = g_build_filename (ro, "file", NULL);
    g_autofree char *tmp_file = g_build_filename (dir, "tmp", "read-only", NULL);

    g_assert_cmpint (g_mkdir_with_parents (locked, 0700), ==, 0);
    write_file (deep_file, "x");
    write_file (ro_file, "x");
    write_file (tmp_file, "x");
    g_assert_cmpint (g_chmod (tmp_file, 0400), ==, 0);
    g_assert_cmpint (g_chmod (ro_file, 0), ==, 0);
    g_assert_cmpint (g_chmod (locked, 0), ==, 0);
    g_assert_cmpint (g_chmod (ro, 0500), ==, 0);
    /* The test's own tmp/ read-only, too. */
    g_assert_cmpint (g_chmod (shoal_test_environment_get_tmp_dir (environment), 0500), ==, 0);
  }

  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                    TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
make_tree (const char *root,
           guint dirs,
           guint files_per_dir)
{
  for (guint d = 0; d < dirs; d++)
    {
      g_autofree char *name = g_strdup_printf ("d%03u", d);
      g_autofree char *sub = g_build_filename (root, name, NULL);

      g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
      for (guint f = 0; f < files_per_dir; f++)
        {
          g_autofree char *file_name = g_strdup_printf ("f%03u.txt", f);
          g_autofree char *file = g_build_filename (sub, file_name, NULL);
          g_autofree char *contents = g_strdup_printf ("%u/%u\n", d, f);

          write_file (file, contents);
        }
    }
}

static void
test_cleanup_timeout (Fixture *fixture,
                      gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autoptr (ShoalTestEnvironment) untouched = NULL;
  g_autofree char *expected_prefix = NULL;
  g_auto (GStrv) leftover = NULL;
  const char *dir;

  g_assert_cmpfloat (shoal_environment_manager_get_cleanup_timeout (fixture->manager), ==, 60);

  /* 200 entries cannot be removed within a microsecond: each takes a
   * system call. The deadline is checked before each entry, so the
   * outcome does not depend on the machine's speed. */
  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "big",
                                                                   &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);
  make_tree (dir, 4, 50);
  shoal_environment_manager_set_cleanup_timeout (fixture->manager, 0.000001);

  g_assert_false (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                     TRUE, NULL, &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_TIMEOUT);
  expected_prefix = g_strdup_printf (
      "removing %s did not finish within the cleanup timeout (1e-06 s): ", dir);
  g_assert_true (g_str_has_prefix (error->message, expected_prefix));
  g_assert_true (g_str_has_suffix (error->message, " entries removed, the rest was left in place"));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_clear_error (&error);

  /* What is left is listed, and a later cleanup with time enough removes
   * it. */
  leftover = status_strv (fixture->manager, "leftover");
  g_assert_cmpstrv (leftover, ((const char *const[]){ dir, NULL }));
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 0);

  /* With 0, nothing at all is removed. */
  shoal_environment_manager_set_cleanup_timeout (fixture->manager, 0);
  untouched = shoal_environment_manager_create_test_environment (fixture->manager, "w", "small",
                                                                 &error);
  g_assert_no_error (error);
  g_assert_false (shoal_environment_manager_finish_test_environment (fixture->manager, untouched,
                                                                     TRUE, NULL, &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_TIMEOUT);
  {
    g_autofree char *message = g_strdup_printf (
        "removing %s did not finish within the cleanup timeout (0 s): 0 entries removed, the "
        "rest was left in place",
        shoal_test_environment_get_directory (untouched));

    g_assert_cmpstr (error->message, ==, message);
  }
  g_assert_true (g_file_test (shoal_test_environment_get_tmp_dir (untouched), G_FILE_TEST_IS_DIR));
  g_clear_error (&error);

  shoal_environment_manager_set_cleanup_timeout (fixture->manager, 60);
  g_assert_true (shoal_environment_manager_cleanup_all (fixture->manager, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shoal_test_environment_get_directory (untouched), G_FILE_TEST_EXISTS));
  g_clear_pointer (&leftover, g_strfreev);
  leftover = status_strv (fixture->manager, "leftover");
  g_assert_cmpuint (g_strv_length (leftover), ==, 0);
}

/* With remove-in-background a finished test's directory is removed by the
 * manager's thread; destroying the worker waits for it, and a removal
 * that failed there is listed as a leftover and retried by cleanup_all. */
static void
test_remove_in_background (Fixture *fixture,
                           gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) removed = NULL;
  g_autoptr (ShoalTestEnvironment) left = NULL;
  g_auto (GStrv) leftover = NULL;

  g_assert_false (shoal_environment_manager_get_remove_in_background (fixture->manager));
  shoal_environment_manager_set_remove_in_background (fixture->manager, TRUE);
  g_assert_true (shoal_environment_manager_get_remove_in_background (fixture->manager));

  removed = shoal_environment_manager_create_test_environment (fixture->manager, "w", "removed",
                                                               &error);
  g_assert_no_error (error);
  make_tree (shoal_test_environment_get_directory (removed), 3, 20);
  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, removed, TRUE,
                                                                    NULL, &error));
  g_assert_no_error (error);

  /* Queued with a timeout of 0: the removal thread removes nothing, and
   * finish_test_environment() has returned before it could tell. */
  left = shoal_environment_manager_create_test_environment (fixture->manager, "w", "left", &error);
  g_assert_no_error (error);
  shoal_environment_manager_set_cleanup_timeout (fixture->manager, 0);
  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, left, TRUE,
                                                                    NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 0);

  shoal_environment_manager_set_cleanup_timeout (fixture->manager, 60);
  g_assert_true (shoal_environment_manager_destroy_worker_environment (fixture->manager, "w", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (shoal_test_environment_get_directory (removed), G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shoal_test_environment_get_directory (left), G_FILE_TEST_EXISTS));
  leftover = status_strv (fixture->manager, "leftover");
  g_assert_cmpstrv (leftover,
                    ((const char *const[]){ shoal_test_environment_get_directory (left), NULL }));

  g_assert_true (shoal_environment_manager_cleanup_all (fixture->manager, &error));
  g_assert_no_error (error);
  g_clear_pointer (&leftover, g_strfreev);
  leftover = status_strv (fixture->manager, "leftover");
  g_assert_cmpuint (g_strv_length (leftover), ==, 0);
}

static void
test_deep_tree (Fixture *fixture,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  const guint depth = 300;
  struct rlimit saved_limit;
  struct rlimit limit;
  gboolean removed;
  const char *dir;
  int fd;

  /* Deeper than PATH_MAX allows to name (300 names of 16 bytes), and
   * removed with fewer descriptors allowed than levels: removal needs
   * neither full paths nor a descriptor per level. */
  environment = shoal_environment_manager_create_test_environment (fixture->manager, "w", "deep",
                                                                   &error);
  g_assert_no_error (error);
  dir = shoal_test_environment_get_directory (environment);
  fd = open (dir, O_RDONLY | O_DIRECTORY);
  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < depth; i++)
    {
      int child;

      g_assert_cmpint (mkdirat (fd, "directory-level", 0700), ==, 0);
      g_assert_cmpint (close (openat (fd, "f", O_WRONLY | O_CREAT, 0600)), ==, 0);
      child = openat (fd, "directory-level", O_RDONLY | O_DIRECTORY);
      g_assert_cmpint (child, >=, 0);
      close (fd);
      fd = child;
    }
  close (fd);

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved_limit), ==, 0);
  limit = saved_limit;
  limit.rlim_cur = MIN (saved_limit.rlim_cur, 64);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  removed = shoal_environment_manager_finish_test_environment (fixture->manager, environment, TRUE,
                                                               NULL, &error);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved_limit), ==, 0);
  g_assert_no_error (error);
  g_assert_true (removed);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_worker_config (Fixture *fixture,
                    gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autofree char *other_base = g_build_filename (fixture->dir, "other", "base", NULL);
  g_autofree char *env_id = NULL;
  g_autofree char *again = NULL;
  const char *const *envp;
  GVariantBuilder variables;
  GVariantBuilder config;

  g_variant_builder_init (&variables, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&variables, "{ss}", "TEST_MODE", "isolated");
  g_variant_builder_add (&variables, "{ss}", "WORKER_ID", "worker_1");
  g_variant_builder_init (&config, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&config, "{sv}", "base_path", g_variant_new_string (other_base));
  g_variant_builder_add (&config, "{sv}", "environment_variables",
                         g_variant_builder_end (&variables));
  g_variant_builder_add (&config, "{sv}", "isolate_home", g_variant_new_boolean (TRUE));

  /* The floating configuration is consumed. */
  env_id = shoal_environment_manager_create_worker_environment (
      fixture->manager, "worker_1", g_variant_builder_end (&config), &error);
  g_assert_no_error (error);
  g_assert_nonnull (env_id);
  g_assert_true (path_is_inside (env_id, other_base));
  g_assert_true (g_str_has_suffix (env_id, "/worker_1"));
  assert_private_dir (env_id);
  assert_private_dir (other_base);
  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 1);

  environment = shoal_environment_manager_create_test_environment (fixture->manager, "worker_1",
                                                                   "t", &error);
  g_assert_no_error (error);
  g_assert_true (path_is_inside (shoal_test_environment_get_directory (environment), env_id));
  envp = shoal_test_environment_get_environment (environment);
  g_assert_cmpstr (g_environ_getenv ((char **) envp, "TEST_MODE"), ==, "isolated");
  g_assert_cmpstr (g_environ_getenv ((char **) envp, "WORKER_ID"), ==, "worker_1");
  g_assert_nonnull (g_environ_getenv ((char **) envp, "HOME"));
  g_assert_true (shoal_environment_manager_finish_test_environment (fixture->manager, environment,
                                                                    TRUE, NULL, &error));
  g_assert_no_error (error);

  again = shoal_environment_manager_create_worker_environment (fixture->manager, "worker_1", NULL,
                                                               &error);
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "worker worker_1 already has an environment");
  g_assert_null (again);
  g_clear_error (&error);

  /* Bad configurations, with the messages they give. */
  {
    struct
    {
      const char *worker;
      const char *config;
      const char *message;
    } cases[] = {
      { "w2", "{'base_dir': <'/tmp'>}",
        "the environment configuration of worker w2 has an unknown key 'base_dir' (known: "
        "base_path, environment_variables, isolate_home)" },
      { "w2", "{'isolate_home': <'yes'>}",
        "the environment configuration of worker w2: isolate_home must be a boolean (b), not s" },
      { "w2", "{'base_path': <''>}",
        "the environment configuration of worker w2: base_path must be a non-empty string (s), "
        "not s" },
      { "w2", "{'environment_variables': <['A=1']>}",
        "the environment configuration of worker w2: environment_variables must be a "
        "string-to-string dictionary (a{ss}), not as" },
      { "w2", "{'environment_variables': <{'A=B': 'c'}>}",
        "the environment configuration of worker w2: 'A=B' is not a variable name" },
      { "w2", "('base_path', 1)",
        "the environment configuration of worker w2 must be of type a{sv}, not (si)" },
      { "", "{'isolate_home': <true>}", "a worker id cannot be empty" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (GVariant) bad = g_variant_parse (NULL, cases[i].config, NULL, NULL, &error);
        g_autofree char *id = NULL;

        g_assert_no_error (error);
        id = shoal_environment_manager_create_worker_environment (fixture->manager,
                                                                  cases[i].worker, bad, &error);
        g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_INVALID);
        g_assert_cmpstr (error->message, ==, cases[i].message);
        g_assert_null (id);
        g_clear_error (&error);
      }
  }
  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 1);
}

static void
test_status (Fixture *fixture,
             gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestEnvironment) a = NULL;
  g_autoptr (ShoalTestEnvironment) b = NULL;
  g_autoptr (ShoalTestEnvironment) c = NULL;
  g_autoptr (GVariant) base_dir = NULL;
  g_autofree char *w1 = NULL;
  g_autofree char *w2 = NULL;
  g_autofree char *base = g_build_filename (fixture->dir, "base", NULL);

  g_assert_cmpuint (status_uint (fixture->manager, "active_environments"), ==, 0);
  /* Nothing is written before the first environment. */
  g_assert_false (g_file_test (base, G_FILE_TEST_EXISTS));

  w1 = shoal_environment_manager_create_worker_environment (fixture->manager, "w1", NULL, &error);
  g_assert_no_error (error);
  w2 = shoal_environment_manager_create_worker_environment (fixture->manager, "w2", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (w1, !=, w2);
  a = shoal_environment_manager_create_test_environment (fixture->manager, "w1", "a", &error);
  g_assert_no_error (error);
  b = shoal_environment_manager_create_test_environment (fixture->manager, "w1", "b", &error);
  g_assert_no_error (error);
  c = shoal_environment_manager_create_test_environment (fixture->manager, "w2", "c", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (status_uint (fixture->manager, "active_environments"), ==, 2);
  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 2);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 3);
  g_assert_cmpuint (status_uint (fixture->manager, "workspaces"), ==, 0);
  base_dir = status_lookup (fixture->manager, "base_dir", G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (base_dir, NULL), ==, base);

  /* Destroying a worker ends its tests' environments and removes its
   * directory. */
  g_assert_true (shoal_environment_manager_destroy_worker_environment (fixture->manager, "w1",
                                                                       &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (w1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (w2, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (status_uint (fixture->manager, "active_environments"), ==, 1);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 1);
  g_assert_false (shoal_environment_manager_finish_test_environment (fixture->manager, a, TRUE,
                                                                     NULL, &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (shoal_environment_manager_destroy_worker_environment (fixture->manager, "w1",
                                                                        &error));
  g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "worker w1 has no environment");
  g_clear_error (&error);

  /* Finalizing the manager cleans up (cleanup-on-exit). */
  g_clear_object (&fixture->manager);
  g_assert_false (g_file_test (w2, G_FILE_TEST_EXISTS));
  {
    g_autoptr (GDir) dir = g_dir_open (base, 0, &error);

    g_assert_no_error (error);
    g_assert_null (g_dir_read_name (dir));
  }
}

static void
test_new_from_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalEnvironmentManager) manager = NULL;
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-env-test-XXXXXX", NULL);
  g_autofree char *base = g_build_filename (dir, "envs", NULL);
  g_autofree char *yaml = g_strdup_printf ("environment:\n"
                                           "  base_temp_dir: %s\n"
                                           "  cleanup_on_exit: true\n"
                                           "  preserve_on_failure: false\n"
                                           "  isolate_home: true\n"
                                           "  environment_variables:\n"
                                           "    LOG_LEVEL: DEBUG\n"
                                           "cleanup_timeout: 5\n",
                                           base);
  g_autofree char *tests_dir = NULL;
  g_autofree char *worker_dir = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *run_name = NULL;

  config = shoal_config_new_from_data (yaml, -1, "shoal.yaml", &error);
  g_assert_no_error (error);
  manager = shoal_environment_manager_new_from_config (config, "run-42");
  g_assert_cmpstr (shoal_environment_manager_get_base_temp_dir (manager), ==, base);
  g_assert_cmpstr (shoal_environment_manager_get_run_id (manager), ==, "run-42");
  g_assert_false (shoal_environment_manager_get_preserve_on_failure (manager));
  g_assert_true (shoal_environment_manager_get_isolate_home (manager));
  g_assert_cmpfloat (shoal_environment_manager_get_cleanup_timeout (manager), ==, 5);

  environment = shoal_environment_manager_create_test_environment (manager, "w", "t", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_environ_getenv ((char **) shoal_test_environment_get_environment (environment),
                                     "LOG_LEVEL"),
                   ==, "DEBUG");
  g_assert_nonnull (shoal_test_environment_get_home_dir (environment));
  tests_dir = g_path_get_dirname (shoal_test_environment_get_directory (environment));
  worker_dir = g_path_get_dirname (tests_dir);
  run_dir = g_path_get_dirname (worker_dir);
  run_name = g_path_get_basename (run_dir);
  g_assert_true (g_str_has_prefix (run_name, "shoal-run-42-"));

  g_clear_object (&manager);
  remove_tree (dir);
}

/* A path that lives as long as @pool, for the cases that name many. */
static const char *
in (GPtrArray *pool,
    const char *dir,
    const char *relative)
{
  char *path = g_build_filename (dir, relative, NULL);

  g_ptr_array_add (pool, path);
  return path;
}

static gboolean
lstat_equal_modes (const char *a,
                   const char *b)
{
  struct stat sa;
  struct stat sb;

  g_assert_cmpint (lstat (a, &sa), ==, 0);
  g_assert_cmpint (lstat (b, &sb), ==, 0);
  return (sa.st_mode & (S_IFMT | 07777)) == (sb.st_mode & (S_IFMT | 07777));
}

static void
test_workspace (Fixture *fixture,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *source = g_build_filename (fixture->dir, "project", NULL);
  g_autofree char *copy = NULL;
  g_autofree char *again = NULL;
  g_autofree char *other = NULL;
  const char *exclude[] = { ".git", "build*", ".shoal/", "/data/cache", NULL };
  g_autoptr (GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
  gint64 start;

  /* A tree with modes, symlinks, excluded parts and 1000 small files. */
  {
    const char *dirs[] = { ".git/objects", "build", "build-debug/sub", "src/build-x", ".shoal",
                           "data/cache", "src/nested/data/cache", "readonly", NULL };
    const char *files[][2] = {
      { "README", "0644" },
      { "run.sh", "0755" },
      { "secret", "0600" },
      { "src/main.c", "0444" },
      { ".git/HEAD", "0644" },
      { "build/out.o", "0644" },
      { "data/cache/x", "0644" },
      { "src/nested/data/cache/kept", "0644" },
      { "readonly/file", "0644" },
      { ".shoal", NULL },
    };

    for (guint i = 0; dirs[i] != NULL; i++)
      {
        g_autofree char *path = g_build_filename (source, dirs[i], NULL);

        g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
      }
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *path = g_build_filename (source, files[i][0], NULL);

        if (files[i][1] == NULL)
          continue;
        write_file (path, files[i][0]);
        g_assert_cmpint (g_chmod (path, g_ascii_strtoull (files[i][1], NULL, 8)), ==, 0);
      }
    make_tree (in (pool, source, "many"), 10, 100);
    g_assert_cmpint (symlink ("README", in (pool, source, "link-to-readme")), ==, 0);
    g_assert_cmpint (symlink ("/", in (pool, source, "src/link-to-root")), ==, 0);
    g_assert_cmpint (symlink ("missing", in (pool, source, "dangling")), ==, 0);
    g_assert_cmpint (symlink ("src", in (pool, source, "link-to-src")), ==, 0);
    g_assert_cmpint (mkfifo (in (pool, source, "fifo"), 0640), ==, 0);
    g_assert_cmpint (g_chmod (in (pool, source, "fifo"), 0640), ==, 0);
    g_assert_cmpint (g_chmod (in (pool, source, "readonly"), 0555), ==, 0);
    g_assert_cmpint (g_chmod (in (pool, source, "src"), 0750), ==, 0);
  }

  start = g_get_monotonic_time ();
  g_assert_true (shoal_environment_manager_prepare_workspace (fixture->manager, "w1", source,
                                                              exclude, &copy, &error));
  g_assert_no_error (error);
  g_test_message ("copied a tree of ~1020 entries in %.1f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_nonnull (copy);
  g_assert_true (g_str_has_suffix (copy, "/w1/workspace/project"));

  /* What is copied, with modes; what is excluded. */
  {
    const char *copied[] = { "README", "run.sh", "secret", "src/main.c", "src",
                             "src/nested/data/cache/kept", "readonly", "readonly/file",
                             "many/d009/f099.txt", "fifo", NULL };
    const char *excluded[] = { ".git", "build", "build-debug", "src/build-x", ".shoal",
                               "data/cache", NULL };

    for (guint i = 0; copied[i] != NULL; i++)
      {
        g_autofree char *in = g_build_filename (source, copied[i], NULL);
        g_autofree char *out = g_build_filename (copy, copied[i], NULL);

        g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
        g_assert_true (lstat_equal_modes (in, out));
      }
    for (guint i = 0; excluded[i] != NULL; i++)
      {
        g_autofree char *out = g_build_filename (copy, excluded[i], NULL);

        g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
      }
    g_assert_true (g_file_test (in (pool, copy, "data"), G_FILE_TEST_IS_DIR));
    g_assert_true (lstat_equal_modes (source, copy));
  }

  /* Contents and times. */
  {
    g_autofree char *contents = NULL;
    struct stat in_st;
    struct stat out_st;

    g_assert_true (
        g_file_get_contents (in (pool, copy, "many/d003/f042.txt"), &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "3/42\n");
    g_assert_cmpint (lstat (in (pool, source, "run.sh"), &in_st), ==, 0);
    g_assert_cmpint (lstat (in (pool, copy, "run.sh"), &out_st), ==, 0);
    g_assert_cmpint (in_st.st_mtim.tv_sec, ==, out_st.st_mtim.tv_sec);
    g_assert_cmpint (in_st.st_mtim.tv_nsec, ==, out_st.st_mtim.tv_nsec);
  }

  /* Symlinks stay symlinks with their targets, never followed. */
  {
    const char *links[][2] = {
      { "link-to-readme", "README" },
      { "src/link-to-root", "/" },
      { "dangling", "missing" },
      { "link-to-src", "src" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (links); i++)
      {
        g_autofree char *out = g_build_filename (copy, links[i][0], NULL);
        g_autofree char *target = g_file_read_link (out, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (target, ==, links[i][1]);
      }
  }

  /* Once per worker: the same copy again, another for another worker. */
  g_assert_true (shoal_environment_manager_prepare_workspace (fixture->manager, "w1", source, NULL,
                                                              &again, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, copy);
  g_assert_true (shoal_environment_manager_prepare_workspace (fixture->manager, "w2", source,
                                                              exclude, &other, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (other, !=, copy);
  g_assert_true (g_str_has_suffix (other, "/w2/workspace/project"));
  g_assert_cmpuint (status_uint (fixture->manager, "workspaces"), ==, 2);

  /* A missing source. */
  {
    g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
    g_autofree char *message = g_strdup_printf ("the workspace source %s is not a directory",
                                                missing);
    g_autofree char *none = NULL;

    g_assert_false (shoal_environment_manager_prepare_workspace (fixture->manager, "w1", missing,
                                                                 NULL, &none, &error));
    g_assert_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND);
    g_assert_cmpstr (error->message, ==, message);
    g_assert_null (none);
    g_clear_error (&error);
  }

  /* The copy goes with its worker (read-only parts included). */
  g_assert_true (shoal_environment_manager_destroy_worker_environment (fixture->manager, "w1",
                                                                       &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (in (pool, source, "many/d009/f099.txt"), G_FILE_TEST_IS_REGULAR));
}

static void
test_workspace_inside_source (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalEnvironmentManager) manager = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-env-test-XXXXXX", NULL);
  g_autofree char *base = g_build_filename (dir, "state", "envs", NULL);
  g_autofree char *copy = NULL;
  g_autofree char *copied_state = NULL;
  g_autoptr (GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

  /* The environments live inside the tree being copied (base_temp_dir in
   * the project): the copy must not copy itself. */
  write_file (in (pool, dir, "file"), "x");
  manager = shoal_environment_manager_new (base);
  g_assert_true (
      shoal_environment_manager_prepare_workspace (manager, "w", dir, NULL, &copy, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (in (pool, copy, "file"), G_FILE_TEST_IS_REGULAR));
  copied_state = g_build_filename (copy, "state", "envs", NULL);
  g_assert_true (g_file_test (copied_state, G_FILE_TEST_IS_DIR));
  {
    g_autoptr (GDir) listing = g_dir_open (copied_state, 0, &error);

    g_assert_no_error (error);
    g_assert_null (g_dir_read_name (listing));
  }

  g_clear_object (&manager);
  remove_tree (dir);
}

typedef struct
{
  ShoalEnvironmentManager *manager;
  guint index;
  guint preserved;
} ThreadData;

#define THREAD_COUNT 8
#define THREAD_ROUNDS 40

static gpointer
thread_func (gpointer data)
{
  ThreadData *thread = data;
  /* Two threads per worker: creation within one worker races too. */
  g_autofree char *worker = g_strdup_printf ("worker-%u", thread->index % 4);

  for (guint i = 0; i < THREAD_ROUNDS; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ShoalTestEnvironment) environment = NULL;
      g_autofree char *test = g_strdup_printf ("suite::test-%u", i);
      g_autofree char *marker = NULL;
      g_autofree char *token = g_strdup_printf ("%u/%u", thread->index, i);
      g_autofree char *found = NULL;
      g_autofree char *preserved = NULL;
      gboolean passed = i % 10 != 0;
      int fd;

      environment = shoal_environment_manager_create_test_environment (thread->manager, worker,
                                                                       test, &error);
      g_assert_no_error (error);
      /* O_EXCL: nobody else was given this directory. */
      marker = g_build_filename (shoal_test_environment_get_directory (environment), "owner",
                                 NULL);
      fd = open (marker, O_WRONLY | O_CREAT | O_EXCL, 0600);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (write (fd, token, strlen (token)), ==, strlen (token));
      close (fd);

      g_assert_true (shoal_environment_manager_finish_test_environment (
          thread->manager, environment, passed, &preserved, &error));
      g_assert_no_error (error);
      if (passed)
        {
          g_assert_null (preserved);
          /* The same path may already be the directory of the other
           * thread's test of the same id: it must not hold our marker. */
          if (g_file_get_contents (marker, &found, NULL, NULL))
            g_assert_cmpstr (found, !=, token);
        }
      else
        {
          g_assert_cmpstr (preserved, ==, shoal_test_environment_get_directory (environment));
          g_assert_true (g_file_get_contents (marker, &found, NULL, NULL));
          g_assert_cmpstr (found, ==, token);
          thread->preserved++;
        }
    }
  return NULL;
}

static void
test_threads (Fixture *fixture,
              gconstpointer data)
{
  ThreadData threads[THREAD_COUNT];
  GThread *handles[THREAD_COUNT];
  g_auto (GStrv) preserved = NULL;
  g_autoptr (GHashTable) unique = g_hash_table_new (g_str_hash, g_str_equal);
  guint total = 0;

  for (guint i = 0; i < THREAD_COUNT; i++)
    {
      threads[i] = (ThreadData){ fixture->manager, i, 0 };
      handles[i] = g_thread_new ("environments", thread_func, &threads[i]);
    }
  for (guint i = 0; i < THREAD_COUNT; i++)
    {
      g_thread_join (handles[i]);
      total += threads[i].preserved;
    }

  g_assert_cmpuint (total, ==, THREAD_COUNT * THREAD_ROUNDS / 10);
  g_assert_cmpuint (status_uint (fixture->manager, "active_test_environments"), ==, 0);
  g_assert_cmpuint (shoal_environment_manager_get_active_environments (fixture->manager), ==, 4);
  preserved = status_strv (fixture->manager, "preserved");
  g_assert_cmpuint (g_strv_length (preserved), ==, total);
  for (guint i = 0; preserved[i] != NULL; i++)
    g_assert_true (g_hash_table_add (unique, preserved[i]));
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("ShoalEnvironmentManager: private per-worker and per-test directories, the "
                  "variables tests get, safe and bounded cleanup, preservation of failed "
                  "tests' directories, workspace copies, use from many threads");

#define ADD(path, func)                                                                \
  g_test_add ("/shoal/environment-manager/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)

  ADD ("directories", test_directories);
  ADD ("environment-variables", test_environment_variables);
  ADD ("isolate-home", test_isolate_home);
  ADD ("cleanup", test_cleanup);
  ADD ("preserve-on-failure", test_preserve_on_failure);
  ADD ("no-cleanup-on-exit", test_no_cleanup_on_exit);
  ADD ("symlink-outside", test_symlink_outside);
  ADD ("read-only", test_read_only);
  ADD ("cleanup-timeout", test_cleanup_timeout);
  ADD ("remove-in-background", test_remove_in_background);
  ADD ("deep-tree", test_deep_tree);
  ADD ("worker-config", test_worker_config);
  ADD ("status", test_status);
  ADD ("workspace", test_workspace);
  ADD ("threads", test_threads);
  g_test_add_func ("/shoal/environment-manager/new-from-config", test_new_from_config);
  g_test_add_func ("/shoal/environment-manager/workspace-inside-source",
                   test_workspace_inside_source);

#undef ADD

  return g_test_run ();
}
