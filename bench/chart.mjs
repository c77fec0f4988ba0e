// An SVG bar chart of the ratios: each system's time ÷ wasyncio's, on a log scale, one
// group of bars per workload. Plain SVG text, no dependencies, so the README can embed it.

const COLORS = [
  [/^wasyncio \(TS/, "#8c8c8c"],
  [/^wasyncio/, "#2f6fde"],
  [/asyncio|uvloop/, "#e0a526"],
  [/Effection/, "#9b59b6"],
  [/.*/, "#3aa655"],
];

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * @param {{ title: string, bars: { name: string, ratio: number }[] }[]} groups
 * @param {{ subtitle?: string }} options
 */
export function renderChart(groups, { subtitle = "" } = {}) {
  const labelW = 210, plotW = 520, rightPad = 70, barH = 14, gap = 4, groupGap = 26, top = 64;
  const ratios = groups.flatMap((g) => g.bars.map((b) => b.ratio)).filter((r) => Number.isFinite(r) && r > 0);
  const lo = Math.min(0.1, ...ratios.map((r) => r / 1.5)), hi = Math.max(10, ...ratios.map((r) => r * 1.5));
  const decades = [];
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) decades.push(10 ** d);
  const min = decades[0], max = decades[decades.length - 1];
  const x = (r) => labelW + (Math.log10(r / min) / Math.log10(max / min)) * plotW;
  let y = top;
  const parts = [];
  for (const g of groups) {
    parts.push(`<text x="8" y="${y + 11}" font-weight="bold">${esc(g.title)}</text>`);
    y += 18;
    for (const b of g.bars) {
      const color = COLORS.find(([re]) => re.test(b.name))[1];
      const x0 = x(1), x1 = x(Math.max(min, Math.min(max, b.ratio)));
      parts.push(`<text x="${labelW - 6}" y="${y + barH - 3}" text-anchor="end">${esc(b.name)}</text>`);
      parts.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${barH}" fill="${color}"/>`);
      const label = b.ratio >= 10 ? `${b.ratio.toFixed(0)}×` : `${b.ratio.toFixed(2)}×`;
      parts.push(`<text x="${(Math.max(x0, x1) + 4).toFixed(1)}" y="${y + barH - 3}">${label}</text>`);
      y += barH + gap;
    }
    y += groupGap - gap;
  }
  const height = y + 24;
  const axis = decades.map((d) => {
    const xd = x(d).toFixed(1);
    return `<line x1="${xd}" y1="${top - 6}" x2="${xd}" y2="${y - groupGap + 4}" stroke="#ddd"/>` +
      `<text x="${xd}" y="${y - groupGap + 18}" text-anchor="middle" fill="#666">${d >= 1 ? d : d.toFixed(-Math.log10(d))}×</text>`;
  });
  const one = x(1).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + rightPad}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="20" font-size="15" font-weight="bold">Time relative to wasyncio (log scale; above 1× wasyncio is faster)</text>
<text x="8" y="38" fill="#666">${esc(subtitle)}</text>
${axis.join("\n")}
<line x1="${one}" y1="${top - 6}" x2="${one}" y2="${y - groupGap + 4}" stroke="#2f6fde" stroke-width="1.5"/>
${parts.join("\n")}
</svg>
`;
}
