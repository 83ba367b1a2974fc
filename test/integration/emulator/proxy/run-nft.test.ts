import { describe, expect, it } from 'vitest';
import { runNft } from '../../../../src/emulator/proxy/nft-dataplane.js';

describe('runNft', () => {
  it('settles without an unhandled EPIPE when nft exits before reading its stdin', async () => {
    // `nft --version` reads no stdin: a large script written to it hits a closed pipe.
    const errors: unknown[] = [];
    const onError = (e: unknown): void => {
      errors.push(e);
    };
    process.on('uncaughtException', onError);
    try {
      await expect(runNft(['--version'], 'x'.repeat(8 * 1024 * 1024))).resolves.toMatch(/nftables/);
      await new Promise((r) => setTimeout(r, 100));
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
