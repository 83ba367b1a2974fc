import { describe, expect, it } from 'vitest';
import * as zerodrop from '../../src/index.js';

describe('the programmatic API', () => {
  it.each(['executeRun', 'resolveScenario', 'startLoad', 'startStreamLoad', 'analyzeConnections', 'analyzeRun', 'render', 'startEmulator', 'watchRollout', 'runSweep', 'startAgentLoad', 'verifyReport', 'sealReport', 'verifySignature', 'loadSigningKey'])('exports %s', (name) => {
    expect(typeof (zerodrop as Record<string, unknown>)[name]).toBe('function');
  });

  it('keeps the exit-code contract', () => {
    expect(zerodrop.EXIT).toEqual({ pass: 0, fail: 1, inconclusive: 2, invalidInput: 3, couldNotRun: 4, untrusted: 5, interrupted: 130 });
  });
});
