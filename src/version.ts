import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZerodropError } from './errors.js';

/** The package's root folder (where package.json is), found from this module whether run from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'zerodrop') return dir;
    } catch {
      // keep looking upwards
    }
    dir = dirname(dir);
  }
  throw new ZerodropError('E_INTERNAL', 'zerodrop: cannot find its own package.json');
}

/** zerodrop's version, from package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
