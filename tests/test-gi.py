#!/usr/bin/python3
# test-gi.py: Shoal from Python, through GObject introspection
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run by meson (suite 'python') with Debian's /usr/bin/python3 and
# GI_TYPELIB_PATH / LD_LIBRARY_PATH pointing at the build tree's core/, and
# SHOAL_PLUGIN_PATH at its plugins and adapters:
#
#   meson test -C _build --suite python --print-errorlogs
#
# It drives a project (discover, select, schedule, run, read results and the
# event stream) and implements each of the pluggable interfaces in Python:
# a Shoal.Reporter, a Shoal.Strategy and a Shoal.Adapter, registered
# in-process and used both directly and by name from shoal.yaml.

import datetime
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import textwrap
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Shoal', '1')
from gi.repository import Gio, GLib, GObject, Shoal  # noqa: E402

CONFIG_ERROR_DOMAIN = 'shoal-config-error-quark'
MODULE_ERROR_DOMAIN = 'shoal-module-error-quark'

SKIP_COMMAND = ['/bin/sh', '-c', 'exit 77']


# --- Python implementations of the interfaces --------------------------------

class PyReporter(GObject.Object, Shoal.Reporter):
    """Records every event it is given, and its open/close calls."""

    instances = []

    def __init__(self):
        super().__init__()
        self.destination = None
        self.opened = 0
        self.closed = 0
        self.events = []
        PyReporter.instances.append(self)

    def do_open(self, destination):
        self.opened += 1
        self.destination = destination
        return True

    def do_handle_event(self, event):
        self.events.append(event)

    def do_close(self):
        self.closed += 1
        return True


class LifoStrategy(GObject.Object, Shoal.Strategy):
    """Last in, first out: the most recently readied test starts first."""

    def __init__(self):
        super().__init__()
        self.ready = []
        self.prepared = None

    def do_prepare(self, tests, context):
        self.prepared = [t.get_id() for t in tests]

    def do_push_ready(self, test, context):
        self.ready.append(test)

    def do_next(self, worker_id, context):
        for i in range(len(self.ready) - 1, -1, -1):
            if context.can_start(self.ready[i], worker_id):
                return self.ready.pop(i)
        return None

    def do_plan(self, tests, context):
        # Round-robin over the workers, in reverse order.
        n = context.get_n_workers()
        groups = [Shoal.TestGroup.new('w%d' % (i + 1)) for i in range(n)]
        for i, test in enumerate(reversed(tests)):
            groups[i % n].add(test, context.estimate(test))
        return groups


class CommandAdapter(GObject.Object, Shoal.Adapter):
    """Tests that run a fixed command each; the core judges the exit
    status (the interface's default interpret)."""

    COMMANDS = {
        'passes': ['/bin/true'],
        'fails': ['/bin/false'],
        'skips': SKIP_COMMAND,
    }

    def __init__(self):
        super().__init__()
        self.suite = None
        self.only = None

    def do_configure(self, suite_name, settings):
        self.suite = suite_name
        if settings is not None:
            # Reading a key consumes it; any other key is then an error that
            # names file, line and column.
            self.only = settings.get_string('only', None)
            settings.check_keys(None)
        return True

    def do_discover(self, cancellable):
        if self.only == 'nothing':
            raise GLib.Error.new_literal(Shoal.adapter_error_quark(),
                                         'nothing to discover',
                                         Shoal.AdapterError.DISCOVERY)
        tests = []
        for name, argv in self.COMMANDS.items():
            if self.only is not None and name != self.only:
                continue
            test = Shoal.TestCase.new(self.suite or 'py', name)
            test.set_argv(argv)
            tests.append(test)
        return tests

    def do_prepare(self, tests):
        return Shoal.RunCommand.new(tests[0].get_argv())


class EchoAdapter(GObject.Object, Shoal.Adapter):
    """Tests that print a word; the adapter's own interpret passes a test
    when its output is the word it expects."""

    def do_discover(self, cancellable):
        tests = []
        for word, printed in [('hello', 'hello'), ('bye', 'goodbye')]:
            test = Shoal.TestCase.new('echo', word)
            test.set_argv(['/bin/echo', printed])
            tests.append(test)
        return tests

    def do_prepare(self, tests):
        return Shoal.RunCommand.new(tests[0].get_argv())

    def do_interpret(self, command, execution):
        output = execution.read_output(0).strip()
        results = []
        for test in command.get_tests():
            expected = test.get_local_id()
            if output == expected:
                outcome, message = Shoal.Outcome.PASSED, None
            else:
                outcome = Shoal.Outcome.FAILED
                message = 'printed %r, expected %r' % (output, expected)
            results.append(Shoal.Adapter.result_for_execution(test, execution, outcome, message))
        return results


class DefaultKeyAdapter(GObject.Object, Shoal.Adapter):
    """Batches, and leaves the batch key to the interface."""

    def do_can_batch(self):
        return True


# Not a subclass of DefaultKeyAdapter: PyGObject would hook the override
# into the parent's interface vtable as well.
class KeyedAdapter(GObject.Object, Shoal.Adapter):
    """Batches by a key of its own: the test's first letter, none for a
    test named 'alone'."""

    def do_can_batch(self):
        return True

    def do_get_batch_key(self, test):
        name = test.get_local_id()
        return None if name == 'alone' else name[0]


def register_default_plugins():
    """In-process plugins on the process's default registry, the one a
    project made with Shoal.Project.new_from_file() uses."""
    registry = Shoal.PluginRegistry.get_default()
    registry.register_type(Shoal.PluginKind.REPORTER, 'pyrecord', PyReporter.__gtype__)
    registry.register_type(Shoal.PluginKind.STRATEGY, 'pylifo', LifoStrategy.__gtype__)
    registry.register_type(Shoal.PluginKind.ADAPTER, 'pycommands', CommandAdapter.__gtype__)


# --- helpers --------------------------------------------------------------------

class ProjectDir:
    """A temporary directory with a shoal.yaml."""

    def __init__(self, yaml):
        self.tmp = tempfile.TemporaryDirectory(prefix='shoal-gi-')
        self.path = self.tmp.name
        self.config = os.path.join(self.path, 'shoal.yaml')
        with open(self.config, 'w') as f:
            f.write(textwrap.dedent(yaml))

    def cleanup(self):
        self.tmp.cleanup()


def read_events(run_dir):
    """The run's event stream, one Shoal.Event per line of events.ndjson."""
    events = []
    with open(os.path.join(run_dir, 'events.ndjson'), encoding='utf-8') as f:
        for line in f:
            events.append(Shoal.Event.new_from_line(line, -1))
    return events


def kinds(events):
    return [e.get_kind() for e in events]


def run_async(scheduler, cancel_after_start=None):
    """Runs @scheduler with run_async() on a GLib.MainLoop. With
    @cancel_after_start, the run is cancelled once a test has started."""
    loop = GLib.MainLoop()
    outcome = {}
    cancellable = Gio.Cancellable() if cancel_after_start else None

    def on_event(_scheduler, event):
        if cancellable is not None and event.get_kind() == Shoal.EventKind.TEST_STARTED:
            GLib.timeout_add(int(cancel_after_start * 1000), lambda: cancellable.cancel() or False)

    def done(source, result):
        try:
            outcome['summary'] = source.run_finish(result)
        except GLib.Error as e:
            outcome['error'] = e
        loop.quit()

    handler = scheduler.connect('event', on_event)
    scheduler.run_async(cancellable, done)
    GLib.timeout_add_seconds(60, lambda: loop.quit() or False)
    loop.run()
    scheduler.disconnect(handler)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['summary']


EXEC_PROJECT = '''\
max_workers: 2
timeout: 30
kill_grace: 0.2
suites:
  - name: gi
    adapter: exec
    tests:
      - name: passes
        command: [/bin/true]
      - name: fails
        command: [/bin/false]
      - name: skips
        command: [/bin/sh, -c, 'exit 77']
'''


class ShoalTestCase(unittest.TestCase):
    def make_project(self, yaml):
        project_dir = ProjectDir(yaml)
        self.addCleanup(project_dir.cleanup)
        return project_dir, Shoal.Project.new_from_file(project_dir.config)

    def assertGError(self, cm, domain, code=None):
        error = cm.exception
        self.assertEqual(error.domain, domain)
        if code is not None:
            self.assertEqual(error.code, int(code))
        return error


# --- the tests --------------------------------------------------------------------

class LoadingTest(unittest.TestCase):
    def test_typelib_from_build_tree(self):
        path = gi.Repository.get_default().get_typelib_path('Shoal')
        typelib_dirs = [d for d in os.environ.get('GI_TYPELIB_PATH', '').split(':') if d]
        if typelib_dirs:
            self.assertIn(os.path.dirname(os.path.realpath(path)),
                          [os.path.realpath(d) for d in typelib_dirs])
        self.assertTrue(path.endswith('Shoal-1.typelib'))

    def test_enums_and_quarks(self):
        self.assertEqual(Shoal.outcome_to_string(Shoal.Outcome.SKIPPED), 'skipped')
        self.assertTrue(Shoal.outcome_is_success(Shoal.Outcome.SKIPPED))
        self.assertFalse(Shoal.outcome_is_success(Shoal.Outcome.CRASHED))
        self.assertEqual(Shoal.plugin_kind_to_string(Shoal.PluginKind.REPORTER), 'reporter')
        self.assertEqual(Shoal.plugin_kind_get_interface_type(Shoal.PluginKind.REPORTER),
                         Shoal.Reporter.__gtype__)
        self.assertEqual(GLib.quark_to_string(Shoal.config_error_quark()), CONFIG_ERROR_DOMAIN)

    def test_default_plugins(self):
        registry = Shoal.PluginRegistry.get_default()
        names = {(i.get_kind(), i.get_name()) for i in registry.list()}
        self.assertIn((Shoal.PluginKind.ADAPTER, 'exec'), names)
        self.assertIn((Shoal.PluginKind.STRATEGY, 'fifo'), names)
        self.assertIn((Shoal.PluginKind.REPORTER, 'json'), names)


class ProjectTest(ShoalTestCase):
    def test_discover_and_select(self):
        _, project = self.make_project(EXEC_PROJECT)
        self.assertTrue(project.discover(None))
        self.assertEqual([t.get_id() for t in project.get_tests()],
                         ['gi::passes', 'gi::fails', 'gi::skips'])
        self.assertEqual(project.get_tests()[0].get_suite(), 'gi')
        self.assertEqual(project.get_tests()[0].get_adapter(), 'exec')
        self.assertEqual([t.get_id() for t in project.select_tests(['gi::f*'])], ['gi::fails'])
        self.assertEqual([t.get_id() for t in project.select_tests(['gi::pass', 'gi::skips'])],
                         ['gi::passes', 'gi::skips'])
        self.assertEqual(len(project.select_tests(None)), 3)
        self.assertEqual(len(project.get_warnings()), 0)

    def test_status_report_lists_quarantined_tests(self):
        _, project = self.make_project(EXEC_PROJECT)
        project.discover(None)
        history = project.get_history()
        quarantine = Shoal.QuarantineManager.new(history)
        self.assertTrue(quarantine.add('gi::fails', 'known bug', 'team', None))
        status = project.get_status_report().unpack()
        self.assertEqual(status['quarantine_manager']['quarantined_tests'], ['gi::fails'])
        self.assertEqual(status['tests'], 3)

    def test_scheduler_run_and_results(self):
        project_dir, project = self.make_project(EXEC_PROJECT)
        project.discover(None)
        scheduler = project.create_scheduler(None)
        self.assertEqual(scheduler.get_max_workers(), 2)
        summary = scheduler.run(None)

        self.assertEqual(summary.props.total_tests, 3)
        self.assertEqual(summary.get_total_tests(), 3)
        self.assertEqual(summary.get_passed_tests(), 1)
        self.assertEqual(summary.get_failed_tests(), 1)
        self.assertEqual(summary.get_skipped_tests(), 1)
        self.assertEqual(summary.count(Shoal.Outcome.ERROR), 0)
        self.assertNotEqual(summary.get_exit_status(), 0)
        self.assertFalse(summary.get_interrupted())
        self.assertGreater(summary.get_execution_time(), 0)
        self.assertEqual(summary.get_run_id(), scheduler.get_run_id())
        self.assertTrue(summary.get_run_dir().startswith(os.path.join(project_dir.path, '.shoal', 'runs')))

        results = {r.get_test_id(): r for r in summary.get_results()}
        self.assertEqual(set(results), {'gi::passes', 'gi::fails', 'gi::skips'})
        self.assertEqual(results['gi::passes'].get_outcome(), Shoal.Outcome.PASSED)
        self.assertEqual(results['gi::fails'].get_outcome(), Shoal.Outcome.FAILED)
        self.assertEqual(results['gi::fails'].get_exit_status(), 1)
        self.assertEqual(results['gi::skips'].get_outcome(), Shoal.Outcome.SKIPPED)
        self.assertEqual(results['gi::skips'].get_exit_status(), 77)
        for result in results.values():
            self.assertIn(result.get_worker_id(), ('w1', 'w2'))
            self.assertEqual(result.get_suite(), 'gi')
            self.assertEqual(result.get_attempt(), 1)
            self.assertGreaterEqual(result.get_duration(), 0)
            self.assertLess(result.get_duration(), 30)
            self.assertLessEqual(result.get_start_time(), result.get_end_time())
            self.assertTrue(os.path.exists(result.get_output_path()))
            self.assertTrue(result.is_sealed())

    def test_event_stream(self):
        _, project = self.make_project(EXEC_PROJECT)
        summary = project.create_scheduler(None).run(None)
        events = read_events(summary.get_run_dir())

        self.assertEqual(events[0].get_kind(), Shoal.EventKind.RUN_STARTED)
        self.assertEqual(events[0].get_string('run_id'), summary.get_run_id())
        self.assertEqual(events[0].get_int('tests', -1), 3)
        self.assertEqual(events[-1].get_kind(), Shoal.EventKind.RUN_FINISHED)
        self.assertEqual(events[-1].get_int('total', -1), 3)
        self.assertEqual(events[-1].get_int('exit_status', -1), summary.get_exit_status())
        self.assertEqual([e.get_sequence() for e in events], list(range(1, len(events) + 1)))
        timestamps = [e.get_timestamp() for e in events]
        self.assertEqual(timestamps, sorted(timestamps))

        finished = [e for e in events if e.get_kind() == Shoal.EventKind.TEST_FINISHED]
        self.assertEqual(len(finished), summary.get_total_tests())
        self.assertEqual(kinds(events).count(Shoal.EventKind.TEST_STARTED), 3)
        self.assertEqual(kinds(events).count(Shoal.EventKind.TEST_QUEUED), 3)
        streamed = {e.dup_result().get_test_id(): e.dup_result().get_outcome() for e in finished}
        self.assertEqual(streamed, {r.get_test_id(): r.get_outcome() for r in summary.get_results()})

    def test_event_log_read(self):
        # The events outlive the array they came in, and a collection: run
        # in a child interpreter, so a reference-counting mistake would crash
        # there rather than take this one down.
        _, project = self.make_project(EXEC_PROJECT)
        summary = project.create_scheduler(None).run(None)
        path = os.path.join(summary.get_run_dir(), 'events.ndjson')
        code = textwrap.dedent('''\
            import sys, gc, gi
            gi.require_version('Shoal', '1')
            from gi.repository import Shoal
            events, skipped = Shoal.EventLog.read(sys.argv[1])
            gc.collect()
            print(skipped, ' '.join(e.get_kind_name() for e in events))
        ''')
        child = subprocess.run([sys.executable, '-c', code, path], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(child.returncode, 0, child.stderr)
        skipped, names = child.stdout.split(' ', 1)
        self.assertEqual(int(skipped), 0)
        self.assertEqual(names.split()[0], 'run-started')
        self.assertEqual(names.split()[-1], 'run-finished')

    def test_project_run_writes_reports(self):
        project_dir, project = self.make_project(EXEC_PROJECT + textwrap.dedent('''\
            reports:
              json: report.json
        '''))
        # Report paths in shoal.yaml are relative to its directory.
        summary = project.run(None, None)
        with open(os.path.join(project_dir.path, 'report.json')) as f:
            report = json.load(f)
        self.assertEqual(report['total_tests'], summary.get_total_tests())
        self.assertEqual(report['passed_tests'], 1)
        self.assertEqual(report['failed_tests'], 1)
        self.assertEqual(report['skipped_tests'], 1)
        self.assertEqual(sorted(r['id'] for r in report['results']),
                         ['gi::fails', 'gi::passes', 'gi::skips'])

    def test_run_async_on_a_main_loop(self):
        _, project = self.make_project(EXEC_PROJECT)
        scheduler = project.create_scheduler(['gi::passes'])
        seen = []
        scheduler.connect('event', lambda _s, event: seen.append(event.get_kind()))
        summary = run_async(scheduler)
        self.assertEqual(summary.get_total_tests(), 1)
        self.assertEqual(summary.get_passed_tests(), 1)
        self.assertEqual(summary.get_exit_status(), 0)
        self.assertEqual(seen[0], Shoal.EventKind.RUN_STARTED)
        self.assertEqual(seen[-1], Shoal.EventKind.RUN_FINISHED)

    SLOW_PROJECT = '''\
        max_workers: 1
        kill_grace: 0.2
        suites:
          - name: slow
            adapter: exec
            tests:
              - name: sleeps
                command: [/bin/sleep, '30']
    '''

    def check_interrupted(self, summary):
        self.assertTrue(summary.get_interrupted())
        self.assertEqual(summary.get_exit_status(), 130)
        [result] = summary.get_results()
        self.assertEqual(result.get_outcome(), Shoal.Outcome.ERROR)
        self.assertLess(result.get_duration(), 10)

    def test_interrupt_stops_the_run(self):
        _, project = self.make_project(self.SLOW_PROJECT)
        scheduler = project.create_scheduler(None)

        def on_event(_scheduler, event):
            if event.get_kind() == Shoal.EventKind.TEST_STARTED:
                GLib.timeout_add(200, lambda: scheduler.interrupt() or False)

        scheduler.connect('event', on_event)
        self.check_interrupted(run_async(scheduler))

    def test_cancelling_interrupts_the_run(self):
        # Cancelling interrupts the run, which still completes with its
        # summary and the exit status 130.
        _, project = self.make_project(self.SLOW_PROJECT)
        self.check_interrupted(run_async(project.create_scheduler(None), cancel_after_start=0.2))

    def test_a_scheduler_runs_once(self):
        _, project = self.make_project(EXEC_PROJECT)
        scheduler = project.create_scheduler(['gi::passes'])
        scheduler.run(None)
        with self.assertRaises(GLib.Error) as cm:
            scheduler.run(None)
        self.assertEqual(cm.exception.domain, 'shoal-scheduler-error-quark')
        self.assertEqual(cm.exception.code, int(Shoal.SchedulerError.INVALID))


class ConfigErrorTest(ShoalTestCase):
    def load(self, yaml):
        project_dir = ProjectDir(yaml)
        self.addCleanup(project_dir.cleanup)
        return project_dir.config

    def test_wrong_type(self):
        config = self.load('max_workers: lots\n')
        with self.assertRaises(GLib.Error) as cm:
            Shoal.Project.new_from_file(config)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.TYPE)
        self.assertTrue(error.message.startswith(config + ':1:14: max_workers:'), error.message)
        self.assertIn("'lots'", error.message)

    def test_unknown_key_suggests(self):
        config = self.load('timeout: 5\nmax_worker: 2\n')
        with self.assertRaises(GLib.Error) as cm:
            Shoal.Project.new_from_file(config)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.UNKNOWN_KEY)
        self.assertTrue(error.message.startswith(config + ':2:1: max_worker:'), error.message)
        self.assertIn("did you mean 'max_workers'?", error.message)

    def test_not_yaml(self):
        config = self.load('suites: [\n')
        with self.assertRaises(GLib.Error) as cm:
            Shoal.Project.new_from_file(config)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.PARSE)
        self.assertTrue(error.message.startswith(config + ':'), error.message)

    def test_missing_file(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(GLib.Error) as cm:
                Shoal.Project.new_from_file(os.path.join(d, 'shoal.yaml'))
        self.assertEqual(cm.exception.domain, CONFIG_ERROR_DOMAIN)

    def test_unknown_adapter_points_at_the_suite(self):
        config = self.load('''\
            suites:
              - name: s
                adapter: exce
        ''')
        project = Shoal.Project.new_from_file(config)
        with self.assertRaises(GLib.Error) as cm:
            project.discover(None)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.INVALID)
        self.assertTrue(error.message.startswith(config + ':3:14: suites[0].adapter:'), error.message)
        self.assertIn("did you mean 'exec'?", error.message)

    def test_unknown_strategy(self):
        config = self.load('distribution_strategy: nope\nsuites: []\n')
        project = Shoal.Project.new_from_file(config)
        with self.assertRaises(GLib.Error) as cm:
            project.create_scheduler(None)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.INVALID)
        self.assertTrue(error.message.startswith(config + ':1:24: distribution_strategy:'),
                        error.message)
        self.assertIn('available:', error.message)


class PythonReporterTest(ShoalTestCase):
    def check_stream(self, events, summary):
        """What every reporter must see: the whole stream, in order."""
        self.assertEqual(events[0].get_kind(), Shoal.EventKind.RUN_STARTED)
        self.assertEqual(events[-1].get_kind(), Shoal.EventKind.RUN_FINISHED)
        self.assertEqual([e.get_sequence() for e in events], list(range(1, len(events) + 1)))
        finished = [e.dup_result().get_test_id() for e in events
                    if e.get_kind() == Shoal.EventKind.TEST_FINISHED]
        self.assertEqual(sorted(finished), sorted(r.get_test_id() for r in summary.get_results()))
        # The stream on disk is the same stream.
        on_disk = read_events(summary.get_run_dir())
        self.assertEqual([(e.get_sequence(), e.get_kind()) for e in events],
                         [(e.get_sequence(), e.get_kind()) for e in on_disk])

    def test_registered_reporter_sees_every_event(self):
        registry = Shoal.PluginRegistry.new()
        self.assertTrue(registry.register_type(Shoal.PluginKind.REPORTER, 'pyrep',
                                               PyReporter.__gtype__))
        info = registry.lookup(Shoal.PluginKind.REPORTER, 'pyrep')
        self.assertTrue(info.get_builtin())
        self.assertIsNone(info.get_info_path())

        reporter = registry.create_reporter('pyrep')
        self.assertIsInstance(reporter, PyReporter)
        self.assertIsInstance(registry.create(Shoal.PluginKind.REPORTER, 'pyrep'), PyReporter)
        self.assertTrue(reporter.open(None))

        _, project = self.make_project(EXEC_PROJECT)
        scheduler = project.create_scheduler(None)
        scheduler.add_reporter(reporter)
        signalled = []
        scheduler.connect('event', lambda _s, event: signalled.append(event.get_sequence()))
        summary = scheduler.run(None)

        self.assertEqual(reporter.opened, 1)
        self.assertEqual(reporter.closed, 1)
        self.check_stream(reporter.events, summary)
        self.assertEqual(len([e for e in reporter.events
                              if e.get_kind() == Shoal.EventKind.TEST_FINISHED]), 3)
        self.assertEqual(signalled, [e.get_sequence() for e in reporter.events])
        self.assertEqual(len(scheduler.get_warnings()), 0)

    def test_reporter_by_name_from_shoal_yaml(self):
        register_default_plugins()
        PyReporter.instances.clear()
        project_dir, project = self.make_project(EXEC_PROJECT + textwrap.dedent('''\
            reports:
              pyrecord: recorded.txt
        '''))
        summary = project.run(None, None)
        [reporter] = PyReporter.instances
        self.assertEqual(reporter.opened, 1)
        self.assertEqual(reporter.closed, 1)
        self.check_stream(reporter.events, summary)

    def test_open_receives_the_destination(self):
        # A plain string (PyGObject 3.42 cannot hand a `filename` argument to
        # a Python vfunc).
        reporter = PyReporter()
        self.assertTrue(reporter.open('out/report.txt'))
        self.assertEqual(reporter.destination, 'out/report.txt')

    def test_a_type_without_the_interface_is_refused(self):
        registry = Shoal.PluginRegistry.new()
        with self.assertRaises(GLib.Error) as cm:
            registry.register_type(Shoal.PluginKind.REPORTER, 'notone', LifoStrategy.__gtype__)
        error = self.assertGError(cm, MODULE_ERROR_DOMAIN, Shoal.ModuleError.REGISTRATION)
        self.assertIn('implementing ShoalReporter', error.message)
        with self.assertRaises(GLib.Error) as cm:
            registry.create_reporter('notone')
        self.assertGError(cm, MODULE_ERROR_DOMAIN, Shoal.ModuleError.NOT_FOUND)


LIFO_PROJECT = '''\
max_workers: 1
distribution_strategy: {strategy}
reports:
  json: {report}
suites:
  - name: order
    adapter: exec
    tests:
      - name: t1
        command: [/bin/true]
      - name: t2
        command: [/bin/true]
      - name: t3
        command: [/bin/true]
      - name: t4
        command: [/bin/true]
'''
ORDER = ['order::t1', 'order::t2', 'order::t3', 'order::t4']


class PythonStrategyTest(ShoalTestCase):
    def started_order(self, run_dir):
        return [e.get_string('test_id') for e in read_events(run_dir)
                if e.get_kind() == Shoal.EventKind.TEST_STARTED]

    def report_order(self, report_path):
        with open(report_path) as f:
            results = json.load(f)['results']
        start = {r['id']: datetime.datetime.fromisoformat(r['start'].replace('Z', '+00:00'))
                 for r in results}
        return sorted(start, key=lambda test_id: start[test_id])

    def test_lifo_runs_in_reverse_at_j1(self):
        project_dir, project = self.make_project(LIFO_PROJECT.format(strategy='fifo',
                                                                     report='unused.json'))
        strategy = LifoStrategy()
        scheduler = project.create_scheduler(None)
        scheduler.set_strategy(strategy)
        report_path = os.path.join(project_dir.path, 'lifo.json')
        scheduler.add_reporter(project.create_reporter('json', report_path))
        summary = scheduler.run(None)

        self.assertEqual(summary.get_passed_tests(), 4)
        self.assertEqual(strategy.prepared, ORDER)
        self.assertEqual(strategy.ready, [])
        expected = list(reversed(ORDER))
        self.assertEqual(self.started_order(summary.get_run_dir()), expected)
        self.assertEqual(self.report_order(report_path), expected)
        results = sorted(summary.get_results(), key=lambda r: r.get_start_time())
        self.assertEqual([r.get_test_id() for r in results], expected)
        self.assertEqual({r.get_worker_id() for r in results}, {'w1'})

    def test_strategy_by_name_from_shoal_yaml(self):
        register_default_plugins()
        project_dir, project = self.make_project(LIFO_PROJECT.format(strategy='pylifo',
                                                                     report='report.json'))
        summary = project.run(None, None)
        expected = list(reversed(ORDER))
        self.assertEqual(self.started_order(summary.get_run_dir()), expected)
        self.assertEqual(self.report_order(os.path.join(project_dir.path, 'report.json')), expected)

    def test_plan_of_a_c_strategy(self):
        # Lists of objects cross the interfaces as GLists owning their
        # elements, the same way in both directions.
        strategy = Shoal.PluginRegistry.get_default().create_strategy('fifo')
        tests = [Shoal.TestCase.new('p', 't%d' % i) for i in range(5)]
        groups = strategy.plan(tests, Shoal.DispatchContext.new(2, 1.0))
        gc.collect()
        self.assertEqual([g.get_worker_id() for g in groups], ['w1', 'w2'])
        self.assertEqual([t.get_local_id() for t in groups[0].get_tests()], ['t0', 't2', 't4'])
        self.assertEqual([t.get_local_id() for t in groups[1].get_tests()], ['t1', 't3'])
        self.assertEqual(groups[1].get_estimated_duration(), 2.0)

    def test_plan(self):
        strategy = LifoStrategy()
        tests = [Shoal.TestCase.new('p', 't%d' % i) for i in range(5)]
        context = Shoal.DispatchContext.new(2, 1.0)
        groups = strategy.plan(tests, context)
        self.assertEqual([g.get_worker_id() for g in groups], ['w1', 'w2'])
        self.assertEqual([t.get_local_id() for t in groups[0].get_tests()], ['t4', 't2', 't0'])
        self.assertEqual([t.get_local_id() for t in groups[1].get_tests()], ['t3', 't1'])
        self.assertEqual(groups[0].get_estimated_duration(), 3.0)


class ManagersFromPythonTest(ShoalTestCase):
    def test_lock_manager_breaks_a_deadlock_between_python_threads(self):
        locks = Shoal.LockManager.new()
        locks.set_detection_interval(0.1)
        locks.register_resource('lock1', 'table', True)
        locks.register_resource('lock2', 'table', True)
        both_hold_one = threading.Barrier(2)
        outcomes = {}

        def worker(name, first, second):
            locks.acquire(name, first, Shoal.LockMode.DEFAULT, 10, None)
            both_hold_one.wait()
            try:
                locks.acquire(name, second, Shoal.LockMode.DEFAULT, 10, None)
                outcomes[name] = 'finished'
            except GLib.Error as error:
                outcomes[name] = error.message
            locks.release_all(name)

        threads = [threading.Thread(target=worker, args=('test_a', 'lock1', 'lock2')),
                   threading.Thread(target=worker, args=('test_b', 'lock2', 'lock1'))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(sorted(outcomes), ['test_a', 'test_b'])
        finished = [name for name, outcome in outcomes.items() if outcome == 'finished']
        gave_way = [outcome for outcome in outcomes.values() if outcome != 'finished']
        self.assertEqual(len(finished), 1, outcomes)
        self.assertEqual(len(gave_way), 1, outcomes)
        self.assertIn('deadlock', gave_way[0])
        self.assertIn('lock1', gave_way[0])
        self.assertIn('lock2', gave_way[0])

    def test_pool_manager_hands_out_identities(self):
        pools = Shoal.ResourcePoolManager.new()
        pools.add_pool('selenium_drivers', 2)
        first = pools.acquire_resource('selenium_drivers', 'worker_1', 5, None)
        second = pools.acquire_resource('selenium_drivers', 'worker_2', 5, None)
        self.assertNotEqual(first.get_id(), second.get_id())
        status = pools.get_pool_status().unpack()['selenium_drivers']
        self.assertEqual(status['in_use'], 2)
        self.assertEqual(status['utilization'], 1.0)
        with self.assertRaises(GLib.Error) as cm:
            pools.acquire_resource('selenium_drivers', 'worker_3', 0.1, None)
        self.assertIn("waiting for 1 instance of 'selenium_drivers'", cm.exception.message)
        pools.release_resource('selenium_drivers', first.get_id(), 'worker_1')
        self.assertEqual(pools.get_pool_status().unpack()['selenium_drivers']['in_use'], 1)

    def test_environment_manager_makes_private_directories(self):
        base = tempfile.TemporaryDirectory(prefix='shoal-gi-env-')
        self.addCleanup(base.cleanup)
        manager = Shoal.EnvironmentManager.new(base.name)
        config = GLib.Variant('a{sv}', {
            'environment_variables': GLib.Variant('a{ss}', {'TEST_MODE': 'isolated'})})
        env_id = manager.create_worker_environment('worker_1', config)
        self.assertTrue(os.path.isdir(env_id))
        environment = manager.create_test_environment('worker_1', 's::t')
        variables = dict(v.split('=', 1) for v in environment.get_environment())
        self.assertEqual(variables['TEST_MODE'], 'isolated')
        self.assertTrue(variables['TMPDIR'].startswith(environment.get_directory()))
        self.assertEqual(manager.get_status().unpack()['active_environments'], 1)


class CAdapterFromPythonTest(ShoalTestCase):
    def test_discover_and_interpret_of_a_c_adapter(self):
        adapter = Shoal.PluginRegistry.get_default().create_adapter('exec')
        settings = Shoal.Settings.new_from_data(textwrap.dedent('''\
            tests:
              - name: passes
                command: [/bin/true]
              - name: fails
                command: [/bin/false]
            '''), -1, None)
        self.assertTrue(adapter.configure('c', settings))
        tests = adapter.discover(None)
        gc.collect()
        self.assertEqual([t.get_id() for t in tests], ['c::passes', 'c::fails'])

        command = adapter.prepare([tests[1]])
        self.assertEqual(command.get_argv(), ['/bin/false'])
        execution = Shoal.Execution.new(1 << 8, False, False, 1, 2, 0.5, 'w1', 1, None)
        results = adapter.interpret(command, execution)
        gc.collect()
        self.assertEqual([(r.get_test_id(), r.get_outcome()) for r in results],
                         [('c::fails', Shoal.Outcome.FAILED)])
        self.assertEqual(results[0].get_message(), 'exited with status 1')


class PythonAdapterTest(ShoalTestCase):
    def scheduler_for(self, adapter, workers=2):
        run_dir = tempfile.TemporaryDirectory(prefix='shoal-gi-run-')
        self.addCleanup(run_dir.cleanup)
        scheduler = Shoal.Scheduler.new(workers)
        scheduler.set_strategy(Shoal.PluginRegistry.get_default().create_strategy('fifo'))
        scheduler.set_run_dir(run_dir.name)
        for test in adapter.discover(None):
            self.assertTrue(scheduler.add_test(test, adapter))
        return scheduler

    def test_adapter_with_default_interpret(self):
        registry = Shoal.PluginRegistry.new()
        registry.register_type(Shoal.PluginKind.ADAPTER, 'pycommands', CommandAdapter.__gtype__)
        adapter = registry.create_adapter('pycommands')
        self.assertIsInstance(adapter, CommandAdapter)
        self.assertTrue(adapter.configure('py', None))
        self.assertFalse(adapter.can_batch())

        summary = self.scheduler_for(adapter).run(None)
        outcomes = {r.get_test_id(): r.get_outcome() for r in summary.get_results()}
        self.assertEqual(outcomes, {
            'py::passes': Shoal.Outcome.PASSED,
            'py::fails': Shoal.Outcome.FAILED,
            'py::skips': Shoal.Outcome.SKIPPED,
        })
        failed = [r for r in summary.get_results() if r.get_test_id() == 'py::fails'][0]
        self.assertEqual(failed.get_exit_status(), 1)
        self.assertIn('status 1', failed.get_message())

    def test_adapter_gives_the_batch_key(self):
        tests = {}
        for name in ['a1', 'a2', 'b1', 'alone']:
            tests[name] = Shoal.TestCase.new('py', name)
            tests[name].set_argv(['/bin/true'])
        adapter = KeyedAdapter()
        self.assertEqual([adapter.get_batch_key(tests[n]) for n in ['a1', 'a2', 'b1', 'alone']],
                         ['a', 'a', 'b', None])
        # Without a key of its own, the interface's default: the program;
        # an adapter that cannot batch has no key.
        self.assertEqual(DefaultKeyAdapter().get_batch_key(tests['b1']), '/bin/true')
        self.assertIsNone(CommandAdapter().get_batch_key(tests['a1']))

    def test_adapter_with_its_own_interpret(self):
        adapter = EchoAdapter()
        summary = self.scheduler_for(adapter).run(None)
        results = {r.get_test_id(): r for r in summary.get_results()}
        self.assertEqual(results['echo::hello'].get_outcome(), Shoal.Outcome.PASSED)
        self.assertEqual(results['echo::bye'].get_outcome(), Shoal.Outcome.FAILED)
        self.assertEqual(results['echo::bye'].get_exit_status(), 0)
        self.assertEqual(results['echo::bye'].get_message(), "printed 'goodbye', expected 'bye'")

    def test_adapter_by_name_from_shoal_yaml(self):
        register_default_plugins()
        _, project = self.make_project('''\
            suites:
              - name: mine
                adapter: pycommands
              - name: one
                adapter: pycommands
                only: fails
        ''')
        summary = project.run(None, None)
        outcomes = {r.get_test_id(): r.get_outcome() for r in summary.get_results()}
        self.assertEqual(outcomes, {
            'mine::passes': Shoal.Outcome.PASSED,
            'mine::fails': Shoal.Outcome.FAILED,
            'mine::skips': Shoal.Outcome.SKIPPED,
            'one::fails': Shoal.Outcome.FAILED,
        })
        self.assertEqual(project.get_tests()[0].get_adapter(), 'pycommands')

    def test_adapter_configure_error_names_the_key(self):
        register_default_plugins()
        project_dir, project = self.make_project('''\
            suites:
              - name: mine
                adapter: pycommands
                onyl: fails
        ''')
        with self.assertRaises(GLib.Error) as cm:
            project.discover(None)
        error = self.assertGError(cm, CONFIG_ERROR_DOMAIN, Shoal.ConfigError.UNKNOWN_KEY)
        self.assertTrue(error.message.startswith(project_dir.config + ':4:5: suites[0].onyl:'),
                        error.message)

    def test_adapter_discovery_error_becomes_a_result(self):
        register_default_plugins()
        _, project = self.make_project('''\
            suites:
              - name: broken
                adapter: pycommands
                only: nothing
              - name: fine
                adapter: pycommands
                only: passes
        ''')
        summary = project.run(None, None)
        outcomes = {r.get_test_id(): r.get_outcome() for r in summary.get_results()}
        self.assertEqual(outcomes, {
            'broken::<discovery>': Shoal.Outcome.ERROR,
            'fine::passes': Shoal.Outcome.PASSED,
        })
        self.assertIn('suite broken: nothing to discover', list(project.get_warnings()))
        self.assertNotEqual(summary.get_exit_status(), 0)


if __name__ == '__main__':
    unittest.main()
