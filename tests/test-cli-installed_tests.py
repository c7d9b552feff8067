#!/usr/bin/python3
# test-cli-installed_tests.py: the installed_tests adapter through `shoal`,
# against gnome-desktop-testing-runner on the same `.test` files
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The fixtures are tests/fixtures/adapters/installed_tests/: data/ (made in
# the build directory, its .test files naming the scripts and the glib
# adapter's fixture program) and broken/ (files that are not tests).
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH, SHOAL_BUILD_ROOT
# and G_TEST_SRCDIR (tests/) set. By hand:
#
#   SHOAL_BUILD_ROOT=_build /usr/bin/python3 tests/test-cli-installed_tests.py -v

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', HERE)
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
RUNNER = shutil.which('gnome-desktop-testing-runner')

# The data directory whose installed-tests/ the runner reads (its -d).
DATA = os.path.join(BUILD_ROOT, 'tests', 'fixtures', 'adapters', 'installed_tests', 'data')
BROKEN = os.path.join(SRCDIR, 'fixtures', 'adapters', 'installed_tests', 'broken')

# hang.test sleeps 60 s: both runners stop it at this many seconds.
TEST_TIMEOUT = 3
COMMAND_TIMEOUT = 120

# GLib's -l order of the glib adapter's fixture program, which
# more/glib.test runs, and what each case does.
GLIB_CASES = {
    '/fixture/pass': 'passed',
    '/fixture/fail': 'failed',
    '/fixture/fail-printf': 'failed',
    '/fixture/nonfatal': 'failed',
    '/fixture/skip': 'skipped',
    '/fixture/incomplete': 'skipped',
    '/fixture/crash': 'crashed',
    '/fixture/slow': 'passed',
    '/fixture/nested/a': 'passed',
    '/fixture/nested/ab': 'passed',
    '/fixture/nested/a/deep': 'passed',
}

FAILING = ('failed', 'crashed', 'timeout', 'error')


def shoal_env():
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    return env


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


class NativeRun:
    """What gnome-desktop-testing-runner said: each test's verdict (PASS,
    SKIP or FAIL) and reason, its SUMMARY counts and its exit status."""

    def __init__(self, proc):
        self.proc = proc
        self.verdicts = {}
        self.reasons = {}
        self.summary = None
        for line in proc.stdout.splitlines():
            summary = re.match(r'SUMMARY: total=(\d+); passed=(\d+); skipped=(\d+); '
                               r'failed=(\d+)', line)
            if summary:
                self.summary = tuple(int(n) for n in summary.groups())
                # Failures are listed again after the summary.
                break
            verdict = re.match(r'(PASS|SKIP|FAIL): (\S+)(?: \((.*)\))?$', line)
            if verdict:
                self.verdicts[verdict.group(2)] = verdict.group(1)
                self.reasons[verdict.group(2)] = verdict.group(3)

    def counts(self):
        values = list(self.verdicts.values())
        return (len(values), values.count('PASS'), values.count('SKIP'), values.count('FAIL'))


def run_native(datadir, *args):
    # -L: the tests' own output goes to files, so that nothing they print
    # mixes with the runner's lines.
    with tempfile.TemporaryDirectory(prefix='shoal-gdtr-logs-') as logs:
        proc = subprocess.run([RUNNER, '-d', datadir, '--parallel=1', '-t', str(TEST_TIMEOUT),
                               '--status=no', '-L', logs, *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=COMMAND_TIMEOUT)
    return NativeRun(proc)


def list_native(datadir, *prefixes):
    proc = subprocess.run([RUNNER, '-d', datadir, '-l', *prefixes], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=COMMAND_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return sorted(line.split(' (')[0] for line in proc.stdout.splitlines() if line)


def file_intervals(grouped):
    """When each .test file ran: from its first result's start to its last's
    end (TAP points and GTest cases share or split their command's time)."""
    return [(min(parse_time(r['start']) for r in results),
             max(parse_time(r['end']) for r in results))
            for results in grouped.values() if results]


def max_overlap(intervals):
    """The most [start, end) intervals that overlap at once."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
                   key=lambda e: (e[0], e[1]))
    current = best = 0
    for _, delta in edges:
        current += delta
        best = max(best, current)
    return best


def shoal_verdict(results):
    """The runner's verdict on one .test file from Shoal's results for it
    (one, or one per TAP point and GTest case)."""
    outcomes = [r['outcome'] for r in results]
    if any(o in FAILING for o in outcomes):
        return 'FAIL'
    if outcomes and all(o == 'skipped' for o in outcomes):
        return 'SKIP'
    return 'PASS'


@unittest.skipUnless(SHOAL and os.access(SHOAL, os.X_OK),
                     'set SHOAL to the shoal binary, or SHOAL_BUILD_ROOT to the build dir')
class InstalledTestsCliTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.assertIsNotNone(RUNNER, 'gnome-desktop-testing-runner is not installed '
                                     '(scripts/install-deps installs it)')
        self.assertTrue(os.path.isdir(os.path.join(DATA, 'installed-tests')),
                        f'{DATA}/installed-tests is missing: build first')
        tmp = tempfile.TemporaryDirectory(prefix='shoal-cli-installed-')
        self.addCleanup(tmp.cleanup)
        self.dir = os.path.realpath(tmp.name)

    def write_config(self, text):
        with open(os.path.join(self.dir, 'shoal.yaml'), 'w') as f:
            f.write(text)

    def suite(self, dirs, **settings):
        # Two workers all along (no scaling down when the machine is busy).
        lines = ['max_workers: 2', 'min_workers: 2',
                 'suites:', '  - name: it', '    adapter: installed_tests',
                 f'    timeout: {TEST_TIMEOUT}', '    dirs: ' + json.dumps(dirs)]
        lines += [f'    {key}: {json.dumps(value)}' for key, value in settings.items()]
        return '\n'.join(lines) + '\n'

    def shoal(self, *args):
        return subprocess.run([SHOAL, *args], cwd=self.dir, env=shoal_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=COMMAND_TIMEOUT)

    def shoal_run(self, *args):
        report_path = os.path.join(self.dir, 'report.json')
        proc = self.shoal('run', '--report', 'json=' + report_path, *args)
        self.assertTrue(os.path.exists(report_path),
                        f'no report\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}')
        with open(report_path) as f:
            return proc, json.load(f)

    def shoal_list(self):
        proc = self.shoal('list')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [line for line in proc.stdout.splitlines() if line]

    def by_file(self, report, names):
        """Shoal's results grouped by the .test file they come from."""
        grouped = {name: [] for name in names}
        for result in report['results']:
            local = result['id'].split('::', 1)[1]
            owner = [n for n in names if local == n or local.startswith(n + '/')]
            self.assertEqual(len(owner), 1, f'{result["id"]} belongs to {owner}')
            grouped[owner[0]].append(result)
        return grouped

    def test_same_tests_and_results_as_the_runner(self):
        """The runner's test names are Shoal's ids; with expand_glib off each
        file's verdict, and so the pass/skip/fail counts, are the runner's."""
        self.write_config(self.suite([os.path.join(DATA, 'installed-tests')],
                                     expand_glib=False))
        names = list_native(DATA)
        self.assertEqual(self.shoal_list(), ['it::' + n for n in names])

        native = run_native(DATA)
        self.assertEqual(native.proc.returncode, 2, native.proc.stdout + native.proc.stderr)
        self.assertEqual(sorted(native.verdicts), names)
        self.assertEqual(native.summary, native.counts())

        proc, report = self.shoal_run()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        grouped = self.by_file(report, names)
        verdicts = {name: shoal_verdict(results) for name, results in grouped.items()}
        self.assertEqual(verdicts, native.verdicts)
        counts = list(verdicts.values())
        self.assertEqual((len(counts), counts.count('PASS'), counts.count('SKIP'),
                          counts.count('FAIL')), native.summary)
        self.assertEqual(native.summary, (11, 5, 1, 5))

        # How the failures failed, in each one's words.
        outcome = {name: [r['outcome'] for r in results] for name, results in grouped.items()}
        self.assertEqual(native.reasons['fail.test'], 'Child process exited with code 1')
        self.assertEqual(outcome['fail.test'], ['failed'])
        self.assertEqual(native.reasons['crash.test'], 'Child process killed by signal 11')
        self.assertEqual(outcome['crash.test'], ['crashed'])
        self.assertEqual(grouped['crash.test'][0]['signal'], 11)
        self.assertEqual(native.reasons['hang.test'], 'Child process killed by signal 9')
        self.assertEqual(outcome['hang.test'], ['timeout'])
        self.assertEqual(native.reasons['more/glib.test'], 'Child process killed by signal 6')
        self.assertEqual(outcome['more/glib.test'], ['passed', 'failed'])
        # Output=TAP: the runner only sees the exit status; Shoal each point.
        self.assertEqual(native.reasons['more/tap.test'], 'Child process exited with code 1')
        self.assertEqual({r['id']: r['outcome'] for r in grouped['more/tap.test']},
                         {'it::more/tap.test/first': 'passed',
                          'it::more/tap.test/second': 'failed',
                          'it::more/tap.test/third': 'skipped',
                          'it::more/tap.test/fourth': 'passed',
                          'it::more/tap.test/fifth': 'passed'})

        # Type=session-exclusive: nothing else ran while it did, though the
        # run had two workers and hang.test took seconds.
        exclusive = grouped['exclusive.test'][0]
        start, end = parse_time(exclusive['start']), parse_time(exclusive['end'])
        for result in report['results']:
            if result is exclusive:
                continue
            overlap = min(end, parse_time(result['end'])) - max(start, parse_time(result['start']))
            self.assertLessEqual(overlap, 0, f'{result["id"]} ran with exclusive.test')
        # ... which says something only because other files did run side by
        # side.
        self.assertEqual(max_overlap(file_intervals(grouped)), 2)

    def test_glib_cases_one_by_one(self):
        """With expand_glib (the default) the GLib program's cases are tests of
        their own, with GLib's outcomes; every other file is as the runner
        has it."""
        self.write_config(self.suite([os.path.join(DATA, 'installed-tests')]))
        names = list_native(DATA)
        expected_ids = []
        for name in names:
            if name == 'more/glib.test':
                expected_ids += ['it::' + name + path for path in GLIB_CASES]
            else:
                expected_ids.append('it::' + name)
        self.assertEqual(self.shoal_list(), expected_ids)

        native = run_native(DATA)
        proc, report = self.shoal_run()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        grouped = self.by_file(report, names)
        self.assertEqual({r['id']: r['outcome'] for r in grouped['more/glib.test']},
                         {'it::more/glib.test' + path: outcome
                          for path, outcome in GLIB_CASES.items()})
        # The runner runs the program whole, which the first failed
        # assertion ends.
        self.assertEqual(native.verdicts['more/glib.test'], 'FAIL')
        for name in names:
            if name != 'more/glib.test':
                self.assertEqual(shoal_verdict(grouped[name]), native.verdicts[name], name)
        self.assertEqual(grouped['more/glib-nested.test'][0]['outcome'], 'passed')

        # Cases the core ran in one process are cases of one file.
        latest = os.path.realpath(os.path.join(self.dir, '.shoal', 'runs', 'latest'))
        with open(os.path.join(latest, 'events.ndjson')) as f:
            events = [json.loads(line) for line in f if line.strip()]
        batched = [(e['test_id'], e['batch']) for e in events
                   if e['type'] == 'test-started' and e.get('batch')]
        # (Eleven cases the history does not know yet: the core batches.)
        self.assertTrue(batched)
        for test_id, leader in batched:
            self.assertTrue(test_id.startswith('it::more/glib.test/') and
                            leader.startswith('it::more/glib.test/'), (test_id, leader))

    def test_prefixes_select_as_the_runner_does(self):
        prefixes = ['more/t', 'p', 'crash.test']
        self.write_config(self.suite([os.path.join(DATA, 'installed-tests')],
                                     prefixes=prefixes))
        names = list_native(DATA, *prefixes)
        self.assertEqual(names, ['crash.test', 'more/tap.test', 'more/testenv.test', 'pass.test'])
        self.assertEqual(self.shoal_list(), ['it::' + n for n in names])

    def test_broken_files_error_and_the_rest_runs(self):
        """The runner stops at the first file it cannot read; Shoal makes each
        such file a test that errors, naming the file and line, and runs the
        others, and the other suites."""
        native = run_native(BROKEN)
        self.assertEqual(native.proc.returncode, 1)
        self.assertIn('Caught exception during testing', native.proc.stdout + native.proc.stderr)

        installed = os.path.join(BROKEN, 'installed-tests')
        self.write_config(self.suite([installed]) +
                          '  - name: other\n    adapter: exec\n'
                          '    tests: [{name: ok, command: ["true"]}]\n')
        proc, report = self.shoal_run()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        outcomes = {r['id']: r['outcome'] for r in report['results']}
        messages = {r['id']: r['message'] for r in report['results']}
        self.assertEqual(outcomes.pop('it::good.test'), 'passed')
        self.assertEqual(outcomes.pop('other::ok'), 'passed')
        self.assertEqual(set(outcomes.values()), {'error'})
        expected = {
            'bad-quote.test': ':4: Exec: cannot split',
            'bad-type.test': ":4: unknown Type 'desktop'",
            'missing-program.test': ":3: Exec: program 'no-such-program-for-shoal' not found",
            'no-exec.test': ': no Exec key in [Test]',
            'no-group.test': ': no [Test] group',
            'no-type.test': ': no Type key in [Test]',
            'not-keyfile.test': ':3: not a key file:',
            'sub/bad-env.test': ":4: TestEnvironment: 'JUSTNAME' is not VAR=VALUE",
        }
        self.assertEqual(sorted(outcomes), sorted('it::' + n for n in expected))
        for name, start in expected.items():
            message = messages['it::' + name]
            self.assertTrue(message.startswith('cannot prepare the test: ' +
                                               os.path.join(installed, name) + start), message)

    def test_missing_dir_is_an_error_and_other_suites_run(self):
        self.write_config(self.suite(['no-such-dir']) +
                          '  - name: other\n    adapter: exec\n'
                          '    tests: [{name: ok, command: ["true"]}]\n')
        proc, report = self.shoal_run()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        results = {r['id']: r for r in report['results']}
        self.assertEqual(results['other::ok']['outcome'], 'passed')
        self.assertEqual(results['it::<discovery>']['outcome'], 'error')
        self.assertEqual(results['it::<discovery>']['message'],
                         os.path.join(self.dir, 'shoal.yaml') + ':7:5: suites[0].dirs: '
                         'directory ' + os.path.join(self.dir, 'no-such-dir') + ' not found')


if __name__ == '__main__':
    unittest.main()
