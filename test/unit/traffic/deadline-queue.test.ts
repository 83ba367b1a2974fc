import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../../src/traffic/deadline-queue.js';

interface Item {
  deadlineMs: number;
  settled: boolean;
  id: number;
}

describe('DeadlineQueue', () => {
  it('expires unsettled items whose deadline passed, skips settled ones, reports the next deadline', () => {
    const q = new DeadlineQueue<Item>();
    const items: Item[] = Array.from({ length: 5000 }, (_, i) => ({ deadlineMs: i, settled: i % 3 === 0, id: i }));
    for (const it of items) q.push(it);
    expect(q.size).toBe(5000);
    const expired: number[] = [];
    const next = q.sweep(99.5, (x) => {
      x.settled = true;
      expired.push(x.id);
    });
    expect(expired).toEqual(items.filter((x) => x.id <= 99 && x.id % 3 !== 0).map((x) => x.id));
    expect(next).toBe(100);
    // Settled items at the head are dropped even before their deadline.
    items[100]!.settled = true;
    expect(q.sweep(99.5, () => undefined)).toBe(101);
    expect(q.sweep(Number.POSITIVE_INFINITY, (x) => (x.settled = true))).toBe(Number.POSITIVE_INFINITY);
    expect(q.size).toBe(0);
  });

  it('keeps order across growth with a moving head', () => {
    const q = new DeadlineQueue<Item>();
    let id = 0;
    const seen: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 700; i++) q.push({ deadlineMs: id, settled: false, id: id++ });
      q.sweep(id - 300, (x) => {
        x.settled = true;
        seen.push(x.id);
      });
    }
    q.sweep(Number.POSITIVE_INFINITY, (x) => seen.push(x.id));
    expect(seen).toEqual(Array.from({ length: id }, (_, i) => i));
  });
});
