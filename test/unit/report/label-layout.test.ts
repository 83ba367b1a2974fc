import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelWidth, layoutLabels, type LabelLayoutOptions, type LabelRequest, type PlacedLabel } from '../../../src/report/html/label-layout.js';
import { renderTimelineSvg } from '../../../src/report/html/timeline-chart.js';
import { fixtureReports, okTrigger } from '../../fixtures/reports/synthetic-run.js';

const OPTS: LabelLayoutOptions = { minX: 64, maxX: 936, rows: 2, charWidth: 6, gap: 3, spacing: 12 };

/** Two boxes of one row that share any x (touching edges allowed). */
function overlaps(placed: readonly PlacedLabel[]): string[] {
  const bad: string[] = [];
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i] as PlacedLabel;
      const b = placed[j] as PlacedLabel;
      if (a.row === b.row && a.x0 < b.x1 && b.x0 < a.x1) bad.push(`${a.id} [${a.x0}, ${a.x1}] / ${b.id} [${b.x0}, ${b.x1}] in row ${a.row}`);
    }
  }
  return bad;
}

const release = (xs: number, xe: number): LabelRequest[] => [
  { id: 'start', text: 'release start', x: xs, align: 'start' },
  { id: 'end', text: 'end', x: xe, align: 'end' },
];

describe('layoutLabels', () => {
  it.each<[string, LabelRequest[], Record<string, { row: number; anchor: string }>, string[]]>([
    ['a long span: both on their preferred side in the first row', release(100, 800), { start: { row: 0, anchor: 'start' }, end: { row: 0, anchor: 'end' } }, []],
    ['a short span: the end label moves to the row above', release(400, 420), { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } }, []],
    ['a zero-length span', release(400, 400), { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } }, []],
    ['just wide enough for both in one row', release(100, 100 + 3 + labelWidth('release start', 6) + 12 + labelWidth('end', 6) + 3), { start: { row: 0, anchor: 'start' }, end: { row: 0, anchor: 'end' } }, []],
    ['a hair too narrow for one row', release(100, 100 + 3 + labelWidth('release start', 6) + 12 + labelWidth('end', 6) + 2.9), { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } }, []],
    ['at the right edge: shifted inside the bounds', release(930, 935), { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } }, []],
    ['at the left edge: no room on the left, so the row above', release(64, 64), { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } }, []],
    [
      'too dense for two rows: the rest are dropped, not drawn over',
      [...release(400, 400), { id: 'c', text: 'rollback', x: 400, align: 'start' }, { id: 'd', text: 'again', x: 400, align: 'end' }, { id: 'e', text: 'more', x: 400, align: 'start' }],
      { start: { row: 0, anchor: 'start' }, end: { row: 1, anchor: 'end' } },
      ['c', 'd', 'e'],
    ],
  ])('%s', (_name, labels, want, dropped) => {
    const got = layoutLabels(labels, OPTS);
    expect(overlaps(got.placed)).toEqual([]);
    for (const a of got.placed) for (const b of got.placed) if (a !== b && a.row === b.row) expect(a.x1 + OPTS.spacing <= b.x0 || b.x1 + OPTS.spacing <= a.x0).toBe(true);
    expect(Object.fromEntries(got.placed.map((p) => [p.id, { row: p.row, anchor: p.anchor }]))).toEqual(want);
    expect(got.dropped.map((d) => d.id)).toEqual(dropped);
    for (const p of got.placed) {
      expect(p.x0).toBeGreaterThanOrEqual(OPTS.minX);
      expect(p.x1).toBeLessThanOrEqual(OPTS.maxX);
      expect(p.x1 - p.x0).toBeCloseTo(labelWidth(p.text, OPTS.charWidth));
    }
  });

  it('drops a label wider than the whole axis', () => {
    expect(layoutLabels([{ id: 'w', text: 'x'.repeat(200), x: 500, align: 'middle' }], OPTS).dropped).toHaveLength(1);
  });

  it('never overlaps and never leaves the bounds, for any labels (property)', () => {
    const label = fc.record({ text: fc.string({ minLength: 1, maxLength: 30 }), x: fc.double({ min: -100, max: 1100, noNaN: true }), align: fc.constantFrom('start' as const, 'end' as const, 'middle' as const) });
    fc.assert(
      fc.property(fc.array(label, { maxLength: 12 }), fc.integer({ min: 1, max: 4 }), (ls, rows) => {
        const labels = ls.map((l, i) => ({ ...l, id: String(i) }));
        const got = layoutLabels(labels, { ...OPTS, rows });
        expect(overlaps(got.placed)).toEqual([]);
        expect(got.placed.length + got.dropped.length).toBe(labels.length);
        for (const p of got.placed) expect(p.x0 >= OPTS.minX - 1e-9 && p.x1 <= OPTS.maxX + 1e-9 && p.row < rows).toBe(true);
      }),
    );
  });
});

describe('the timeline chart: release command labels', () => {
  /** The drawn trigger labels as boxes (the same width estimate the chart lays them out with). */
  function drawn(svg: string): PlacedLabel[] {
    return [...svg.matchAll(/<text class="trigger-label" data-label="(\w+)" x="([\d.]+)" y="([\d.]+)"(?: text-anchor="(\w+)")?>([^<]*)<\/text>/g)].map((m) => {
      const x = Number(m[2]);
      const w = labelWidth(m[5] ?? '', 6);
      const anchor = (m[4] ?? 'start') as PlacedLabel['anchor'];
      const x0 = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
      return { id: m[1] ?? '', text: m[5] ?? '', row: Number(m[3]), x0, x1: x0 + w, textX: x, anchor };
    });
  }

  it.each([
    ['zero-length', 10_000, 10_000],
    ['50 ms', 10_000, 10_050],
    ['1 s', 10_000, 11_000],
    ['the fixture rollout (9.4 s)', 7000, 16_400],
  ])('%s release command: both labels drawn, none over another', (_name, startMs, endMs) => {
    const report = { ...fixtureReports().fail, trigger: okTrigger(startMs, endMs) };
    const labels = drawn(renderTimelineSvg(report));
    expect(labels.map((l) => l.id).sort()).toEqual(['end', 'start']);
    expect(overlaps(labels)).toEqual([]);
  });
});
