#!/usr/bin/python3
# test-cli-pytest.py: the pytest adapter end to end, through the `shoal`
# command, against what pytest itself reports on the same fixture project
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH and
# SHOAL_BUILD_ROOT set. By hand:
#
#   SHOAL_BUILD_ROOT=_build /usr/bin/python3 tests/test-cli-pytest.py -v

import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
FIXTURES = os.path.join(HERE, 'fixtures', 'adapters', 'pytest')
PROJECT = os.path.join(FIXTURES, 'project')
PYTHON = '/usr/bin/python3'

COMMAND_TIMEOUT = 180

# The fixture's tests that never end well: run by Shoal, not natively.
CRASH = 'tests/test_trouble.py::test_crash'
HANG = 'tests/test_trouble.py::test_hang'


def shoal_env():
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    env.pop('PYTEST_ADDOPTS', None)
    return env


def native_outcomes(directory):
    """pytest's own verdicts on the fixture project, without the crashing
    and the hanging test, from its JUnit XML: {node id: outcome}."""
    report = os.path.join(directory, 'native.xml')
    proc = subprocess.run([PYTHON, '-m', 'pytest', '-p', 'no:cacheprovider', '-q',
                           '--deselect', CRASH, '--deselect', HANG,
                           '--junitxml', report, '-o', 'junit_family=xunit1', 'tests'],
                          cwd=PROJECT, env=shoal_env(), capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    outcomes = {}
    for case in ET.parse(report).getroot().iter('testcase'):
        # xunit1: file="tests/test_x.py", classname="tests.test_x[.Class]", name="test[param]"
        parts = case.get('classname').split('.')
        module_parts = os.path.splitext(case.get('file'))[0].split('/')
        rest = parts[len(module_parts):]
        nodeid = '::'.join([case.get('file')] + rest + [case.get('name')])
        if case.find('error') is not None:
            outcome = 'error'
        elif case.find('failure') is not None:
            outcome = 'failed'
        elif case.find('skipped') is not None:
            outcome = 'skipped'
        else:
            outcome = 'passed'
        # A test with an error in its tear-down has two entries; the worse counts.
        if outcomes.get(nodeid) in ('error', 'failed'):
            continue
        outcomes[nodeid] = outcome
    summary = proc.stdout.strip().splitlines()[-1]
    return outcomes, summary


class ShoalProject(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='shoal-cli-pytest-')
        self.addCleanup(subprocess.run, ['rm', '-rf', self.dir])

    def write_config(self, text):
        with open(os.path.join(self.dir, 'shoal.yaml'), 'w') as f:
            f.write(text)

    def run_shoal(self, *args, env=None):
        return subprocess.run([SHOAL, *args], cwd=self.dir, env=env or shoal_env(),
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)

    def run_report(self, *args, env=None):
        report_path = os.path.join(self.dir, 'report.json')
        ran = self.run_shoal('run', '--report', 'json=' + report_path, *args, env=env)
        with open(report_path) as f:
            report = json.load(f)
        return ran, {r['id']: r for r in report['results']}


class TestPytestThroughShoal(ShoalProject):
    def fixture_config(self, extra=''):
        self.write_config('max_workers: 2\n'
                          'resource_pools: {payment_gateway: 1, gpu: 2}\n'
                          'suites:\n'
                          '  - name: py\n'
                          '    adapter: pytest\n'
                          f'    paths: [{json.dumps(os.path.join(PROJECT, "tests"))}]\n'
                          f'    cwd: {json.dumps(PROJECT)}\n'
                          '    timeout: 3\n' + extra)

    def test_same_ids_and_counts_as_pytest(self):
        self.fixture_config()
        listed = self.run_shoal('list')
        self.assertEqual(listed.returncode, 0, listed.stderr)
        ran, results = self.run_report()
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        shoal = {i: r['outcome'] for i, r in results.items()}

        native, summary = native_outcomes(self.dir)

        ids = {line for line in listed.stdout.splitlines() if line}
        expected_ids = {'py::' + n for n in native} | {'py::' + CRASH, 'py::' + HANG}
        self.assertEqual(ids, expected_ids)
        self.assertEqual(set(shoal), expected_ids)

        for nodeid, outcome in native.items():
            self.assertEqual(shoal['py::' + nodeid], outcome, nodeid)
        self.assertEqual(shoal['py::' + CRASH], 'crashed')
        self.assertEqual(shoal['py::' + HANG], 'timeout')

        # pytest's own summary line: "3 failed, 17 passed, 3 skipped,
        # 1 xfailed, 1 xpassed, 1 error" (xfailed is a skip to Shoal,
        # xpassed a pass).
        counts = {}
        for part in summary.split(' in ')[0].split(', '):
            number, word = part.split(' ', 1)
            counts[word] = int(number)
        values = list(shoal.values())
        self.assertEqual(values.count('failed'), counts.get('failed', 0))
        self.assertEqual(values.count('passed'), counts.get('passed', 0) + counts.get('xpassed', 0))
        self.assertEqual(values.count('skipped'), counts.get('skipped', 0) + counts.get('xfailed', 0))
        self.assertEqual(values.count('error'), counts.get('error', 0))

        self.assertEqual(results['py::tests/test_outcomes.py::test_xfail']['message'],
                         'xfail: known bug')
        self.assertEqual(results['py::tests/test_outcomes.py::test_xpass']['message'],
                         'xpass: fixed already')
        self.assertIn('[XPASS(strict)] must fail',
                      results['py::tests/test_outcomes.py::test_xpass_strict']['message'])
        self.assertIn('arithmetic is broken',
                      results['py::tests/test_outcomes.py::test_fail']['message'])
        self.assertIn('the fixture is broken',
                      results['py::tests/test_outcomes.py::test_error_in_fixture']['message'])

    def test_module_fixture_set_up_once_per_worker(self):
        # Persistent workers (the default): one pytest per worker slot, so
        # the module fixture is set up at most once per worker, not once
        # per test; with `persistent: false`, a process per batch.
        log = os.path.join(self.dir, 'setups.log')
        env = shoal_env()
        env['PERSIST_LOG'] = log
        self.fixture_config()
        ran, results = self.run_report('py::tests/test_persistent.py::*', env=env)
        self.assertEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertEqual([r['outcome'] for r in results.values()], ['passed'] * 9)
        with open(log) as f:
            setups = f.read().split()
        self.assertGreaterEqual(len(setups), 1)
        self.assertLessEqual(len(setups), 2)
        # No worker is left once the run is over.
        for pid in set(setups):
            self.assertFalse(os.path.exists('/proc/%s' % pid), pid)

    def test_idle_worker_tears_down_early(self):
        # A worker with nothing left to run is asked to end at once: its
        # half-second tear-down runs while the other worker's last test
        # does, not after it.
        log = os.path.join(self.dir, 'teardowns.log')
        env = shoal_env()
        env['TEARDOWN_LOG'] = log
        self.fixture_config()
        # One request per test: both workers get one at the start.
        with open(os.path.join(self.dir, 'shoal.yaml')) as f:
            self.write_config('batching: false\n' + f.read())
        ran, results = self.run_report('py::tests/test_persistent.py::*', env=env)
        self.assertEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertEqual({r['worker_id'] for r in results.values()}, {'w1', 'w2'})
        with open(log) as f:
            events = [line.split() for line in f if line.strip()]
        self.assertEqual(len(events), 5, events)
        kinds = [e[0] for e in events]
        # The worker that ran out of tests began its tear-down while the
        # other still ran its last test, not after it.
        self.assertEqual(kinds[0], 'start', events)
        self.assertLess(kinds.index('start'), kinds.index('last-test-ended'), events)

    def test_collection_is_read_instead_of_collecting(self):
        # `collection:` (what `pytest -p shoal` writes) stands for pytest's
        # own collection: the suite is exactly what it lists, markers and
        # all, though its paths hold many more tests.
        collection = os.path.join(self.dir, 'collection.jsonl')
        with open(collection, 'w') as f:
            for nodeid, markers in (('tests/test_outcomes.py::test_pass', ['smoke']),
                                    ('tests/test_markers.py::test_gateway', [])):
                f.write(json.dumps({'event': 'item', 'nodeid': nodeid, 'file': nodeid.split('::')[0],
                                    'line': 1, 'markers': markers, 'resources': [],
                                    'locks': [], 'exclusive': False, 'xdist_group': None}) + '\n')
        self.fixture_config('    collection: collection.jsonl\n')
        listed = self.run_shoal('list', '--json')
        self.assertEqual(listed.returncode, 0, listed.stderr)
        data = json.loads(listed.stdout)
        tests = data if isinstance(data, list) else data.get('tests', data)
        self.assertEqual([t['id'] for t in tests], ['py::tests/test_outcomes.py::test_pass',
                                                   'py::tests/test_markers.py::test_gateway'])
        self.assertIn('smoke', tests[0].get('tags', []))
        ran, results = self.run_report()
        self.assertEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertEqual({r['outcome'] for r in results.values()}, {'passed'})

        # A collection that cannot be read is the suite's discovery error,
        # naming the key.
        os.unlink(collection)
        listed = self.run_shoal('list')
        self.assertEqual(listed.stdout, '')
        self.assertRegex(listed.stderr, r'shoal\.yaml:\d+:\d+: suites\[0\]\.collection: '
                         r'cannot read the collection: .*collection\.jsonl')

    def test_markers_become_tags_resources_and_locks(self):
        self.fixture_config()
        listed = self.run_shoal('list', '--json')
        self.assertEqual(listed.returncode, 0, listed.stderr)
        data = json.loads(listed.stdout)
        tests = data if isinstance(data, list) else data.get('tests', data)
        by_id = {t['id']: t for t in tests}
        gpus = by_id['py::tests/test_markers.py::test_two_gpus']
        self.assertIn('network', gpus.get('tags', []))
        self.assertIn('gpu:2', gpus.get('required_resources', gpus.get('resources', [])))
        gateway = by_id['py::tests/test_markers.py::test_gateway']
        self.assertIn('payment_gateway', gateway.get('required_resources', gateway.get('resources', [])))
        self.assertIn('user_db', by_id['py::tests/test_markers.py::test_user_db'].get('locks', []))
        self.assertIn('xdist_group:serial',
                      by_id['py::tests/test_markers.py::test_group_b'].get('locks', []))


class TestPytestBadInput(ShoalProject):
    def config_with_other_suite(self, pytest_suite):
        self.write_config('max_workers: 2\n'
                          'suites:\n' + pytest_suite +
                          '  - name: other\n'
                          '    adapter: exec\n'
                          '    tests:\n'
                          '      - name: fine\n'
                          '        command: [true]\n')

    def assert_error_and_other_suite_runs(self, needle):
        ran = self.run_shoal('run')
        self.assertNotEqual(ran.returncode, 0, ran.stdout + ran.stderr)
        self.assertIn(needle, ran.stdout + ran.stderr)
        self.assertRegex(ran.stdout + ran.stderr, r'\b1 passed')

    def test_python_without_pytest(self):
        fake = os.path.join(self.dir, 'bare-python')
        with open(fake, 'w') as f:
            # -S: no site-packages, so no pytest; -I would also drop PYTHONPATH.
            f.write('#!/bin/sh\nexec %s -S "$@"\n' % PYTHON)
        os.chmod(fake, 0o755)
        self.config_with_other_suite('  - name: py\n'
                                     '    adapter: pytest\n'
                                     f'    paths: [{json.dumps(PROJECT)}]\n'
                                     f'    python: {json.dumps(fake)}\n')
        self.assert_error_and_other_suite_runs('has no pytest module')

    def test_path_that_does_not_exist(self):
        self.config_with_other_suite('  - name: py\n'
                                     '    adapter: pytest\n'
                                     '    paths: [no/such/dir]\n')
        self.assert_error_and_other_suite_runs('no/such/dir does not exist')

    def test_collection_error_names_file_and_line(self):
        broken = os.path.join(FIXTURES, 'broken')
        self.config_with_other_suite('  - name: py\n'
                                     '    adapter: pytest\n'
                                     f'    paths: [{json.dumps(broken)}]\n'
                                     f'    cwd: {json.dumps(broken)}\n')
        ran = self.run_shoal('run')
        out = ran.stdout + ran.stderr
        self.assertIn('test_syntax.py', out)
        self.assertIn('line 4', out)
        self.assertIn('SyntaxError', out)
        self.assertRegex(out, r'\b1 passed')


if __name__ == '__main__':
    unittest.main()
