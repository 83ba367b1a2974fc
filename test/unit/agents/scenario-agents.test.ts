import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

const ctx = { readText: () => '', resolvePath: (p: string) => `/abs/${p}` };
const k8s = { emulator: { manifests: ['app.yaml'] }, deployment: 'web', service: 'web' };

function problems(file: unknown, flags: ScenarioFlags = {}): string[] {
  try {
    resolveScenario(file, flags, ctx);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('load.agents in a scenario', () => {
  it('takes every field, with an emulator start delay by default', () => {
    const s = resolveScenario(
      { kubernetes: k8s, load: { rate: 300, agents: { count: 3, image: 'reg/zd-agent:1', namespace: 'load', resources: { limits: { cpu: '1' } }, nodeSelector: { pool: 'load' } } } },
      {},
      ctx,
    );
    expect(s.load.agents).toEqual({ count: 3, image: 'reg/zd-agent:1', namespace: 'load', resources: { limits: { cpu: '1' } }, nodeSelector: { pool: 'load' }, startDelayMs: 10_000 });
  });

  it('`agents: 3` is short for a count; a real cluster waits longer for pods by default', () => {
    const s = resolveScenario({ kubernetes: { deployment: 'web', service: 'web' }, load: { agents: 3 } }, {}, ctx);
    expect(s.load.agents).toMatchObject({ count: 3, image: undefined, startDelayMs: 60_000 });
  });

  it('--agents and --agent-image set and override the fields', () => {
    const s = resolveScenario({ kubernetes: k8s, load: { agents: { count: 2, startDelay: '5s' } } }, { agents: 4, agentImage: 'x/agent:2' }, ctx);
    expect(s.load.agents).toMatchObject({ count: 4, image: 'x/agent:2', startDelayMs: 5000 });
  });

  it('no agents: the field is absent', () => {
    expect(resolveScenario({ kubernetes: k8s }, {}, ctx).load.agents).toBeUndefined();
  });

  it.each([
    [{ kubernetes: k8s, load: { agents: { count: 0 } } }, {}, /load.agents.count: the agent count must be a positive whole number/],
    [{ kubernetes: k8s, load: { agents: { count: 101 } } }, {}, /at most 100 agents/],
    [{ kubernetes: k8s, load: { agents: {} } }, {}, /how many agents/],
    [{ load: { agents: 2 } }, { url: 'http://x/' }, /add a kubernetes section/],
    [{ kubernetes: k8s, load: { connections: 2, agents: 3 } }, {}, /cannot share 2 connections/],
    [{ kubernetes: k8s, load: { agents: { count: 2, nodeSelector: { pool: 1 } } } }, {}, /load.agents.nodeSelector/],
    [{ kubernetes: k8s, load: { agents: { count: 2, resources: 'big' } } }, {}, /load.agents.resources/],
    [{ kubernetes: k8s, load: { agents: { count: 2, replicas: 3 } } }, {}, /load.agents.replicas: unknown field/],
    [{ kubernetes: k8s }, { agents: 1.5 }, /--agents \(load.agents.count\)/],
  ])('%j %j is refused: %s', (file, flags, message) => {
    expect(problems(file, flags).join('\n')).toMatch(message);
  });
});
