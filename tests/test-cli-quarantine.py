#!/usr/bin/python3
# test-cli-quarantine.py: `shoal quarantine` end to end: list, add, remove,
# export and import of quarantine_settings.json, on projects of their own
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH and
# SHOAL_BUILD_ROOT set. By hand:
#
#   SHOAL_BUILD_ROOT=_build python3 tests/test-cli-quarantine.py -v

import json
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', HERE)
SCHEMA = os.path.join(SRCDIR, '..', 'data', 'quarantine-settings.schema.json')
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))

COMMAND_TIMEOUT = 60

# A test that passes on its odd runs and fails on its even ones, keyed by a
# counter file beside shoal.yaml (tests run in directories of their own:
# the path is absolute).
ALTERNATE = ('n=$(cat "{count}" 2>/dev/null || echo 0); echo $((n + 1)) > "{count}"; '
             'test $((n % 2)) -eq 0')


def config(directory):
    alternate = ALTERNATE.format(count=os.path.join(directory, 'count'))
    return f'''max_workers: 1
suites:
  - name: q
    adapter: exec
    tests:
      - name: alternate
        command: ["/bin/sh", "-c", {json.dumps(alternate)}]
      - name: steady
        command: ["true"]
'''


def shoal_env():
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    return env


class Project:
    def __init__(self, test):
        self._tmp = tempfile.TemporaryDirectory(prefix='shoal-cli-quarantine-')
        test.addCleanup(self._tmp.cleanup)
        self.dir = os.path.realpath(self._tmp.name)
        with open(self.path('shoal.yaml'), 'w') as f:
            f.write(config(self.dir))

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def run(self, *args, cwd=None):
        return subprocess.run([SHOAL, *args], cwd=cwd or self.dir, env=shoal_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=COMMAND_TIMEOUT)

    def quarantine(self, *args, **kwargs):
        return self.run('quarantine', *args, **kwargs)

    def entries(self):
        proc = self.quarantine('list', '--json')
        assert proc.returncode == 0, proc.stderr
        return {e['test_id']: e for e in json.loads(proc.stdout)}

    def table(self):
        """The quarantine rows as the database holds them."""
        with sqlite3.connect(self.path('.shoal', 'history.db')) as db:
            return sorted(db.execute('SELECT * FROM quarantine').fetchall())


@unittest.skipUnless(SHOAL and os.access(SHOAL, os.X_OK),
                     'set SHOAL to the shoal binary, or SHOAL_BUILD_ROOT to the build dir')
class TestQuarantineCommand(unittest.TestCase):
    maxDiff = None

    def assertExit(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         f'exit status {proc.returncode}, expected {status}\n'
                         f'--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}')

    def test_listed_in_help(self):
        proc = subprocess.run([SHOAL, '--help'], env=shoal_env(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 0)
        self.assertIn('quarantine', proc.stdout)

    def test_add_list_remove(self):
        project = Project(self)
        proc = project.quarantine('list')
        self.assertExit(proc, 0)
        self.assertIn('no test is quarantined', proc.stdout)
        self.assertEqual(project.quarantine('list', '--json').stdout.strip(), '[]')

        proc = project.quarantine('add', 'q::steady', '--reason', 'needs a GPU',
                                  '--owner', 'ana', '--expires', '2999-12-31')
        self.assertExit(proc, 0)
        self.assertIn('q::steady quarantined until 2999-12-31', proc.stdout)
        self.assertExit(project.quarantine('add', 'q::other', '--reason', 'no owner'), 0)

        proc = project.quarantine('list')
        self.assertExit(proc, 0)
        self.assertRegex(proc.stdout, r'q::steady +manual .*needs a GPU +owner ana +expires 2999-12-31')
        self.assertEqual(proc.stderr, '')
        entries = project.entries()
        self.assertEqual(sorted(entries), ['q::other', 'q::steady'])
        steady = entries['q::steady']
        self.assertEqual(set(steady), {'test_id', 'reason', 'owner', 'expires', 'added', 'source',
                                       'expired', 'clean_streak', 'flakiness'})
        self.assertEqual((steady['reason'], steady['owner'], steady['expires'], steady['source'],
                          steady['expired']),
                         ('needs a GPU', 'ana', '2999-12-31', 'manual', False))
        self.assertRegex(steady['added'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$')
        self.assertIsNone(entries['q::other']['owner'])
        self.assertIsNone(entries['q::other']['expires'])

        proc = project.quarantine('remove', 'q::steady')
        self.assertExit(proc, 0)
        self.assertEqual(sorted(project.entries()), ['q::other'])

    def test_expired_entries_are_warned_about(self):
        project = Project(self)
        self.assertExit(project.quarantine('add', 'q::steady', '--reason', 'old', '--owner', 'bob',
                                           '--expires', '2000-01-01'), 0)
        proc = project.quarantine('list')
        self.assertExit(proc, 0)
        self.assertIn('EXPIRED', proc.stdout)
        self.assertIn('warning: the quarantine of q::steady expired on 2000-01-01', proc.stderr)
        proc = project.quarantine('list', '--json')
        self.assertExit(proc, 0)
        self.assertIn('expired on 2000-01-01', proc.stderr)
        # The JSON on stdout stays parseable.
        self.assertTrue(json.loads(proc.stdout)[0]['expired'])

    def test_errors(self):
        project = Project(self)
        self.assertExit(project.quarantine('add', 'q::kept', '--reason', 'r'), 0)
        before = project.table()

        proc = project.quarantine('add', 'q::steady')
        self.assertExit(proc, 2)
        self.assertIn('needs --reason', proc.stderr)

        for day in ('2025-02-30', 'tomorrow', '2025-1-1'):
            proc = project.quarantine('add', 'q::steady', '--reason', 'r', '--expires', day)
            self.assertExit(proc, 2)
            self.assertIn(f"'{day}' is not a date", proc.stderr)

        proc = project.quarantine('remove', 'q::nothing')
        self.assertExit(proc, 2)
        self.assertIn('q::nothing is not in the quarantine', proc.stderr)

        self.assertExit(project.quarantine('frobnicate'), 2)
        self.assertExit(project.quarantine('remove'), 2)
        self.assertExit(project.quarantine('export'), 2)
        self.assertExit(project.quarantine('list', '--reason', 'misplaced'), 2)
        self.assertExit(project.quarantine('import', project.path('missing.json')), 2)
        self.assertEqual(project.table(), before)

    def test_config_option_from_elsewhere(self):
        project = Project(self)
        with tempfile.TemporaryDirectory() as elsewhere:
            proc = project.quarantine('-c', project.path('shoal.yaml'), 'add', 'q::steady',
                                      '--reason', 'r', cwd=elsewhere)
            self.assertExit(proc, 0)
            self.assertFalse(os.path.exists(os.path.join(elsewhere, '.shoal')))
        # The state is beside shoal.yaml, and found upwards from a subdirectory.
        self.assertTrue(os.path.exists(project.path('.shoal', 'history.db')))
        os.mkdir(project.path('sub'))
        proc = project.quarantine('list', cwd=project.path('sub'))
        self.assertExit(proc, 0)
        self.assertIn('q::steady', proc.stdout)

    def test_flakiness_from_runs(self):
        project = Project(self)
        # Pass, fail, pass, fail: every run after the first flips.
        for expected in (0, 1, 0, 1):
            self.assertExit(project.run('run'), expected)
        self.assertExit(project.quarantine('add', 'q::alternate', '--reason', 'flips'), 0)
        self.assertExit(project.quarantine('add', 'q::steady', '--reason', 'control'), 0)
        entries = project.entries()
        self.assertAlmostEqual(entries['q::alternate']['flakiness'], 0.75)
        self.assertAlmostEqual(entries['q::steady']['flakiness'], 0.0)

    def test_export_import_round_trip(self):
        project = Project(self)
        self.assertExit(project.quarantine('add', 'q::steady', '--reason', 'needs a GPU',
                                           '--owner', 'ana', '--expires', '2999-12-31'), 0)
        self.assertExit(project.quarantine('add', 'q::alternate', '--reason', 'old',
                                           '--expires', '2000-01-01'), 0)
        exported = project.path('quarantine_settings.json')
        self.assertExit(project.quarantine('export', exported), 0)
        with open(exported) as f:
            data = json.load(f)
        self.assertEqual(data['schema'], 'shoal-quarantine/1')
        self.assertEqual(data['settings'], {'window': 10, 'threshold': 3, 'release_streak': 5})
        self.assertEqual([e['test_id'] for e in data['entries']], ['q::alternate', 'q::steady'])
        try:
            import jsonschema
        except ImportError:
            jsonschema = None
        if jsonschema is not None:
            with open(SCHEMA) as f:
                schema = json.load(f)
            jsonschema.validate(data, schema)
            # The schema rejects what import rejects.
            bad = dict(data, entries=[dict(data['entries'][0], owner=42)])
            with self.assertRaises(jsonschema.ValidationError):
                jsonschema.validate(bad, schema)

        other = Project(self)
        proc = other.quarantine('import', exported)
        self.assertExit(proc, 0)
        self.assertIn('2 entries', proc.stdout)
        self.assertEqual(other.entries(), project.entries())
        self.assertEqual(other.table(), project.table())
        again = other.path('again.json')
        self.assertExit(other.quarantine('export', again), 0)
        with open(exported) as a, open(again) as b:
            self.assertEqual(a.read(), b.read())

    def test_corrupt_import_changes_nothing(self):
        project = Project(self)
        self.assertExit(project.quarantine('add', 'q::steady', '--reason', 'keep me'), 0)
        before = project.table()
        good = {'settings': {'window': 4},
                'entries': [{'test_id': 'q::a', 'reason': 'r'},
                            {'test_id': 'q::b', 'reason': 'r', 'owner': 'x'},
                            {'test_id': 'q::c', 'reason': 'r', 'owner': 42}]}
        text = json.dumps(good, indent=2)

        truncated = project.path('truncated.json')
        with open(truncated, 'w') as f:
            f.write(text[:len(text) // 2])
        proc = project.quarantine('import', truncated)
        self.assertExit(proc, 2)
        self.assertRegex(proc.stderr, re.escape(truncated) + r':\d+:\d+')
        self.assertIn('nothing was imported', proc.stderr)
        self.assertEqual(project.table(), before)

        wrong = project.path('wrong.json')
        with open(wrong, 'w') as f:
            f.write(text)
        proc = project.quarantine('import', wrong)
        self.assertExit(proc, 2)
        self.assertIn('entries[2].owner: must be a string or null', proc.stderr)
        self.assertEqual(project.table(), before)
        self.assertEqual(sorted(project.entries()), ['q::steady'])
        # The settings were not stored either.
        exported = project.path('after.json')
        self.assertExit(project.quarantine('export', exported), 0)
        with open(exported) as f:
            self.assertEqual(json.load(f)['settings']['window'], 10)


if __name__ == '__main__':
    unittest.main()
