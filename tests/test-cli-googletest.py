#!/usr/bin/python3
# test-cli-googletest.py: the googletest adapter end to end, through the
# `shoal` command, against what the GoogleTest program itself reports
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH and
# SHOAL_BUILD_ROOT set. By hand:
#
#   SHOAL_BUILD_ROOT=_build python3 tests/test-cli-googletest.py -v

import json
import os
import subprocess
import tempfile
import unittest

BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
FIXTURE = os.path.join(BUILD_ROOT, 'tests', 'fixtures', 'adapters', 'googletest', 'gtest-fixture')

COMMAND_TIMEOUT = 120

# The fixture's cases that never end well: run by Shoal, not natively.
CRASH = 'Trouble.Crash'
HANG = 'Trouble.Hang'


def shoal_env():
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    return env


def native_outcomes(directory):
    """Runs the fixture the way its authors would, without the crashing and
    the hanging case, and returns {name: outcome} from its JSON report."""
    report = os.path.join(directory, 'native.json')
    proc = subprocess.run([FIXTURE, f'--gtest_filter=-{CRASH}:{HANG}',
                           f'--gtest_output=json:{report}'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=COMMAND_TIMEOUT)
    assert proc.returncode == 1, proc.returncode
    with open(report) as f:
        data = json.load(f)
    outcomes = {}
    for suite in data['testsuites']:
        for case in suite['testsuite']:
            name = suite['name'] + '.' + case['name']
            if case['status'] == 'NOTRUN' or case['result'] == 'SKIPPED':
                outcomes[name] = 'skipped'
            elif case.get('failures'):
                outcomes[name] = 'failed'
            else:
                outcomes[name] = 'passed'
    return outcomes, data


def failure_text(data, suite_name, case_name):
    """The failure text of one case in the program's own JSON report."""
    for suite in data['testsuites']:
        for case in suite['testsuite']:
            if suite['name'] == suite_name and case['name'] == case_name:
                return '\n'.join(f['failure'] for f in case['failures'])
    raise KeyError(f'{suite_name}.{case_name}')


@unittest.skipUnless(os.access(FIXTURE, os.X_OK),
                     'the GoogleTest fixture was not built (no C++ compiler or no libgtest-dev)')
class TestGoogletestThroughShoal(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='shoal-cli-googletest-')
        self.addCleanup(subprocess.run, ['rm', '-rf', self.dir])

    def run_shoal(self, cwd, *args):
        return subprocess.run([SHOAL, *args], cwd=cwd, env=shoal_env(),
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)

    def test_same_ids_and_counts_as_the_program(self):
        native, data = native_outcomes(self.dir)
        # Once with each report format, each in a project of its own (no
        # history shared): the same verdicts.
        for output in ('json', 'xml'):
            with self.subTest(output=output):
                self.check_suite(native, data, output)

    def check_suite(self, native, data, output):
        project = os.path.join(self.dir, output)
        os.mkdir(project)
        with open(os.path.join(project, 'shoal.yaml'), 'w') as f:
            # The environments kept for the cases that fail go in the
            # project, removed with it.
            f.write('max_workers: 2\n'
                    'environment:\n'
                    '  base_temp_dir: envs\n'
                    'suites:\n'
                    '  - name: cpp\n'
                    '    adapter: googletest\n'
                    f'    program: {json.dumps(FIXTURE)}\n'
                    f'    output: {output}\n'
                    '    timeout: 3\n')
        report_path = os.path.join(project, 'report.json')
        listed = self.run_shoal(project, 'list')
        self.assertEqual(listed.returncode, 0, listed.stderr)
        ran = self.run_shoal(project, 'run', '--report', 'json=' + report_path)
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        with open(report_path) as f:
            report = json.load(f)
        shoal = {r['id']: r['outcome'] for r in report['results']}
        messages = {r['id']: r.get('message') for r in report['results']}

        # The ids: every case GoogleTest knows, the two it was not asked
        # to run included, and nothing else.
        ids = {line for line in listed.stdout.splitlines() if line}
        expected_ids = {'cpp::' + name for name in native} | {'cpp::' + CRASH, 'cpp::' + HANG}
        self.assertEqual(ids, expected_ids)
        self.assertEqual(set(shoal), expected_ids)

        # Case by case, the program's own verdict; a failure's message is
        # GoogleTest's failure text, from the report (the core adds where
        # the case's environment was kept).
        for name, outcome in native.items():
            self.assertEqual(shoal['cpp::' + name], outcome, name)
        self.assertEqual(shoal['cpp::' + CRASH], 'crashed')
        self.assertEqual(shoal['cpp::' + HANG], 'timeout')
        self.assertTrue(messages['cpp::Basic.Fail'].startswith(
            failure_text(data, 'Basic', 'Fail') + '; its directory was kept: ' +
            os.path.join(project, 'envs')), messages['cpp::Basic.Fail'])
        # Cases that passed in the same batch carry no such note: the
        # directory was kept for the failure.
        for test_id, outcome in shoal.items():
            if outcome == 'passed':
                self.assertNotIn('kept', messages[test_id] or '', test_id)

        # And the counts GoogleTest prints: failures, disabled, and the rest.
        counts = {o: list(shoal.values()).count(o) for o in set(shoal.values())}
        skipped_natively = sum(1 for o in native.values() if o == 'skipped')
        self.assertEqual(counts.get('failed', 0), data['failures'])
        self.assertEqual(counts.get('skipped', 0), skipped_natively)
        self.assertEqual(counts.get('passed', 0), data['tests'] - data['failures'] -
                         skipped_natively)
        self.assertRegex(ran.stdout, r'%d passed, %d failed, %d skipped, 1 timed out, 1 crashed'
                         % (counts['passed'], counts['failed'], counts['skipped']))

if __name__ == '__main__':
    unittest.main()
