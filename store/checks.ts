/** Argument checks: a bad argument is a RangeError naming it, before anything is written. */

export function checkLimit(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
}

export function checkInstanceId(value: number, name = 'instanceId'): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
}

export function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && !Number.isSafeInteger(value)) throw new RangeError(`${name} must be whole milliseconds, got ${value}`);
}

/** PostgreSQL text cannot hold NUL: refused on SQLite too, so both stores accept the same ids. */
export function checkText(name: string, value: string): void {
  if (value.includes('\0')) throw new RangeError(`${name} must not contain NUL characters`);
}

export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, got ${value}`);
}
