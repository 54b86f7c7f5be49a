/** B4's section of bench/RESULTS.md (kept apart from report.ts, which renders the others). */
import type { B4Result, B4Scan } from '../b4';

const f = (x: number | null | undefined, digits = 0): string => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const kb = (bytes: number): string => f(bytes / 1024, 1);

function row(name: string, s: B4Scan): string {
  const c = s.cpuPercent;
  return `| ${name} | ${f(s.ids)} in ${f(s.pages)} pages | ${f(s.listingSeconds, 2)} | ${f(s.afterListingSeconds, 2)}${s.firstDeleteSeconds === undefined ? '' : ` (first DELETED after ${f(s.firstDeleteSeconds, 2)})`} | ${f(s.rssPeakMb)} | ${f(c.worker)} / ${f(c.server)} / ${f(c.bench)} / ${f(c.others)} | ${f(s.activityEventBytes)} |`;
}

export function b4Section(b: B4Result): string[] {
  const d = b.delivered;
  return [
    `### B4 id scan: ${f(b.records)} records, pages of ${f(b.pageSize)}, then ${f(b.deletes)} deleted`,
    '',
    '| scan | ids listed | listing (s) | after the listing: compare + report (s) | worker RSS peak (MB) | CPU % worker / server / bench / others, over the wait for the scan | scanIds events in history (bytes) |',
    '|---|---|---|---|---|---|---|',
    row('first (records, reports nothing)', b.first),
    row(`scan ${b.reportingScan} (after the deletes)`, b.second),
    '',
    'The wait for the second scan includes the `every` interval before it starts: its CPU percentages are mostly idle time.',
    `Worker RSS before ${f(b.rssBeforeMb)} MB, after ${f(b.rssAfterMb)} MB. History of the instance: ${f(b.history.events)} events, ${kb(b.history.bytes)} KiB (${b.history.scanActivities} scanIds activities). Store: ${kb(b.storeBytes.file)} KiB + WAL ${kb(b.storeBytes.wal)} KiB.`,
    `DELETED events: ${f(d.distinct)} of ${f(b.deletes)} deleted ids received, ${f(d.receipts)} receipts in ${f(d.notifications)} notifications, ${f(d.underSeveralIds)} under several notification ids, ${f(d.otherEvents)} other events: **every delete once: ${d.allOnce ? 'yes' : 'NO'}**.`,
    '',
  ];
}
