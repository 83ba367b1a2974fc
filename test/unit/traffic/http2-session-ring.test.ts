import { describe, expect, it } from 'vitest';
import { SessionRing } from '../../../src/traffic/http2-session-ring.js';

interface S {
  id: number;
  dead: boolean;
  active: number;
  limit: number;
}

/** A ring whose sessions are plain records; `opened` lists every session it made. */
function ring(sessions: number, grow: boolean, limit = 2) {
  const opened: S[] = [];
  const r = new SessionRing<S>(sessions, grow, () => {
    const s = { id: opened.length, dead: false, active: 0, limit };
    opened.push(s);
    return s;
  });
  /** Picks and takes a stream on the picked session. */
  const take = (avoid: S | null = null): S => {
    const s = r.pick(avoid);
    s.active++;
    return s;
  };
  return { r, opened, take };
}

describe('SessionRing: the session slots of an HTTP/2 client, in turn', () => {
  it('opens every slot with the first requests, then takes them in turn', () => {
    const { opened, take } = ring(3, false, 10);
    expect([take(), take(), take()].map((s) => s.id)).toEqual([0, 1, 2]);
    expect([take(), take(), take(), take()].map((s) => s.id)).toEqual([0, 1, 2, 0]);
    expect(opened).toHaveLength(3);
  });

  it('replaces a dead session when its turn comes, in its slot', () => {
    const { opened, take } = ring(2, false, 10);
    take();
    take();
    opened[0]!.dead = true;
    expect(take().id).toBe(2);
    expect(take().id).toBe(1);
    expect(take().id).toBe(2);
  });

  it('skips full sessions; when all are full, the least busy one (no new session without grow)', () => {
    const { opened, take } = ring(2, false, 1);
    take();
    take();
    opened[0]!.active = 3;
    expect(take().id).toBe(1);
    expect(opened).toHaveLength(2);
  });

  it('with grow, a full ring opens another session', () => {
    const { opened, take } = ring(1, true, 1);
    take();
    expect(take().id).toBe(1);
    expect(opened).toHaveLength(2);
  });

  it('avoids the given session (a retry goes elsewhere), opening a new one when no other has room', () => {
    const { opened, take } = ring(2, false, 1);
    const a = take();
    const b = take();
    b.active = 0; // room on b only
    expect(take(b).id).toBe(2); // a is full, b is avoided: a new session
    expect(opened).toHaveLength(3);
    a.active = 0;
    expect(take(b)).toBe(a);
  });
});
