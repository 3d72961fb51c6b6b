export interface Series {
  name: string;
  points: [number, number][];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A small self-contained SVG line chart (no dependencies, renders on GitHub). */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const width = 640;
  const height = 260;
  const pad = { left: 60, right: 16, top: 40, bottom: 48 };
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const xMax = Math.max(1, ...xs);
  const yMax = Math.max(1, ...ys) * 1.1;
  const px = (x: number) => pad.left + (x / xMax) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - (y / yMax) * (height - pad.top - pad.bottom);
  const ticks = Array.from({ length: 5 }, (_, i) => (yMax / 4) * i);
  const grid = ticks
    .map(
      (y) =>
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e7eb"/>` +
        `<text x="${pad.left - 6}" y="${py(y) + 4}" font-size="10" text-anchor="end">${Math.round(y).toLocaleString('en-US')}</text>`,
    )
    .join('');
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const shown = xTicks.filter((_, i) => i % Math.max(1, Math.ceil(xTicks.length / 8)) === 0);
  const xAxis = shown
    .map(
      (x) =>
        `<text x="${px(x)}" y="${height - pad.bottom + 14}" font-size="10" text-anchor="middle">${x.toLocaleString('en-US')}</text>`,
    )
    .join('');
  const lines = series
    .map((s, i) => {
      const color = COLORS[i % COLORS.length];
      const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      const legend = `<text x="${pad.left + i * 200}" y="${height - 6}" font-size="11" fill="${color}">■ ${escapeXml(s.name)}</text>`;
      return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${path}"/>${legend}`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    grid,
    xAxis,
    `<text x="${width - pad.right}" y="${height - pad.bottom + 28}" font-size="10" text-anchor="end">${escapeXml(xLabel)}</text>`,
    `<text x="${pad.left}" y="${pad.top - 8}" font-size="10">${escapeXml(yLabel)}</text>`,
    lines,
    '</svg>',
  ].join('\n');
}
