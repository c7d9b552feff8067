/* shoal-ctest-exec.c: runs one CTest test the way ctest would set it up
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ctest adapter runs a test's command directly. When the test needs
 * what only exists once it starts, it runs it through this program:
 *
 *   shoal-ctest-exec [--env-mod NAME=OP:VALUE]...
 *                    [--spec TYPE=ID:SLOTS[,ID:SLOTS]...]...
 *                    [--group TYPE:SLOTS[,TYPE:SLOTS]...]...
 *                    -- PROGRAM [ARGUMENT]...
 *   shoal-ctest-exec --not-run
 *
 * `--env-mod` applies one ENVIRONMENT_MODIFICATION entry, in order, with
 * ctest's rules (cmCTestRunTest::StartTest): the operations read the
 * environment the test was given (its ENVIRONMENT already in it).
 *
 * `--spec` is one resource type of the resource specification file, its
 * ids and slots in the file's order; `--group` is one group of the test's
 * RESOURCE_GROUPS as ctest expands them. The scheduler handed the test
 * instances of the pool named like the type, in `SHOAL_RESOURCE_<TYPE>`
 * (`3,0,1`): instance k is the k-th slot of the spec, counting the slots
 * of the first id, then the second id's, and so on. Each requirement of a
 * group gets slots of a single id, as in ctest, when the instances held
 * allow it; when they do not (the free slots were spread over several ids
 * when the test started), a requirement takes the id it holds the most
 * of, and a note on standard error says so. Then the program sets
 * `CTEST_RESOURCE_GROUP_COUNT`, `CTEST_RESOURCE_GROUP_<n>` (the group's
 * types, sorted, joined with `,`) and `CTEST_RESOURCE_GROUP_<n>_<TYPE>`
 * (`id:ID,slots:K`, joined with `;` in the group's order), exactly as
 * ctest names them, and executes PROGRAM (through PATH like execvp).
 *
 * `--not-run` exits 0 at once: the command of a DISABLED test, which the
 * adapter reports as skipped without running it.
 *
 * It exits 125 on bad usage or resource variables that do not match the
 * specification, and 127 when PROGRAM cannot be executed, with a message.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "shoal-ctest-resources.h"

#define PROGRAM_NAME "shoal-ctest-exec"
#define EXIT_USAGE 125
#define EXIT_EXEC 127

typedef struct
{
  char *type;
  GPtrArray *ids; /* (element-type utf8) */
  GArray *slots;  /* guint per id */
} Spec;

typedef struct
{
  char *type;
  guint slots;
  guint group;
  const char *id; /* chosen, owned by the spec */
} Requirement;

static void
spec_free (gpointer data)
{
  Spec *spec = data;

  g_free (spec->type);
  g_ptr_array_unref (spec->ids);
  g_array_unref (spec->slots);
  g_free (spec);
}

static void
requirement_free (gpointer data)
{
  Requirement *requirement = data;

  g_free (requirement->type);
  g_free (requirement);
}

static void die (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs (PROGRAM_NAME ": ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  exit (EXIT_USAGE);
}

static gboolean
parse_count (const char *text, guint *out_count)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &value, NULL))
    return FALSE;
  *out_count = (guint) value;
  return TRUE;
}

/* TYPE=ID:SLOTS,ID:SLOTS */
static Spec *
parse_spec (const char *text)
{
  const char *eq = strchr (text, '=');
  g_auto (GStrv) entries = NULL;
  Spec *spec;

  if (eq == NULL || eq == text)
    die ("bad --spec '%s' (expected TYPE=ID:SLOTS,...)", text);
  spec = g_new0 (Spec, 1);
  spec->type = g_strndup (text, eq - text);
  spec->ids = g_ptr_array_new_with_free_func (g_free);
  spec->slots = g_array_new (FALSE, FALSE, sizeof (guint));
  entries = g_strsplit (eq + 1, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      char *colon = strrchr (entries[i], ':');
      guint slots = 0;

      if (colon == NULL || colon == entries[i] || !parse_count (colon + 1, &slots))
        die ("bad --spec '%s' (expected TYPE=ID:SLOTS,...)", text);
      g_ptr_array_add (spec->ids, g_strndup (entries[i], colon - entries[i]));
      g_array_append_val (spec->slots, slots);
    }
  return spec;
}

/* TYPE:SLOTS,TYPE:SLOTS, one group */
static void
parse_group (const char *text, guint group, GPtrArray *requirements)
{
  g_auto (GStrv) entries = g_strsplit (text, ",", -1);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      char *colon = strrchr (entries[i], ':');
      Requirement *requirement;
      guint slots = 0;

      if (colon == NULL || colon == entries[i] || !parse_count (colon + 1, &slots))
        die ("bad --group '%s' (expected TYPE:SLOTS,...)", text);
      requirement = g_new0 (Requirement, 1);
      requirement->type = g_strndup (entries[i], colon - entries[i]);
      requirement->slots = slots;
      requirement->group = group;
      g_ptr_array_add (requirements, requirement);
    }
}

/* One ENVIRONMENT_MODIFICATION entry, as cmCTestRunTest::StartTest applies
 * them: @changes holds the value each touched variable will have (%NULL:
 * unset), and an operation on a variable it does not hold reads the
 * environment. */
static void
apply_env_mod (GHashTable *changes, GPtrArray *order, const char *entry)
{
  const char *eq = strchr (entry, '=');
  const char *colon = eq != NULL ? strchr (eq + 1, ':') : NULL;
  g_autofree char *name = NULL;
  g_autofree char *op = NULL;
  const char *value;
  gpointer held = NULL;
  const char *current = NULL;
  g_autoptr (GString) result = NULL;

  if (eq == NULL || eq == entry || colon == NULL)
    die ("bad ENVIRONMENT_MODIFICATION entry '%s' (expected NAME=OP:VALUE)", entry);
  name = g_strndup (entry, eq - entry);
  op = g_strndup (eq + 1, colon - (eq + 1));
  value = colon + 1;

  if (!g_ptr_array_find_with_equal_func (order, name, g_str_equal, NULL))
    g_ptr_array_add (order, g_strdup (name));

  if (g_str_equal (op, "reset"))
    {
      g_hash_table_remove (changes, name);
      return;
    }
  if (g_str_equal (op, "set"))
    {
      g_hash_table_replace (changes, g_strdup (name), g_strdup (value));
      return;
    }
  if (g_str_equal (op, "unset"))
    {
      g_hash_table_replace (changes, g_strdup (name), NULL);
      return;
    }

  if (g_hash_table_lookup_extended (changes, name, NULL, &held) && held != NULL)
    current = held;
  else
    current = g_getenv (name);
  result = g_string_new (current != NULL ? current : "");

  if (g_str_equal (op, "string_append"))
    g_string_append (result, value);
  else if (g_str_equal (op, "string_prepend"))
    g_string_prepend (result, value);
  else if (g_str_equal (op, "path_list_append") || g_str_equal (op, "cmake_list_append"))
    {
      if (result->len > 0)
        g_string_append_c (result, op[0] == 'p' ? ':' : ';');
      g_string_append (result, value);
    }
  else if (g_str_equal (op, "path_list_prepend") || g_str_equal (op, "cmake_list_prepend"))
    {
      if (result->len > 0)
        g_string_prepend_c (result, op[0] == 'p' ? ':' : ';');
      g_string_prepend (result, value);
    }
  else
    die ("unknown ENVIRONMENT_MODIFICATION operation '%s' in '%s'", op, entry);

  g_hash_table_replace (changes, g_strdup (name), g_string_free (g_steal_pointer (&result), FALSE));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static Spec *
find_spec (GPtrArray *specs, const char *type)
{
  for (guint i = 0; i < specs->len; i++)
    {
      Spec *spec = g_ptr_array_index (specs, i);

      if (g_str_equal (spec->type, type))
        return spec;
    }
  return NULL;
}

/* Chooses an id for every requirement of @spec's type from the instances
 * the test holds. */
static void
assign_type (Spec *spec, GPtrArray *requirements)
{
  g_autofree char *variable = shoal_ctest_pool_variable (spec->type);
  const char *held = g_getenv (variable);
  g_autoptr (GPtrArray) mine = g_ptr_array_new ();
  g_autofree guint *held_per_id = g_new0 (guint, MAX (spec->ids->len, 1));
  g_autofree guint *requests = NULL;
  g_autofree guint *bins = NULL;
  g_auto (GStrv) instances = NULL;
  guint total = 0;

  for (guint i = 0; i < requirements->len; i++)
    {
      Requirement *requirement = g_ptr_array_index (requirements, i);

      if (g_str_equal (requirement->type, spec->type))
        g_ptr_array_add (mine, requirement);
    }
  if (mine->len == 0)
    return;
  if (held == NULL)
    die ("%s is not set: the test holds no instance of the pool '%s' "
         "(it is run by Shoal's ctest adapter, which asks for them)",
         variable, spec->type);

  for (guint i = 0; i < spec->slots->len; i++)
    total += g_array_index (spec->slots, guint, i);

  /* Instance k is the k-th slot of the specification. */
  instances = g_strsplit (held, ",", -1);
  for (guint i = 0; instances[i] != NULL; i++)
    {
      guint64 k = 0;
      guint id = 0;

      if (!g_ascii_string_to_unsigned (instances[i], 10, 0, total > 0 ? total - 1 : 0, &k, NULL))
        die ("%s=%s: '%s' is not an instance of the pool the resource specification "
             "defines for '%s' (0 to %u); is a pool of that name configured in "
             "shoal.yaml with other ids?",
             variable, held, instances[i], spec->type, total > 0 ? total - 1 : 0);
      while (k >= g_array_index (spec->slots, guint, id))
        k -= g_array_index (spec->slots, guint, id++);
      held_per_id[id]++;
    }

  requests = g_new (guint, mine->len);
  bins = g_new0 (guint, mine->len);
  for (guint i = 0; i < mine->len; i++)
    requests[i] = ((Requirement *) g_ptr_array_index (mine, i))->slots;

  if (!shoal_ctest_pack (requests, mine->len, held_per_id, spec->ids->len, bins))
    {
      /* The slots held are spread over ids in a way no whole-id packing
       * fits: each requirement takes the id with the most slots left. */
      g_autofree guint *left = g_memdup2 (held_per_id, spec->ids->len * sizeof (guint));

      fprintf (stderr,
               PROGRAM_NAME ": note: the %s slots this test holds (%s=%s) are spread over "
                            "several ids; some groups share an id beyond its free slots\n",
               spec->type, variable, held);
      for (guint i = 0; i < mine->len; i++)
        {
          guint best = 0;

          for (guint id = 1; id < spec->ids->len; id++)
            if (left[id] > left[best])
              best = id;
          bins[i] = best;
          left[best] -= MIN (left[best], requests[i]);
        }
    }
  for (guint i = 0; i < mine->len; i++)
    ((Requirement *) g_ptr_array_index (mine, i))->id = g_ptr_array_index (spec->ids, bins[i]);
}

static void
set_resource_variables (GPtrArray *specs, GPtrArray *requirements, guint n_groups)
{
  char count[16];

  for (guint i = 0; i < requirements->len; i++)
    {
      Requirement *requirement = g_ptr_array_index (requirements, i);

      if (find_spec (specs, requirement->type) == NULL)
        die ("group %u needs '%s', which no --spec describes", requirement->group,
             requirement->type);
    }
  for (guint i = 0; i < specs->len; i++)
    assign_type (g_ptr_array_index (specs, i), requirements);

  g_snprintf (count, sizeof count, "%u", n_groups);
  g_setenv ("CTEST_RESOURCE_GROUP_COUNT", count, TRUE);
  for (guint group = 0; group < n_groups; group++)
    {
      g_autoptr (GPtrArray) types = g_ptr_array_new ();
      g_autofree char *group_name = g_strdup_printf ("CTEST_RESOURCE_GROUP_%u", group);
      g_autoptr (GString) list = g_string_new (NULL);

      for (guint i = 0; i < requirements->len; i++)
        {
          Requirement *requirement = g_ptr_array_index (requirements, i);

          if (requirement->group == group &&
              !g_ptr_array_find_with_equal_func (types, requirement->type, g_str_equal, NULL))
            g_ptr_array_add (types, requirement->type);
        }
      /* ctest keeps a group's types in a std::map: sorted. */
      g_ptr_array_sort (types, compare_strings);

      for (guint t = 0; t < types->len; t++)
        {
          const char *type = types->pdata[t];
          g_autofree char *upper = g_ascii_strup (type, -1);
          g_autofree char *name = g_strdup_printf ("%s_%s", group_name, upper);
          g_autoptr (GString) value = g_string_new (NULL);

          for (guint i = 0; i < requirements->len; i++)
            {
              Requirement *requirement = g_ptr_array_index (requirements, i);

              if (requirement->group != group || !g_str_equal (requirement->type, type))
                continue;
              if (value->len > 0)
                g_string_append_c (value, ';');
              g_string_append_printf (value, "id:%s,slots:%u", requirement->id,
                                      requirement->slots);
            }
          g_setenv (name, value->str, TRUE);
          if (list->len > 0)
            g_string_append_c (list, ',');
          g_string_append (list, type);
        }
      g_setenv (group_name, list->str, TRUE);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func (spec_free);
  g_autoptr (GPtrArray) requirements = g_ptr_array_new_with_free_func (requirement_free);
  g_autoptr (GHashTable) changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) change_order = g_ptr_array_new_with_free_func (g_free);
  guint n_groups = 0;
  int i;

  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--"))
        {
          i++;
          break;
        }
      if (g_str_equal (arg, "--not-run"))
        return 0;
      if (i + 1 >= argc)
        die ("%s needs a value", arg);
      if (g_str_equal (arg, "--env-mod"))
        apply_env_mod (changes, change_order, argv[++i]);
      else if (g_str_equal (arg, "--spec"))
        g_ptr_array_add (specs, parse_spec (argv[++i]));
      else if (g_str_equal (arg, "--group"))
        parse_group (argv[++i], n_groups++, requirements);
      else
        die ("unknown option '%s'", arg);
    }
  if (i >= argc)
    die ("no command (usage: " PROGRAM_NAME " [OPTION]... -- PROGRAM [ARGUMENT]...)");

  for (guint c = 0; c < change_order->len; c++)
    {
      const char *name = g_ptr_array_index (change_order, c);
      gpointer value = NULL;

      /* A variable reset after its changes keeps the value it came with. */
      if (!g_hash_table_lookup_extended (changes, name, NULL, &value))
        continue;
      if (value != NULL)
        g_setenv (name, value, TRUE);
      else
        g_unsetenv (name);
    }

  if (n_groups > 0)
    set_resource_variables (specs, requirements, n_groups);

  execvp (argv[i], argv + i);
  fprintf (stderr, PROGRAM_NAME ": cannot run %s: %s\n", argv[i], g_strerror (errno));
  return EXIT_EXEC;
}
