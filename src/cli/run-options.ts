import type { Argv, Options } from 'yargs';
import { FLAG_FIELDS, type FieldFlag } from '../scenario/fields.js';

/** The yargs option of one flag of the field table. */
function yargsOptionOf(flag: FieldFlag): Options {
  // A flag with choices shows them instead of its type in --help.
  const o: Options = flag.choices === undefined ? { type: flag.type } : { choices: flag.choices };
  if (flag.alias !== undefined) o.alias = flag.alias;
  if (flag.array === true) o.array = true;
  o.describe = flag.describe;
  return o;
}

/** The options of `zerodrop run`, each with its help text: every scenario flag of the field table (src/scenario/fields.ts), plus --quiet. */
export function withRunOptions<T>(y: Argv<T>): Argv<T> {
  let out = y.positional('scenario', { type: 'string', describe: 'scenario file (YAML or JSON); flags override its fields' });
  const groups = new Map<string, string[]>();
  for (const { flag } of FLAG_FIELDS) {
    const names = groups.get(flag.group) ?? [];
    groups.set(flag.group, [...names, flag.name]);
  }
  for (const [group, names] of groups) {
    // --quiet shapes the console only, no scenario field: listed with the output flags.
    if (group === 'Output:') names.push('quiet');
    out = out.group(names, group);
  }
  for (const { flag } of FLAG_FIELDS) out = out.option(flag.name, yargsOptionOf(flag));
  return out.option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress line and no tables: only the verdict line' });
}
