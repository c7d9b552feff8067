#!/usr/bin/python3
# test-cli.py: end-to-end tests of the `shoal` command
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every test writes a project of its own (a shoal.yaml in a temporary
# directory, running the scripts of tests/fixtures/cli/), runs the real
# `shoal` binary on it and checks what a user would see: the exit status,
# the console, the reports, the event stream, and which processes are left.
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH, SHOAL_BUILD_ROOT
# and G_TEST_SRCDIR (tests/) set. By hand:
#
#   SHOAL_BUILD_ROOT=_build python3 tests/test-cli.py -v
#
# Time bounds are generous on purpose (a loaded 2-core CI machine); claims
# about speed belong in bench/, not here.

import datetime
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', HERE)
FIXTURES = os.path.join(SRCDIR, 'fixtures', 'cli')
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))

# Generous bound for one `shoal` invocation that should take a few seconds.
COMMAND_TIMEOUT = 60


def fixture(name):
    return os.path.join(FIXTURES, name)


def shoal_env(extra=None):
    env = dict(os.environ)
    if 'SHOAL_PLUGIN_PATH' not in env and BUILD_ROOT:
        env['SHOAL_PLUGIN_PATH'] = (os.path.join(BUILD_ROOT, 'plugins') + ':' +
                                    os.path.join(BUILD_ROOT, 'adapters'))
    # Untranslated messages, whatever the machine's locale.
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    env.update(extra or {})
    return env


# A small YAML writer, so that the generated files read like the ones people
# write: mappings and lists of mappings in block style, lists of scalars in
# flow style, strings double-quoted (JSON's quoting is valid YAML).
def _scalar(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))


def to_yaml(value, indent=0):
    pad = ' ' * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and item:
                lines.append(f'{pad}{key}:')
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, list) and item and isinstance(item[0], dict):
                lines.append(f'{pad}{key}:')
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, list):
                lines.append(f'{pad}{key}: [' + ', '.join(_scalar(v) for v in item) + ']')
            elif isinstance(item, dict):
                lines.append(f'{pad}{key}: {{}}')
            else:
                lines.append(f'{pad}{key}: {_scalar(item)}')
    elif isinstance(value, list):
        for item in value:
            block = to_yaml(item, indent + 2)
            lines.append(pad + '- ' + block[indent + 2:])
    return '\n'.join(lines)


def exec_test(name, command, **extra):
    test = {'name': name, 'command': command}
    test.update(extra)
    return test


def process_alive(pid):
    """Whether @pid is a live process (a zombie is dead: only its parent's
    wait is missing, and in a container nobody may ever reap it)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(')', 1)[1].split()[0]
    if state in ('Z', 'X', 'x'):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


def max_overlap(results):
    """The most results whose [start, end) intervals overlap at once."""
    edges = []
    for r in results:
        edges.append((parse_time(r['start']), 1))
        edges.append((parse_time(r['end']), -1))
    # At equal times an end comes before a start: back to back is not overlap.
    edges.sort(key=lambda e: (e[0], e[1]))
    current = best = 0
    for _, delta in edges:
        current += delta
        best = max(best, current)
    return best


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                events.append(json.loads(line))
    return events


class Project:
    """A shoal.yaml in a temporary directory, and ways to run shoal on it."""

    def __init__(self, test, config):
        self._tmp = tempfile.TemporaryDirectory(prefix='shoal-cli-')
        test.addCleanup(self._tmp.cleanup)
        self.test = test
        self.dir = os.path.realpath(self._tmp.name)
        self.config_path = self.path('shoal.yaml')
        self.write_config(config)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_config(self, config):
        text = config if isinstance(config, str) else to_yaml(config) + '\n'
        with open(self.config_path, 'w') as f:
            f.write(text)

    def run(self, *args, cwd=None, timeout=COMMAND_TIMEOUT, env=None):
        return subprocess.run([SHOAL, *args], cwd=cwd or self.dir, env=shoal_env(env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)

    def run_json(self, *args, **kwargs):
        """shoal run ARGS with a JSON report; returns (process, report)."""
        report_path = self.path('report-%d.json' % time.monotonic_ns())
        proc = self.run('run', '--report', 'json=' + report_path, *args, **kwargs)
        report = None
        if os.path.exists(report_path):
            with open(report_path) as f:
                report = json.load(f)
        return proc, report

    @property
    def latest_run_dir(self):
        return os.path.realpath(self.path('.shoal', 'runs', 'latest'))

    @property
    def events_path(self):
        return os.path.join(self.latest_run_dir, 'events.ndjson')


def by_id(report):
    return {r['id']: r for r in report['results']}


@unittest.skipUnless(SHOAL and os.access(SHOAL, os.X_OK),
                     'set SHOAL to the shoal binary, or SHOAL_BUILD_ROOT to the build dir')
class CliTestCase(unittest.TestCase):
    maxDiff = None

    def project(self, config):
        return Project(self, config)

    def assertExit(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         f'exit status {proc.returncode}, expected {status}\n'
                         f'--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}')

    def assertAllGone(self, pids, timeout=5):
        """Every process in @pids is gone (within @timeout: SIGKILL is not
        instantaneous)."""
        wait_for(lambda: not any(process_alive(p) for p in pids), timeout)
        survivors = [p for p in pids if process_alive(p)]
        for pid in survivors:  # do not leave them behind for the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.assertEqual(survivors, [], 'processes still alive')

    def read_pid(self, path, timeout=10):
        found = wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0, timeout)
        self.assertTrue(found, f'{path} was never written')
        with open(path) as f:
            return int(f.read().strip())


class TestCommandLine(CliTestCase):
    def test_help_and_version(self):
        proc = subprocess.run([SHOAL, '--help'], env=shoal_env(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 0)
        for command in ('run', 'list', 'report', 'plugins'):
            self.assertIn(command, proc.stdout)

        proc = subprocess.run([SHOAL, '--version'], env=shoal_env(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 0)
        self.assertRegex(proc.stdout, r'^shoal \d+\.\d+')

        proc = subprocess.run([SHOAL], env=shoal_env(), capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 2)
        self.assertIn('Usage', proc.stderr)

        proc = subprocess.run([SHOAL, 'frobnicate'], env=shoal_env(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 2)
        self.assertIn("unknown command 'frobnicate'", proc.stderr)

    def test_plugins(self):
        proc = subprocess.run([SHOAL, 'plugins'], env=shoal_env(), capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        self.assertExit(proc, 0)
        listed = {}
        for line in proc.stdout.splitlines():
            words = line.split()
            if len(words) >= 2:
                listed[words[1]] = words[0]
        expected = {'exec': 'adapter', 'tap': 'adapter', 'glib': 'adapter',
                    'fifo': 'strategy',
                    'console': 'reporter', 'json': 'reporter', 'junit': 'reporter'}
        for name, kind in expected.items():
            self.assertEqual(listed.get(name), kind, f'{name} in:\n{proc.stdout}')


class TestExitStatus(CliTestCase):
    def test_all_passed_or_skipped_is_0(self):
        project = self.project({'max_workers': 2, 'suites': [{
            'name': 'ok', 'adapter': 'exec', 'tests': [
                exec_test('passes', [fixture('pass.sh')]),
                exec_test('skips', [fixture('skip.sh')]),
            ]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        self.assertEqual({r['id']: r['outcome'] for r in report['results']},
                         {'ok::passes': 'passed', 'ok::skips': 'skipped'})
        self.assertRegex(proc.stdout, r'1 passed, 0 failed, 1 skipped')

        # -j 0 means the configured default; -c finds the project from
        # anywhere, and its state stays beside its shoal.yaml.
        with tempfile.TemporaryDirectory(prefix='shoal-cli-elsewhere-') as elsewhere:
            proc, report = project.run_json('-j', '0', '-c', project.config_path, cwd=elsewhere)
            self.assertExit(proc, 0)
            self.assertEqual(report['workers'], 2)
            self.assertFalse(os.path.exists(os.path.join(elsewhere, '.shoal')))
        self.assertTrue(os.path.isfile(project.events_path))

    def test_a_failure_is_1(self):
        project = self.project({'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [
                exec_test('passes', [fixture('pass.sh')]),
                exec_test('fails', [fixture('fail.sh')]),
            ]}]})
        proc = project.run('run')
        self.assertExit(proc, 1)
        # The console shows why a failed test failed.
        self.assertIn('s::fails', proc.stdout)
        self.assertIn('fixture failure: expected 1, got 2', proc.stdout)

    def test_missing_config_is_2(self):
        with tempfile.TemporaryDirectory(prefix='shoal-cli-empty-') as empty:
            parent = os.path.dirname(os.path.realpath(empty))
            while True:
                if os.path.exists(os.path.join(parent, 'shoal.yaml')):
                    self.skipTest(f'{parent} has a shoal.yaml')
                if parent == os.path.dirname(parent):
                    break
                parent = os.path.dirname(parent)
            for command in (['run'], ['list']):
                proc = subprocess.run([SHOAL, *command], cwd=empty, env=shoal_env(),
                                      capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
                self.assertExit(proc, 2)
                self.assertIn('no shoal.yaml', proc.stderr)
                self.assertIn(os.path.realpath(empty), proc.stderr)

            missing = os.path.join(empty, 'nowhere', 'shoal.yaml')
            proc = subprocess.run([SHOAL, 'run', '-c', missing], cwd=empty, env=shoal_env(),
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
            self.assertExit(proc, 2)
            self.assertIn(missing, proc.stderr)

    def assertConfigError(self, config, line, words, column=None):
        project = self.project(config)
        proc = project.run('run')
        self.assertExit(proc, 2)
        where = r'shoal\.yaml:%d:%s:' % (line, column if column is not None else r'\d+')
        self.assertRegex(proc.stderr, where)
        for word in words:
            self.assertIn(word, proc.stderr)
        # Nothing ran.
        self.assertFalse(os.path.exists(project.path('.shoal', 'runs', 'latest')))
        return proc

    def test_bad_config_is_2_with_its_location(self):
        passing = f'[{json.dumps(fixture("pass.sh"))}]'
        with self.subTest('unknown key'):
            self.assertConfigError('max_workers: 2\nbogus_key: 1\nsuites: []\n', 2,
                                   ['bogus_key'], column=1)
        with self.subTest('wrong type'):
            self.assertConfigError('timeout: 3\nmax_workers: lots\nsuites: []\n', 2,
                                   ['max_workers'])
        with self.subTest('out of range'):
            self.assertConfigError('max_workers: -3\nsuites: []\n', 1, ['max_workers', '-3'])
        with self.subTest('unknown adapter'):
            self.assertConfigError(
                'suites:\n'
                '  - name: a\n'
                '    adapter: nope\n'
                f'    tests: [{{name: x, command: {passing}}}]\n', 3, ['adapter', 'nope', 'exec'])
        with self.subTest('unknown strategy'):
            self.assertConfigError(
                'distribution_strategy: magic\n'
                'suites:\n'
                '  - name: a\n'
                '    adapter: exec\n'
                f'    tests: [{{name: x, command: {passing}}}]\n', 1,
                ['distribution_strategy', 'magic', 'fifo'])
        with self.subTest('misspelt key of a test'):
            self.assertConfigError(
                'suites:\n'
                '  - name: a\n'
                '    adapter: exec\n'
                '    tests:\n'
                f'      - name: x\n'
                f'        comand: {passing}\n', 6, ['comand', 'command'])
        with self.subTest('YAML syntax'):
            self.assertConfigError('suites: [ {\n', 2, [])

    def test_missing_program_is_an_error_result(self):
        # A suite whose discovery fails does not stop the others: it is an
        # error result, and a warning, both saying where the program is named.
        project = self.project(
            'suites:\n'
            '  - name: a\n'
            '    adapter: exec\n'
            '    tests:\n'
            '      - name: x\n'
            '        command: [./does-not-exist.sh]\n'
            '  - name: b\n'
            '    adapter: exec\n'
            f'    tests: [{{name: y, command: [{json.dumps(fixture("pass.sh"))}]}}]\n')
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        self.assertRegex(proc.stderr, r'shoal\.yaml:6:\d+:.*does-not-exist\.sh')
        outcomes = {r['id']: r['outcome'] for r in report['results']}
        self.assertEqual(outcomes.pop('b::y'), 'passed')
        self.assertEqual(list(outcomes.values()), ['error'])
        [message] = [r['message'] for r in report['results'] if r['suite'] == 'a']
        self.assertIn('does-not-exist.sh', message)

    def test_bad_options_are_2(self):
        project = self.project({'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [exec_test('passes', [fixture('pass.sh')])]}]})
        for args, words in [
            (['-j', '-1'], ['-j', '-1']),
            (['-j', 'many'], ['many']),
            (['--timeout', '-1'], ['--timeout']),
            (['--report', 'json'], ['FORMAT=PATH', 'json']),
            (['--report', '=x.json'], ['FORMAT=PATH']),
            (['--report', 'nosuchformat=x.out'], ['nosuchformat']),
            (['--no-such-option'], ['--no-such-option']),
        ]:
            with self.subTest(args=args):
                proc = project.run('run', *args)
                self.assertExit(proc, 2)
                for word in words:
                    self.assertIn(word, proc.stderr)
        self.assertFalse(os.path.exists(project.path('.shoal', 'runs', 'latest')))

    def test_sigint_is_130_and_kills_every_test(self):
        tests = [exec_test('quick', [fixture('pass.sh')])]
        for i in range(4):
            tests.append(exec_test(f'long{i}', [fixture('sleeper.sh'), f'long{i}.pid', '60']))
        project = self.project({'max_workers': 3, 'kill_grace': 2, 'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': tests}]})
        report_path = project.path('interrupted.json')
        proc = subprocess.Popen([SHOAL, 'run', '-r', 'json=' + report_path], cwd=project.dir,
                                env=shoal_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            def started():
                try:
                    events = read_events(project.events_path)
                except (FileNotFoundError, json.JSONDecodeError):
                    return False
                ids = {e.get('test_id') for e in events if e['type'] == 'test-started'}
                finished = {e['result']['id'] for e in events if e['type'] == 'test-finished'}
                return 's::quick' in finished and {'s::long0', 's::long1'} <= ids

            self.assertTrue(wait_for(started, 30), 'the tests never started')
            # Both long tests run (their pids are written) before the signal.
            for i in (0, 1):
                self.read_pid(project.path(f'long{i}.pid'))
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=COMMAND_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 130, f'--- stdout\n{stdout}\n--- stderr\n{stderr}')

        # The report was written, whole, with what finished.
        with open(report_path) as f:
            report = json.load(f)
        self.assertTrue(report['interrupted'])
        outcomes = {r['id']: r['outcome'] for r in report['results']}
        self.assertEqual(outcomes.get('s::quick'), 'passed')
        self.assertIn('s::long0', outcomes)
        self.assertNotEqual(outcomes['s::long0'], 'passed')
        self.assertEqual(report['total_tests'], len(report['results']))

        events = read_events(project.events_path)
        self.assertEqual(events[-1]['type'], 'run-finished')
        self.assertIs(events[-1]['interrupted'], True)
        self.assertEqual(events[-1]['exit_status'], 130)

        # No test outlives the run: neither those that were running, nor one
        # that was starting when the signal came.
        pid_files = [project.path(f'long{i}.pid') for i in range(4)]
        self.assertAllGone([self.read_pid(p, 0) for p in pid_files if os.path.exists(p)])


class TestScheduling(CliTestCase):
    def test_concurrency_never_above_jobs(self):
        shared = tempfile.TemporaryDirectory(prefix='shoal-cli-overlap-')
        self.addCleanup(shared.cleanup)
        tests = [exec_test(f't{i:02d}', [fixture('overlap.sh'), shared.name, '0.5'])
                 for i in range(12)]
        project = self.project({'max_workers': 8, 'suites': [{
            'name': 'par', 'adapter': 'exec', 'tests': tests}]})
        proc, report = project.run_json('-j', '3')
        self.assertExit(proc, 0)
        self.assertEqual(report['workers'], 3)
        self.assertEqual(len(report['results']), 12)

        overlap = max_overlap(report['results'])
        self.assertLessEqual(overlap, 3)
        self.assertEqual(overlap, 3, 'three tests never ran at once')
        self.assertLessEqual(len({r['worker_id'] for r in report['results']}), 3)

        # What the tests saw themselves agrees.
        with open(os.path.join(shared.name, 'counts')) as f:
            counts = [int(line) for line in f if line.strip()]
        self.assertEqual(len(counts), 12)
        self.assertLessEqual(max(counts), 3)

    def test_suites_are_discovered_at_once(self):
        # Each suite's discovery waits until the other's has started: run
        # one after the other, the first would give up after 20 s and its
        # suite would have no tests.
        project = self.project('')
        rendezvous = (
            'touch "$1"; i=0; while [ ! -e "$2" ]; do i=$((i+1)); '
            '[ $i -gt 200 ] && exit 1; sleep 0.1; done; echo "$3"')
        suites = []
        for name, mine, other in (('a', 'a.started', 'b.started'),
                                  ('b', 'b.started', 'a.started')):
            suites.append({'name': name, 'adapter': 'custom',
                           'discover': ['/bin/sh', '-c', rendezvous, 'sh',
                                        project.path(mine), project.path(other), 'found'],
                           'run': ['/bin/true', '{id}']})
        project.write_config({'suites': suites})
        proc = project.run('list')
        self.assertExit(proc, 0)
        self.assertEqual(proc.stdout.split(), ['a::found', 'b::found'])

    def test_timeout_kills_what_ignores_sigterm(self):
        project = self.project({'kill_grace': 1, 'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [
                exec_test('stubborn', [fixture('stubborn.sh'), '.'], timeout=1),
                exec_test('passes', [fixture('pass.sh')]),
            ]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        result = by_id(report)['s::stubborn']
        self.assertEqual(result['outcome'], 'timeout')
        # timeout (1 s), then SIGTERM ignored for kill_grace (1 s), then SIGKILL.
        self.assertGreaterEqual(result['duration'], 1.9)
        self.assertLessEqual(result['duration'], 4.0)
        self.assertIn('timed out', result['message'])
        self.assertEqual(by_id(report)['s::passes']['outcome'], 'passed')
        self.assertAllGone([self.read_pid(project.path('main.pid'), 0),
                            self.read_pid(project.path('grandchild.pid'), 0)])

    def test_timeout_option_overrides_the_default(self):
        project = self.project({'timeout': 300, 'kill_grace': 1, 'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [
                exec_test('sleeps', [fixture('sleeper.sh'), 'sleeps.pid', '60']),
            ]}]})
        start = time.monotonic()
        proc, report = project.run_json('--timeout', '0.5')
        self.assertExit(proc, 1)
        self.assertLess(time.monotonic() - start, 30)
        self.assertEqual(by_id(report)['s::sleeps']['outcome'], 'timeout')
        self.assertAllGone([self.read_pid(project.path('sleeps.pid'), 0)])

    def test_escaped_process_is_killed(self):
        project = self.project({'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [
                exec_test('escapes', [fixture('escape.sh'), 'escaped.pid']),
            ]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        result = by_id(report)['s::escapes']
        self.assertEqual(result['outcome'], 'passed')
        self.assertIn('left processes behind', result['message'] or '')
        self.assertAllGone([self.read_pid(project.path('escaped.pid'), 0)])

    def test_crash_does_not_stop_the_run(self):
        project = self.project({'max_workers': 1, 'suites': [{
            'name': 's', 'adapter': 'exec', 'tests': [
                exec_test('crashes', [fixture('segv.sh')]),
                exec_test('passes', [fixture('pass.sh')]),
                exec_test('fails', [fixture('fail.sh')]),
            ]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = by_id(report)
        self.assertEqual(results['s::crashes']['outcome'], 'crashed')
        self.assertEqual(results['s::crashes']['signal'], signal.SIGSEGV)
        self.assertEqual(results['s::passes']['outcome'], 'passed')
        self.assertEqual(results['s::fails']['outcome'], 'failed')
        self.assertIn('CRASH', proc.stdout)


class TestEnvironment(CliTestCase):
    NAMES = ['SHOAL_TEST_ID', 'SHOAL_WORKER_ID', 'TEST_WORKER_ID', 'SHOAL_RUN_ID',
             'GLOBAL_ONLY', 'OVERRIDDEN', 'SUITE_ONLY', 'TEST_ONLY']

    def test_variables_reach_the_test(self):
        project = self.project({
            'environment': {'environment_variables': {
                'GLOBAL_ONLY': 'from global', 'OVERRIDDEN': 'global'}},
            'suites': [{
                'name': 'env', 'adapter': 'exec',
                'env': {'SUITE_ONLY': 'from suite', 'OVERRIDDEN': 'suite'},
                'tests': [
                    exec_test('shows', [fixture('show-env.sh'), *self.NAMES],
                              env={'TEST_ONLY': 'from test', 'OVERRIDDEN': 'test'}),
                ]}]})
        proc, report = project.run_json('-v')
        self.assertExit(proc, 0)
        result = by_id(report)['env::shows']
        with open(result['output']) as f:
            lines = f.read().splitlines()
        seen = dict(line.split('=', 1) for line in lines if '=' in line)
        self.assertEqual(seen.get('SHOAL_TEST_ID'), 'env::shows', lines)
        self.assertEqual(seen.get('SHOAL_WORKER_ID'), result['worker_id'], lines)
        self.assertEqual(seen.get('TEST_WORKER_ID'), result['worker_id'], lines)
        self.assertEqual(seen.get('SHOAL_RUN_ID'), report['run_id'], lines)
        self.assertEqual(os.path.basename(project.latest_run_dir), report['run_id'])
        self.assertEqual(seen.get('GLOBAL_ONLY'), 'from global', lines)
        self.assertEqual(seen.get('SUITE_ONLY'), 'from suite', lines)
        self.assertEqual(seen.get('TEST_ONLY'), 'from test', lines)
        self.assertEqual(seen.get('OVERRIDDEN'), 'test', lines)
        # -v shows the output of passing tests too.
        self.assertIn('TEST_ONLY=from test', proc.stdout)


def sh_test(name, script, **extra):
    return exec_test(name, ['/bin/sh', '-c', script], **extra)


# Appends "<id> <start ns> <end ns> <words...>" to $LOG: the tests below
# check overlaps from these records.
RECORD = 's=$(date +%s%N); sleep 0.1; e=$(date +%s%N); echo "$SHOAL_TEST_ID $s $e {}" >> "$LOG"'


def read_records(path):
    records = []
    with open(path) as f:
        for line in f:
            name, start, end, *words = line.split()
            records.append((name, int(start), int(end), words))
    return records


def most_at_once(records):
    return max((sum(1 for b in records if b[1] <= a[1] < b[2]) for a in records), default=0)


class TestResources(CliTestCase):
    def test_locks_and_pools_from_shoal_yaml(self):
        project = self.project({'max_workers': 4})
        log = project.path('log')
        project.write_config({
            'max_workers': 4,
            'environment': {'environment_variables': {'LOG': log}},
            'resources': {'db': {'type': 'database', 'exclusive': True}},
            'resource_pools': {'drivers': 2},
            'suites': [{
                'name': 'r', 'adapter': 'exec',
                'resources': ['drivers'],
                'tests': [sh_test('t%d' % i, RECORD.format('drivers=$SHOAL_RESOURCE_DRIVERS'))
                          for i in range(6)]}],
            # By id pattern, on top of the suite's pool.
            'tests': [{'match': 'r::t?', 'resources': ['db']}],
        })
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        results = by_id(report)
        self.assertEqual(len(results), 6)
        records = read_records(log)
        self.assertEqual(len(records), 6)
        # Pool identities: never one instance with two holders, and the env
        # names the instance the result records.
        for name, start, end, words in records:
            held = [w for w in results[name]['resources'] if w.startswith('drivers:')]
            self.assertEqual(len(held), 1, results[name])
            self.assertEqual(words, ['drivers=' + held[0].split(':', 1)[1]])
        # Every test took the exclusive database too: one at a time.
        self.assertTrue(all('db' in r['resources'] for r in results.values()))
        self.assertEqual(most_at_once(records), 1)

    def test_a_test_entry_lists_what_it_needs(self):
        project = self.project({
            'resources': {'db': {}},
            'suites': [{'name': 'e', 'adapter': 'exec', 'tests': [
                sh_test('create', 'exit 1', resources=['db']),
                sh_test('login', 'true', requires=['create'], priority=5)]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = by_id(report)
        self.assertEqual(results['e::create']['resources'], ['db'])
        self.assertEqual(results['e::login']['outcome'], 'skipped')

    def test_unknown_resource_is_a_usage_error(self):
        project = self.project({
            'suites': [{'name': 'r', 'adapter': 'exec', 'resources': ['nowhere'],
                        'tests': [sh_test('t', 'true')]}]})
        proc = project.run('run')
        self.assertExit(proc, 2)
        self.assertIn("test 'r::t' needs the resource 'nowhere', which is neither in resources: "
                      "nor in resource_pools:", proc.stderr)

    def test_requires_from_shoal_yaml(self):
        project = self.project({
            'suites': [{'name': 'd', 'adapter': 'exec',
                        'tests': [sh_test('create', 'exit 1'), sh_test('login', 'true')]}],
            'tests': [{'match': 'd::login', 'requires': ['create']}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        login = by_id(report)['d::login']
        self.assertEqual(login['outcome'], 'skipped')
        self.assertEqual(login['message'], 'skipped: it requires d::create, which did not pass')

    def test_skip_if_failed_from_shoal_yaml(self):
        project = self.project({
            'suites': [{'name': 'd', 'adapter': 'exec',
                        'tests': [sh_test('create', 'exit 1'), sh_test('seed', 'exit 77'),
                                  sh_test('login', 'true'),
                                  sh_test('report', 'true', skip_if_failed=['seed'])]}],
            'tests': [{'match': 'd::login', 'skip_if_failed': ['create', 'seed']}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = by_id(report)
        self.assertEqual(results['d::login']['outcome'], 'skipped')
        self.assertEqual(results['d::login']['message'],
                         'skipped: it depends on d::create, which failed')
        # A skipped dependency lets it run.
        self.assertEqual(results['d::seed']['outcome'], 'skipped')
        self.assertEqual(results['d::report']['outcome'], 'passed')


class TestFixtures(CliTestCase):
    def fixture_project(self, setup_exit=0, test_script='true'):
        project = self.project({})
        log = project.path('log')
        record = 'echo "$1 $(date +%s%N)" >> ' + log
        project.write_config({
            'max_workers': 3,
            'fixtures': {'db': {
                'setup': ['/bin/sh', '-c', record + '; exit %d' % setup_exit, 'sh', 'setup'],
                'teardown': ['/bin/sh', '-c', record, 'sh', 'teardown']}},
            'suites': [{'name': 'u', 'adapter': 'exec', 'fixtures': ['db'],
                        'tests': [sh_test('t%d' % i, test_script + '; echo "test $(date +%s%N)" >> ' + log)
                                  for i in range(4)]},
                       {'name': 'other', 'adapter': 'exec', 'tests': [sh_test('free', 'true')]}]})
        return project, log

    def read_log(self, log):
        with open(log) as f:
            return [(word, int(ns)) for word, ns in (line.split() for line in f)]

    def test_setup_once_before_teardown_once_after(self):
        project, log = self.fixture_project()
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        events = self.read_log(log)
        words = [w for w, _ in events]
        self.assertEqual(words.count('setup'), 1, events)
        self.assertEqual(words.count('teardown'), 1, events)
        self.assertEqual(words[0], 'setup')
        self.assertEqual(words[-1], 'teardown')
        results = by_id(report)
        self.assertEqual(results['fixture::db/setup']['outcome'], 'passed')
        self.assertEqual(results['fixture::db/teardown']['outcome'], 'passed')

    def test_failed_setup_skips_the_tests_and_still_tears_down(self):
        project, log = self.fixture_project(setup_exit=1)
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = by_id(report)
        for i in range(4):
            self.assertEqual(results['u::t%d' % i]['outcome'], 'skipped')
            self.assertEqual(results['u::t%d' % i]['message'],
                             'skipped: it requires fixture::db/setup, which did not pass')
        self.assertEqual(results['other::free']['outcome'], 'passed')
        self.assertEqual([w for w, _ in self.read_log(log)], ['setup', 'teardown'])

    def test_teardown_runs_after_an_interruption(self):
        project, log = self.fixture_project(test_script='sleep 300')
        proc = subprocess.Popen([SHOAL, 'run'], cwd=project.dir, env=shoal_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = wait_for(lambda: os.path.exists(project.path('.shoal', 'runs', 'latest',
                                                                   'events.ndjson')) and
                               open(project.events_path).read().count('"test-started"') >= 3, 30)
            self.assertTrue(started)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(timeout=60), 130)
        finally:
            if proc.poll() is None:
                proc.kill()
        words = [w for w, _ in self.read_log(log)]
        self.assertEqual(words, ['setup', 'teardown'])

    def test_unknown_fixture(self):
        project = self.project({'suites': [{'name': 'u', 'adapter': 'exec', 'fixtures': ['nope'],
                                            'tests': [sh_test('t', 'true')]}]})
        proc = project.run('run')
        self.assertExit(proc, 2)
        self.assertIn("test 'u::t' needs the fixture 'nope', which is not in fixtures:", proc.stderr)


class TestIsolation(CliTestCase):
    def test_private_tmpdir_removed_or_kept_on_failure(self):
        project = self.project({
            'environment': {'preserve_on_failure': True},
            'suites': [{'name': 'i', 'adapter': 'exec', 'tests': [
                sh_test('ok', 'echo "$TMPDIR"; touch "$TMPDIR/x"'),
                sh_test('bad', 'echo "$TMPDIR"; touch "$TMPDIR/y"; exit 1')]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = by_id(report)
        tmpdirs = {}
        for name in ('i::ok', 'i::bad'):
            with open(results[name]['output']) as f:
                tmpdirs[name] = f.read().strip()
        self.assertNotEqual(tmpdirs['i::ok'], tmpdirs['i::bad'])
        self.assertFalse(os.path.exists(tmpdirs['i::ok']))
        self.assertTrue(os.path.exists(os.path.join(tmpdirs['i::bad'], 'y')))
        kept = results['i::bad']['message'].split('its directory was kept: ')[1]
        self.assertTrue(tmpdirs['i::bad'].startswith(kept), (kept, tmpdirs['i::bad']))
        self.assertEqual(oct(os.stat(kept).st_mode & 0o777), '0o700')

    def test_workspace_copy_keeps_tests_apart(self):
        # The tests write a fixed file name into their own tree: in a shared
        # tree they clash, in per-worker copies they do not.
        project = self.project({})
        os.makedirs(project.path('work'))
        script = ('echo "$SHOAL_TEST_ID" > work/state; sleep 0.3; '
                  'test "$(cat work/state)" = "$SHOAL_TEST_ID"')
        project.write_config({
            'max_workers': 4,
            'suites': [{'name': 'w', 'adapter': 'exec', 'workspace': 'copy',
                        'workspace_exclude': ['*.log'],
                        'tests': [sh_test('t%d' % i, script) for i in range(4)]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        self.assertEqual(report['passed_tests'], 4)
        # The original tree was not written to.
        self.assertFalse(os.path.exists(project.path('work', 'state')))


class TestOutput(CliTestCase):
    def test_large_output_is_captured_whole(self):
        lines = 80000  # 65 bytes each: 5.2 MB
        project = self.project({'suites': [{
            'name': 'out', 'adapter': 'exec', 'tests': [
                exec_test('chatty', [fixture('chatty.sh'), str(lines)]),
            ]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        result = by_id(report)['out::chatty']
        self.assertEqual(result['outcome'], 'failed')
        self.assertTrue(result['output'].startswith(project.latest_run_dir + os.sep))
        with open(result['output']) as f:
            log = f.read()
        first = 'line 00000001 ' + 'x' * 50
        last = 'line %08d ' % lines + 'x' * 50
        self.assertTrue(log.startswith(first + '\n'), log[:200])
        self.assertIn(last + '\n', log)
        self.assertIn('LAST WORDS OF THE CHATTY TEST', log)
        self.assertEqual(log.count('\n'), lines + 1)

        # The console shows the tail of a failed test's output, not all of it.
        self.assertIn(last, proc.stdout)
        self.assertIn('LAST WORDS OF THE CHATTY TEST', proc.stdout)
        self.assertNotIn(first, proc.stdout)
        self.assertLess(len(proc.stdout), 1024 * 1024)


class TestReports(CliTestCase):
    SEED_KEYS = ['total_tests', 'passed_tests', 'failed_tests', 'skipped_tests',
                 'execution_time', 'results']
    RESULT_KEYS = ['id', 'name', 'suite', 'outcome', 'duration', 'worker_id', 'attempt',
                   'start', 'end', 'message']

    def mixed_project(self):
        return self.project({'max_workers': 2, 'suites': [
            {'name': 'cmd', 'adapter': 'exec', 'tests': [
                exec_test('passes', [fixture('pass.sh')]),
                exec_test('fails', [fixture('fail.sh')]),
                exec_test('skips', [fixture('skip.sh')]),
                exec_test('crashes', [fixture('segv.sh')]),
            ]},
            {'name': 'tap', 'adapter': 'tap', 'tests': [
                exec_test('points', [fixture('tap.sh')]),
            ]},
        ]})

    def test_json_and_junit(self):
        project = self.mixed_project()
        junit_path = project.path('junit.xml')
        proc, report = project.run_json('--report', 'junit=' + junit_path)
        self.assertExit(proc, 1)

        for key in self.SEED_KEYS:
            self.assertIn(key, report)
        outcomes = {r['id']: r['outcome'] for r in report['results']}
        self.assertEqual(outcomes, {
            'cmd::passes': 'passed', 'cmd::fails': 'failed', 'cmd::skips': 'skipped',
            'cmd::crashes': 'crashed', 'tap::points/first': 'passed',
            'tap::points/second': 'failed', 'tap::points/third': 'skipped'})
        self.assertEqual(report['total_tests'], 7)
        self.assertEqual(report['passed_tests'], 2)
        self.assertEqual(report['skipped_tests'], 2)
        self.assertEqual(report['failed_tests'], 3)  # failed + crashed
        self.assertGreater(report['execution_time'], 0)
        for result in report['results']:
            for key in self.RESULT_KEYS:
                self.assertIn(key, result, result['id'])
            self.assertEqual(result['attempt'], 1)
            self.assertIn(result['worker_id'], ('w1', 'w2'))
            self.assertLessEqual(parse_time(result['start']), parse_time(result['end']))
            self.assertGreaterEqual(result['duration'], 0)
        self.assertEqual(by_id(report)['cmd::fails']['suite'], 'cmd')
        self.assertEqual(by_id(report)['cmd::fails']['name'], 'fails')
        self.assertIn('second went wrong', by_id(report)['tap::points/second']['message'])

        root = ET.parse(junit_path).getroot()
        suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
        cases = [c for s in suites for c in s.findall('testcase')]
        self.assertEqual(len(cases), 7)
        failures = [c for c in cases if c.find('failure') is not None]
        errors = [c for c in cases if c.find('error') is not None]
        skipped = [c for c in cases if c.find('skipped') is not None]
        self.assertEqual((len(failures), len(errors), len(skipped)), (2, 1, 2))
        self.assertEqual(sum(int(s.get('tests')) for s in suites), 7)
        self.assertEqual(sum(int(s.get('failures')) for s in suites), 2)
        self.assertEqual(sum(int(s.get('errors')) for s in suites), 1)
        self.assertEqual(sum(int(s.get('skipped')) for s in suites), 2)
        if root.tag == 'testsuites':
            self.assertEqual(int(root.get('tests')), 7)
        fails = [c for c in cases if c.get('name') == 'fails'][0]
        self.assertEqual(fails.get('classname'), 'cmd')
        self.assertIn('fixture failure', fails.findtext('system-out', '') +
                      fails.findtext('system-err', ''))

    def test_config_reports_are_relative_to_the_config(self):
        project = self.mixed_project()
        with open(project.config_path, 'a') as f:
            f.write('reports:\n  json: out/report.json\n  junit: out/junit.xml\n')
        os.mkdir(project.path('out'))
        with tempfile.TemporaryDirectory(prefix='shoal-cli-elsewhere-') as elsewhere:
            proc = project.run('run', '-c', project.config_path, cwd=elsewhere)
        self.assertExit(proc, 1)
        with open(project.path('out', 'report.json')) as f:
            self.assertEqual(json.load(f)['total_tests'], 7)
        ET.parse(project.path('out', 'junit.xml'))

    def test_report_rebuilds_from_the_stream(self):
        project = self.mixed_project()
        proc, report = project.run_json()
        self.assertExit(proc, 1)

        again = project.path('again.json')
        proc = project.run('report', '-r', 'json=' + again)
        self.assertExit(proc, 1)  # the exit status of the run it describes
        with open(again) as f:
            rebuilt = json.load(f)
        self.assertEqual(rebuilt['results'], report['results'])
        for key in ('total_tests', 'passed_tests', 'failed_tests', 'skipped_tests', 'run_id'):
            self.assertEqual(rebuilt[key], report[key], key)

        # From the run directory or the events file, named explicitly.
        junit = project.path('again.xml')
        proc = project.run('report', '-r', 'junit=' + junit, project.latest_run_dir)
        self.assertExit(proc, 1)
        self.assertEqual(len(ET.parse(junit).getroot().findall('.//testcase')), 7)

        proc = project.run('report', project.events_path)
        self.assertExit(proc, 1)
        self.assertIn('cmd::fails', proc.stdout)

    def test_report_from_a_cut_stream(self):
        project = self.mixed_project()
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        with open(project.events_path) as f:
            lines = f.read().splitlines(keepends=True)

        # A runner killed while writing its last line: everything that
        # finished is still reported, and the run shows as interrupted.
        cut = project.path('cut-last.ndjson')
        with open(cut, 'w') as f:
            f.write(''.join(lines[:-1]) + lines[-1][:len(lines[-1]) // 2])
        rebuilt_path = project.path('cut-last.json')
        proc = project.run('report', '-r', 'json=' + rebuilt_path, cut)
        self.assertExit(proc, 130)
        self.assertIn('skipped', proc.stderr)
        with open(rebuilt_path) as f:
            rebuilt = json.load(f)
        self.assertEqual(rebuilt['results'], report['results'])
        self.assertTrue(rebuilt['interrupted'])

        # Killed earlier, halfway through the line after the second result.
        finished = [i for i, line in enumerate(lines) if '"test-finished"' in line]
        keep = finished[1] + 1
        cut = project.path('cut-early.ndjson')
        with open(cut, 'w') as f:
            f.write(''.join(lines[:keep]) + lines[keep][:len(lines[keep]) // 2])
        rebuilt_path = project.path('cut-early.json')
        proc = project.run('report', '-r', 'json=' + rebuilt_path, cut)
        self.assertExit(proc, 130)
        with open(rebuilt_path) as f:
            rebuilt = json.load(f)
        self.assertEqual(rebuilt['results'], report['results'][:len(rebuilt['results'])])
        self.assertEqual([r['id'] for r in rebuilt['results']],
                         [json.loads(lines[i])['result']['id'] for i in finished[:2]])
        self.assertTrue(rebuilt['interrupted'])


class TestPlan(CliTestCase):
    def test_plan_json(self):
        project = self.project({
            'max_workers': 2,
            'suites': [{'name': 'p', 'adapter': 'exec', 'tests': [
                sh_test('a', 'true'), sh_test('b', 'true', depends=['a']), sh_test('c', 'true')]}]})
        proc = project.run('plan', '--json')
        self.assertExit(proc, 0)
        plan = json.loads(proc.stdout)
        self.assertEqual(set(plan), {'strategy', 'workers', 'groups', 'estimated_makespan',
                                     'lower_bound', 'balance_score'})
        self.assertEqual(plan['strategy'], 'load_balanced')
        self.assertEqual(sorted(t for g in plan['groups'] for t in g['tests']),
                         ['p::a', 'p::b', 'p::c'])
        # Unknown tests take 1 s: max (3 / 2, 1, chain a -> b of 2).
        self.assertEqual(plan['lower_bound'], 2.0)
        self.assertGreaterEqual(plan['estimated_makespan'], plan['lower_bound'])
        self.assertLessEqual(plan['balance_score'], 1.0)
        # Nothing ran.
        self.assertFalse(os.path.exists(project.path('.shoal', 'runs')))


class TestHistory(CliTestCase):
    def test_runs_are_recorded_and_feed_the_plan(self):
        project = self.project({
            'max_workers': 2,
            'suites': [{'name': 'h', 'adapter': 'exec', 'tests': [
                sh_test('slow', 'sleep 0.6'), sh_test('quick', 'true')]}]})
        for _ in range(2):
            self.assertExit(project.run('run'), 0)
        proc = project.run('history', 'h::slow')
        self.assertExit(proc, 0)
        self.assertIn('h::slow: estimate 0.', proc.stdout)
        self.assertIn('from 2 attempts', proc.stdout)
        plan = json.loads(project.run('plan', '--json').stdout)
        # The slow test is known to take about 0.6 s: it is the bound.
        self.assertGreater(plan['lower_bound'], 0.5)
        self.assertLess(plan['lower_bound'], 1.5)
        # Export, then import into a fresh history: nothing lost, no duplicates.
        exported = project.path('history.json')
        self.assertExit(project.run('history', 'export', exported), 0)
        os.unlink(project.path('.shoal', 'history.db'))
        self.assertIn('4 attempts added', project.run('history', 'import', exported).stdout)
        self.assertIn('0 attempts added', project.run('history', 'import', exported).stdout)

    def test_a_corrupt_history_does_not_block_the_run(self):
        project = self.project({
            'suites': [{'name': 'h', 'adapter': 'exec', 'tests': [sh_test('t', 'true')]}]})
        os.makedirs(project.path('.shoal'))
        with open(project.path('.shoal', 'history.db'), 'wb') as f:
            f.write(b'this is not a database' * 100)
        proc = project.run('run')
        self.assertExit(proc, 0)
        self.assertIn('history.db', proc.stderr)
        self.assertIn('shoal history rebuild', proc.stderr)
        self.assertExit(project.run('history', 'rebuild'), 0)
        self.assertExit(project.run('run'), 0)
        self.assertIn('from 1 attempts', project.run('history', 'h::t').stdout)


class TestShards(CliTestCase):
    def test_every_test_in_exactly_one_shard_and_deterministic(self):
        project = self.project({
            'suites': [{'name': 's', 'adapter': 'exec',
                        'tests': [sh_test('t%02d' % i, 'true') for i in range(11)]}]})
        seen = []
        for k in (1, 2, 3):
            ids = []
            for attempt in range(2):
                proc, report = project.run_json('--shard', '%d/3' % k)
                self.assertExit(proc, 0)
                ids.append(sorted(r['id'] for r in report['results']))
            self.assertEqual(ids[0], ids[1])
            self.assertGreaterEqual(len(ids[0]), 3)
            seen += ids[0]
        self.assertEqual(sorted(seen), ['s::t%02d' % i for i in range(11)])
        self.assertExit(project.run('run', '--shard', '4/3'), 2)
        self.assertExit(project.run('run', '--shard', 'x'), 2)

    def test_report_merge_combines_the_shards(self):
        tests = [sh_test('t%02d' % i, 'true') for i in range(7)] + [sh_test('bad', 'exit 1')]
        project = self.project({'suites': [{'name': 's', 'adapter': 'exec', 'tests': tests}]})
        run_dirs, exits = [], []
        for k in (1, 2):
            proc, _ = project.run_json('-j2', '--shard', '%d/2' % k)
            exits.append(proc.returncode)
            run_dirs.append(project.latest_run_dir)
        self.assertEqual(sorted(exits), [0, 1])  # 'bad' is in one shard
        merged = project.path('merged.json')
        junit = project.path('merged.xml')
        proc = project.run('report', '--merge', *run_dirs, '-r', 'json=' + merged,
                           '-r', 'junit=' + junit)
        self.assertExit(proc, 1)  # the worst of the shards
        with open(merged) as f:
            report = json.load(f)
        ids = sorted(r['id'] for r in report['results'])
        self.assertEqual(ids, sorted(['s::t%02d' % i for i in range(7)] + ['s::bad']))
        self.assertEqual(report['total_tests'], 8)
        self.assertEqual(report['failed_tests'], 1)
        self.assertEqual(report['workers'], 4)
        # Workers of different shards stay apart.
        workers = {r['worker_id'].split('/')[0] for r in report['results']}
        self.assertEqual(workers, {'1', '2'})
        with open(junit) as f:
            self.assertEqual(f.read().count('<testcase '), 8)
        # One stream merges to itself; bad input is a clear error.
        self.assertExit(project.run('report', '--merge', run_dirs[0]), 0 if exits[0] == 0 else 1)
        self.assertExit(project.run('report', '--merge'), 2)
        with open(project.path('junk.ndjson'), 'w') as f:
            f.write('not json\n')
        proc = project.run('report', '--merge', run_dirs[0], project.path('junk.ndjson'))
        self.assertExit(proc, 2)
        self.assertIn('junk.ndjson:1', proc.stderr)


class TestRetries(CliTestCase):
    FLAKY = 'n=$(cat count-$SHOAL_TEST_ID 2>/dev/null || echo 0); echo $((n + 1)) > count-$SHOAL_TEST_ID; test $n -ge 1'

    def retry_project(self, **top):
        config = {'retries': 1, 'retry_delay': 0.05,
                  'suites': [{'name': 'r', 'adapter': 'exec',
                              'tests': [sh_test('flaky', self.FLAKY), sh_test('broken', 'exit 3'),
                                        sh_test('fine', 'true')]}],
                  'tests': [{'match': 'r::fine', 'retries': 0}]}
        config.update(top)
        return self.project(config)

    def test_flaky_test_is_retried_and_reported(self):
        project = self.retry_project()
        junit = project.path('junit.xml')
        proc, report = project.run_json('--report', 'junit=' + junit)
        self.assertExit(proc, 1)  # 'broken' fails both attempts
        attempts = [(r['id'], r['attempt'], r['outcome'], r.get('retried', False), r.get('flaky', False))
                    for r in report['results']]
        self.assertIn(('r::flaky', 1, 'failed', True, False), attempts)
        self.assertIn(('r::flaky', 2, 'passed', False, True), attempts)
        self.assertIn(('r::broken', 1, 'failed', True, False), attempts)
        self.assertIn(('r::broken', 2, 'failed', False, False), attempts)
        self.assertEqual(len(report['results']), 5)
        self.assertEqual((report['total_tests'], report['passed_tests'], report['failed_tests']), (3, 2, 1))
        self.assertEqual((report['flaky_tests'], report['retried_attempts']), (1, 2))
        self.assertAlmostEqual(report['metrics']['flaky_rate'], 1 / 3)
        with open(junit) as f:
            xml = f.read()
        self.assertEqual(xml.count('<testcase '), 3)
        self.assertEqual(xml.count('<flakyFailure '), 1)
        self.assertEqual(xml.count('<rerunFailure '), 1)
        self.assertIn('Flaky: r::flaky', proc.stdout)
        self.assertIn('1 flaky', proc.stdout)

    def test_flaky_result_fail(self):
        project = self.project({'retries': 2, 'flaky_result': 'fail',
                                'suites': [{'name': 'r', 'adapter': 'exec',
                                            'tests': [sh_test('flaky', self.FLAKY)]}]})
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        self.assertEqual(report['failed_tests'], 1)
        self.assertEqual(report['flaky_tests'], 1)

    def test_quarantined_failure_does_not_fail_the_run(self):
        project = self.project({'suites': [{'name': 'q', 'adapter': 'exec',
                                            'tests': [sh_test('broken', 'exit 1'), sh_test('ok', 'true')]}]})
        self.assertExit(project.run('run'), 1)
        self.assertExit(project.run('quarantine', 'add', 'q::broken', '--reason', 'issue 42'), 0)
        proc, report = project.run_json()
        self.assertExit(proc, 0)
        broken = by_id(report)['q::broken']
        self.assertEqual((broken['outcome'], broken.get('quarantined')), ('failed', True))
        self.assertEqual((report['failed_tests'], report['quarantined_tests']), (0, 1))
        self.assertIn('Quarantined: q::broken (failed)', proc.stdout)
        self.assertExit(project.run('quarantine', 'remove', 'q::broken'), 0)
        self.assertExit(project.run('run'), 1)

    def test_bad_retry_settings(self):
        project = self.project({'flaky_result': 'maybe', 'suites': []})
        proc = project.run('run')
        self.assertExit(proc, 2)
        self.assertIn("flaky_result: must be 'pass' or 'fail', got 'maybe'", proc.stderr)


class TestSelection(CliTestCase):
    def selection_project(self):
        return self.project({'suites': [
            {'name': 'alpha', 'adapter': 'exec', 'tests': [
                exec_test('passes', [fixture('pass.sh')]),
                exec_test('fails', [fixture('fail.sh')]),
            ]},
            {'name': 'beta', 'adapter': 'exec', 'tests': [
                exec_test('passes', [fixture('pass.sh')], tags=['quick']),
                exec_test('skips', [fixture('skip.sh')]),
            ]},
        ]})

    def test_list(self):
        project = self.selection_project()
        proc = project.run('list')
        self.assertExit(proc, 0)
        self.assertEqual(proc.stdout.split(),
                         ['alpha::passes', 'alpha::fails', 'beta::passes', 'beta::skips'])

        proc = project.run('list', '--json')
        self.assertExit(proc, 0)
        listed = json.loads(proc.stdout)
        self.assertEqual([t['id'] for t in listed],
                         ['alpha::passes', 'alpha::fails', 'beta::passes', 'beta::skips'])
        beta = listed[2]
        self.assertEqual((beta['name'], beta['suite'], beta['adapter']),
                         ('passes', 'beta', 'exec'))
        self.assertEqual(beta['tags'], ['quick'])

        proc = project.run('list', 'beta::', '*fail*')
        self.assertExit(proc, 0)
        self.assertEqual(proc.stdout.split(), ['alpha::fails', 'beta::passes', 'beta::skips'])
        # Listing runs nothing.
        self.assertFalse(os.path.exists(project.path('.shoal', 'runs', 'latest')))

    def test_run_selected(self):
        project = self.selection_project()
        proc, report = project.run_json('alpha::passes')
        self.assertExit(proc, 0)
        self.assertEqual([r['id'] for r in report['results']], ['alpha::passes'])

        proc, report = project.run_json('*fail*')
        self.assertExit(proc, 1)
        self.assertEqual([r['id'] for r in report['results']], ['alpha::fails'])

        proc, report = project.run_json('beta::', '*::fails')
        self.assertExit(proc, 1)
        self.assertEqual(sorted(r['id'] for r in report['results']),
                         ['alpha::fails', 'beta::passes', 'beta::skips'])


class TestExamples(CliTestCase):
    def test_examples_project(self):
        config = os.path.join(BUILD_ROOT, 'examples', 'shoal.yaml') if BUILD_ROOT else ''
        if not os.path.isfile(config):
            self.skipTest('the examples are not built (add subdir(\'examples\') to meson.build)')
        with tempfile.TemporaryDirectory(prefix='shoal-cli-examples-') as out:
            # A copy without the build tree's .shoal/: its history would
            # quarantine the failing tests after a few runs.
            copy = os.path.join(out, 'examples')
            shutil.copytree(os.path.dirname(config), copy,
                            ignore=shutil.ignore_patterns('.shoal', '*.json', '*.xml'))
            config = os.path.join(copy, 'shoal.yaml')
            # The program built beside it, copied too, by a relative path:
            # the test ids stay those of the build tree.
            with open(config) as f:
                text = f.read().replace(os.path.join(BUILD_ROOT, 'examples') + os.sep, '')
            with open(config, 'w') as f:
                f.write(text)
            json_path = os.path.join(out, 'report.json')
            junit_path = os.path.join(out, 'junit.xml')
            start = time.monotonic()
            proc = subprocess.run([SHOAL, 'run', '-c', config, '--report', 'json=' + json_path,
                                   '--report', 'junit=' + junit_path],
                                  cwd=out, env=shoal_env(), capture_output=True, text=True,
                                  timeout=COMMAND_TIMEOUT)
            elapsed = time.monotonic() - start
            self.assertExit(proc, 1)
            with open(json_path) as f:
                report = json.load(f)
            ET.parse(junit_path)
            # The reports configured in the example land beside its shoal.yaml.
            self.assertTrue(os.path.isfile(os.path.join(copy, 'report.json')))

        outcomes = {}
        for r in report['results']:
            outcomes.setdefault(r['suite'], {}).setdefault(r['outcome'], 0)
            outcomes[r['suite']][r['outcome']] += 1
        self.assertEqual(outcomes, {
            'calculator': {'passed': 3, 'failed': 1, 'skipped': 1},
            'commands': {'passed': 4, 'failed': 1, 'skipped': 1, 'timeout': 1},
            'tap': {'passed': 2, 'failed': 1, 'skipped': 1},
            'inventory': {'passed': 5, 'failed': 1, 'skipped': 1},
            'checkout': {'passed': 4},
        })
        self.assertEqual(report['total_tests'], 27)
        self.assertFalse(report['interrupted'])
        results = by_id(report)
        self.assertEqual(results['calculator::test-calculator/calculator/divide']['outcome'],
                         'failed')
        self.assertIn('error: expected 42, got 41', proc.stdout)
        # The slow test overlaps the others: about 1 s, not the sum.
        self.assertLess(elapsed, 30)


if __name__ == '__main__':
    unittest.main()
