import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { resourceInfo } from '../../../../src/emulator/api/resources.js';
import { validateObject } from '../../../../src/emulator/api/validation.js';

/** The causes of the 422 the API server answers for this Deployment, or [] when it is valid. */
function causesOf(selector: unknown): string[] {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { selector, template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'app', image: 'web:1' }] } } },
  };
  try {
    validateObject(resourceInfo('deployments')!, deployment as never);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return ((err as ApiError).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
}

describe('Deployment selector validation', () => {
  it.each([
    [{ matchLabels: { app: 'web' } }, []],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, []],
    [{ matchLabels: { app: 'api' } }, ['spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: `selector` does not match template `labels`']],
    [{}, ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
  ])('%j -> %j', (selector, causes) => {
    expect(causesOf(selector)).toEqual(causes);
  });

  it('names an operator Kubernetes does not know (operators are case-sensitive)', () => {
    const causes = causesOf({ matchExpressions: [{ key: 'tier', operator: 'in', values: ['front'] }] });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/^spec.selector: .*unknown label selector operator "in"/);
  });
});
