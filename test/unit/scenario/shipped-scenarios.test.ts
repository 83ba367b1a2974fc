import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../src/scenario/load-file.js';
import { resolveScenario } from '../../../src/scenario/resolve.js';

const dir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => /^(emulator|k8s|local)-.*\.ya?ml$/.test(f));

describe('the scenarios shipped in scenarios/', () => {
  it('are there', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s resolves without a problem, and its manifests exist', (file) => {
    const path = join(dir, file);
    const s = resolveScenario(loadScenarioFile(path), {}, { readText: (p) => readFileSync(p, 'utf8'), resolvePath: (p) => resolve(dirname(path), p) });
    expect(s.kubernetes?.deployment).toBeTruthy();
    for (const m of s.kubernetes?.emulator?.manifests ?? []) expect(readFileSync(m, 'utf8')).toMatch(/kind: Deployment/);
  });
});
