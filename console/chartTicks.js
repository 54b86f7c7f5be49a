// The time axis labels of the poll history charts. Pure (no DOM), so the unit tests run it in Node.

const pad2 = (n) => String(n).padStart(2, '0');

/**
 * Tick labels for times in epoch seconds, in the browser's zone and 24-hour like every time the console prints (the
 * zone is in the caption nearby): with seconds when ticks are under a minute apart, the date when a day or more apart.
 */
export function timeTickLabels(ticks, incrSeconds) {
  return ticks.map((s) => {
    const d = new Date(s * 1000);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    if (incrSeconds < 60) return `${hm}:${pad2(d.getSeconds())}`;
    if (incrSeconds >= 86_400) return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
    return hm;
  });
}
