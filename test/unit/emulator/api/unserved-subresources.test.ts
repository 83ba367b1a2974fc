import { describe, expect, it } from 'vitest';
import { unservedSubresource } from '../../../../src/emulator/api/unserved-subresources.js';

describe('subresources the emulator does not serve', () => {
  it.each([
    ['pods', 'exec', 400, /does not serve pods\/exec .*run the command on this machine/],
    ['pods', 'attach', 400, /does not serve pods\/attach/],
    ['pods', 'eviction', 400, /delete the pod instead/],
    ['pods', 'proxy', 400, /kubectl port-forward/],
    ['pods', 'binding', 400, /binds every pod/],
    ['pods', 'resize', 400, /pod template/],
    ['services', 'proxy', 400, /port-forward svc\/NAME/],
    ['nodes', 'proxy', 400, /its node is this machine/],
    ['pods', 'ephemeralcontainers', 404, /does not serve pods\/ephemeralcontainers/],
  ])('%s/%s gets %i saying so', (plural, sub, code, message) => {
    const e = unservedSubresource(plural, sub);
    expect(e?.code).toBe(code);
    expect(e?.message).toMatch(message);
  });

  it('gives a 404 whose details kubectl debug can read (it dereferences details.name)', () => {
    expect(unservedSubresource('pods', 'ephemeralcontainers')?.toStatus().details).toEqual({});
  });

  it.each([
    ['pods', 'nonsense'],
    ['deployments', 'exec'],
    ['pods', 'constructor'],
    ['toString', 'exec'],
  ])('knows nothing of %s/%s', (plural, sub) => {
    expect(unservedSubresource(plural, sub)).toBeUndefined();
  });
});
