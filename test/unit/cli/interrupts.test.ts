import { describe, expect, it } from 'vitest';
import { watchInterrupts } from '../../../src/cli/interrupts.js';
import type { CliIo } from '../../../src/cli/io.js';

/** An io whose signals the test sends by hand. */
function fakeIo(withExit: boolean): CliIo & { send(signal: string): void; err: string; exits: number[]; handlers: number } {
  let handler: ((signal: string) => void) | undefined;
  const io = {
    err: '',
    exits: [] as number[],
    handlers: 0,
    stdout: { write: () => true },
    stderr: { write: (s: string) => (io.err += s) },
    env: {},
    cwd: '/',
    onInterrupt(h: (signal: string) => void) {
      handler = h;
      io.handlers++;
      return () => {
        handler = undefined;
        io.handlers--;
      };
    },
    send(signal: string) {
      handler?.(signal);
    },
    ...(withExit ? { exitNow: (code: number) => void io.exits.push(code) } : {}),
  };
  return io;
}

describe('watchInterrupts', () => {
  it('first signal stops, second hurries, third kills what must not outlive the process and exits 130', () => {
    const io = fakeIo(true);
    const order: string[] = [];
    const i = watchInterrupts(io, { first: 'stopping', second: 'hurrying', beforeExit: () => order.push('killed') });
    i.stop.addEventListener('abort', () => order.push('stop'));
    i.hurry.addEventListener('abort', () => order.push('hurry'));
    expect([i.stop.aborted, i.hurry.aborted]).toEqual([false, false]);

    io.send('SIGTERM');
    expect([i.stop.aborted, i.hurry.aborted]).toEqual([true, false]);
    expect(io.err).toContain('zerodrop: SIGTERM received: stopping');

    io.send('SIGHUP');
    expect(i.hurry.aborted).toBe(true);
    expect(io.err).toContain('zerodrop: SIGHUP received again: hurrying');
    expect(io.exits).toEqual([]);

    io.send('SIGINT');
    expect(order).toEqual(['stop', 'hurry', 'killed']);
    expect(io.exits).toEqual([130]);
    expect(io.err).toContain('zerodrop: SIGINT received a third time: exiting now (130)');

    i.dispose();
    expect(io.handlers).toBe(0);
  });

  it('in-process (no exitNow), a third signal changes nothing more', () => {
    const io = fakeIo(false);
    let killed = 0;
    const i = watchInterrupts(io, { first: 'a', second: 'b', beforeExit: () => killed++ });
    io.send('SIGINT');
    io.send('SIGINT');
    io.send('SIGINT');
    expect([i.stop.aborted, i.hurry.aborted, killed]).toEqual([true, true, 0]);
    expect(io.err).not.toContain('third');
  });
});
