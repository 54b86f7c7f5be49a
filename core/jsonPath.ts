/**
 * JSON paths as poller configurations write them: dotted (`_info.lastUpdated`), bracketed
 * (`['Modified Time']`, `items[0]`) or mixed. Each step matches its key exactly first, then
 * case-insensitively, because vendors and hand-written configurations disagree on case.
 */

export function parseJsonPath(path: string): string[] {
  const steps: string[] = [];
  const re = /\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]|([^.[\]]+)/g;
  for (const m of path.trim().replace(/^\$\.?/, '').matchAll(re)) {
    steps.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  return steps;
}

export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const step of parseJsonPath(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    const obj = current as Record<string, unknown>;
    if (step in obj) {
      current = obj[step];
      continue;
    }
    const lower = step.toLowerCase();
    const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
    if (key === undefined) return undefined;
    current = obj[key];
  }
  return current;
}
