/**
 * A test reporter that prints nothing until the run ends, then every failure again: a CI log is read from its tail,
 * and the TAP stream puts a failure wherever its file finished. A file can fail with all its tests passed (an error
 * after a test ended, a non-zero exit, a signal): those show here with the file's exit code, signal and the runner's
 * diagnostics about activity after a test ended. Plain JavaScript: node loads reporters before `--import tsx` applies.
 */

const STDERR_LINES = 20;

/** @param {any} e the error a failed test reports */
const described = (e) => {
  const parts = [e?.failureType && `failure type ${e.failureType}`, e?.exitCode != null && `exit code ${e.exitCode}`, e?.signal && `signal ${e.signal}`].filter(Boolean);
  const cause = e?.cause instanceof Error ? (e.cause.stack ?? e.cause.message) : String(e?.cause ?? e?.message ?? e);
  return [parts.join(', '), cause].filter(Boolean).join('\n');
};

/** @param {AsyncIterable<{ type: string, data: any }>} source the runner's events */
export default async function* failureSummary(source) {
  const failures = [];
  const afterTheEnd = [];
  /** The last lines each file wrote to stderr: what a crashed file said last. */
  const stderrTail = new Map();
  for await (const event of source) {
    if (event.type === 'test:stderr' && event.data.file) {
      const lines = [...(stderrTail.get(event.data.file) ?? []), ...String(event.data.message).trimEnd().split('\n')];
      stderrTail.set(event.data.file, lines.slice(-STDERR_LINES));
    }
    if (event.type === 'test:fail') {
      const data = event.data;
      // A suite fails because a test in it did: the test is the failure worth reading.
      if (data.details.type !== 'suite') failures.push({ name: data.name, file: data.file, error: data.details.error });
    }
    if (event.type === 'test:diagnostic' && /asynchronous activity after the test ended/.test(String(event.data.message))) afterTheEnd.push(String(event.data.message));
  }
  if (failures.length === 0 && afterTheEnd.length === 0) return;
  yield `\n# ${failures.length} failed (repeated from above)\n`;
  for (const f of failures) {
    yield `\n## ${f.name}${f.file && f.file !== f.name ? `  (${f.file})` : ''}\n${described(f.error).replace(/^/gm, '   ')}\n`;
    const wholeFile = f.file === f.name;
    if (wholeFile && stderrTail.has(f.file)) yield `   its last ${STDERR_LINES} lines of stderr:\n${stderrTail.get(f.file).join('\n').replace(/^/gm, '   | ')}\n`;
  }
  for (const message of afterTheEnd) yield `\n## after a test ended\n   ${message}\n`;
}
