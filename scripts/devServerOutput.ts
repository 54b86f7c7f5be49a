/**
 * What `npm start` shows of the embedded dev server's output. Its start banner repeats Pollster's (dropped); its
 * logfmt lines (`time=… level=WARN msg="…" key=value …`) become entries of the `temporal` logger, the message first,
 * then the error, then the other attributes; once stopping, only errors pass: the server's own shutdown warns for every internal poller it
 * closes ("Failed to poll for task", "network dial error"), which says nothing about Pollster. Nor does an error whose
 * cause is the shutdown itself ("context canceled": a namespace-cache refresh cut short).
 */
export type DevServerLevel = 'debug' | 'info' | 'warn' | 'error';

export type DevServerLine =
  | { kind: 'entry'; level: DevServerLevel; text: string; fields: Record<string, string> }
  | { kind: 'raw'; text: string }
  | { kind: 'drop' };

const BANNER = [/^CLI \S+ \(Server /, /^(Server|UI|Metrics):\s/, /^Stopping server\.\.\.$/];
const LEVELS: Record<string, DevServerLevel> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error', PANIC: 'error', DPANIC: 'error' };
const PAIR = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

/** logfmt key=value pairs, quoted values unquoted. */
export function logfmt(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, key, value] of line.matchAll(PAIR)) fields[key!] = unquote(value!);
  return fields;
}

export function devServerLine(line: string, stopping: boolean): DevServerLine {
  const text = line.trimEnd();
  if (text.trim() === '' || BANNER.some((re) => re.test(text))) return { kind: 'drop' };
  if (text.startsWith('time=')) {
    const { time: _time, level: rawLevel = 'INFO', msg = '', ...fields } = logfmt(text);
    const level = LEVELS[rawLevel.toUpperCase()] ?? 'info';
    if (stopping && (level !== 'error' || /context canceled/.test(fields.error ?? msg))) return { kind: 'drop' };
    const { error, 'logging-call-at': _at, stacktrace: _stack, ...details } = fields;
    const context = Object.entries(details).map(([key, value]) => `${key}: ${value}`);
    return { kind: 'entry', level, text: `${msg}${error ? `: ${error}` : ''}${context.length > 0 ? ` (${context.join(', ')})` : ''}`, fields };
  }
  // Anything else (a start failure, a panic) is shown as printed, unless it is shutdown noise.
  if (stopping && !/^(panic|fatal|error)\b/i.test(text)) return { kind: 'drop' };
  return { kind: 'raw', text };
}
