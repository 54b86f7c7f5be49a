import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatJavaDate, parseJavaDate, resolveZone, toIsoSeconds } from '../../core/javaDate';

const ms = (iso: string): number => Date.parse(iso);

// VECTORS-BEGIN
/**
 * [pattern, zone, instant, expected]. Every expected string is the output of Java 17
 * `new SimpleDateFormat(pattern, Locale.US)` with `setTimeZone(TimeZone.getTimeZone(zone))`
 * (offset zones such as "-6:00" given to Java as "GMT-06:00", since Java itself falls back to
 * GMT for "-6:00"). Patterns cover every format of Cloud Elements' published poller configurations.
 */
const FORMAT: [pattern: string, zone: string, at: string, out: string][] = [
  // The seed elements' and docs' URL formats (gmtDate = GMT, date = UTC)
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'GMT', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'UTC', '2018-07-31T19:39:46.999Z', '2018-07-31T19:39:46Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'GMT', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'UTC', '2018-01-15T10:00:00Z', '2018-01-15T10:00:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", '-6:00', '2017-06-12T14:09:00Z', '2017-06-12T08:09:00-06:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", '+6:00', '2017-06-12T14:09:00Z', '2017-06-12T20:09:00+06:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", '-8:00', '2017-06-12T14:09:00Z', '2017-06-12T06:09:00-08:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2017-06-12T14:09:00Z', '2017-06-12T08:09:00-06:00'],
  ["yyyy-MM-dd'T'HH:mm:ssX", 'GMT', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ssX", '+05:30', '2017-06-12T14:09:00Z', '2017-06-12T19:39:00+05'],
  ["yyyy-MM-dd'T'HH:mm:ssX", 'Asia/Kolkata', '2019-12-31T23:59:59.451Z', '2020-01-01T05:29:59+05'],
  ["yyyy-MM-dd'T'HH:mm:ssXX", '+05:30', '2017-06-12T14:09:00Z', '2017-06-12T19:39:00+0530'],
  ["yyyy-MM-dd'T'HH:mm:ssXX", 'UTC', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'America/Los_Angeles', '2017-06-12T14:09:00Z', '2017-06-12T07:09:00-0700'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'GMT', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00+0000'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'Asia/Kolkata', '2019-12-31T23:59:59.451Z', '2020-01-01T05:29:59+0530'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'America/St_Johns', '2017-06-12T14:09:00Z', '2017-06-12T11:39:00-0230'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'America/Denver', '2019-12-31T23:59:59.451Z', '2019-12-31T16:59:59.451-07:00'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'GMT', '2020-02-29T23:59:59.999Z', '2020-02-29T23:59:59.999Z'],
  // SSSSSS is milliseconds zero-padded to six digits in Java, not microseconds
  ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", 'GMT', '2017-05-18T21:55:26.451Z', '2017-05-18T21:55:26.000451Z'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '2017-06-12T14:09:00Z', '2017-06-12 14:09:00'],
  ['yyyy-MM-dd HH:mm:ss', 'MST', '2017-06-12T14:09:00Z', '2017-06-12 07:09:00'],
  ['MM/dd/yyyy HH:mm:ss', 'GMT', '2017-06-12T14:09:00Z', '06/12/2017 14:09:00'],
  ["MM/dd/yyy'T'HH:mm:ssXXX", 'GMT', '2017-06-12T14:09:00Z', '06/12/2017T14:09:00Z'], // yyy is a 4-digit year
  ["yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", 'America/Denver', '2017-06-12T14:09:00Z', '2017-06-12T08:09:00.000Z'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'PST', '2017-06-12T14:09:00Z', '2017-06-12T07:09:00.000'], // PST follows DST in Java
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'PST', '2018-01-15T10:00:00Z', '2018-01-15T02:00:00.000'],
  ["yyyy-MM-dd'T'HH:mm:ss", 'EST', '2017-06-12T14:09:00Z', '2017-06-12T09:09:00'], // EST is fixed -05:00
  ["yyyy-MM-dd'T'HH:mm:ss", 'MST', '2018-01-15T10:00:00Z', '2018-01-15T03:00:00'],
  ["yyyy-MM-dd'T'HH:mm:ss", 'HST', '2017-06-12T14:09:00Z', '2017-06-12T04:09:00'],
  ["yyyy-MM-dd'T'HH:mm:ss", 'CST', '2017-06-12T14:09:00Z', '2017-06-12T09:09:00'], // America/Chicago, CDT
  ["yyyy-MM-dd'T'HH:mm:ss", 'America/Denver', '2018-01-15T10:00:00Z', '2018-01-15T03:00:00'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2017-06-12T14:09:00Z', '2017-06-12 08:09:00'],
  // Short fields, names, 12/24-hour clocks
  ['yy-M-d H:m:s.S', 'GMT', '2019-12-31T23:59:59.451Z', '19-12-31 23:59:59.451'],
  ['yy-MM-dd', 'GMT', '2005-03-04T00:00:00Z', '05-03-04'],
  ['EEE, dd MMM yyyy HH:mm:ss z', 'GMT', '2017-06-12T14:09:00Z', 'Mon, 12 Jun 2017 14:09:00 GMT'],
  ['EEEE MMMM d yyyy', 'GMT', '2017-06-12T14:09:00Z', 'Monday June 12 2017'],
  ['MMM dd yyyy hh:mm a', 'America/Denver', '2017-06-12T14:09:00Z', 'Jun 12 2017 08:09 AM'],
  ['MMM dd yyyy hh:mm a', 'GMT', '2018-01-15T10:00:00Z', 'Jan 15 2018 10:00 AM'],
  ['MMM dd yyyy hh:mm a', 'GMT', '2018-09-05T23:05:00Z', 'Sep 05 2018 11:05 PM'],
  ['hh:mm a kk KK h H', 'GMT', '2018-01-15T10:00:00Z', '10:00 AM 10 10 10 10'],
  ['hh:mm a kk KK h H', 'GMT', '2018-01-15T00:00:00Z', '12:00 AM 24 00 12 0'],
  ['hh:mm a kk KK h H', 'GMT', '2018-01-15T12:00:00Z', '12:00 PM 12 00 12 12'],
  ['yyyyMMddHHmmss', 'GMT', '2017-06-12T14:09:00Z', '20170612140900'],
  ["'at' h 'o''clock' ''", 'GMT', '2017-06-12T14:09:00Z', "at 2 o'clock '"],
  ['yyyyy.MMMMM.dd hh:mm aaa', 'GMT', '2017-06-12T14:09:00Z', '02017.June.12 02:09 PM'],
  // `z`: Java's Date.toString() format (used for createdDate in notifications)
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', '2017-06-12T14:09:00Z', 'Mon Jun 12 14:09:00 GMT 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'UTC', '2017-06-12T14:09:00Z', 'Mon Jun 12 14:09:00 UTC 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'America/Denver', '2017-06-12T14:09:00Z', 'Mon Jun 12 08:09:00 MDT 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'America/Denver', '2018-01-15T10:00:00Z', 'Mon Jan 15 03:00:00 MST 2018'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'EST', '2017-06-12T14:09:00Z', 'Mon Jun 12 09:09:00 EST 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'MST', '2017-06-12T14:09:00Z', 'Mon Jun 12 07:09:00 MST 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'HST', '2017-06-12T14:09:00Z', 'Mon Jun 12 04:09:00 HST 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'PST', '2017-06-12T14:09:00Z', 'Mon Jun 12 07:09:00 PDT 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'CST', '2017-06-12T14:09:00Z', 'Mon Jun 12 09:09:00 CDT 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', '-6:00', '2017-06-12T14:09:00Z', 'Mon Jun 12 08:09:00 GMT-06:00 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'Europe/London', '2017-06-12T14:09:00Z', 'Mon Jun 12 15:09:00 BST 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'Europe/Paris', '2017-06-12T14:09:00Z', 'Mon Jun 12 16:09:00 CEST 2017'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'CET', '2018-01-15T10:00:00Z', 'Mon Jan 15 11:00:00 CET 2018'],
  ['EEE MMM dd HH:mm:ss zzzz yyyy', 'America/Denver', '2017-06-12T14:09:00Z', 'Mon Jun 12 08:09:00 Mountain Daylight Time 2017'],
  ['EEE MMM dd HH:mm:ss zzzz yyyy', 'GMT', '2017-06-12T14:09:00Z', 'Mon Jun 12 14:09:00 Greenwich Mean Time 2017'],
  ['EEE MMM dd HH:mm:ss zzzz yyyy', 'UTC', '2017-06-12T14:09:00Z', 'Mon Jun 12 14:09:00 Coordinated Universal Time 2017'],
  // DST in America/Denver: spring forward 2021-03-14 09:00Z, fall back 2021-11-07 08:00Z
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2021-03-14T08:59:59Z', '2021-03-14T01:59:59-07:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2021-03-14T09:00:00Z', '2021-03-14T03:00:00-06:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2021-11-07T07:30:00Z', '2021-11-07T01:30:00-06:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2021-11-07T08:30:00Z', '2021-11-07T01:30:00-07:00'],
  // Leap day and year boundaries
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2020-03-01T05:00:00Z', '2020-02-29T22:00:00-07:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", '-5:00', '2020-01-01T04:59:59Z', '2019-12-31T23:59:59-05:00'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", '+14:00', '2019-12-31T23:59:59.451Z', '2020-01-01T13:59:59+14:00'],
  ['MM/dd/yy', 'GMT', '1999-12-31T23:59:59Z', '12/31/99'],
  ['MM/dd/yy', 'GMT', '2000-01-01T00:00:00Z', '01/01/00'],
];

/**
 * [pattern, zone, text, expected instant (undefined = does not parse), note]. Vectors without a
 * note agree with Java 17's SimpleDateFormat.parse; a note says where Pollster deliberately
 * differs (fractions, strictness, lenient offset forms, whole-word zone names).
 */
const PARSE: [pattern: string | undefined, zone: string | undefined, text: unknown, want: string | undefined, note?: string][] = [
  // A quoted 'Z' is a literal: the wall clock is read in the field's zone
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'GMT', '2017-06-12T14:09:00Z', '2017-06-12T14:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'EST', '2017-06-12T14:09:00Z', '2017-06-12T19:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'America/Denver', '2017-06-12T14:09:00Z', '2017-06-12T20:09:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ss'Z'", undefined, '2018-07-31T19:39:46Z', '2018-07-31T19:39:46Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'GMT', '2018-07-31T13:39:46-06:00', '2018-07-31T19:39:46Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'GMT', '2017-05-18T21:55:26Z', '2017-05-18T21:55:26Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2017-02-28T16:11:29-06:00', '2017-02-28T22:11:29Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'GMT', '2017-05-18T21:55:26-0600', '2017-05-19T03:55:26Z', 'Java: XXX rejects -0600'],
  ["yyyy-MM-dd'T'HH:mm:ssX", 'GMT', '2017-05-18T21:55:26-06', '2017-05-19T03:55:26Z'],
  ["yyyy-MM-dd'T'HH:mm:ssX", 'GMT', '2017-05-18T21:55:26+0530', '2017-05-18T16:25:26Z', 'Java: X reads +05, ignores "30"'],
  ["yyyy-MM-dd'T'HH:mm:ssX", 'GMT', '2017-05-18T21:55:26Z', '2017-05-18T21:55:26Z'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'GMT', '2017-05-18T21:55:26-0800', '2017-05-19T05:55:26Z'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'GMT', '2017-05-18T21:55:26+0000', '2017-05-18T21:55:26Z'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'GMT', '2017-05-18T21:55:26Z', '2017-05-18T21:55:26Z', 'Java: Z rejects "Z"'],
  ["yyyy-MM-dd'T'HH:mm:ssZ", 'GMT', '2017-05-18T21:55:26-08:00', '2017-05-19T05:55:26Z', 'Java: Z rejects -08:00'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'GMT', '2019-12-31T16:59:59.451-07:00', '2019-12-31T23:59:59.451Z'],
  // Fractions of a second: Java would read "451000" as 451000 ms
  ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", 'GMT', '2017-05-18T21:55:26.451000+00:00', '2017-05-18T21:55:26.451Z', 'fraction'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'PST', '2017-06-12T07:09:00.5', '2017-06-12T14:09:00.500Z', 'fraction'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'GMT', '2017-06-12T07:09:00.1234567', '2017-06-12T07:09:00.123Z', 'fraction'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'GMT', '2017-06-12T07:09:00.045', '2017-06-12T07:09:00.045Z'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '2017-06-12 14:09:00', '2017-06-12T14:09:00Z'],
  ['yyyy-MM-dd HH:mm:ss', 'MST', '2017-06-12 14:09:00', '2017-06-12T21:09:00Z'],
  ['MM/dd/yyyy HH:mm:ss', 'GMT', '06/12/2017 14:09:00', '2017-06-12T14:09:00Z'],
  ["MM/dd/yyy'T'HH:mm:ssXXX", 'GMT', '06/12/2017T08:09:00-06:00', '2017-06-12T14:09:00Z'],
  ['M/d/yyyy', 'GMT', '12/31/2019', '2019-12-31T00:00:00Z'],
  ['yyyy-MM-dd', 'GMT', '2017-1-5', '2017-01-05T00:00:00Z'], // lenient widths before a literal
  ['yyyyMMddHHmmss', 'GMT', '20170612140900', '2017-06-12T14:09:00Z'],
  ['yyyyMMddHHmmss', 'GMT', '2017061214090', '2017-06-12T14:09:00Z'], // only the last field may be short
  ['yyyyMMddHHmmss', 'GMT', '201706121409', undefined],
  ['yyyyMMdd', 'GMT', '2017-06-12', undefined, 'Java: 2016-12-06 (reads "2017", "-0", "6-")'],
  ['EEE, dd MMM yyyy HH:mm:ss z', 'GMT', 'Mon, 12 Jun 2017 14:09:00 GMT', '2017-06-12T14:09:00Z'],
  // Names, AM/PM, zone names
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 MDT 2017', '2017-06-12T14:09:00Z'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 PST 2017', '2017-06-12T16:09:00Z'], // PST text = -08:00
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 GMT-06:00 2017', '2017-06-12T14:09:00Z'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 BST 2017', '2017-06-12T07:09:00Z'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 CST 2017', '2017-06-12T14:09:00Z'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Tue Jun 12 08:09:00 EST 2017', '2017-06-12T13:09:00Z'], // day name not checked
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'EST', 'Mon Jun 12 14:09:00 UTC 2017', '2017-06-12T14:09:00Z'],
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 IST 2017', '2017-06-12T06:09:00Z'], // Israel Standard Time: first in Java's table
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'Asia/Kolkata', 'Mon Jun 12 08:09:00 IST 2017', '2017-06-12T02:39:00Z'], // the configured zone's own IST
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'GMT', 'Mon Jun 12 08:09:00 America/Denver 2017', undefined], // an id is not a name
  // The fidelity report: a name is first the configured zone's own (Java 17's answers)
  ['EEE MMM dd HH:mm:ss zzz yyyy', 'America/Argentina/Buenos_Aires', 'Mon Jan 15 09:00:00 ART 2024', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'Asia/Shanghai', '2024-01-15 20:00:00 CST', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'Europe/Dublin', '2024-07-15 13:00:00 IST', '2024-07-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'Asia/Jerusalem', '2024-01-15 14:00:00 IST', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'Asia/Manila', '2024-01-15 20:00:00 PST', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'Asia/Riyadh', '2024-01-15 15:00:00 AST', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss zzzz', 'America/New_York', '2024-07-15 08:00:00 Eastern Daylight Time', '2024-07-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-07-15 15:00:00 IDT', '2024-07-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-01-15 09:00:00 BRT', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-01-15 20:00:00 HKT', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-01-15 17:45:00 NPT', '2024-01-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-07-15 14:00:00 MEST', '2024-07-15T12:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss z', 'GMT', '2024-01-15 20:00:00 WITA', '2024-01-15T12:00:00Z', 'Java: 11:00Z, reads WIT and ignores the A'],
  ['EEEE, MMMM d, yyyy', 'GMT', 'monday, JUNE 12, 2017', '2017-06-12T00:00:00Z'],
  ['MMM dd yyyy hh:mm a', 'GMT', 'jun 12 2017 08:09 pm', '2017-06-12T20:09:00Z'],
  ['MMM dd yyyy hh:mm a', 'GMT', 'June 12 2017 12:09 AM', '2017-06-12T00:09:00Z'],
  ['MMM dd yyyy hh:mm a', 'America/Denver', 'Jun 12 2017 12:09 PM', '2017-06-12T18:09:00Z'],
  ['kk:mm', 'GMT', '24:30', '1970-01-01T00:30:00Z'],
  ['hh:mm', 'GMT', '12:30', '1970-01-01T00:30:00Z'],
  // Two-digit years: fixed 1950–2049 window (Java: a window that moves with the clock)
  ['yy-MM-dd', 'GMT', '50-01-01', '1950-01-01T00:00:00Z'],
  ['yy-MM-dd', 'GMT', '17-01-01', '2017-01-01T00:00:00Z'],
  ['yy-MM-dd', 'GMT', '49-01-01', '2049-01-01T00:00:00Z', 'Java (2026): 1949'],
  ['yy-MM-dd', 'GMT', '2017-01-01', '2017-01-01T00:00:00Z'],
  // DST in America/Denver: overlap → standard time (later), gap → shifted forward, as Java
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-11-07 00:30:00', '2021-11-07T06:30:00Z'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-11-07 01:30:00', '2021-11-07T08:30:00Z'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-11-07 02:30:00', '2021-11-07T09:30:00Z'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-03-14 01:59:59', '2021-03-14T08:59:59Z'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-03-14 02:30:00', '2021-03-14T09:30:00Z'],
  ['yyyy-MM-dd HH:mm:ss', 'America/Denver', '2021-03-14 03:30:00', '2021-03-14T09:30:00Z'],
  ["yyyy-MM-dd'T'HH:mm:ss", 'PST', '2017-06-12T07:09:00', '2017-06-12T14:09:00Z'],
  // Leap day, year boundary
  ['yyyy-MM-dd', 'GMT', '2020-02-29', '2020-02-29T00:00:00Z'],
  ['yyyy-MM-dd HH:mm:ss', '-5:00', '2019-12-31 23:59:59', '2020-01-01T04:59:59Z'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX", 'GMT', '2020-01-01T13:59:59+14:00', '2019-12-31T23:59:59Z'],
  // Strict where Java is lenient
  ['yyyy-MM-dd', 'GMT', '2017-02-29', undefined, 'Java rolls to 2017-03-01'],
  ['yyyy-MM-dd', 'GMT', '2017-13-01', undefined, 'Java rolls to 2018-01-01'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '2017-06-12 24:00:00', undefined, 'Java rolls to the next day'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '2017-06-12 14:60:00', undefined, 'Java rolls to 15:00'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '2017-06-12 14:09:00.123', undefined, 'Java ignores trailing text'],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '  2017-06-12 14:09:00 ', '2017-06-12T14:09:00Z'], // trimmed
  ["yyyy-MM-dd'T'HH:mm:ss", 'GMT', '2017-06-12 14:09:00', undefined],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', 'not a date', undefined],
  ['yyyy-MM-dd HH:mm:ss', 'GMT', '', undefined],
  ['YYYY-MM-dd', 'GMT', '2017-06-12', undefined, 'unsupported letter'],
  ['yyyy-MM-dd HH:mm:ss', 'Mars/Olympus', '2017-06-12 14:09:00', undefined, 'unknown zone'],
  ["yyyy-MM-dd'T'HH:mm:ssXXX'", 'GMT', '2017-05-18T21:55:26Z', '2017-05-18T21:55:26Z', 'Java: unterminated quote'],
  // Epoch tokens
  ['milliseconds', 'GMT', 1506544512258, '2017-09-27T20:35:12.258Z'],
  ['milliseconds', undefined, '1506544512258', '2017-09-27T20:35:12.258Z'],
  ["milliseconds'", 'GMT', 1506544512258, '2017-09-27T20:35:12.258Z'],
  ['milliseconds', 'GMT', 'yesterday', undefined],
  ['10 digit integer Unix time', 'GMT', 1506544512, '2017-09-27T20:35:12Z'],
  ['10 digit integer Unix time', 'GMT', '1506544512', '2017-09-27T20:35:12Z'],
  ['yyyy-MM-dd', 'GMT', 1506544512258, undefined],
  ['yyyy-MM-dd', 'GMT', null, undefined],
  // No pattern: ISO-8601, or a number as epoch ms
  [undefined, undefined, '2018-07-31T19:39:46Z', '2018-07-31T19:39:46Z'],
  [undefined, 'GMT', '2018-07-31T13:39:46-06:00', '2018-07-31T19:39:46Z'],
  ['', 'America/Denver', '2018-07-31T13:39:46', '2018-07-31T19:39:46Z'],
  [undefined, 'GMT', '2018-07-31T19:39:46.123456Z', '2018-07-31T19:39:46.123Z'],
  [undefined, 'America/Denver', '2018-07-31', '2018-07-31T06:00:00Z'],
  [undefined, 'GMT', 1506544512258, '2017-09-27T20:35:12.258Z'],
  [undefined, 'GMT', 'July 31st', undefined],
];
// VECTORS-END

describe('formatJavaDate: Java SimpleDateFormat vectors', () => {
  for (const [pattern, zone, at, out] of FORMAT) {
    test(`${pattern} @ ${zone} ${at}`, () => assert.equal(formatJavaDate(ms(at), pattern, zone), out));
  }
});

describe('parseJavaDate vectors', () => {
  for (const [pattern, zone, text, want, note] of PARSE) {
    test(`${String(pattern)} @ ${zone} ${JSON.stringify(text)}${note ? ` (${note})` : ''}`, () => {
      assert.equal(parseJavaDate(text, pattern, zone), want === undefined ? undefined : ms(want));
    });
  }
});

test('at least 60 vectors', () => assert.ok(FORMAT.length + PARSE.length >= 60));

describe('formatJavaDate: Pollster decisions', () => {
  const t = ms('2017-06-12T14:09:00Z');
  test('epoch tokens', () => {
    assert.equal(formatJavaDate(1506544512258, 'milliseconds'), '1506544512258');
    assert.equal(formatJavaDate(1506544512258, "milliseconds'"), '1506544512258');
    assert.equal(formatJavaDate(1506544512258, '10 digit integer Unix time'), '1506544512');
  });
  test('Java-unknown daylight abbreviations are their offsets (Java falls back to GMT)', () => {
    assert.equal(formatJavaDate(t, "yyyy-MM-dd'T'HH:mm:ssXXX", 'EDT'), '2017-06-12T10:09:00-04:00');
    assert.equal(formatJavaDate(t, "yyyy-MM-dd'T'HH:mm:ssXXX", 'CEST'), '2017-06-12T16:09:00+02:00');
    assert.equal(formatJavaDate(t, 'HH:mm z', 'PDT'), '07:09 PDT');
  });
  test("z prints Java's names, not ICU's offsets (IST for Asia/Kolkata, JST for Asia/Tokyo)", () => {
    assert.equal(formatJavaDate(t, 'HH:mm z', 'Asia/Tokyo'), '23:09 JST');
    assert.equal(formatJavaDate(t, 'HH:mm z', 'Asia/Kolkata'), '19:39 IST');
    assert.equal(formatJavaDate(t, 'HH:mm zzzz', 'Europe/Dublin'), '15:09 Irish Standard Time');
    assert.equal(formatJavaDate(t, 'HH:mm z', 'AGT'), '11:09 ART'); // Java's own id: its names, Buenos Aires' clock
  });
  test('a zone Java has no names for prints as GMT±hh:mm', () => {
    assert.equal(formatJavaDate(t, 'HH:mm z', 'Etc/GMT-5'), '19:09 GMT+05:00');
  });
  test('a stray trailing quote is tolerated (Java: "Unterminated quote")', () => {
    assert.equal(formatJavaDate(t, "yyyy-MM-dd'T'HH:mm:ssXXX'"), '2017-06-12T14:09:00Z');
  });
  test('unsupported letters and bad zones throw, naming them', () => {
    assert.throws(() => formatJavaDate(t, 'YYYY-MM-dd'), /'Y'.*week year/);
    assert.throws(() => formatJavaDate(t, "yyyy-MM-dd'T'HH:mm:ss.fff"), /'f'/);
    assert.throws(() => formatJavaDate(t, 'XXXX'), /'X'/);
    assert.throws(() => formatJavaDate(t, 'yyyy', '{TimeZone}'), /unknown time zone "\{TimeZone\}"/);
  });
  test('undefined / empty zone is UTC', () => {
    assert.equal(formatJavaDate(t, 'HH:mm z'), '14:09 UTC');
    assert.equal(formatJavaDate(t, 'HH:mm z', ''), '14:09 UTC');
  });
});

describe('resolveZone', () => {
  const summer = ms('2017-06-12T14:09:00Z');
  const cases: [string | undefined, number | undefined, string?][] = [
    [undefined, 0, 'UTC'], ['', 0, 'UTC'], ['GMT', 0, 'GMT'], ['utc', 0, 'UTC'], ['Z', 0, 'UTC'],
    ['EST', -300, 'EST'], ['MST', -420, 'MST'], ['HST', -600, 'HST'],
    ['PST', -420, 'America/Los_Angeles'], ['CST', -300, 'America/Chicago'], ['IST', 330, 'Asia/Kolkata'],
    ['BST', 360, 'Asia/Dhaka'], ['CET', 120, 'CET'],
    ['EDT', -240, 'EDT'], ['CDT', -300, 'CDT'], ['MDT', -360, 'MDT'], ['PDT', -420, 'PDT'], ['AKST', -540, 'AKST'], ['CEST', 120, 'CEST'],
    ['-6:00', -360, 'GMT-06:00'], ['+6:00', 360, 'GMT+06:00'], ['+06:00', 360, 'GMT+06:00'], ['-0800', -480, 'GMT-08:00'],
    ['GMT-08:00', -480, 'GMT-08:00'], ['UTC+1', 60, 'GMT+01:00'], ['+05:30', 330, 'GMT+05:30'],
    ['America/Denver', -360, 'America/Denver'], ['Europe/London', 60, 'Europe/London'],
    ['garbage', undefined], ['{TimeZone}', undefined], ['+25:00', undefined], ['-6:00:yyyy', undefined], ['Mars/Olympus', undefined],
  ];
  for (const [input, offset, name] of cases) {
    test(`${JSON.stringify(input)} → ${name ?? 'undefined'}`, () => {
      const z = resolveZone(input);
      assert.equal(z?.offset(summer), offset);
      if (name) assert.equal(z?.name, name);
    });
  }
});

test('toIsoSeconds drops milliseconds', () => {
  assert.equal(toIsoSeconds(ms('2018-07-31T19:39:46.999Z')), '2018-07-31T19:39:46Z');
  assert.equal(toIsoSeconds(ms('2020-01-02T03:04:05Z')), '2020-01-02T03:04:05Z');
  assert.equal(toIsoSeconds(-1), '1969-12-31T23:59:59Z');
});

describe('property: parse(format(t)) === t truncated to the pattern precision', () => {
  const instant = fc.integer({ min: ms('1970-01-01T00:00:00Z'), max: ms('2099-12-31T23:59:59.999Z') });
  // Offset-bearing patterns in any zone; offset-free ones only in fixed zones (a DST overlap
  // has two instants for one wall clock). SSSSSS is left out on purpose: it formats Java's
  // padded milliseconds but parses as a fraction.
  const cases: [pattern: string, zones: string[], precision: number][] = [
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", ['UTC', 'America/Denver', 'Asia/Kolkata', 'America/St_Johns', '-6:00', 'PST'], 1],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", ['GMT', 'Europe/Paris', '+6:00'], 1000],
    ["yyyy-MM-dd'T'HH:mm:ssX", ['GMT', 'America/Denver'], 1000],
    ['EEE, dd MMM yyyy hh:mm:ss.SSS a Z', ['America/Denver', 'Australia/Sydney'], 1],
    ['EEE MMM dd HH:mm:ss zzz yyyy', ['America/Denver', 'America/Los_Angeles', 'UTC', 'EST', '-6:00'], 1000],
    ['yyyy-MM-dd HH:mm:ss.SSS', ['GMT', 'EST', 'MST', '-6:00', '+05:30'], 1],
    ["yyyy-MM-dd'T'HH:mm:ss'Z'", ['GMT'], 1000],
    ['MM/dd/yyyy HH:mm:ss', ['GMT', 'HST'], 1000],
    ['yyyyMMddHHmmssSSS', ['UTC'], 1],
    ['milliseconds', ['UTC'], 1],
  ];
  for (const [pattern, zones, precision] of cases) {
    test(pattern, () => {
      fc.assert(fc.property(instant, fc.constantFrom(...zones), (t, zone) => {
        const text = formatJavaDate(t, pattern, zone);
        assert.equal(parseJavaDate(text, pattern, zone), t - (t % precision), `${text} @ ${zone}`);
      }), { numRuns: 300 });
    });
  }
});
