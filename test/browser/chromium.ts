/**
 * Headless Chromium for the browser tests: Debian's package, driven by playwright-core (which cannot
 * download a browser of its own here). Missing Chromium fails the tests with the fix; it never skips.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; ZERODROP_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env['ZERODROP_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, sandbox-free headless browser (tests run as root in CI containers). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium, or throws an error that says how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need it. Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does), or point ZERODROP_CHROMIUM at a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
