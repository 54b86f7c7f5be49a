// A `datetime-local` input's value and an ISO-8601 instant, both ways, in the browser's time zone (the one the
// console shows times in).

/** `2026-12-07T10:15` or `2026-12-07T10:15:30` (local wall time) → ISO UTC; undefined when empty or unreadable. */
export function localToIso(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?$/.exec(String(value ?? '').trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = '0', ms = '0'] = m.slice(1);
  const d = new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(ms.padEnd(3, '0')));
  // A wall time that does not exist (a day 31 of a 30-day month) rolls over: refuse it rather than move it.
  if (Number.isNaN(d.getTime()) || d.getDate() !== Number(day) || d.getMonth() !== Number(month) - 1) return undefined;
  return d.toISOString();
}

/** An instant (ISO or epoch ms) → a `datetime-local` value to the second, in local wall time. */
export function isoToLocal(instant) {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
