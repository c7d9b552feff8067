# shoal_pytest_plugin.py: the pytest side of Shoal's pytest adapter
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Loaded with `-p shoal_pytest_plugin` (the adapter puts this file's
# directory on PYTHONPATH). Three modes, chosen by option:
#
#   --shoal-collect=FILE   with --collect-only: one JSON line per collected
#                          item (node id, markers, xdist_group, resources,
#                          locks) and one per collection error.
#   --shoal-results=FILE   a batch run of the node ids on the command line:
#                          a "started" line before each test and a "result"
#                          line after it, flushed at once, so a crash or a
#                          hang leaves the test that was running on record.
#   --shoal-worker         a persistent worker: collects the suite once,
#                          then reads requests from standard input, one JSON
#                          line each ({"output": PATH, "env": {...},
#                          "request": {"nodeids": [...], "results": FILE}}),
#                          runs those items with module and session fixtures
#                          kept alive between requests, writes the same
#                          result lines to FILE and answers each request
#                          with one line on its standard output. Standard
#                          input at its end: the session's fixtures are torn
#                          down and the worker exits.
#
# Nothing here depends on Shoal: only the standard library and pytest.

import json
import os
import sys
import tempfile

import pytest

# Markers that are pytest's machinery, not tags a user filters on.
_NOT_TAGS = {'parametrize', 'usefixtures', 'filterwarnings', 'shoal_resource',
             'shoal_exclusive', 'xdist_group'}

# The worker's protocol channel: its original standard output, kept on a
# private descriptor before pytest's capture touches fd 1; fd 1 then goes
# where fd 2 goes, so that nothing else ever writes on the channel.
# Requests come on the original standard input, kept the same way (pytest
# points fd 0 at /dev/null while it captures).
_PROTOCOL_FD = None
_REQUEST_FD = None
if os.environ.get('SHOAL_PYTEST_WORKER') == '1':
    _PROTOCOL_FD = os.dup(1)
    _REQUEST_FD = os.dup(0)
    os.set_inheritable(_PROTOCOL_FD, False)
    os.set_inheritable(_REQUEST_FD, False)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def pytest_addoption(parser):
    group = parser.getgroup('shoal', 'Shoal adapter (internal)')
    group.addoption('--shoal-collect', metavar='FILE', default=None,
                    help='write the collected items as JSON lines to FILE')
    group.addoption('--shoal-results', metavar='FILE', default=None,
                    help='write each test result as a JSON line to FILE')
    group.addoption('--shoal-worker', action='store_true', default=False,
                    help='serve node ids read from standard input (persistent worker)')


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'shoal_resource(name, count=1): the test holds COUNT instances of '
        "Shoal's resource pool NAME while it runs")
    config.addinivalue_line(
        'markers', 'shoal_exclusive(name=None): with a name, a lock no other test holding '
        'it runs beside; without, the test runs alone')
    config.addinivalue_line(
        'markers', 'xdist_group(name): tests of one group never run at the same time')
    if config.getoption('shoal_results') or config.getoption('shoal_worker'):
        config.pluginmanager.register(_ResultWriter(config), 'shoal-result-writer')


def _marker_info(item):
    tags = []
    resources = []
    locks = []
    exclusive = False
    group = None
    for mark in item.iter_markers():
        if mark.name == 'shoal_resource':
            name = mark.args[0] if mark.args else mark.kwargs.get('name')
            count = mark.kwargs.get('count', mark.args[1] if len(mark.args) > 1 else 1)
            if name:
                resources.append('%s:%d' % (name, int(count)) if int(count) != 1 else str(name))
        elif mark.name == 'shoal_exclusive':
            name = mark.args[0] if mark.args else mark.kwargs.get('name')
            if name:
                locks.append(str(name))
            else:
                exclusive = True
        elif mark.name == 'xdist_group':
            name = mark.args[0] if mark.args else mark.kwargs.get('name')
            if name and group is None:
                group = str(name)
        elif mark.name not in _NOT_TAGS and mark.name not in tags:
            tags.append(mark.name)
    return {'markers': tags, 'resources': resources, 'locks': locks,
            'exclusive': exclusive, 'xdist_group': group}


def item_entry(item):
    """One line of the listing the adapter reads: the item's node id,
    place and what its markers ask for (also written by shoal.py)."""
    fspath, line, _ = item.location
    entry = {'event': 'item', 'nodeid': item.nodeid, 'file': fspath,
             'line': (line + 1) if line is not None else None}
    entry.update(_marker_info(item))
    return entry


def _write_line(stream, obj):
    stream.write(json.dumps(obj) + '\n')
    stream.flush()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    path = session.config.getoption('shoal_collect')
    if not path:
        return
    with open(path, 'a', encoding='utf-8') as out:
        for item in session.items:
            _write_line(out, item_entry(item))


def pytest_collectreport(report):
    if not report.failed:
        return
    config = getattr(report, 'config', None) or _CONFIG[0]
    path = config.getoption('shoal_collect') if config is not None else None
    if not path:
        return
    with open(path, 'a', encoding='utf-8') as out:
        _write_line(out, {'event': 'collect_error', 'nodeid': report.nodeid,
                          'message': _short_error(str(report.longrepr))})


def _short_error(text):
    """The `E   ` lines of a pytest traceback (they name the file and the
    line of a syntax error), else its last lines."""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith('E ')]
    if not lines:
        lines = [line.strip() for line in text.splitlines()[-5:]]
    return ' '.join(line for line in lines if line)


_CONFIG = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG[0] = session.config


class _ResultWriter:
    """Writes a "started" line when a test starts and its "result" line
    when its last phase is reported."""

    def __init__(self, config):
        self.config = config
        self.stream = None
        self.log = None
        self.reports = {}
        path = config.getoption('shoal_results')
        if path:
            self.open(path, None)

    def open(self, path, log_path):
        self.close()
        self.stream = open(path, 'a', encoding='utf-8')
        if log_path:
            self.log = open(log_path, 'a', encoding='utf-8', errors='replace')

    def close(self):
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def pytest_runtest_logstart(self, nodeid, location):
        self.reports[nodeid] = []
        if self.stream is not None:
            _write_line(self.stream, {'event': 'started', 'nodeid': nodeid, 'pid': os.getpid()})

    def pytest_runtest_logreport(self, report):
        self.reports.setdefault(report.nodeid, []).append(report)

    def pytest_runtest_logfinish(self, nodeid, location):
        reports = self.reports.pop(nodeid, [])
        result = _summarize(nodeid, reports)
        if self.stream is not None:
            _write_line(self.stream, result)
        if self.log is not None:
            self.log.write('==== %s: %s (%.3fs)\n' % (nodeid, result['outcome'], result['duration']))
            for key in ('stdout', 'stderr', 'message'):
                if result.get(key):
                    self.log.write('---- %s\n%s\n' % (key, result[key].rstrip('\n')))
            self.log.flush()


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
        return reason[len('Skipped: '):] if reason.startswith('Skipped: ') else reason
    return str(longrepr) if longrepr else 'skipped'


def _summarize(nodeid, reports):
    """One test's phases (setup, call, teardown) as one result, the way
    pytest's own summary counts them: an error in set-up or tear-down is
    an error; xfail is a skip with its reason; a non-strict xpass a pass
    with a note; a strict one pytest already makes a failure."""
    outcome = 'passed'
    message = None
    note = None
    duration = 0.0
    stdout = []
    stderr = []
    for report in reports:
        duration += getattr(report, 'duration', 0.0) or 0.0
        for name, content in report.sections:
            if name.startswith('Captured stdout') and content not in stdout:
                stdout.append(content)
            elif name.startswith('Captured stderr') and content not in stderr:
                stderr.append(content)
        wasxfail = getattr(report, 'wasxfail', None)
        if report.when == 'call':
            if report.skipped and wasxfail is not None:
                outcome, message = 'skipped', 'xfail: %s' % (wasxfail or 'expected to fail')
            elif report.passed and wasxfail is not None:
                note = 'xpass: %s' % (wasxfail or 'expected to fail, passed')
            elif report.failed:
                outcome, message = 'failed', str(report.longrepr)
            elif report.skipped:
                outcome, message = 'skipped', _skip_reason(report)
        elif report.failed:
            if outcome in ('passed', 'skipped'):
                outcome = 'error'
                message = 'error in %s: %s' % (report.when, report.longrepr)
        elif report.skipped and report.when == 'setup':
            if wasxfail is not None:
                outcome, message = 'skipped', 'xfail: %s' % (wasxfail or 'expected to fail')
            else:
                outcome, message = 'skipped', _skip_reason(report)
    result = {'event': 'result', 'nodeid': nodeid, 'outcome': outcome,
              'duration': duration, 'stdout': ''.join(stdout), 'stderr': ''.join(stderr)}
    if message is not None:
        result['message'] = message
    if note is not None:
        result['note'] = note
    return result


class _KeepParents:
    """What pytest_runtest_teardown gets as the next item in a worker: an
    item of the same parents, so that only the test's own (function
    scoped) fixtures end and its module's, class's and session's stay for
    the next request."""

    def __init__(self, item):
        self.chain = item.listchain()[:-1]

    def listchain(self):
        return list(self.chain)


def _reply(obj):
    os.write(_PROTOCOL_FD, (json.dumps(obj) + '\n').encode())


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    if not session.config.getoption('shoal_worker') or session.config.option.collectonly:
        return None
    if _PROTOCOL_FD is None:
        raise pytest.UsageError('--shoal-worker needs SHOAL_PYTEST_WORKER=1 in the environment')
    writer = session.config.pluginmanager.get_plugin('shoal-result-writer')
    by_id = {item.nodeid: item for item in session.items}
    setupstate = session._setupstate
    base_environ = dict(os.environ)
    _reply({'event': 'ready', 'pid': os.getpid(), 'items': len(by_id)})
    requests = os.fdopen(_REQUEST_FD, 'r', encoding='utf-8')
    for line in requests:
        line = line.strip()
        if not line:
            continue
        envelope = json.loads(line)
        request = envelope.get('request') or {}
        environ = envelope.get('env')
        if environ is not None:
            os.environ.clear()
            os.environ.update(environ)
            # tempfile keeps the directory it found first (pytest asked at
            # start-up): forget it, so the tests' files go to their own
            # TMPDIR as they would in a process of their own.
            tempfile.tempdir = None
        cwd = envelope.get('cwd')
        base_cwd = os.getcwd()
        if cwd and cwd != base_cwd:
            os.chdir(cwd)
        writer.open(request['results'], envelope.get('output'))
        missing = []
        for nodeid in request.get('nodeids', []):
            item = by_id.get(nodeid)
            if item is None:
                missing.append(nodeid)
                _write_line(writer.stream, {'event': 'result', 'nodeid': nodeid,
                                            'outcome': 'error', 'duration': 0.0,
                                            'message': 'the worker did not collect %s' % nodeid})
                continue
            # Leave the collectors (modules, classes) this item is not in:
            # their fixtures end here, before its own begin.
            chain = item.listchain()
            if list(setupstate.stack.keys()) != chain[:len(setupstate.stack)]:
                try:
                    setupstate.teardown_exact(_KeepParents(item))
                except Exception as e:  # a failed module teardown: said, not fatal
                    sys.stderr.write('shoal worker: tearing down before %s: %r\n' % (nodeid, e))
                    setupstate.stack.clear()
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=_KeepParents(item))
        writer.close()
        if environ is not None:
            os.environ.clear()
            os.environ.update(base_environ)
            tempfile.tempdir = None
        if os.getcwd() != base_cwd:
            os.chdir(base_cwd)
        _reply({'event': 'done', 'missing': missing})
    try:
        setupstate.teardown_exact(None)
    except Exception as e:
        sys.stderr.write('shoal worker: tearing down the session: %r\n' % (e,))
    return True
