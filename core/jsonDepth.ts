/** How deeply a JSON value nests: requests deeper than MAX_JSON_DEPTH are refused, where they would overflow the stack. */

export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value (a scalar is 0), counted without recursion; stops counting past `limit`. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d]);
  }
  return max;
}
