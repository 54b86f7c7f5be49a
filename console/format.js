// Words and times as the console shows them. Pure (no DOM), so the unit tests run it in Node.

const rules = new Intl.PluralRules('en');

/** `plural(1, 'record')` → "1 record"; `plural(2, 'delivery', 'deliveries')` → "2 deliveries". */
export function plural(n, one, other = `${one}s`) {
  return `${n} ${rules.select(Number(n)) === 'one' ? one : other}`;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** A UTC offset in minutes east of Greenwich as a zone: "UTC", "UTC+05:30", "UTC-08:00". */
export function zoneLabel(offsetMinutes) {
  if (offsetMinutes === 0) return 'UTC';
  const abs = Math.abs(offsetMinutes);
  return `UTC${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The wall time at `offsetMinutes` of the instant `epochMs`, with its zone: "2026-12-07 01:15:04 UTC+05:30". */
export function formatAt(epochMs, offsetMinutes) {
  const d = new Date(epochMs + offsetMinutes * 60_000);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 6)}` : year > 9999 ? `+${pad(year, 6)}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${zoneLabel(offsetMinutes)}`;
}

/** The browser's local time of `date`, with its offset (the one in force at that instant). */
export const formatLocal = (date) => formatAt(date.getTime(), -date.getTimezoneOffset());

/** "in 14 s", "3 min ago", "just now". */
export function relative(date, now = Date.now()) {
  const s = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 3) return 'just now';
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86_400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

/**
 * What a pending delivery waits for, in words (its next attempt's time and a Retry-After's are shown as times beside):
 * the notification ahead of it, the callback's rate limit, and the waits it already did.
 */
export function waitsOf(d) {
  const out = [];
  if (d.waitingBehind) out.push(`behind ${d.waitingBehind.slice(0, 12)}…`);
  if (d.rateLimited) out.push(`paced at ${d.rateLimited}/s`);
  if (d.retryAfterWaits) out.push(`waited ${plural(d.retryAfterWaits, 'time')} for a Retry-After`);
  if (d.rateLimitedWaits) out.push(`waited ${plural(d.rateLimitedWaits, 'time')} for the rate limit`);
  return out;
}

/** A duration in words, to a tenth where it matters: "850 ms", "1.2 s", "42 s", "3.5 min", "2.1 h". */
export function durationText(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n) || n < 0) return '—';
  const tenth = (x) => String(Math.round(x * 10) / 10);
  if (n < 999.5) return `${Math.round(n)} ms`;
  if (n < 10_000) return `${tenth(n / 1000)} s`;
  if (n < 60_000) return `${Math.round(n / 1000)} s`;
  if (n < 3_600_000) return `${tenth(n / 60_000)} min`;
  return `${tenth(n / 3_600_000)} h`;
}
