import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDockerfile, type DockerStage } from './test/dockerfile-stages';

// No Docker engine runs here: these read the Dockerfile itself for what the image promises.
const root = path.resolve(__dirname, '../..');
const dockerfile = parseDockerfile(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };

function instructions(stage: DockerStage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

const build = dockerfile.stages.find((stage) => stage.name === 'build')!;
const runtime = dockerfile.stages[dockerfile.stages.length - 1];

describe('Dockerfile', () => {
  it('builds in a stage of its own, with every dependency, and ships the runtime stage last', () => {
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    expect(instructions(build, 'RUN')).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/), 'npm run build']));
  });

  it('uses a Node 20 LTS image no older than package.json engines', () => {
    const nodeImage = dockerfile.args.find((arg) => arg.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    const [, major, minor] = /^node:(\d+)\.(\d+)-/.exec(nodeImage ?? '') ?? [];
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(packageJson.engines.node)!;
    expect(Number(major)).toBe(20);
    expect(Number(minor)).toBeGreaterThanOrEqual(Number(wantMinor));
    expect(Number(major)).toBeGreaterThanOrEqual(Number(wantMajor));
    for (const stage of dockerfile.stages) expect(stage.from).toBe('${NODE_IMAGE}');
  });

  it('installs only production dependencies in the runtime stage and copies dist/ from the build', () => {
    const runs = instructions(runtime, 'RUN');
    const installs = runs.filter((run) => /\bnpm (ci|install|i)\b/.test(run));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/^npm ci --omit=dev\b/);
    expect(runs.join('\n')).not.toMatch(/npm run build|tools\/scripts\/build/);
    expect(instructions(runtime, 'COPY')).toEqual(expect.arrayContaining(['--from=build /app/dist ./dist']));
    // Sources are not copied into the runtime image: only the manifests and the container scripts.
    expect(instructions(runtime, 'COPY').filter((copy) => /^\.\s|^\. /.test(copy))).toEqual([]);
  });

  it('runs as a non-root user', () => {
    const users = instructions(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    // Nothing after the USER switches back or runs as root.
    const lastUser = runtime.instructions.map((instruction) => instruction.keyword).lastIndexOf('USER');
    expect(runtime.instructions.slice(lastUser + 1).filter((instruction) => instruction.keyword === 'RUN')).toEqual([]);
  });

  it('checks its health on /healthz with the script it copies, and starts the service SERVICE names', () => {
    const [healthcheck] = instructions(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "infra\/docker\/healthcheck\.js"\]$/);
    expect(healthcheck).toMatch(/--start-period=\d+s/);
    const copied = instructions(runtime, 'COPY').join(' ');
    expect(copied).toContain('infra/docker/healthcheck.js');
    expect(copied).toContain('infra/docker/start-service.sh');
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual(['["infra/docker/start-service.sh"]']);
    expect(instructions(runtime, 'ENV').join(' ')).toMatch(/KASTRA_BIND=0\.0\.0\.0/);
  });

  it('keeps local state out of the build context', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.kastra', '.git', '.env']));
  });
});

describe('parseDockerfile', () => {
  it('joins continued lines, skips comments and splits stages', () => {
    const parsed = parseDockerfile('ARG A=1\n# c\nFROM x AS one\nRUN a \\\n  b\nFROM one\nUSER node\n');
    expect(parsed.args).toEqual([{ keyword: 'ARG', args: 'A=1' }]);
    expect(parsed.stages).toEqual([
      { name: 'one', from: 'x', instructions: [{ keyword: 'RUN', args: 'a b' }] },
      { name: '1', from: 'one', instructions: [{ keyword: 'USER', args: 'node' }] },
    ]);
  });
});
