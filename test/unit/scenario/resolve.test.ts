import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { REPORT_FORMATS } from '../../../src/report/index.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

const ctx = {
  readText: (p: string) => {
    if (p === '/files/body.json') return '{"a":1}';
    throw new Error('ENOENT: no such file');
  },
  resolvePath: (p: string) => (p.startsWith('/') ? p : `/files/${p}`),
};

function problemsOf(file: unknown, flags: ScenarioFlags = {}): string[] {
  try {
    resolveScenario(file, flags, ctx);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('resolveScenario', () => {
  it('applies defaults: open model at 100 req/s for 60s, 0.1% budget at 95%', () => {
    const s = resolveScenario(undefined, { url: 'http://127.0.0.1:8080/' }, ctx);
    expect(s.load).toMatchObject({ model: 'open', rate: 100, durationMs: 60_000, warmupMs: 0, intervalMs: 100 });
    expect(s.budget).toEqual({ maxFailureRate: 0.001, confidence: 0.95 });
    expect(s.target).toMatchObject({ method: 'GET', timeoutMs: 2000, keepAlive: true, successStatus: [[200, 399]] });
    expect(s.trigger).toBeUndefined();
    expect(s.report.formats).toEqual([...REPORT_FORMATS]);
  });

  it('lets flags override the file', () => {
    const s = resolveScenario(
      { target: { url: 'http://a/', headers: { 'X-A': '1', Authorization: 'old' } }, load: { rate: 50, duration: '10s' } },
      { url: 'http://b/', rate: 200, header: ['authorization: new'] },
      ctx,
    );
    expect(s.target.url).toBe('http://b/');
    expect(s.load.rate).toBe(200);
    expect(s.load.durationMs).toBe(10_000);
    expect(s.target.headers).toEqual({ 'X-A': '1', authorization: 'new' });
  });

  it('chooses the closed model with connections', () => {
    const s = resolveScenario({ target: { url: 'http://a/' }, load: { connections: 8 } }, {}, ctx);
    expect(s.load).toMatchObject({ model: 'closed', connections: 8, rate: undefined });
  });

  it('takes a trigger with baseline and cooldown defaults and no duration', () => {
    const s = resolveScenario({ target: { url: 'http://a/' }, trigger: 'nginx -s reload' }, {}, ctx);
    expect(s.trigger).toEqual({ action: { kind: 'command', command: 'nginx -s reload' }, baselineMs: 5000, cooldownMs: 5000, timeoutMs: 600_000 });
    expect(s.load.durationMs).toBeUndefined();
  });

  it('reads --body @file', () => {
    const s = resolveScenario(undefined, { url: 'http://a/', body: '@body.json', method: 'post' }, ctx);
    expect(s.target.body).toBe('{"a":1}');
    expect(s.target.method).toBe('POST');
  });

  it.each<[string, unknown, ScenarioFlags, RegExp]>([
    ['no target', {}, {}, /^target\.url: no target/],
    ['bad url', {}, { url: 'nope' }, /^--url \(target\.url\): "nope" is not a URL/],
    ['ftp url', {}, { url: 'ftp://x/' }, /only http/],
    ['bad duration flag', {}, { url: 'http://a/', duration: '10x' }, /^--duration \(load\.duration\): "10x" is not a duration/],
    ['bad budget', { target: { url: 'http://a/' }, budget: { maxFailureRate: '150%' } }, {}, /^budget\.maxFailureRate: /],
    ['rate and connections', {}, { url: 'http://a/', rate: 10, connections: 2 }, /not both/],
    ['unknown field with a guess', { target: { url: 'http://a/' }, load: { rat: 5 } }, {}, /^load\.rat: unknown field; did you mean "load\.rate"/],
    ['duration with trigger', {}, { url: 'http://a/', duration: '10s', trigger: 'true' }, /with a trigger the run lasts/],
    ['cooldown without trigger', {}, { url: 'http://a/', cooldown: '1s' }, /only applies with a trigger/],
    ['unknown format', {}, { url: 'http://a/', format: ['json,pdf'] }, /unknown format "pdf"/],
    ['missing body file', {}, { url: 'http://a/', body: '@missing.json' }, /cannot read body file/],
    ['bad header', {}, { url: 'http://a/', header: ['nocolon'] }, /is not a header/],
    ['fractional connections', {}, { url: 'http://a/', connections: 1.5 }, /whole number/],
    ['not a mapping', 'just text', {}, /must hold a mapping/],
  ])('%s', (_name, file, flags, expected) => {
    const problems = problemsOf(file, flags);
    expect(problems.some((p) => expected.test(p)), problems.join('\n')).toBe(true);
  });

  it('takes the HTTP client: auto by default, lean or undici when named; lean only for HTTP/1.1 (http: or https:)', () => {
    expect(resolveScenario(undefined, { url: 'http://a/' }, ctx).target.client).toBeUndefined();
    expect(resolveScenario({ target: { url: 'http://a/', client: 'undici' } }, {}, ctx).target.client).toBe('undici');
    expect(resolveScenario({ target: { url: 'http://a/', client: 'undici' } }, { client: 'lean' }, ctx).target.client).toBe('lean');
    expect(resolveScenario(undefined, { url: 'https://a/', client: 'auto' }, ctx).target.client).toBeUndefined();
    expect(problemsOf(undefined, { url: 'http://a/', client: 'fast' })).toEqual(['--client (target.client): unknown client "fast": choose auto, lean, undici or node-http2']);
    // The lean clients reach every target: HTTP/1.1 over http: and https:, HTTP/2 over TLS or h2c;
    // undici speaks HTTP/2 over TLS only.
    expect(problemsOf(undefined, { url: 'https://a/', client: 'lean' })).toEqual([]);
    expect(resolveScenario(undefined, { url: 'https://a/', client: 'lean' }, ctx).target.client).toBe('lean');
    expect(problemsOf({ target: { url: 'http://a/', http2: true, client: 'lean' } })).toEqual([]);
    expect(problemsOf({ target: { url: 'https://a/', http2: true, client: 'lean' } })).toEqual([]);
    expect(problemsOf({ target: { url: 'http://a/', http2: true, client: 'undici' } })).toEqual([
      'target.client: undici speaks HTTP/2 over TLS only: use --client lean (or auto) for cleartext HTTP/2 (h2c)',
    ]);
    // node-http2 (zerodrop's client on node:http2, kept beside the lean frames client) speaks HTTP/2 only.
    expect(problemsOf({ target: { url: 'https://a/', http2: true, client: 'node-http2' } })).toEqual([]);
    expect(problemsOf({ target: { url: 'http://a/', http2: true, client: 'node-http2' } })).toEqual([]);
    expect(problemsOf({ target: { url: 'http://a/', client: 'node-http2' } })).toEqual(['target.client: node-http2 is an HTTP/2 client: add --http2 (target.http2), or use lean or undici']);
  });

  it('refuses framing and connection headers, saying what to use instead', () => {
    expect(problemsOf(undefined, { url: 'http://a/', header: ['Connection: close', 'content-length: 5', 'X-Ok: 1'] })).toEqual([
      'target.headers.Connection: zerodrop writes this header itself: keep-alive is the default; use --no-keep-alive (target.keepAlive: false) for a new connection per request',
      'target.headers.content-length: zerodrop writes this header itself: it follows the body (--body)',
    ]);
    expect(problemsOf({ target: { url: 'http://a/', headers: { 'Transfer-Encoding': 'chunked' } } })).toHaveLength(1);
  });

  it('takes --min-connections for the open model only, within the in-flight cap', () => {
    expect(resolveScenario(undefined, { url: 'http://a/', rate: 500, minConnections: 16 }, ctx).load.minConnections).toBe(16);
    expect(resolveScenario(undefined, { url: 'http://a/' }, ctx).load.minConnections).toBeUndefined();
    expect(problemsOf({ target: { url: 'http://a/' }, load: { connections: 8, minConnections: 4 } })).toEqual([
      'load.minConnections: spreads the open model (--rate) over connections; the closed model keeps exactly --connections',
    ]);
    expect(problemsOf(undefined, { url: 'http://a/', minConnections: 50, maxInFlight: 10 })).toEqual([
      '--min-connections (load.minConnections): 50 connections cannot all carry requests under --max-in-flight 10',
    ]);
    expect(problemsOf(undefined, { url: 'http://a/', minConnections: 0 })[0]).toMatch(/^--min-connections \(load.minConnections\): /);
    // HTTP/2: the sessions kept and taken in turn.
    expect(resolveScenario(undefined, { url: 'https://a/', http2: true, rate: 500, minConnections: 8 }, ctx).load.minConnections).toBe(8);
    // A bad value is one problem, however many rules read it.
    expect(problemsOf({ target: { url: 'http://a/', http2: 'yes' } })).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, number | undefined, string[]]>([
    ['HTTP/2 sessions and streams, as h2load -c and -m', { url: 'https://a/', http2: true, connections: 8, streams: 8 }, 8, []],
    ['no streams: undefined (1 closed, the server\'s limit open)', { url: 'https://a/', http2: true, connections: 8 }, undefined, []],
    ['streams without HTTP/2', { url: 'http://a/', connections: 8, streams: 8 }, 8, ['--streams (load.streams): streams per session are for HTTP/2 (--http2): HTTP/1.1 carries one request per connection at a time, so raise --connections instead']],
  ])('--streams: %s', (_name, flags, want, problems) => {
    expect(problemsOf(undefined, flags)).toEqual(problems);
    if (problems.length === 0) expect(resolveScenario(undefined, flags, ctx).load.streams).toBe(want);
  });

  it.each([0, 1.5, -2])('--streams %s is not a positive integer', (streams) => {
    expect(problemsOf(undefined, { url: 'https://a/', http2: true, connections: 8, streams })[0]).toMatch(/^--streams \(load.streams\): /);
  });

  // These three were read after the problems were thrown, so a bad value fell back to the default unreported.
  it.each<[string, Record<string, unknown>, string]>([
    ['keepAlive', { keepAlive: 'yes' }, 'target.keepAlive: expected true or false, got "yes"'],
    ['insecure', { insecure: 1 }, 'target.insecure: expected true or false, got 1'],
    ['path', { path: 5 }, 'target.path: expected a non-empty text, got 5'],
  ])('reports a bad target.%s instead of taking the default', (_field, target, problem) => {
    expect(problemsOf({ target: { url: 'http://a/', ...target } })).toEqual([problem]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ load: { rate: -1, duration: 'x' }, budget: { confidence: 2 } });
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });
});

describe('resolveScenario: Kubernetes', () => {
  const file = {
    kubernetes: { emulator: { manifests: ['apps/demo.yaml'] }, deployment: 'web', service: 'web' },
    trigger: { image: 'app=web:v2', baseline: '2s' },
  };

  it('takes the Service as the target when no URL is given', () => {
    const s = resolveScenario(file, {}, ctx);
    expect(s.target.url).toBeUndefined();
    expect(s.kubernetes).toMatchObject({ deployment: 'web', service: 'web', rolloutTimeoutMs: 300_000, rollbackOnFail: false });
    expect(s.kubernetes?.emulator?.manifests).toEqual(['/files/apps/demo.yaml']);
    expect(s.trigger?.action).toEqual({ kind: 'image', image: 'app=web:v2' });
  });

  it('takes an Ingress to send the traffic through, and the ingress controller\'s sync delay', () => {
    const s = resolveScenario({ ...file, kubernetes: { ...file.kubernetes, ingress: 'front', emulator: { manifests: [], ingressSyncDelay: '2s' } } }, {}, ctx);
    expect(s.kubernetes?.ingress).toBe('front');
    expect(s.kubernetes?.emulator?.ingressSyncDelayMs).toBe(2000);
    expect(resolveScenario(file, { ingress: 'other' }, ctx).kubernetes?.ingress).toBe('other');
    expect(resolveScenario(file, {}, ctx).kubernetes?.ingress).toBeUndefined();
    expect(problemsOf({ ...file, kubernetes: { ...file.kubernetes, emulator: { ingressSyncDelay: 'soon' } } }).some((p) => p.startsWith('kubernetes.emulator.ingressSyncDelay'))).toBe(true);
  });

  it('lets a release flag replace the file\'s release action', () => {
    expect(resolveScenario(file, { restart: true }, ctx).trigger?.action).toEqual({ kind: 'restart' });
    expect(resolveScenario(file, { trigger: 'make deploy' }, ctx).trigger).toMatchObject({ action: { kind: 'command', command: 'make deploy' }, baselineMs: 2000 });
    expect(resolveScenario(file, { patch: '@p.yaml', patchType: 'merge' }, ctx).trigger?.action).toEqual({ kind: 'patch', patch: undefined, file: '/files/p.yaml', patchType: 'merge' });
  });

  it.each<[string, unknown, ScenarioFlags, RegExp]>([
    ['two release actions', { target: { url: 'http://a/' }, kubernetes: { deployment: 'w' }, trigger: { restart: true, image: 'x' } }, {}, /give one release action/],
    ['a cluster action without a Deployment', { target: { url: 'http://a/' } }, { restart: true }, /--deployment/],
    ['kubernetes without a Deployment', { target: { url: 'http://a/' }, kubernetes: { service: 'w' } }, {}, /name the Deployment/],
    ['emulator with a kubeconfig', { kubernetes: { deployment: 'w', service: 'w', emulator: {}, kubeconfig: 'k' } }, {}, /brings its own kubeconfig/],
    ['a bad patch type', { target: { url: 'http://a/' }, kubernetes: { deployment: 'w' } }, { patch: '{}', patchType: 'yaml' }, /strategic, merge or json/],
  ])('%s', (_name, f, flags, expected) => {
    const problems = problemsOf(f, flags);
    expect(problems.some((p) => expected.test(p)), problems.join('\n')).toBe(true);
  });
});
