/**
 * Lays text labels out along a horizontal axis so that no two overlap, whatever the distance
 * between the points they name: each label tries its preferred side of its point in every row,
 * then the other side, then centred (a label keeps its side rather than its row, so "end" stays
 * left of the line it names); a label that fits nowhere is left out (the caller says it elsewhere). Widths are estimated from the character count, so the layout
 * is a pure function of the input, the same in every browser and in the golden files.
 */

/** Which way a label extends from its point: right of it, left of it, or centred on it. */
export type LabelAlign = 'start' | 'end' | 'middle';

/** A label to place: its text and the x of the point it names. */
export interface LabelRequest {
  id: string;
  text: string;
  x: number;
  /** The side it prefers; the other sides are tried when this one is taken. */
  align: LabelAlign;
}

/** A placed label: its box [x0, x1], its row (0 first), and where and how to anchor its text. */
export interface PlacedLabel {
  id: string;
  text: string;
  row: number;
  x0: number;
  x1: number;
  /** The x to draw the text at, with `anchor` as its SVG text-anchor. */
  textX: number;
  anchor: LabelAlign;
}

/** The result: labels placed, and the ones no row had room for, in input order. */
export interface LabelLayout {
  placed: PlacedLabel[];
  dropped: LabelRequest[];
}

/** Layout settings, in the chart's units. */
export interface LabelLayoutOptions {
  /** The labels must stay within [minX, maxX]. */
  minX: number;
  maxX: number;
  /** Rows available (at least 1). */
  rows: number;
  /** Estimated width of one character (a generous average: better a gap than an overlap). */
  charWidth: number;
  /** Space between a label and its point. */
  gap: number;
  /** Least space between two labels of a row (wide enough that two labels do not read as one phrase). */
  spacing: number;
}

/** The estimated width of a text: its characters times the average width. */
export function labelWidth(text: string, charWidth: number): number {
  return [...text].length * charWidth;
}

const SIDES: Record<LabelAlign, readonly LabelAlign[]> = {
  start: ['start', 'end', 'middle'],
  end: ['end', 'start', 'middle'],
  middle: ['middle', 'start', 'end'],
};

/** The box of a label of width w at point x on one side, shifted to stay within bounds. */
function boxAt(x: number, w: number, side: LabelAlign, o: LabelLayoutOptions): { x0: number; x1: number } {
  let x0 = side === 'start' ? x + o.gap : side === 'end' ? x - o.gap - w : x - w / 2;
  x0 = Math.min(Math.max(x0, o.minX), o.maxX - w);
  return { x0, x1: x0 + w };
}

/** Places the labels in input order (earlier ones get the better spots); see the module comment. */
export function layoutLabels(labels: readonly LabelRequest[], o: LabelLayoutOptions): LabelLayout {
  const rows: Array<Array<{ x0: number; x1: number }>> = Array.from({ length: Math.max(1, Math.floor(o.rows)) }, () => []);
  const placed: PlacedLabel[] = [];
  const dropped: LabelRequest[] = [];
  for (const l of labels) {
    const w = labelWidth(l.text, o.charWidth);
    let done = false;
    if (w <= o.maxX - o.minX) {
      for (const side of SIDES[l.align]) {
        const b = boxAt(l.x, w, side, o);
        const r = rows.findIndex((row) => !row.some((q) => b.x0 < q.x1 + o.spacing && q.x0 < b.x1 + o.spacing));
        if (r < 0) continue;
        (rows[r] as Array<{ x0: number; x1: number }>).push(b);
        // Drawn from the box, so a label shifted inside the bounds is drawn where it was placed.
        placed.push({ id: l.id, text: l.text, row: r, x0: b.x0, x1: b.x1, textX: side === 'start' ? b.x0 : side === 'end' ? b.x1 : (b.x0 + b.x1) / 2, anchor: side });
        done = true;
        break;
      }
    }
    if (!done) dropped.push(l);
  }
  return { placed, dropped };
}
