/**
 * Keys that would reach an object's prototype instead of naming a value of it. A parsed JSON value may hold them as
 * its own keys (`JSON.parse('{"__proto__": 1}')`); copied into another object by assignment, they change its
 * prototype or vanish silently. Pollster refuses them wherever a user names keys.
 */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** The prototype keys a parsed JSON value holds as its own keys, at any depth (walked without recursion). */
export function prototypeKeysIn(value: unknown): Set<string> {
  const found = new Set<string>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const key of Object.keys(v)) {
      if (PROTOTYPE_KEYS.includes(key)) found.add(key);
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return found;
}
