import { describe, expect, it } from 'vitest';
import { httpUrlOf, loadOptionsOf, loadMetaOf, streamOptionsOf } from '../../../src/runner/load-options.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

const scenario = (flags: ScenarioFlags) => resolveScenario(undefined, flags, { readText: () => '', resolvePath: (p) => p });

describe('a stream load from a scenario', () => {
  it.each([
    ['ws://a:1/x', 'http://a:1/x'],
    ['wss://a/x?q=1', 'https://a/x?q=1'],
    ['http://a/', 'http://a/'],
    ['WSS://a/', 'https://a/'],
  ])('the HTTP side of %s is %s', (from, to) => {
    expect(httpUrlOf(from)).toBe(to);
  });

  it.each<[string, ScenarioFlags, string]>([
    ['a ws:// target', { url: 'ws://h:8/chat', loadKind: 'websocket' }, 'ws://h:8/chat'],
    ['an http:// target of a WebSocket load', { url: 'http://h:8/chat', loadKind: 'websocket' }, 'ws://h:8/chat'],
    ['an https:// target of a WebSocket load', { url: 'https://h/chat', loadKind: 'websocket' }, 'wss://h/chat'],
    ['an SSE load keeps http://', { url: 'http://h/events', loadKind: 'sse' }, 'http://h/events'],
  ])('%s connects to %s', (_name, flags, url) => {
    const s = scenario({ connections: 3, podHeader: 'x-pod-name', ...flags });
    const o = streamOptionsOf(s, s.target.url as string, 5000);
    expect(o).toMatchObject({ url, connections: 3, podHeader: 'x-pod-name', durationMs: 5000, deadlineMs: 2000, reconnect: { initialDelayMs: 100, maxDelayMs: 2000, promptMs: 2000 } });
    // The HTTP side (reachability, report.meta) never sees ws://.
    expect(loadOptionsOf(s, s.target.url as string, 5000).url).toMatch(/^https?:\/\//);
    expect(loadMetaOf(s, loadOptionsOf(s, s.target.url as string, 5000)).kind).toBe(flags.loadKind);
  });

  it('an HTTP load has no stream options', () => {
    const s = scenario({ url: 'http://h/' });
    expect(streamOptionsOf(s, 'http://h/', 1000)).toBeUndefined();
    expect(loadMetaOf(s, loadOptionsOf(s, 'http://h/', 1000)).kind).toBeUndefined();
  });
});
