// test-gi.js: Shoal from JavaScript (gjs), through GObject introspection
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run by meson (suite 'gjs') as `gjs tests/test-gi.js` with GI_TYPELIB_PATH
// and LD_LIBRARY_PATH pointing at the build tree's core/ and
// SHOAL_PLUGIN_PATH at its plugins and adapters. Prints TAP; exits non-zero
// when a test fails.

imports.gi.versions.GLib = '2.0';
imports.gi.versions.GObject = '2.0';
imports.gi.versions.Gio = '2.0';
imports.gi.versions.Shoal = '1';
const {GIRepository, GLib, GObject, Gio, Shoal} = imports.gi;
const System = imports.system;

// --- a small TAP harness ------------------------------------------------------

const tests = [];
function test(name, func, {todo = null} = {}) {
    tests.push({name, func, todo});
}

class AssertionError extends Error {}

function fail(message) {
    throw new AssertionError(message);
}
function assert(condition, message = 'assertion failed') {
    if (!condition)
        fail(message);
}
function assertEqual(actual, expected, what = 'value') {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        fail(`${what}: expected ${e}, got ${a}`);
}
function assertThrowsGError(func, domain, code) {
    try {
        func();
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw e;
        assert(e.matches(domain, code),
            `expected ${GLib.quark_to_string(domain)} ${code}, got ${GLib.quark_to_string(e.domain)} ${e.code}: ${e.message}`);
        return e;
    }
    fail('no GLib.Error was thrown');
    return null;
}

// --- Python's counterparts: a reporter, a strategy, an adapter ------------------

const JsReporter = GObject.registerClass({
    GTypeName: 'ShoalTestJsReporter',
    Implements: [Shoal.Reporter],
}, class JsReporter extends GObject.Object {
    _init(params = {}) {
        super._init(params);
        this.destination = undefined;
        this.opened = 0;
        this.closed = 0;
        this.events = [];
        JsReporter.instances.push(this);
    }

    vfunc_open(destination) {
        this.opened++;
        this.destination = destination;
        return true;
    }

    vfunc_handle_event(event) {
        this.events.push(event);
    }

    vfunc_close() {
        this.closed++;
        return true;
    }
});
JsReporter.instances = [];

// Last in, first out.
const LifoStrategy = GObject.registerClass({
    GTypeName: 'ShoalTestJsLifoStrategy',
    Implements: [Shoal.Strategy],
}, class LifoStrategy extends GObject.Object {
    _init(params = {}) {
        super._init(params);
        this.ready = [];
    }

    vfunc_push_ready(testCase, _context) {
        this.ready.push(testCase);
    }

    vfunc_next(workerId, context) {
        for (let i = this.ready.length - 1; i >= 0; i--) {
            if (context.can_start(this.ready[i], workerId))
                return this.ready.splice(i, 1)[0];
        }
        return null;
    }

    vfunc_plan(testCases, context) {
        const group = Shoal.TestGroup.new('w1');
        for (const t of testCases.slice().reverse())
            group.add(t, context.estimate(t));
        return [group];
    }
});

// Tests that run /bin/true and /bin/false; the core judges the exit status.
const JsAdapter = GObject.registerClass({
    GTypeName: 'ShoalTestJsAdapter',
    Implements: [Shoal.Adapter],
}, class JsAdapter extends GObject.Object {
    vfunc_configure(suiteName, _settings) {
        this.suite = suiteName;
        return true;
    }

    vfunc_discover(_cancellable) {
        return [['yes', '/bin/true'], ['no', '/bin/false']].map(([name, program]) => {
            const t = Shoal.TestCase.new(this.suite, name);
            t.set_argv([program]);
            return t;
        });
    }

    vfunc_prepare(testCases) {
        return Shoal.RunCommand.new(testCases[0].get_argv());
    }
});

// --- helpers ------------------------------------------------------------------

const EXEC_PROJECT = `\
max_workers: 2
kill_grace: 0.2
suites:
  - name: js
    adapter: exec
    tests:
      - name: passes
        command: [/bin/true]
      - name: fails
        command: [/bin/false]
      - name: skips
        command: [/bin/sh, -c, 'exit 77']
`;

const tempDirs = [];
function makeProject(yaml) {
    const dir = GLib.dir_make_tmp('shoal-gjs-XXXXXX');
    tempDirs.push(dir);
    const config = GLib.build_filenamev([dir, 'shoal.yaml']);
    GLib.file_set_contents(config, yaml);
    return {dir, config};
}

function removeTree(path) {
    const file = Gio.File.new_for_path(path);
    const info = file.query_info('standard::type', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    if (info.get_file_type() === Gio.FileType.DIRECTORY) {
        const children = file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
        let child;
        while ((child = children.next_file(null)) !== null)
            removeTree(GLib.build_filenamev([path, child.get_name()]));
    }
    file.delete(null);
}

function readEvents(runDir) {
    const [, bytes] = GLib.file_get_contents(GLib.build_filenamev([runDir, 'events.ndjson']));
    return new TextDecoder().decode(bytes).split('\n').filter(l => l.length > 0)
        .map(line => Shoal.Event.new_from_line(line, -1));
}

function runAsync(scheduler) {
    const loop = new GLib.MainLoop(null, false);
    let summary = null, error = null;
    scheduler.run_async(null, (source, result) => {
        try {
            summary = source.run_finish(result);
        } catch (e) {
            error = e;
        }
        loop.quit();
    });
    const guard = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
        error = new Error('the run did not finish within 60 s');
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    GLib.source_remove(guard);
    if (error)
        throw error;
    return summary;
}

function outcomes(summary) {
    const out = {};
    for (const r of summary.get_results())
        out[r.get_test_id()] = Shoal.outcome_to_string(r.get_outcome());
    return out;
}

function sortedKeys(object) {
    const sorted = {};
    for (const key of Object.keys(object).sort())
        sorted[key] = object[key];
    return sorted;
}

function checkStream(events, summary) {
    assert(events.length > 0, 'no events');
    assertEqual(events[0].get_kind(), Shoal.EventKind.RUN_STARTED, 'first event');
    assertEqual(events[events.length - 1].get_kind(), Shoal.EventKind.RUN_FINISHED, 'last event');
    assertEqual(events.map(e => e.get_sequence()), events.map((_e, i) => i + 1), 'sequence numbers');
    const finished = events.filter(e => e.get_kind() === Shoal.EventKind.TEST_FINISHED)
        .map(e => e.dup_result().get_test_id()).sort();
    assertEqual(finished, summary.get_results().map(r => r.get_test_id()).sort(),
        'one test-finished per result');
    const onDisk = readEvents(summary.get_run_dir());
    assertEqual(events.map(e => [e.get_sequence(), e.get_kind()]),
        onDisk.map(e => [e.get_sequence(), e.get_kind()]), 'the events on disk');
}

// --- the tests ------------------------------------------------------------------

test('the typelib comes from GI_TYPELIB_PATH', () => {
    const path = GIRepository.Repository.get_default().get_typelib_path('Shoal');
    assert(path.endsWith('Shoal-1.typelib'), path);
    const dirs = (GLib.getenv('GI_TYPELIB_PATH') || '').split(':').filter(d => d.length > 0);
    if (dirs.length > 0)
        assert(dirs.some(d => GLib.canonicalize_filename(GLib.path_get_dirname(path), null) === GLib.canonicalize_filename(d, null)), path);
});

test('Project.run gives the counts and the results', () => {
    const {config} = makeProject(EXEC_PROJECT);
    const project = Shoal.Project.new_from_file(config);
    const summary = project.run(null, null);
    assertEqual(summary.total_tests, 3, 'total_tests');
    assertEqual(summary.get_passed_tests(), 1, 'passed');
    assertEqual(summary.get_failed_tests(), 1, 'failed');
    assertEqual(summary.get_skipped_tests(), 1, 'skipped');
    assert(summary.get_exit_status() !== 0, 'a failed test fails the run');
    assertEqual(sortedKeys(outcomes(summary)),
        {'js::fails': 'failed', 'js::passes': 'passed', 'js::skips': 'skipped'}, 'outcomes');
    for (const r of summary.get_results()) {
        assert(['w1', 'w2'].includes(r.get_worker_id()), `worker ${r.get_worker_id()}`);
        assert(r.get_duration() >= 0 && r.get_duration() < 30, `duration ${r.get_duration()}`);
        assert(r.get_start_time() <= r.get_end_time(), 'start before end');
        assertEqual(r.get_attempt(), 1, 'attempt');
    }
});

test('a scheduler runs with run_async on a GLib.MainLoop', () => {
    const {config} = makeProject(EXEC_PROJECT);
    const project = Shoal.Project.new_from_file(config);
    project.discover(null);
    assertEqual(project.get_tests().map(t => t.get_id()), ['js::passes', 'js::fails', 'js::skips'], 'tests');
    const scheduler = project.create_scheduler(['js::passes', 'js::skips']);
    const signalled = [];
    scheduler.connect('event', (_s, event) => signalled.push(event.get_kind()));
    const summary = runAsync(scheduler);
    assertEqual(summary.get_total_tests(), 2, 'total');
    assertEqual(summary.get_exit_status(), 0, 'exit status');
    assertEqual(signalled[0], Shoal.EventKind.RUN_STARTED, 'first signalled');
    assertEqual(signalled[signalled.length - 1], Shoal.EventKind.RUN_FINISHED, 'last signalled');
});

test('a JavaScript reporter registered in-process sees every event in order', () => {
    const registry = Shoal.PluginRegistry.new();
    assert(registry.register_type(Shoal.PluginKind.REPORTER, 'jsrep', JsReporter.$gtype));
    assert(registry.lookup(Shoal.PluginKind.REPORTER, 'jsrep').get_builtin(), 'builtin');
    const reporter = registry.create_reporter('jsrep');
    assert(reporter instanceof JsReporter, 'created through the registry as a JsReporter');
    assert(reporter.open(null));

    const {config} = makeProject(EXEC_PROJECT);
    const project = Shoal.Project.new_from_file(config);
    const scheduler = project.create_scheduler(null);
    scheduler.add_reporter(reporter);
    const summary = runAsync(scheduler);

    assertEqual(reporter.opened, 1, 'opened');
    assertEqual(reporter.closed, 1, 'closed');
    checkStream(reporter.events, summary);
    assertEqual(reporter.events.filter(e => e.get_kind() === Shoal.EventKind.TEST_FINISHED).length, 3,
        'test-finished events');
});

test('a JavaScript reporter is selected by name in shoal.yaml', () => {
    const registry = Shoal.PluginRegistry.get_default();
    registry.register_type(Shoal.PluginKind.REPORTER, 'jsrecord', JsReporter.$gtype);
    JsReporter.instances.length = 0;
    const {dir, config} = makeProject(`${EXEC_PROJECT}reports:\n  jsrecord: recorded.txt\n`);
    const summary = Shoal.Project.new_from_file(config).run(null, null);
    assertEqual(JsReporter.instances.length, 1, 'reporters made');
    const [reporter] = JsReporter.instances;
    // Report paths in shoal.yaml are relative to its directory.
    assertEqual(reporter.destination, GLib.build_filenamev([dir, 'recorded.txt']), 'destination');
    assertEqual(reporter.closed, 1, 'closed');
    checkStream(reporter.events, summary);
});

test('a type without the interface is refused', () => {
    const registry = Shoal.PluginRegistry.new();
    const error = assertThrowsGError(
        () => registry.register_type(Shoal.PluginKind.REPORTER, 'nope', LifoStrategy.$gtype),
        Shoal.module_error_quark(), Shoal.ModuleError.REGISTRATION);
    assert(error.message.includes('implementing ShoalReporter'), error.message);
});

test('a JavaScript strategy runs tests last in, first out at -j1', () => {
    const {config} = makeProject(`\
max_workers: 1
suites:
  - name: order
    adapter: exec
    tests:
      - {name: t1, command: [/bin/true]}
      - {name: t2, command: [/bin/true]}
      - {name: t3, command: [/bin/true]}
`);
    const project = Shoal.Project.new_from_file(config);
    const scheduler = project.create_scheduler(null);
    const strategy = new LifoStrategy();
    scheduler.set_strategy(strategy);
    const summary = runAsync(scheduler);
    const started = readEvents(summary.get_run_dir())
        .filter(e => e.get_kind() === Shoal.EventKind.TEST_STARTED)
        .map(e => e.get_string('test_id'));
    assertEqual(started, ['order::t3', 'order::t2', 'order::t1'], 'start order');
    const byStart = summary.get_results().slice().sort((a, b) => a.get_start_time() - b.get_start_time());
    assertEqual(byStart.map(r => r.get_test_id()), started, 'order of start times');
    assertEqual(strategy.ready.length, 0, 'nothing left');
});

test('a JavaScript adapter runs /bin/true and /bin/false', () => {
    const registry = Shoal.PluginRegistry.new();
    registry.register_type(Shoal.PluginKind.ADAPTER, 'jsadapter', JsAdapter.$gtype);
    const adapter = registry.create_adapter('jsadapter');
    assert(adapter.configure('js', null));
    const scheduler = Shoal.Scheduler.new(2);
    scheduler.set_strategy(Shoal.PluginRegistry.get_default().create_strategy('fifo'));
    const runDir = GLib.dir_make_tmp('shoal-gjs-run-XXXXXX');
    tempDirs.push(runDir);
    scheduler.set_run_dir(runDir);
    for (const t of adapter.discover(null))
        assert(scheduler.add_test(t, adapter));
    const summary = runAsync(scheduler);
    assertEqual(sortedKeys(outcomes(summary)), {'js::no': 'failed', 'js::yes': 'passed'}, 'outcomes');
});

test('the lock, pool and environment managers work from JavaScript', () => {
    const locks = Shoal.LockManager.new();
    locks.register_resource('user_db', 'database', true);
    assert(locks.acquire('test_a', 'user_db', Shoal.LockMode.DEFAULT, 1, null), 'first holder');
    const busy = assertThrowsGError(
        () => locks.acquire('test_b', 'user_db', Shoal.LockMode.DEFAULT, 0.1, null),
        Shoal.lock_error_quark(), Shoal.LockError.TIMEOUT);
    assert(busy.message.includes("(held by test_a)"), busy.message);
    assertEqual(locks.get_status().deepUnpack()['user_db']['holders'].deepUnpack(), ['test_a'],
        'holders');
    locks.release('test_a', 'user_db');

    const pools = Shoal.ResourcePoolManager.new();
    pools.add_pool('selenium_drivers', 2);
    const first = pools.acquire_resource('selenium_drivers', 'worker_1', 1, null);
    const second = pools.acquire_resource('selenium_drivers', 'worker_2', 1, null);
    assert(first.get_id() !== second.get_id(), 'distinct identities');
    assertEqual(pools.get_pool_status().deepUnpack()['selenium_drivers']['in_use'].deepUnpack(), 2,
        'in use');
    pools.release_resource('selenium_drivers', first.get_id(), 'worker_1');
    pools.release_resource('selenium_drivers', second.get_id(), 'worker_2');

    const base = GLib.dir_make_tmp('shoal-gjs-env-XXXXXX');
    const environments = Shoal.EnvironmentManager.new(base);
    const environment = environments.create_test_environment('worker_1', 'js::t');
    const tmpdir = environment.get_environment().find(v => v.startsWith('TMPDIR='));
    assert(tmpdir && tmpdir.slice(7).startsWith(environment.get_directory()), String(tmpdir));
    environments.finish_test_environment(environment, true);
    environments.cleanup_all();
});

test('configuration errors are GLib.Errors with file:line:col', () => {
    const {config} = makeProject('max_workers: lots\n');
    const error = assertThrowsGError(() => Shoal.Project.new_from_file(config),
        Shoal.config_error_quark(), Shoal.ConfigError.TYPE);
    assert(error.message.startsWith(`${config}:1:14: max_workers:`), error.message);
});

// The events outlive their array and a collection; checked in a child gjs
// so a reference-counting mistake would crash there, not here.
test('Shoal.EventLog.read gives the events', () => {
    const {config} = makeProject(EXEC_PROJECT);
    const summary = Shoal.Project.new_from_file(config).run(['js::passes'], null);
    const path = GLib.build_filenamev([summary.get_run_dir(), 'events.ndjson']);
    const code = `
        imports.gi.versions.Shoal = '1';
        const {Shoal} = imports.gi;
        const [events] = Shoal.EventLog.read(ARGV[0]);
        imports.system.gc();
        print(events.map(e => e.get_kind_name()).join(' '));`;
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE,
    });
    launcher.setenv('G_DEBUG', 'fatal-criticals', true);
    const child = launcher.spawnv(['gjs', '-c', code, path]);
    const [, stdout, stderr] = child.communicate_utf8(null, null);
    assert(child.get_successful(), `the child failed: ${stderr.split('\n').slice(0, 3).join(' | ')}`);
    const kinds = stdout.trim().split(' ');
    assertEqual(kinds[0], 'run-started', 'first event');
    assertEqual(kinds[kinds.length - 1], 'run-finished', 'last event');
});

// --- run them -------------------------------------------------------------------

let failures = 0;
print(`1..${tests.length}`);
tests.forEach(({name, func, todo}, i) => {
    const directive = todo ? ` # TODO ${todo}` : '';
    try {
        func();
        System.gc();
        print(`ok ${i + 1} - ${name}${directive}`);
    } catch (e) {
        print(`not ok ${i + 1} - ${name}${directive}`);
        for (const line of `${e}\n${e.stack || ''}`.trim().split('\n'))
            print(`# ${line}`);
        if (!todo)
            failures++;
    }
});

for (const dir of tempDirs) {
    try {
        removeTree(dir);
    } catch (e) {
        print(`# cannot remove ${dir}: ${e.message}`);
    }
}

System.exit(failures > 0 ? 1 : 0);
