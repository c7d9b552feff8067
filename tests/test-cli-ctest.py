#!/usr/bin/python3
# test-cli-ctest.py: the `shoal` command on a CMake build tree (ctest adapter)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Configures tests/fixtures/adapters/ctest/ with cmake into a temporary
# directory, runs ctest on it, then `shoal list` and `shoal run` on a
# shoal.yaml naming the same build directory, and compares what a user
# sees: the ids, the outcome of every test, the exit status. A second
# project has suites whose build directory, ctest or tests are missing next
# to one that works: `shoal run` reports each as an error naming the
# setting and runs the rest.
#
# Every test of the fixture takes part, the RESOURCE_GROUPS ones too: the
# adapter's pools (one per resource type of the spec file) become the run's
# pools.
#
# meson runs it with SHOAL, SHOAL_PLUGIN_PATH, SHOAL_BUILD_ROOT and
# G_TEST_SRCDIR set. By hand:
#
#   SHOAL_BUILD_ROOT=_build /usr/bin/python3 tests/test-cli-ctest.py -v

import json
import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', HERE)
FIXTURE = os.path.join(SRCDIR, 'fixtures', 'adapters', 'ctest')
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
COMMAND_TIMEOUT = 120
EXCLUDED = '^$'  # nothing: an empty name matches no test


def shoal_env():
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    return env


def shoal(*args, cwd):
    return subprocess.run([SHOAL, *args], cwd=cwd, env=shoal_env(), capture_output=True,
                          text=True, timeout=COMMAND_TIMEOUT)


def expected_outcome(testcase):
    """What Shoal must say for what ctest's JUnit report says (see
    tests/test-adapter-ctest.c: tests ctest did not start are skipped when a
    fixture's setup failed, errors otherwise)."""
    status = testcase.get('status')
    if status == 'run':
        return 'passed'
    if status == 'fail':
        return 'failed'
    if status == 'disabled':
        return 'skipped'
    message = testcase.find('skipped').get('message')
    if message.startswith('SKIP_') or message == 'Fixture dependency failed':
        return 'skipped'
    return 'error'


def outcome_class(outcome):
    return {'crashed': 'failed', 'timeout': 'failed'}.get(outcome, outcome)


class CtestCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='shoal-cli-ctest-')
        cls.build = os.path.join(cls.dir, 'build')
        subprocess.run(['cmake', '-S', FIXTURE, '-B', cls.build], check=True,
                       capture_output=True, timeout=COMMAND_TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def project(self, name, suites):
        root = os.path.join(self.dir, name)
        os.makedirs(root)
        with open(os.path.join(root, 'shoal.yaml'), 'w') as f:
            f.write('max_workers: 2\n'
                    'environment:\n'
                    f'  base_temp_dir: {json.dumps(os.path.join(root, "envs"))}\n'
                    '  preserve_on_failure: false\n'
                    'suites:\n' + suites)
        return root

    def test_same_as_ctest(self):
        junit = os.path.join(self.dir, 'ctest.xml')
        ctest = subprocess.run(['ctest', '-j2', '-E', EXCLUDED, '--output-junit', junit],
                               cwd=self.build, capture_output=True, text=True,
                               timeout=COMMAND_TIMEOUT)
        self.assertNotEqual(ctest.returncode, 0)
        cases = ET.parse(junit).getroot().findall('testcase')
        self.assertEqual(len(cases), 36)

        root = self.project('same', '  - name: cm\n'
                                    '    adapter: ctest\n'
                                    f'    build_dir: {json.dumps(self.build)}\n'
                                    f'    args: [-E, {json.dumps(EXCLUDED)}]\n')
        listed = shoal('list', cwd=root)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(listed.stdout.split(), ['cm::' + c.get('name') for c in cases])

        run = shoal('run', '-r', 'json=report.json', cwd=root)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        with open(os.path.join(root, 'report.json')) as f:
            report = json.load(f)
        outcomes = {r['id']: r['outcome'] for r in report['results']}
        self.assertEqual(sorted(outcomes), sorted('cm::' + c.get('name') for c in cases))
        for case in cases:
            with self.subTest(test=case.get('name')):
                self.assertEqual(outcome_class(outcomes['cm::' + case.get('name')]),
                                 expected_outcome(case))
        # failed_tests counts every test that did not pass or skip.
        counts = {k: report[k] for k in ('passed_tests', 'failed_tests', 'skipped_tests',
                                         'timeout_tests', 'crashed_tests', 'error_tests')}
        self.assertEqual(counts, {'passed_tests': 17, 'failed_tests': 10, 'skipped_tests': 9,
                                  'timeout_tests': 1, 'crashed_tests': 1, 'error_tests': 3})
        self.assertIn('17 passed, 5 failed, 9 skipped, 1 timed out, 1 crashed, 3 errors',
                      run.stdout)

    def test_bad_suites_do_not_stop_the_others(self):
        empty = os.path.join(self.dir, 'empty-build')
        os.makedirs(empty, exist_ok=True)
        root = self.project('bad', '  - name: good\n'
                                   '    adapter: ctest\n'
                                   f'    build_dir: {json.dumps(self.build)}\n'
                                   "    args: [-R, '^(pass|db_.*)$']\n"
                                   '  - name: nodir\n'
                                   '    adapter: ctest\n'
                                   '    build_dir: missing\n'
                                   '  - name: noctest\n'
                                   '    adapter: ctest\n'
                                   f'    build_dir: {json.dumps(self.build)}\n'
                                   '    ctest: /nonexistent/ctest\n'
                                   '  - name: notests\n'
                                   '    adapter: ctest\n'
                                   f'    build_dir: {json.dumps(empty)}\n')
        config = os.path.join(root, 'shoal.yaml')
        run = shoal('run', '-r', 'json=report.json', cwd=root)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        with open(os.path.join(root, 'report.json')) as f:
            results = {r['id']: r for r in json.load(f)['results']}
        for test in ('good::pass', 'good::db_setup', 'good::db_user', 'good::db_cleanup'):
            self.assertEqual(results[test]['outcome'], 'passed')
        self.assertEqual(results['nodir::<discovery>']['outcome'], 'error')
        self.assertEqual(results['nodir::<discovery>']['message'],
                         f'{config}:12:5: suites[1].build_dir: directory '
                         f'{os.path.join(root, "missing")} not found')
        self.assertEqual(results['noctest::<discovery>']['message'],
                         f"{config}:16:5: suites[2].ctest: program '/nonexistent/ctest' not "
                         'found (no file /nonexistent/ctest)')
        self.assertTrue(results['notests::<discovery>']['message'].startswith(
            f'{config}:19:5: suites[3].build_dir: {empty} has no tests'))
        self.assertEqual(len(results), 7)


if __name__ == '__main__':
    unittest.main()
