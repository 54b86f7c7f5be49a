/** The previous release's boundary set rule, unchanged (see ./instance.ts). */

/** Problem records have no usable (id, date) identity, so they are keyed by content. */
export const PROBLEM_KEY_PREFIX = '!';

export const MAX_PROBLEM_KEYS = 500;

/**
 * The boundary set to keep with a new checkpoint: keys of reported changes whose date is after the
 * next poll's `since` (they may be returned again by an inclusive or delayed query), plus the most
 * recent problem keys (so a record that never parses is reported once, not every poll).
 */
export function nextBoundary(previous: readonly string[], reported: readonly { key: string; dateMs: number }[], nextSinceMs: number): string[] {
  const problems: string[] = previous.filter((k) => k.startsWith(PROBLEM_KEY_PREFIX));
  const keep = new Set<string>();
  for (const key of previous) {
    if (key.startsWith(PROBLEM_KEY_PREFIX)) continue;
    const at = Number(key.slice(key.lastIndexOf('@') + 1));
    if (at > nextSinceMs) keep.add(key);
  }
  for (const { key, dateMs } of reported) {
    if (key.startsWith(PROBLEM_KEY_PREFIX)) problems.push(key);
    else if (dateMs > nextSinceMs) keep.add(key);
  }
  const recentProblems = [...new Set(problems.reverse())].slice(0, MAX_PROBLEM_KEYS).reverse();
  return [...keep, ...recentProblems];
}
