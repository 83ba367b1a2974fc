import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { RestartBackoff } from '../../../../src/emulator/kubelet/backoff.js';
import { expandVars } from '../../../../src/emulator/kubelet/container-env.js';
import { normalizeImage, resolveImage } from '../../../../src/emulator/kubelet/images.js';
import { LogBuffer } from '../../../../src/emulator/kubelet/log-buffer.js';
import { formatPortMap, parsePortMap, parsePrefix, podPortTarget, PORT_MAP_ANNOTATION } from '../../../../src/emulator/kubelet/pod-addressing.js';
import { probeTiming } from '../../../../src/emulator/kubelet/probes.js';

describe('restart back-off', () => {
  it('restarts at once after the first crash, then waits 10s doubling to 5m', () => {
    const b = new RestartBackoff();
    expect([0, 0, 0, 0, 0, 0, 0, 0, 0].map(() => b.next(100))).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });
  it('starts over after a container ran for twice the cap', () => {
    const b = new RestartBackoff({ initialMs: 10, maxMs: 100 });
    b.next(1);
    b.next(1);
    expect(b.next(200)).toBe(0);
  });
});

describe('probe timing', () => {
  it.each([
    [{}, { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 }],
    [{ periodSeconds: 1, initialDelaySeconds: 2, timeoutSeconds: 3, failureThreshold: 1 }, { initialDelayMs: 2000, periodMs: 1000, timeoutMs: 3000, successThreshold: 1, failureThreshold: 1 }],
    [{ periodSeconds: 0, timeoutSeconds: 0 }, { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 }],
  ])('%j', (p, want) => expect(probeTiming(p)).toEqual(want));
});

describe('images', () => {
  const images = { 'zerodrop/demo-app:v1': { command: ['v1'] }, 'zerodrop/demo-app:*': { command: ['any'] }, nginx: { command: ['nginx'] } };
  it.each([
    ['zerodrop/demo-app:v1', 'v1'],
    ['docker.io/zerodrop/demo-app:v1', 'v1'],
    ['zerodrop/demo-app:v9', 'any'],
    ['nginx:latest', 'nginx'],
    ['docker.io/library/nginx', 'nginx'],
    ['example.com/other:1', undefined],
  ])('%s -> %s', (ref, want) => expect(resolveImage(images, ref)?.command[0]).toBe(want));
  it('normalizes', () => expect(normalizeImage('docker.io/library/redis')).toBe('redis:latest'));
});

describe('env expansion', () => {
  it.each([
    ['$(A)-x', 'a-x'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['plain', 'plain'],
  ])('%s', (s, want) => expect(expandVars(s, { A: 'a' })).toBe(want));
});

describe('pod addressing helpers', () => {
  it.each([
    ['127.10', [127, 10]],
    ['127.10.0.0/16', [127, 10]],
    ['127.11.3', [127, 11, 3]],
  ])('prefix %s', (p, want) => expect(parsePrefix(p)).toEqual(want));
  it.each([['10.0'], ['127.300'], ['127.1.2.3.4']])('rejects %s', (p) => expect(() => parsePrefix(p)).toThrow());
  it('port map round-trips', () => {
    const m = new Map([
      [8080, 41000],
      [9090, 41001],
    ]);
    expect(parsePortMap(formatPortMap(m))).toEqual(m);
    expect(parsePortMap(undefined).size).toBe(0);
  });
  const pod = (ip: string | undefined, portMap?: string): KObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...(portMap === undefined ? {} : { annotations: { [PORT_MAP_ANNOTATION]: portMap } }) },
    status: ip === undefined ? {} : { podIP: ip },
  });
  it.each([
    ['loopback-ip: any port of the pod IP', pod('127.10.0.7'), 9999, { host: '127.10.0.7', port: 9999 }],
    ['port addressing: a containerPort through the map', pod('127.0.0.1', '8080:41000,9090:41001'), 9090, { host: '127.0.0.1', port: 41001 }],
  ])('podPortTarget, %s', (_name, p, port, want) => expect(podPortTarget(p, port)).toEqual(want));
  it.each([
    ['a pod without an IP', pod(undefined), 8080, /no IP yet/],
    ['port addressing: an undeclared port (it would reach another process)', pod('127.0.0.1', '8080:41000'), 22, /port 22 is not a containerPort of the pod \(declared: 8080\)/],
  ])('podPortTarget refuses %s', (_name, p, port, msg) => expect(() => podPortTarget(p, port)).toThrow(msg));
});

describe('log buffer', () => {
  it('keeps the newest output within its bound and feeds followers', () => {
    const b = new LogBuffer(10);
    const seen: string[] = [];
    const off = b.follow((s) => seen.push(s));
    b.append('hello ');
    b.append('world ');
    off();
    b.append('again');
    expect(b.text().length).toBeLessThanOrEqual(10);
    expect(b.text().endsWith('again')).toBe(true);
    expect(seen).toEqual(['hello ', 'world ']);
  });
});
