/**
 * What `npm start` shows of the dev server: its start banner dropped (Pollster's says the same), its log lines as
 * entries with the message, the error and the other attributes, and, once stopping, only errors (its own shutdown
 * warns about every internal poller and dial it closes). The lines are shaped as the Temporal CLI 1.5.1 dev server
 * prints them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devServerLine, logfmt } from '../../scripts/devServerOutput';

const POLL_WARN =
  'time=2026-12-06T20:42:54.032 level=WARN msg="Failed to poll for task." service=worker Namespace=temporal-system TaskQueue=temporal-sys-history-scanner-taskqueue-0 WorkerID=temporal-system@127.0.0.1:45843 WorkerType=WorkflowWorker Error="closing transport due to: connection error: desc = \\"error reading from server: EOF\\""';
const DIAL_WARN =
  'time=2026-12-06T20:42:54.036 level=WARN msg="network dial error" service=client address=127.0.0.1:36275 totalDuration=28.623µs error="dial tcp 127.0.0.1:36275: connect: connection refused" error-type=net.OpError';
const STARTUP_ERROR = 'time=2026-12-06T20:40:00.000 level=ERROR msg="Unable to start server" error="listen tcp 127.0.0.1:7233: bind: address already in use"';

test('devServerLine: banner dropped, log lines as entries, shutdown noise dropped once stopping', () => {
  const table: [string, boolean, ReturnType<typeof devServerLine>['kind'], string?, string?][] = [
    ['CLI 0.0.0-DEV (Server 1.29.1, UI 2.42.1)', false, 'drop'],
    ['', false, 'drop'],
    ['Server:  localhost:42353', false, 'drop'],
    ['UI:      http://localhost:42217', false, 'drop'],
    ['Metrics: http://localhost:33557/metrics', false, 'drop'],
    ['Stopping server...', true, 'drop'],
    // While running, its warnings are Pollster's business (the server Pollster needs is unwell).
    [DIAL_WARN, false, 'entry', 'warn', 'network dial error: dial tcp 127.0.0.1:36275: connect: connection refused (service: client, address: 127.0.0.1:36275, totalDuration: 28.623µs, error-type: net.OpError)'],
    ['time=2026-12-06T21:25:00.101 level=WARN msg="Slow gRPC call" service=frontend', false, 'entry', 'warn', 'Slow gRPC call (service: frontend)'],
    [STARTUP_ERROR, false, 'entry', 'error', 'Unable to start server: listen tcp 127.0.0.1:7233: bind: address already in use'],
    // Once stopping, its own shutdown: nothing but errors.
    [DIAL_WARN, true, 'drop'],
    [POLL_WARN, true, 'drop'],
    [STARTUP_ERROR, true, 'entry', 'error'],
    // An error caused by the shutdown itself (seen in CI: the namespace cache refreshed as the server stopped).
    ['time=2026-12-07T00:24:20.001 level=ERROR msg="Error refreshing namespace cache" service=history error="ListNamespaces operation failed. Failed to get namespace rows. Error: context canceled"', true, 'drop'],
    ['time=2026-12-07T00:24:20.001 level=ERROR msg="Error refreshing namespace cache" service=history error="ListNamespaces operation failed. Failed to get namespace rows. Error: context canceled"', false, 'entry', 'error'],
    ['time=2026-12-06T20:42:54.036 level=INFO msg="frontend stopped"', true, 'drop'],
    // Plain text: shown while running (a start failure says why), and a panic even when stopping.
    ['Error: failed to open database', false, 'raw', undefined, 'Error: failed to open database'],
    ['panic: runtime error: invalid memory address', true, 'raw', undefined, 'panic: runtime error: invalid memory address'],
    ['some other line', true, 'drop'],
  ];
  for (const [line, stopping, kind, level, text] of table) {
    const shown = devServerLine(line, stopping);
    assert.equal(shown.kind, kind, `${stopping ? 'stopping' : 'running'}: ${line}`);
    if (shown.kind === 'entry') {
      assert.equal(shown.level, level);
      if (text) assert.equal(shown.text, text);
    }
    if (shown.kind === 'raw' && text) assert.equal(shown.text, text);
  }
});

test('logfmt: bare and quoted values, escaped quotes inside', () => {
  assert.deepEqual(logfmt(POLL_WARN), {
    time: '2026-12-06T20:42:54.032',
    level: 'WARN',
    msg: 'Failed to poll for task.',
    service: 'worker',
    Namespace: 'temporal-system',
    TaskQueue: 'temporal-sys-history-scanner-taskqueue-0',
    WorkerID: 'temporal-system@127.0.0.1:45843',
    WorkerType: 'WorkflowWorker',
    Error: 'closing transport due to: connection error: desc = "error reading from server: EOF"',
  });
  assert.deepEqual(logfmt('a= b="" c=x=y'), { a: '', b: '', c: 'x=y' });
});
