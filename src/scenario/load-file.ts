import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InvalidInputError } from '../errors.js';

/** Reads a scenario file (YAML or JSON — JSON is YAML) and returns its data, or throws a clear exit-3 error. */
export function loadScenarioFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      [{ path: 'scenario', message: code === 'ENOENT' ? `no scenario file at ${path}` : `cannot read ${path}: ${(err as Error).message}` }],
      'pass the path of a YAML or JSON scenario, e.g. scenarios/emulator-graceful.yaml, or give --url instead',
    );
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    throw new InvalidInputError(
      [{ path: 'scenario', message: `${path} is not valid YAML or JSON${where}: ${(err as Error).message.split('\n')[0]}` }],
      'check the indentation and quoting near that line',
    );
  }
}
