// The fleet configs in deploy/ as the real tools see them: `promtool check rules` / `test rules` (every rule
// firing and not firing, loop-alerts.test.yml), `promtool check config` of the example prometheus.yml and
// `amtool check-config` of the example alertmanager.yml. Needs Debian's `prometheus` (promtool) and
// `prometheus-alertmanager` (amtool); skipped with a warning without them, failing under CI=true.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEPLOY = fileURLToPath(new URL('../', import.meta.url));
const PROMETHEUS_DIR = `${DEPLOY}prometheus`;
const ALERTMANAGER_DIR = `${DEPLOY}alertmanager`;

function tool(name: string, envVar: string, debianPackage: string): string | undefined {
  const path = process.env[envVar] ?? `/usr/bin/${name}`;
  if (existsSync(path)) return path;
  const message = `deploy.test: ${path} not found (apt-get install ${debianPackage}, or set ${envVar})`;
  if (process.env.CI) throw new Error(`${message}; CI must check the fleet configs`);
  console.warn(`${message}: SKIPPED`);
  return undefined;
}

const promtool = tool('promtool', 'PROMTOOL_BIN', 'prometheus');
const amtool = tool('amtool', 'AMTOOL_BIN', 'prometheus-alertmanager');

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

const RULES = readFileSync(`${PROMETHEUS_DIR}/loop-alerts.rules.yml`, 'utf8');
const RULE_TESTS = readFileSync(`${PROMETHEUS_DIR}/loop-alerts.test.yml`, 'utf8');
const ALERTS = [...RULES.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!);

describe('deploy/prometheus alert rules', () => {
  it('has every alert of the fleet, each with severity, a summary and description naming the bot, and a for:', () => {
    expect(ALERTS).toEqual([
      'LoopBotDown',
      'LoopNoProgress',
      'LoopRestartStorm',
      'LoopSupervisorGaveUp',
      'LoopTradingHalted',
      'LoopTradingReducing',
      'LoopRejectionRateHigh',
      'LoopStageErrorRateHigh',
      'LoopStageP99OverBudget',
      'LoopMetricsWriteErrors',
    ]);
    const blocks = RULES.split(/^\s+- alert: /m).slice(1);
    for (const block of blocks) {
      const name = block.split('\n')[0];
      expect(block, name).toMatch(/^\s+for: \d+[smh]$/m);
      expect(block, name).toMatch(/^\s+severity: (critical|warning)$/m);
      expect(block, name).toMatch(/^\s+summary: ".*\{\{ \$labels\.bot \}\}.*"$/m);
      expect(block, name).toMatch(/^\s+description: ".*\{\{ \$labels\.bot \}\}.*"$/m);
    }
  });

  it('tests every alert firing and not firing (each has an empty and a non-empty expectation)', () => {
    for (const alert of ALERTS) {
      const checks = RULE_TESTS.split(/^\s+- eval_time: /m).filter((c) =>
        c.includes(`alertname: ${alert}\n`),
      );
      expect(
        checks.some((c) => /exp_alerts: \[\]/.test(c)),
        `${alert}: not-firing case`,
      ).toBe(true);
      expect(
        checks.some((c) => /exp_alerts:\n\s+- exp_labels/.test(c)),
        `${alert}: firing case`,
      ).toBe(true);
    }
  });

  it.skipIf(!promtool)('passes promtool check rules and promtool test rules', () => {
    const check = run(promtool!, ['check', 'rules', 'loop-alerts.rules.yml'], PROMETHEUS_DIR);
    expect(check.output).toContain(`SUCCESS: ${ALERTS.length} rules found`);
    expect(check.status, check.output).toBe(0);
    const test = run(promtool!, ['test', 'rules', 'loop-alerts.test.yml'], PROMETHEUS_DIR);
    expect(test.status, test.output).toBe(0);
    expect(test.output).toContain('SUCCESS');
  });

  it.skipIf(!promtool)('fails promtool test rules when a rule changes (the tests can fail)', () => {
    // A rule that no longer fires, checked against the same unit tests in a scratch copy.
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    try {
      execFileSync('cp', [`${PROMETHEUS_DIR}/loop-alerts.test.yml`, dir]);
      const broken = RULES.replace(
        'increase(loop_supervisor_restarts_total[15m])) > 5',
        'increase(loop_supervisor_restarts_total[15m])) > 50',
      );
      expect(broken).not.toBe(RULES);
      execFileSync('sh', ['-c', 'cat > "$1"', 'sh', `${dir}/loop-alerts.rules.yml`], { input: broken });
      const test = run(promtool!, ['test', 'rules', 'loop-alerts.test.yml'], dir);
      expect(test.status).not.toBe(0);
      expect(test.output).toContain('alertname: LoopRestartStorm');
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  });
});

describe('deploy example configs', () => {
  it.skipIf(!promtool)('prometheus.yml passes promtool check config (rules included)', () => {
    const check = run(promtool!, ['check', 'config', 'prometheus.yml'], PROMETHEUS_DIR);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toContain('is valid prometheus config file syntax');
    expect(check.output).toContain(`SUCCESS: ${ALERTS.length} rules found`);
  });

  it('scrapes the fleet through file_sd_configs whose target files give every target a bot label', () => {
    const config = readFileSync(`${PROMETHEUS_DIR}/prometheus.yml`, 'utf8');
    expect(config).toMatch(/job_name: loop-run\n\s+file_sd_configs:/);
    expect(config).toMatch(/job_name: loop-supervise\n\s+file_sd_configs:/);
    const files = readdirSync(`${PROMETHEUS_DIR}/targets`).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['loop-run-fleet.json', 'loop-supervise-fleet.json']);
    for (const file of files) {
      const groups = JSON.parse(readFileSync(`${PROMETHEUS_DIR}/targets/${file}`, 'utf8')) as Array<{
        targets: string[];
        labels: Record<string, string>;
      }>;
      for (const group of groups) {
        expect(group.targets.length, file).toBeGreaterThan(0);
        expect(group.labels.bot, file).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/);
      }
    }
  });

  it.skipIf(!amtool)('alertmanager.yml passes amtool check-config and routes to a webhook', () => {
    const check = run(amtool!, ['check-config', 'alertmanager.yml'], ALERTMANAGER_DIR);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toContain('SUCCESS');
    expect(check.output).toContain('1 receivers');
    const config = readFileSync(`${ALERTMANAGER_DIR}/alertmanager.yml`, 'utf8');
    expect(config).toMatch(/webhook_configs:\n\s+- url: /);
    expect(config).toMatch(/group_by: \[alertname, bot\]/);
  });

  it.skipIf(!amtool)('amtool routes a critical LoopBotDown for a bot to the webhook receiver', () => {
    const test = run(
      amtool!,
      [
        'config',
        'routes',
        'test',
        '--config.file=alertmanager.yml',
        'severity=critical',
        'alertname=LoopBotDown',
        'bot=eth-1',
      ],
      ALERTMANAGER_DIR,
    );
    expect(test.status, test.output).toBe(0);
    expect(test.stdout.trim()).toBe('loop-webhook');
  });
});
