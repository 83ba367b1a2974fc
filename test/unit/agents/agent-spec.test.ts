import { describe, expect, it } from 'vitest';
import { loadOptionsOfWire, parseAgentSpec, wireLoadOf } from '../../../src/agents/agent-spec.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { successPredicateOf } from '../../../src/traffic/status-table.js';

const full: LoadOptions = {
  url: 'https://web.example:8443/hello?x=1',
  method: 'POST',
  headers: { 'x-test': 'zerodrop' },
  body: new TextEncoder().encode('{"a":1}'),
  model: 'open',
  rate: 300,
  ramp: { fromRate: 10, durationMs: 2000 },
  durationMs: 10_000,
  timeoutMs: 1500,
  keepAlive: true,
  maxInFlight: 500,
  minConnections: 32,
  client: 'undici',
  http2: true,
  ca: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
  insecure: false,
  podHeader: 'x-pod-name',
  successStatus: [[200, 399]],
  intervalMs: 50,
  lagToleranceMs: 20,
  workers: 4,
  warmupMs: 3000,
};

describe('agent spec wire form', () => {
  it('carries every load option as JSON and back, bytes as text, the success ranges as they are', () => {
    const wire = wireLoadOf(full);
    // What crosses to the agent is JSON: the text round-trips to the same object.
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
    // Every option but the calling side's own (workers, pod counting) crosses as it is; bytes
    // become text.
    const { body: _body, workers: _workers, podHeader: _podHeader, ...plain } = full;
    expect(wire).toEqual({ ...plain, body: '{"a":1}', successStatus: [[200, 399]] });
    const back = loadOptionsOfWire(wire);
    expect(back.workers).toBe(1);
    expect(back.podHeader).toBeUndefined();
    expect(back.successStatus).toEqual([[200, 399]]);
    const success = successPredicateOf(back.successStatus)!;
    expect([200, 399, 400, 199].map((s) => success(s))).toEqual([true, true, false, false]);
  });

  it('gives the default rule as ranges when the options give none; given ranges win', () => {
    const bare: LoadOptions = { url: 'http://a/', method: 'GET', headers: {}, model: 'closed', connections: 8, durationMs: 1000, timeoutMs: 500, keepAlive: false };
    expect(wireLoadOf(bare).successStatus).toEqual([[200, 399]]);
    expect(wireLoadOf({ ...bare, successStatus: [[200, 204]] }).successStatus).toEqual([[200, 204]]);
  });

  it('leaves out what the options leave out', () => {
    const wire = wireLoadOf({ url: 'http://a/', method: 'GET', headers: {}, model: 'closed', connections: 8, durationMs: 1000, timeoutMs: 500, keepAlive: false, successStatus: [[200, 299]] });
    expect(Object.keys(wire).sort()).toEqual(['connections', 'durationMs', 'headers', 'keepAlive', 'method', 'model', 'successStatus', 'timeoutMs', 'url']);
  });

  it('rejects a spec that is not one, naming the variable', () => {
    expect(() => parseAgentSpec(undefined)).toThrow(/ZERODROP_AGENT_SPEC/);
    expect(() => parseAgentSpec('{"format":"other"}')).toThrow(/agent spec of version 1/);
  });
});
