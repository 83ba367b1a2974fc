import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../src/metrics/recorder.js';
import { reconnectDelayMs } from '../../../src/streams/backoff.js';
import { closeKindOf } from '../../../src/streams/close-kind.js';
import { ConnectionLog } from '../../../src/streams/connection-log.js';
import { PendingMessages } from '../../../src/streams/pending-messages.js';

describe('closeKindOf', () => {
  it.each([
    [1000, true, 'graceful'],
    [1001, true, 'graceful'],
    [1005, true, 'graceful'],
    [1012, true, 'graceful'],
    [1013, true, 'graceful'],
    [1006, false, 'cut'],
    [1006, true, 'cut'],
    [1015, true, 'cut'],
    [1001, false, 'cut'],
    [1002, true, 'error'],
    [1011, true, 'error'],
    [4000, true, 'error'],
  ] as const)('close %i (frame received: %s) is %s', (code, frame, kind) => {
    expect(closeKindOf(code, frame)).toBe(kind);
  });
});

describe('reconnectDelayMs', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 2000 };
  it.each([
    [0, 0, 50],
    [0, 0.999999, 100],
    [1, 0, 100],
    [2, 0.5, 300],
    [4, 0, 800],
    [5, 0.999999, 2000],
    [40, 0, 1000],
  ])('attempt %i with random %f waits %f ms', (attempt, random, want) => {
    expect(reconnectDelayMs(attempt, policy, random)).toBeCloseTo(want, 2);
  });
});

type Step = ['send', number, number, number] | ['answer', number, number] | ['lose', number] | ['requeue', number] | ['take', number] | ['expire', number] | ['expireAll', number];

describe('PendingMessages: every message sent ends exactly once', () => {
  it.each<[string, Step[], { sent: number; succeeded: number; timeout: number; reset: number; pending: number }]>([
    ['answered', [['send', 1, 0, 1], ['answer', 1, 5]], { sent: 1, succeeded: 1, timeout: 0, reset: 0, pending: 0 }],
    ['an answer twice counts once', [['send', 1, 0, 1], ['answer', 1, 5], ['answer', 1, 6]], { sent: 1, succeeded: 1, timeout: 0, reset: 0, pending: 0 }],
    ['an unknown answer is ignored', [['send', 1, 0, 1], ['answer', 9, 5]], { sent: 0, succeeded: 0, timeout: 0, reset: 0, pending: 1 }],
    ['lost with its cut connection', [['send', 1, 0, 1], ['send', 2, 10, 1], ['send', 3, 20, 2], ['lose', 1]], { sent: 2, succeeded: 0, timeout: 0, reset: 2, pending: 1 }],
    ['timed out at the deadline, not before', [['send', 1, 0, 1], ['send', 2, 50, 1], ['expire', 99], ['expire', 100]], { sent: 1, succeeded: 0, timeout: 1, reset: 0, pending: 1 }],
    ['requeued after a graceful close, answered on the next connection', [['send', 1, 0, 1], ['requeue', 1], ['lose', 1], ['take', 2], ['answer', 1, 30]], { sent: 1, succeeded: 1, timeout: 0, reset: 0, pending: 0 }],
    ['requeued, then the next connection is cut too: lost', [['send', 1, 0, 1], ['requeue', 1], ['take', 2], ['lose', 2]], { sent: 1, succeeded: 0, timeout: 0, reset: 1, pending: 0 }],
    ['requeued and never reconnected: times out', [['send', 1, 0, 1], ['requeue', 1], ['expire', 100]], { sent: 1, succeeded: 0, timeout: 1, reset: 0, pending: 0 }],
    ['the end times out every wait', [['send', 1, 0, 1], ['send', 2, 90, 1], ['expireAll', 91]], { sent: 2, succeeded: 0, timeout: 2, reset: 0, pending: 0 }],
  ])('%s', (_name, steps, want) => {
    const rec = new Recorder({ intervalMs: 10 });
    const p = new PendingMessages(rec, 100);
    for (const s of steps) {
      if (s[0] === 'send') p.sent(s[1], s[2], s[3], 'pod-a');
      else if (s[0] === 'answer') p.answer(s[1], s[2]);
      else if (s[0] === 'lose') p.lose(s[1], 'WS_CLOSED_1006');
      else if (s[0] === 'requeue') p.requeue(s[1]);
      else if (s[0] === 'take') p.takeQueued(s[1], 'pod-b');
      else if (s[0] === 'expire') p.expire(s[1]);
      else p.expire(s[1], true);
    }
    const t = rec.totals();
    expect({ sent: t.sent, succeeded: t.succeeded, timeout: t.failures.timeout, reset: t.failures.reset, pending: p.size }).toEqual(want);
    expect(t.sent).toBe(p.answered + p.failed);
  });

  it('drop forgets a wait without judging it', () => {
    const rec = new Recorder();
    const p = new PendingMessages(rec, 100);
    p.sent(1, 0, 1, undefined);
    p.sent(2, 0, 2, undefined);
    expect(p.drop(1)).toBe(1);
    expect(p.has(1)).toBe(false);
    expect(p.has(2)).toBe(true);
    expect(rec.totals().sent).toBe(0);
  });
});

describe('ConnectionLog', () => {
  it('keeps events in time order and counts connections open now', () => {
    const log = new ConnectionLog({ kind: 'websocket', connections: 2, messageRate: 10, promptMs: 2000 });
    log.opened(0, 5, 'a');
    log.opened(1, 3, 'b');
    log.closed(0, 10, { pod: 'a', close: 'cut', code: 1006, lost: 2, openMs: 5 });
    log.connectFailed(0, 12, 'refused');
    log.opened(0, 20, 'c', { ms: 10, after: 'cut' });
    expect(log.openNow).toBe(2);
    log.closedAtEnd();
    const rec = log.toRecording();
    expect(rec.events.map((e) => [e.tMs, e.kind])).toEqual([[3, 'open'], [5, 'open'], [10, 'close'], [12, 'connect-failed'], [20, 'open']]);
    expect(rec.closedAtEnd).toBe(1);
    expect(log.openNow).toBe(1);
  });
});
