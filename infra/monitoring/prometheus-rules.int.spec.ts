import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// promtool from Debian's "prometheus" package (apt-get install -y prometheus). Without it the rules
// are still checked for metric names by monitoring-metrics.unit.spec.ts, but not by Prometheus.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version']).status === 0;
const directory = path.join(__dirname, 'prometheus');

function promtool(args: string[], cwd = directory): { code: number; output: string } {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

if (!hasPromtool) {
  // eslint-disable-next-line no-console
  console.warn(`skipping promtool checks: "${PROMTOOL}" is not installed (apt-get install -y prometheus)`);
}

(hasPromtool ? describe : describe.skip)('promtool', () => {
  it('accepts the alert rules', () => {
    const result = promtool(['check', 'rules', 'kastra-alerts.rules.yaml']);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS: 13 rules found') });
  });

  it('accepts the compose scrape configuration with the rules', () => {
    expect(promtool(['check', 'config', 'prometheus.yml']).code).toBe(0);
  });

  it('passes the alerts’ unit tests', () => {
    const result = promtool(['test', 'rules', 'kastra-alerts.test.yaml']);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('fails a unit test whose expected alert does not fire (the tests can fail)', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-promtool-'));
    try {
      fs.copyFileSync(path.join(directory, 'kastra-alerts.rules.yaml'), path.join(work, 'kastra-alerts.rules.yaml'));
      const tests = fs.readFileSync(path.join(directory, 'kastra-alerts.test.yaml'), 'utf8');
      // 20 % failures become 5 %: below the 10 % threshold the alert must not fire.
      fs.writeFileSync(path.join(work, 'tests.yaml'), tests.replace("status=\"server\",service=\"llm-proxy\"}'\n        values: '0+20x20'", "status=\"server\",service=\"llm-proxy\"}'\n        values: '0+4x20'"));
      expect(fs.readFileSync(path.join(work, 'tests.yaml'), 'utf8')).not.toEqual(tests);
      const result = promtool(['test', 'rules', 'tests.yaml'], work);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('KastraLlmErrorRateHigh');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses a rule with a syntax error', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-promtool-'));
    try {
      fs.writeFileSync(path.join(work, 'bad.yaml'), 'groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: sum(rate(llm_requests_total[5m]) > 0.1\n');
      expect(promtool(['check', 'rules', 'bad.yaml'], work).code).not.toBe(0);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

