/**
 * A function of a string key computed once per key: the same few date patterns, zones and JSON paths come with every
 * record of a resource. At most `size` values are kept; past that the memory starts over (the keys come from
 * configurations, so a handful are live at a time). Computed values are shared: they must not be changed. Pure.
 */
export function memoByKey<T>(compute: (key: string) => T, size = 256): (key: string) => T {
  const kept = new Map<string, T>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = compute(key);
      if (kept.size >= size) kept.clear();
      kept.set(key, value);
    }
    return value;
  };
}
