# shoal.py: run a pytest session's tests through Shoal
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The seed's CI form:
#
#   python3 -m pytest -p shoal --parallel-workers=8 --parallel-timeout=300
#
# With this directory on PYTHONPATH, `-p shoal` loads this plugin. When
# --parallel-workers is given, pytest collects as usual (paths, -k, -m,
# --deselect and the rest all apply), then instead of running the tests
# itself it writes a shoal.yaml with one pytest suite, runs the `shoal`
# command ($SHOAL, else `shoal` on PATH) on it with `-j N --timeout T
# -r json=REPORT`, and reports each of Shoal's results back into pytest:
# the terminal summary counts them and the exit status is 1 when a test did
# not pass. REPORT (--parallel-report, default
# parallel_execution_report.json) is Shoal's JSON report.
#
# Shoal runs exactly the tests this session collected: it takes them from
# the session's own collection (the suite's `collection:`), without
# collecting again, and the suite's pytest processes load this plugin too,
# with --shoal-select=FILE, which deselects every item whose node id is
# not in FILE. The shoal.yaml and
# Shoal's history (.shoal/) are kept in pytest's cache directory
# (.pytest_cache/d/shoal), so that a second run schedules by the durations
# of the first; with the cache plugin off, in a temporary directory.
#
# A resource a `shoal_resource` mark names gets a pool as big as the
# largest single request (so the tests that need it take turns).
#
# Without --parallel-workers the plugin does nothing.

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

REPORT_DEFAULT = 'parallel_execution_report.json'
# Set for Shoal and so for the pytest processes it starts: they run the
# tests themselves even when PYTEST_ADDOPTS or an ini file's addopts says
# --parallel-workers.
CHILD_ENV = 'SHOAL_PYTEST_PARALLEL_CHILD'
SUITE = 'pytest'


def _workers(value):
    if value == 'auto':
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(value)
    return number


_workers.__name__ = "a number of workers (a positive integer or 'auto')"


def _seconds(value):
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


_seconds.__name__ = 'a number of seconds (greater than 0)'


def pytest_addoption(parser):
    group = parser.getgroup('shoal', 'running the tests through Shoal')
    group.addoption('--parallel-workers', metavar='N', type=_workers, default=None,
                    help="run the collected tests through Shoal on N workers ('auto': "
                    'one per CPU)')
    group.addoption('--parallel-timeout', metavar='SECONDS', type=_seconds, default=None,
                    help='with --parallel-workers: kill a test after SECONDS')
    group.addoption('--parallel-report', metavar='FILE', default=REPORT_DEFAULT,
                    help='with --parallel-workers: where Shoal writes its JSON report '
                    '(default: %s)' % REPORT_DEFAULT)
    group.addoption('--shoal-select', metavar='FILE', default=None,
                    help='run only the tests whose node ids FILE lists, one a line '
                    '(used by --parallel-workers)')


def _parallel(config):
    return (config.getoption('parallel_workers') is not None and
            not os.environ.get(CHILD_ENV))


def _find_shoal():
    shoal = os.environ.get('SHOAL')
    if shoal:
        if not os.access(shoal, os.X_OK) or os.path.isdir(shoal):
            raise pytest.UsageError('--parallel-workers: $SHOAL (%s) is not an executable '
                                    'file' % shoal)
        return shoal
    shoal = shutil.which('shoal')
    if shoal is None:
        raise pytest.UsageError('--parallel-workers needs the `shoal` command: it is not on '
                                'PATH and $SHOAL is not set')
    return shoal


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'shoal_resource(name, count=1): the test holds COUNT instances of '
        "Shoal's resource pool NAME while it runs")
    config.addinivalue_line(
        'markers', 'shoal_exclusive(name=None): with a name, a lock no other test holding '
        'it runs beside; without, the test runs alone')
    if _parallel(config):
        # Fail before collection when there is no Shoal to run the tests.
        config._shoal_command = _find_shoal()


def pytest_collection_modifyitems(session, config, items):
    select = config.getoption('shoal_select')
    if select is None:
        return
    try:
        with open(select, encoding='utf-8') as f:
            wanted = {line.rstrip('\n') for line in f if line.strip()}
    except OSError as e:
        raise pytest.UsageError('--shoal-select: %s' % e)
    kept = [item for item in items if item.nodeid in wanted]
    deselected = [item for item in items if item.nodeid not in wanted]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _state_dir(config):
    cache = getattr(config, 'cache', None)
    if cache is not None:
        try:
            return str(cache.mkdir('shoal')), None
        except OSError:
            pass
    temporary = tempfile.mkdtemp(prefix='shoal-pytest-')
    return temporary, temporary


def _resource_pools(items):
    """Each resource a shoal_resource mark names, as a pool just big enough
    for the largest single request: the tests that need it take turns."""
    pools = {}
    for item in items:
        for mark in item.iter_markers('shoal_resource'):
            name = mark.args[0] if mark.args else mark.kwargs.get('name')
            count = mark.kwargs.get('count', mark.args[1] if len(mark.args) > 1 else 1)
            if name:
                pools[str(name)] = max(pools.get(str(name), 1), int(count))
    return pools


def _write_config(directory, config, items, workers):
    rootdir = str(config.rootpath)
    select = os.path.join(directory, 'selected.txt')
    with open(select, 'w', encoding='utf-8') as f:
        for item in items:
            f.write(item.nodeid + '\n')
    paths = []
    for item in items:
        path = str(item.path)
        if path not in paths:
            paths.append(path)
    # What this session collected, in the listing format of the adapter's
    # own discovery, so that Shoal does not collect the suite once more.
    from shoal_pytest_plugin import item_entry

    collection = os.path.join(directory, 'collection.jsonl')
    with open(collection, 'w', encoding='utf-8') as f:
        for item in items:
            f.write(json.dumps(item_entry(item)) + '\n')
    args = ['-p', 'shoal', '--shoal-select=' + select]
    if config.inipath is not None:
        args.append('--config-file=' + str(config.inipath))
    suite = {
        'name': SUITE,
        'adapter': 'pytest',
        'python': sys.executable,
        'cwd': rootdir,
        'paths': paths,
        'args': args,
        'collection': collection,
    }
    document = {'max_workers': 'auto' if workers == 'auto' else workers, 'suites': [suite]}
    pools = _resource_pools(items)
    if pools:
        document['resource_pools'] = pools
    path = os.path.join(directory, 'shoal.yaml')
    # JSON is YAML: no quoting questions for odd paths or node ids.
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(document, f, indent=2)
        f.write('\n')
    return path


def _longrepr(result):
    outcome = result.get('outcome')
    message = result.get('message') or ''
    if outcome in ('crashed', 'timeout'):
        return '%s (Shoal): %s' % (outcome, message) if message else outcome + ' (Shoal)'
    return message or outcome


def _report_item(item, result):
    """Give pytest one test's result from Shoal, as its own runner would:
    log start, one report (the set-up's for a skip or an error, else the
    call's), log finish."""
    from _pytest.reports import TestReport

    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    keywords = {x: 1 for x in item.keywords}
    duration = float(result.get('duration') or 0) if result else 0.0
    if result is None:
        when, outcome = 'call', 'failed'
        longrepr = 'not run: Shoal reported no result for this test'
    else:
        message = result.get('message') or ''
        shoal_outcome = result.get('outcome')
        when, outcome, longrepr = 'call', 'passed', None
        if shoal_outcome == 'passed':
            pass
        elif shoal_outcome == 'skipped':
            if message.startswith('xfail: ') or message == 'xfail':
                outcome = 'skipped'
            else:
                when, outcome = 'setup', 'skipped'
                path, lineno = item.location[0], item.location[1]
                reason = message[len('Skipped: '):] if message.startswith('Skipped: ') else message
                longrepr = (str(item.path), (lineno or 0) + 1, reason or 'skipped')
        elif shoal_outcome == 'error':
            when, outcome, longrepr = 'setup', 'failed', _longrepr(result)
        else:
            outcome, longrepr = 'failed', _longrepr(result)
    report = TestReport(item.nodeid, item.location, keywords, outcome, longrepr, when,
                        duration=duration)
    if result is not None:
        message = result.get('message') or ''
        if result.get('outcome') == 'skipped' and message.startswith('xfail'):
            report.wasxfail = message[len('xfail: '):]
        elif result.get('outcome') == 'passed' and message.startswith('xpass'):
            report.wasxfail = message[len('xpass: '):]
    ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    config = session.config
    if not _parallel(config):
        return None
    if session.testsfailed and not config.option.continue_on_collection_errors:
        raise session.Interrupted('%d error%s during collection' %
                                  (session.testsfailed, '' if session.testsfailed == 1 else 's'))
    if config.option.collectonly or not session.items:
        return True

    workers = config.getoption('parallel_workers')
    timeout = config.getoption('parallel_timeout')
    report_path = os.path.join(str(config.invocation_params.dir),
                               config.getoption('parallel_report'))
    directory, temporary = _state_dir(config)
    try:
        yaml = _write_config(directory, config, session.items, workers)
        argv = [config._shoal_command, 'run', '--config', yaml, '--report',
                'json=' + report_path]
        if workers != 'auto':
            argv += ['--jobs', str(workers)]
        if timeout is not None:
            argv += ['--timeout', repr(timeout)]
        env = dict(os.environ)
        env[CHILD_ENV] = '1'
        try:
            os.unlink(report_path)
        except FileNotFoundError:
            pass
        proc = subprocess.run(argv, cwd=str(config.rootpath), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # 0: all passed, 1: some test did not; anything else is Shoal's
        # own trouble (a configuration error, an interruption).
        if proc.returncode not in (0, 1) or not os.path.exists(report_path):
            raise pytest.UsageError('shoal exited with status %d:\n%s%s' %
                                    (proc.returncode, proc.stdout, proc.stderr))
        with open(report_path, encoding='utf-8') as f:
            report = json.load(f)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)

    prefix = SUITE + '::'
    results = {r['id'][len(prefix):]: r for r in report.get('results', [])
               if r.get('id', '').startswith(prefix)}
    for item in session.items:
        _report_item(item, results.get(item.nodeid))
        if session.shouldfail or session.shouldstop:
            break
    terminal = config.pluginmanager.get_plugin('terminalreporter')
    if terminal is not None:
        terminal.write_sep('-', 'Shoal ran %d tests on %s workers; report: %s' %
                           (len(results), workers, report_path))
    return True
