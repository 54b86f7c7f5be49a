/**
 * JSON paths as poller configurations write them: dotted (`_info.lastUpdated`), bracketed
 * (`['Modified Time']`, `["a.b"]`, `items[0]`) or mixed, with an optional leading `$` / `$.`.
 * Each step matches its key exactly first, then case-insensitively (the first such key in the
 * object's key order), because vendors and hand-written configurations disagree on case
 * (Sage CRM's `lead_createddate`). CEQL field names are looked up here too (elements/ceql.ts). Only own properties are read: `constructor` or `__proto__`
 * never resolve to something the record did not contain. Pure.
 */
import { memoByKey } from './memo';

const STEP_RE = /\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]|([^.[\]]+)/g;

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

/** `$.a['b c'][0].d` → ['a', 'b c', '0', 'd']. Whitespace around dotted steps is trimmed. Parsed once per path (shared: never changed). */
export const parseJsonPath: (path: string) => readonly string[] = memoByKey(parseSteps);

function parseSteps(path: string): readonly string[] {
  const steps: string[] = [];
  for (const m of path.trim().replace(/^\$(?=[.[]|$)\.?/, '').matchAll(STEP_RE)) {
    if (m[1] !== undefined) steps.push(unescape(m[1]));
    else if (m[2] !== undefined) steps.push(unescape(m[2]));
    else if (m[3] !== undefined) steps.push(m[3]);
    else if (m[4] !== undefined && m[4].trim() !== '') steps.push(m[4].trim());
  }
  return steps;
}

/** The own property `step` of `value`: exact key, else (when `loose`) the first key equal ignoring case. */
function child(value: unknown, step: string, loose: boolean): { found: boolean; value?: unknown } {
  if (value === null || typeof value !== 'object') return { found: false };
  const obj = value as Record<string, unknown>;
  if (Object.hasOwn(obj, step)) return { found: true, value: obj[step] };
  if (!loose || Array.isArray(obj)) return { found: false };
  const lower = step.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? { found: false } : { found: true, value: obj[key] };
}

function descend(value: unknown, steps: readonly string[]): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const step of steps) {
    const next = child(current, step, true);
    if (!next.found) return next;
    current = next.value;
  }
  return { found: true, value: current };
}

/**
 * The value at `path`, or undefined. An empty path is the value itself. One rule, used by the
 * diff and by CEQL alike: an exact match wins, else a case-insensitive one. A dotted path that is
 * itself a key of the value (`"Comp.Id"`, Zoho's `metaData.lastUpdateTime`) is such a match too:
 * the whole key written exactly wins over descending, descending (each step exact, else ignoring
 * case) wins over the whole key matched ignoring case.
 */
export function getPath(value: unknown, path: string): unknown {
  const steps = parseJsonPath(path);
  const whole = path.trim();
  const dotted = steps.length > 1;
  if (dotted) {
    const exact = child(value, whole, false);
    if (exact.found) return exact.value;
  }
  const walked = descend(value, steps);
  if (walked.found) return walked.value;
  return dotted ? child(value, whole, true).value : undefined;
}
