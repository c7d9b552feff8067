#!/usr/bin/python3
# test-cli-behave.py: the behave adapter end to end, through the `shoal`
# command, against native behave on the same project
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every test copies the fixture project tests/fixtures/adapters/behave/
# into a temporary directory (runs write .shoal/ beside shoal.yaml), runs
# the real `shoal` binary on it, and runs Debian's behave on the same
# files to compare.
#
# meson runs it with SHOAL (the binary), SHOAL_PLUGIN_PATH, SHOAL_BUILD_ROOT
# and G_TEST_SRCDIR (tests/) set. By hand:
#
#   SHOAL_BUILD_ROOT=_build /usr/bin/python3 tests/test-cli-behave.py -v

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('G_TEST_SRCDIR', HERE)
FIXTURE = os.path.join(SRCDIR, 'fixtures', 'adapters', 'behave')
BUILD_ROOT = os.environ.get('SHOAL_BUILD_ROOT', '')
SHOAL = os.environ.get('SHOAL') or (BUILD_ROOT and os.path.join(BUILD_ROOT, 'cli', 'shoal'))
PYTHON = '/usr/bin/python3'

# Generous bound for one `shoal` invocation (a loaded 2-core CI machine).
COMMAND_TIMEOUT = 120

# behave's statuses as Shoal's outcomes.
OUTCOME_OF_STATUS = {'passed': 'passed', 'failed': 'failed', 'skipped': 'skipped'}


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


def overlaps(a, b):
    return parse_time(a['start']) < parse_time(b['end']) and \
        parse_time(b['start']) < parse_time(a['end'])


def suite(name, **settings):
    entry = {'name': name, 'adapter': 'behave'}
    entry.update(settings)
    return entry


class Project:
    """The fixture project in a temporary directory, with a shoal.yaml."""

    def __init__(self, test, config):
        self._tmp = tempfile.TemporaryDirectory(prefix='shoal-cli-behave-')
        test.addCleanup(self._tmp.cleanup)
        self.dir = os.path.realpath(self._tmp.name)
        for name in ('features', 'broken', 'nobehave'):
            shutil.copytree(os.path.join(FIXTURE, name), os.path.join(self.dir, name))
        with open(os.path.join(self.dir, 'shoal.yaml'), 'w') as f:
            # JSON is YAML.
            json.dump(config, f, indent=2)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def shoal(self, *args):
        return subprocess.run([SHOAL, *args], cwd=self.dir, env=shoal_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=COMMAND_TIMEOUT)

    def run_json(self, *args):
        report_path = self.path('report.json')
        proc = self.shoal('run', '--report', 'json=' + report_path, *args)
        report = None
        if os.path.exists(report_path):
            with open(report_path) as f:
                report = json.load(f)
            os.unlink(report_path)
        return proc, report

    def behave(self, *args):
        """Native behave on the project: its JSON report's scenarios, as
        {location: status}, and its exit status."""
        report_path = self.path('native.json')
        proc = subprocess.run([PYTHON, '-m', 'behave', '--no-summary', '--no-snippets',
                               '--format=json', '--outfile=' + report_path, *args],
                              cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=COMMAND_TIMEOUT)
        with open(report_path) as f:
            features = json.load(f)
        os.unlink(report_path)
        statuses = {}
        for feature in features:
            for element in feature.get('elements', []):
                if element['type'] == 'scenario':
                    statuses[element['location']] = element['status']
        return statuses, proc.returncode


def counts(outcomes):
    result = {}
    for outcome in outcomes:
        result[outcome] = result.get(outcome, 0) + 1
    return result


@unittest.skipUnless(SHOAL and os.access(SHOAL, os.X_OK),
                     'set SHOAL to the shoal binary, or SHOAL_BUILD_ROOT to the build dir')
class TestBehave(unittest.TestCase):
    maxDiff = None

    def assertExit(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         f'exit status {proc.returncode}, expected {status}\n'
                         f'--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}')

    def config(self, *suites, **extra):
        config = {
            'max_workers': 2,
            'kill_grace': 1,
            # What the fixture's tags ask for: @resource.x, @resource.db.2.
            'resource_pools': {'x': 1, 'db': 2},
            'suites': list(suites),
            'tests': [{'match': '*risky.feature:10', 'timeout': 3}],
        }
        config.update(extra)
        return config

    def test_same_ids_and_outcomes_as_behave(self):
        project = Project(self, self.config(suite('b')))
        # Native behave dies on the risky feature's crash: it runs the rest.
        native, native_status = project.behave('--exclude', 'risky')
        self.assertEqual(native_status, 1)
        self.assertEqual(counts(native.values()), {'passed': 5, 'failed': 5, 'skipped': 1})

        # Listing: behave's scenarios, in behave's order.
        proc = project.shoal('list')
        self.assertExit(proc, 0)
        listed = proc.stdout.split()
        dry, _ = project.behave('--dry-run')
        self.assertEqual(listed, ['b::' + location for location in dry])
        self.assertEqual(len(listed), 13)

        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = {r['id']: r for r in report['results']}
        self.assertEqual(sorted(results), sorted(listed))
        ours = {i[len('b::'):]: r['outcome'] for i, r in results.items()
                if 'risky.feature' not in i}
        self.assertEqual(ours, {location: OUTCOME_OF_STATUS[status]
                                for location, status in native.items()})
        self.assertEqual(counts(ours.values()), {'passed': 5, 'failed': 5, 'skipped': 1})

        crashed = results['b::features/risky.feature:5']
        self.assertEqual(crashed['outcome'], 'crashed')
        self.assertIn('killed by signal 11 (Segmentation fault) while running '
                      'features/risky.feature:5', crashed['message'])
        hung = results['b::features/risky.feature:10']
        self.assertEqual(hung['outcome'], 'timeout')
        self.assertIn('while running features/risky.feature:10', hung['message'])
        self.assertIn('Then it is below 3: Assertion Failed: 5 is not below 3',
                      results['b::features/outcomes.feature:35']['message'])
        self.assertEqual(results['b::features/outcomes.feature:16']['message'],
                         'Marked with @skip')

        # What the tags asked for, held while each ran.
        for row in (33, 34, 35):
            held = results[f'b::features/outcomes.feature:{row}']['resources']
            self.assertIn('y', held)
            self.assertEqual([r for r in held if r.startswith('x:')], ['x:0'])
        self.assertEqual(sorted(r for r in results['b::features/tagged.feature:13']['resources']
                                if r != 'user_db'), ['db:0', 'db:1'])
        self.assertIn('user_db', results['b::features/tagged.feature:13']['resources'])
        # @serial: nothing else ran beside it.
        alone = results['b::features/tagged.feature:9']
        for other_id, other in results.items():
            if other_id != alone['id']:
                self.assertFalse(overlaps(alone, other), f'{other_id} ran beside @serial')

        # A scenario is selected, and rerun, by its id.
        proc, report = project.run_json('b::features/outcomes.feature:34')
        self.assertExit(proc, 0)
        self.assertEqual([(r['id'], r['outcome']) for r in report['results']],
                         [('b::features/outcomes.feature:34', 'passed')])

    def test_feature_scheme(self):
        project = Project(self, self.config(suite('f', scheme='feature', paths=['features']),
                                            tests=[{'match': 'f::features/risky.feature',
                                                    'timeout': 20}]))
        native, _ = project.behave('--exclude', 'risky')

        proc = project.shoal('list')
        self.assertExit(proc, 0)
        self.assertEqual(proc.stdout.split(), ['f::features/outcomes.feature',
                                               'f::features/risky.feature',
                                               'f::features/tagged.feature'])

        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = {r['id']: r['outcome'] for r in report['results']}
        ours = {i[len('f::'):]: outcome for i, outcome in results.items()
                if 'risky.feature' not in i}
        self.assertEqual(ours, {location: OUTCOME_OF_STATUS[status]
                                for location, status in native.items()})
        self.assertEqual(results['f::features/risky.feature:5'], 'crashed')
        self.assertEqual(results['f::features/risky.feature:10'], 'error')

    def test_bad_suites_do_not_stop_the_others(self):
        project = Project(self, self.config(
            suite('good', paths=['features/tagged.feature']),
            suite('parse', paths=['broken']),
            suite('nopath', paths=['features/missing.feature']),
            suite('nobehave', python='nobehave/python3', paths=['features/tagged.feature']),
            suite('nopython', python='/nonexistent/python3', paths=['features/tagged.feature'])))
        proc, report = project.run_json()
        self.assertExit(proc, 1)
        results = {r['id']: r for r in report['results']}
        self.assertEqual(results['good::features/tagged.feature:9']['outcome'], 'passed')
        self.assertEqual(results['good::features/tagged.feature:13']['outcome'], 'passed')
        messages = {name: results[name + '::<discovery>']['message']
                    for name in ('parse', 'nopath', 'nobehave', 'nopython')}
        for name in messages:
            self.assertEqual(results[name + '::<discovery>']['outcome'], 'error')
        self.assertEqual(messages['parse'],
                         'broken/broken.feature:9: behave cannot parse this feature file: Parser '
                         'failure in state steps, at line 9: "This line is not Gherkin"')
        config = project.path('shoal.yaml')
        self.assertRegex(messages['nopath'],
                         rf"^{config}:\d+:\d+: suites\[2\]\.paths: 'features/missing.feature' "
                         r"not found")
        self.assertRegex(messages['nobehave'],
                         rf'^{config}:\d+:\d+: suites\[3\]\.python: nobehave/python3 has no '
                         r'behave module')
        self.assertRegex(messages['nopython'],
                         rf"^{config}:\d+:\d+: suites\[4\]\.python: program "
                         r"'/nonexistent/python3' not found")
        # Each also on the console.
        for message in messages.values():
            self.assertIn(message, proc.stderr)


if __name__ == '__main__':
    unittest.main()
