import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

const ctx = { readText: (): string => '', resolvePath: (p: string): string => `/files/${p}` };

function resolve(file: unknown, flags: ScenarioFlags = {}): ReturnType<typeof resolveScenario> | string[] {
  try {
    return resolveScenario(file, flags, ctx);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
}

describe('kubernetes.loadBalancer', () => {
  it.each<[string, unknown, ScenarioFlags, { service?: string; loadBalancer?: string } | RegExp]>([
    ['is the Service too when none is named', { kubernetes: { deployment: 'web', loadBalancer: 'web-lb' } }, {}, { service: 'web-lb', loadBalancer: 'web-lb' }],
    ['leaves a named Service alone', { kubernetes: { deployment: 'web', service: 'web', loadBalancer: 'web-lb' } }, {}, { service: 'web', loadBalancer: 'web-lb' }],
    ['is the target: no URL needed', { kubernetes: { deployment: 'web' } }, { loadBalancer: 'web-lb' }, { service: 'web-lb', loadBalancer: 'web-lb' }],
    ['contradicts a URL', { target: { url: 'http://127.0.0.1:1/' }, kubernetes: { deployment: 'web', loadBalancer: 'web-lb' } }, {}, /kubernetes\.loadBalancer: the traffic goes to the load balancer's address: drop target\.url/],
    ['contradicts an Ingress (one front door)', { kubernetes: { deployment: 'web', ingress: 'web', loadBalancer: 'web-lb' } }, {}, /kubernetes\.loadBalancer: the traffic goes through one front door: name either kubernetes\.ingress/],
  ])('%s', (_name, file, flags, want) => {
    const got = resolve(file, flags);
    if (want instanceof RegExp) expect((got as string[]).join('\n')).toMatch(want);
    else expect((got as ReturnType<typeof resolveScenario>).kubernetes).toMatchObject(want);
  });
});
