#!/usr/bin/python3
# test-cli-pytest-plugin.py: the seed's CI form, `python3 -m pytest -p shoal
# --parallel-workers=N --parallel-timeout=S`, against pytest's own run of
# the same tests
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH and
# SHOAL_BUILD_ROOT set. By hand:
#
#   SHOAL_BUILD_ROOT=_build /usr/bin/python3 tests/test-cli-pytest-plugin.py -v

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_ROOT = os.path.abspath(os.environ.get('SHOAL_BUILD_ROOT', '.'))
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
PLUGIN_DIR = os.path.join(BUILD_ROOT, 'adapters', 'pytest')
PROJECT = os.path.join(HERE, 'fixtures', 'adapters', 'pytest', 'project')
PYTHON = '/usr/bin/python3'

COMMAND_TIMEOUT = 180

CRASH = 'tests/test_trouble.py::test_crash'
HANG = 'tests/test_trouble.py::test_hang'
NO_TROUBLE = ['--deselect', CRASH, '--deselect', HANG]


def plugin_env(shoal=True):
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['PYTHONPATH'] = PLUGIN_DIR
    if shoal:
        env['SHOAL'] = SHOAL
    else:
        env.pop('SHOAL', None)
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    env.pop('PYTEST_ADDOPTS', None)
    env.pop('SHOAL_PYTEST_PARALLEL_CHILD', None)
    return env


def summary_counts(stdout):
    """pytest's last line, "= 3 failed, 17 passed, ... in 1.2s =", as
    {word: count}, without the warnings."""
    line = stdout.strip().splitlines()[-1].strip('= ')
    counts = {}
    for part in line.split(' in ')[0].split(', '):
        number, word = part.split(' ', 1)
        counts[word] = int(number)
    counts.pop('warnings', None)
    counts.pop('warning', None)
    return counts


class PluginProject(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='shoal-cli-pytest-plugin-')
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.project = os.path.join(self.dir, 'project')
        shutil.copytree(PROJECT, self.project,
                        ignore=shutil.ignore_patterns('__pycache__', '.pytest_cache'))
        self.report = os.path.join(self.project, 'parallel_execution_report.json')

    def pytest(self, *args, env=None):
        return subprocess.run([PYTHON, '-m', 'pytest', *args], cwd=self.project,
                              env=env or plugin_env(), capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)

    def parallel(self, *args, workers='2', timeout='30', env=None):
        return self.pytest('-p', 'shoal', '--parallel-workers=' + workers,
                           '--parallel-timeout=' + timeout, '-rA', *args, env=env)

    def native_outcomes(self, *args):
        """pytest's own run: its summary counts and {node id: letter}
        from -rA's short summary."""
        proc = self.pytest('-p', 'no:cacheprovider', '-rA', *args)
        return proc, summary_counts(proc.stdout), short_summary(proc.stdout)

    def load_report(self):
        with open(self.report) as f:
            report = json.load(f)
        return report, {r['id']: r for r in report['results']}


def short_summary(stdout):
    """-rA's "PASSED tests/x.py::test_y" lines: {node id: word}."""
    outcomes = {}
    for line in stdout.splitlines():
        m = re.match(r'(PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR) (\S+)', line)
        if m:
            nodeid = m.group(2)
            if m.group(1) == 'SKIPPED':
                continue  # "SKIPPED [1] file:line: reason": no node id
            outcomes[nodeid] = m.group(1)
    skipped = sum(int(n) for n in re.findall(r'^SKIPPED \[(\d+)\]', stdout, re.M))
    return outcomes, skipped


class TestParallelPlugin(PluginProject):
    def test_failing_session_same_as_pytest(self):
        ran = self.parallel('tests', *NO_TROUBLE)
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        native, native_counts, (native_ids, native_skipped) = self.native_outcomes(
            'tests', *NO_TROUBLE)
        self.assertEqual(native.returncode, 1, native.stdout + native.stderr)

        # The same summary line, count for count (failed, passed, skipped,
        # deselected, xfailed, xpassed, error).
        counts = summary_counts(ran.stdout)
        self.assertEqual(counts, native_counts)
        self.assertEqual(counts.get('failed'), 3)
        self.assertEqual(counts.get('error'), 1)
        ids, skipped = short_summary(ran.stdout)
        self.assertEqual(ids, native_ids)
        self.assertEqual(skipped, native_skipped)

        # Shoal's report: every collected test once, under the suite
        # 'pytest', with the same verdicts.
        self.assertTrue(os.path.exists(self.report))
        report, results = self.load_report()
        expected = {'pytest::' + n for n in native_ids} | {
            'pytest::tests/test_outcomes.py::test_skip',
            'pytest::tests/test_outcomes.py::test_skipif'}
        self.assertEqual(len(results), 30)
        self.assertEqual(report['total_tests'], 30)
        self.assertTrue(expected <= set(results), expected - set(results))
        self.assertNotIn('pytest::' + CRASH, results)
        self.assertNotIn('pytest::' + HANG, results)
        outcomes = [r['outcome'] for r in results.values()]
        self.assertEqual(outcomes.count('failed'), native_counts['failed'])
        self.assertEqual(outcomes.count('error'), native_counts['error'])
        self.assertEqual(outcomes.count('passed'),
                         native_counts['passed'] + native_counts.get('xpassed', 0))
        self.assertEqual(outcomes.count('skipped'),
                         native_counts['skipped'] + native_counts.get('xfailed', 0))
        self.assertEqual(report['failed_tests'], 4)  # failed + error
        self.assertEqual(report['workers'], 2)
        for nodeid, word in native_ids.items():
            shoal = results['pytest::' + nodeid]['outcome']
            want = {'PASSED': 'passed', 'XPASS': 'passed', 'FAILED': 'failed',
                    'XFAIL': 'skipped', 'ERROR': 'error'}[word]
            self.assertEqual(shoal, want, nodeid)

        # Kept in pytest's cache, for the next run's history.
        self.assertTrue(os.path.exists(os.path.join(self.project, '.pytest_cache', 'd',
                                                    'shoal', 'shoal.yaml')))

    def test_passing_session_exits_0(self):
        ran = self.parallel('tests/test_persistent.py', '--parallel-report', 'out/r.json')
        self.assertEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertEqual(summary_counts(ran.stdout), {'passed': 9})
        self.assertFalse(os.path.exists(self.report))
        with open(os.path.join(self.project, 'out', 'r.json')) as f:
            report = json.load(f)
        self.assertEqual(report['total_tests'], 9)
        self.assertEqual(report['passed_tests'], 9)
        self.assertEqual({r['id'] for r in report['results']},
                         {'pytest::tests/test_persistent.py::test_uses_module_fixture[%d]' % n
                          for n in range(8)} | {'pytest::tests/test_persistent.py::test_ends_last'})

    def test_selection_is_exact(self):
        # -k picks test_param[1..3] and nothing whose id they prefix.
        ran = self.parallel('tests', '-k', 'test_param or test_pass', *NO_TROUBLE)
        native, native_counts, (native_ids, _) = self.native_outcomes(
            'tests', '-k', 'test_param or test_pass', *NO_TROUBLE)
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        self.assertEqual(summary_counts(ran.stdout), native_counts)
        _, results = self.load_report()
        self.assertEqual(set(results), {'pytest::' + n for n in native_ids})

    def test_crash_and_timeout_fail_the_session(self):
        ran = self.parallel(CRASH, HANG, timeout='2')
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        self.assertEqual(summary_counts(ran.stdout), {'failed': 2})
        _, results = self.load_report()
        self.assertEqual(results['pytest::' + CRASH]['outcome'], 'crashed')
        self.assertEqual(results['pytest::' + HANG]['outcome'], 'timeout')
        self.assertIn('FAILED ' + CRASH, ran.stdout)
        self.assertIn('FAILED ' + HANG, ran.stdout)

    def test_without_parallel_workers_nothing_changes(self):
        ran = self.pytest('-p', 'shoal', 'tests/test_persistent.py')
        self.assertEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertEqual(summary_counts(ran.stdout), {'passed': 9})
        self.assertFalse(os.path.exists(self.report))
        self.assertNotIn('Shoal ran', ran.stdout)

    def test_missing_shoal_is_a_usage_error(self):
        env = plugin_env(shoal=False)
        env['PATH'] = '/nonexistent'
        ran = self.parallel('tests/test_persistent.py', env=env)
        self.assertEqual(ran.returncode, 4, ran.stdout + ran.stderr)
        self.assertIn('needs the `shoal` command', ran.stderr)
        self.assertFalse(os.path.exists(self.report))

    def test_bad_worker_count_is_a_usage_error(self):
        ran = self.parallel('tests/test_persistent.py', workers='0')
        self.assertEqual(ran.returncode, 4, ran.stdout + ran.stderr)
        self.assertIn('--parallel-workers', ran.stderr)


if __name__ == '__main__':
    unittest.main()
