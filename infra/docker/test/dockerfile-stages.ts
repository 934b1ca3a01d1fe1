/** One instruction of a Dockerfile: `RUN npm ci` is { keyword: 'RUN', args: 'npm ci' }. */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

export interface DockerStage {
  /** The `AS` name, or the stage's index when it has none. */
  name: string;
  /** The FROM image, ARGs not expanded. */
  from: string;
  instructions: DockerInstruction[];
}

/** The global ARGs (before the first FROM) and the stages of a Dockerfile, comments and line continuations resolved. */
export function parseDockerfile(text: string): { args: DockerInstruction[]; stages: DockerStage[] } {
  const logicalLines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logicalLines.push(`${pending}${line}`.trim());
    pending = '';
  }
  const args: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  for (const line of logicalLines.filter((entry) => entry !== '')) {
    const match = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { keyword: match[1].toUpperCase(), args: match[2] };
    if (instruction.keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)!;
      stages.push({ name: from[2] ?? String(stages.length), from: from[1], instructions: [] });
    } else if (stages.length === 0) args.push(instruction);
    else stages[stages.length - 1].instructions.push(instruction);
  }
  return { args, stages };
}
