/** One instruction of a Dockerfile: `RUN npm ci` is { op: 'RUN', args: 'npm ci' }. */
export interface DockerInstruction {
  op: string;
  args: string;
}

/** One build stage: its base image, its name (`AS name`), its instructions in order. */
export interface DockerStage {
  from: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

/**
 * Splits a Dockerfile into its stages (comments dropped, `\` continuations joined), so tests can
 * run and check the steps the image build runs without a docker engine.
 */
export function parseDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending.trim() !== '') logical.push(pending.trim());

  const stages: DockerStage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (m === null) throw new Error(`not a Dockerfile instruction: ${l}`);
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (f === null) throw new Error(`FROM without an image: ${l}`);
      stages.push({ from: f[1] as string, name: f[2], instructions: [] });
    } else if (stages.length > 0) (stages[stages.length - 1] as DockerStage).instructions.push({ op, args });
    else if (op !== 'ARG') throw new Error(`${op} before the first FROM`);
  }
  return stages;
}

/** The shell commands of a stage's RUN instructions, each split at `&&`. */
export function runCommands(stage: DockerStage): string[][] {
  return stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args.split('&&').map((c) => c.trim()));
}
