/** An error as one line of text: its message and its causes' (an error wrapped by another keeps its own words). */
const MAX_CHARS = 1000;
const MAX_DEPTH = 5;

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') return (value as { message: string }).message;
  return String(value);
}

export function errorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < MAX_DEPTH; depth++) {
    const text = messageOf(current).replace(/\s+/g, ' ').trim();
    // A wrapper often repeats its cause's message: say it once.
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  const line = parts.join(': ') || 'unknown error';
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
}
