// Small time charts drawn with uPlot, served from node_modules by the console route (/console/vendor/): no CDN.
// A chart is a figure with a caption; its canvas has a text alternative, and the same numbers are in a table nearby.

import uPlot from '/console/vendor/uplot.js';
import { h } from './dom.js';
import { timeTickLabels } from './chartTicks.js';

const MAX_WIDTH = 560;
const HEIGHT = 170;
/** The time axis spans at least this much (polls a moment apart would get sub-second ticks). */
const MIN_SPAN_S = 120;
/** Tick steps of a count axis: whole numbers only. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

/** A colour of the console's palette (a CSS custom property), for the canvas. */
const cssColor = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * A chart of one value over time. `kind` is 'bars' (a count per poll) or 'points' (a measure per poll, joined).
 * Returns the figure and `set(times, values)`: times in epoch ms, ascending.
 */
export function timeChart({ title, label, kind = 'points', format = (v) => String(v), counts = false }) {
  const plotHolder = h('div', { class: 'chart-plot' });
  const figure = h('figure', { class: 'chart', role: 'img', 'aria-label': `${title}: no data yet` }, h('figcaption', { text: title }), plotHolder);
  let plot;

  function options(width) {
    const accent = cssColor('--accent', '#1f5fa8');
    const muted = cssColor('--muted', '#5b6470');
    const line = cssColor('--line', '#d5dae1');
    const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    return {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          // From the data, not the offered range: uPlot stretches a single point's time range to a day in
          // milliseconds (years, in seconds).
          range: (u) => {
            const xs = u.data[0];
            const min = xs[0] ?? 0;
            const max = xs[xs.length - 1] ?? min;
            const pad = Math.max(0, MIN_SPAN_S - (max - min)) / 2 + (max - min) * 0.05;
            return [min - pad, max + pad];
          },
        },
        y: { range: (_u, _min, max) => [0, Math.max(counts ? 2 : 1, (max ?? 0) * 1.15)] },
      },
      axes: [{ ...axis, space: 70, values: (_u, ticks, _axis, _space, incr) => timeTickLabels(ticks, incr) }, { ...axis, size: 48, values: (_u, ticks) => ticks.map(format), ...(counts ? { incrs: COUNT_STEPS } : {}) }],
      series: [
        {},
        kind === 'bars'
          ? { label, stroke: accent, fill: accent, width: 1, paths: uPlot.paths.bars({ size: [0.6, 24] }), points: { show: false } }
          : { label, stroke: accent, width: 2, points: { show: true, size: 6, fill: accent } },
      ],
    };
  }

  return {
    figure,
    set(times, values) {
      const data = [times.map((ms) => ms / 1000), values];
      figure.dataset.points = String(values.length);
      figure.setAttribute(
        'aria-label',
        values.length === 0 ? `${title}: no data yet` : `${title}: ${values.length} polls, from ${format(Math.min(...values))} to ${format(Math.max(...values))}; the table below has each poll`,
      );
      if (plot) {
        plot.setData(data);
        return;
      }
      // Drawn once the figure is in the page: two charts side by side in the section's width.
      const room = figure.parentElement?.clientWidth || MAX_WIDTH * 2;
      const width = Math.max(280, Math.min(MAX_WIDTH, Math.floor(room / 2) - 24));
      plot = new uPlot(options(width), data, plotHolder);
    },
    destroy() {
      plot?.destroy();
      plot = undefined;
    },
  };
}
