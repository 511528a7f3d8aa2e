// End to end, the fleet as deploy/ describes it: four supervised bots, a real Prometheus (file_sd targets, the
// repo's alert rules with short windows) and a real Alertmanager routing to a local webhook. Each broken bot
// gets a notification naming it (restart storm, gave up, kill-switch halt, hang), and the hung bot a resolved
// one after it recovers. Needs Debian's `prometheus` and `prometheus-alertmanager`; skipped with a warning
// without them, failing under CI=true.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, freePort, type Live, REPO, start, startLoop, tempDir, waitFor } from './harness.js';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const missing = [
  [PROMETHEUS, 'prometheus', 'PROMETHEUS_BIN'],
  [ALERTMANAGER, 'prometheus-alertmanager', 'ALERTMANAGER_BIN'],
].filter(([bin]) => !existsSync(bin!));
for (const [bin, pkg, env] of missing) {
  const message = `fleet-alerts.test: ${bin} not found (apt-get install ${pkg}, or set ${env})`;
  if (process.env.CI) throw new Error(`${message}; CI must run the fleet alerting test`);
  console.warn(`${message}: SKIPPED`);
}

interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A webhook receiver for Alertmanager on a free 127.0.0.1 port: every alert of every POST, in order. */
async function webhookReceiver() {
  const alerts: (AlertmanagerAlert & { atMs: number })[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      try {
        const payload = JSON.parse(body) as { alerts: AlertmanagerAlert[] };
        for (const alert of payload.alerts) alerts.push({ ...alert, atMs: Date.now() });
      } catch {
        // not Alertmanager's: ignored
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, alerts };
}
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * The repo's rules with windows and waits a test can sit through: every `for:` 2 s, no progress after 3 s, a
 * storm counted over 30 s. Each replacement must hit, so a change to the rules shows up here.
 */
function testRules(): string {
  let rules = readFileSync(join(REPO, 'deploy/prometheus/loop-alerts.rules.yml'), 'utf8');
  const replace = (from: RegExp | string, to: string) => {
    const next = rules.replaceAll(from, to);
    if (next === rules) throw new Error(`fleet-alerts.test: the rules no longer contain ${String(from)}`);
    rules = next;
  };
  replace(/for: \d+[smh]/g, 'for: 2s');
  replace(
    'time() - loop_last_step_timestamp_seconds) > 300',
    'time() - loop_last_step_timestamp_seconds) > 3',
  );
  replace('loop_supervisor_heartbeat_age_seconds) > 300', 'loop_supervisor_heartbeat_age_seconds) > 3');
  replace('increase(loop_supervisor_restarts_total[15m])', 'increase(loop_supervisor_restarts_total[30s])');
  return rules;
}

/** `loop supervise` of one bot, serving its metrics; `child` is the command after `--`. */
function superviseBot(dir: string, bot: string, port: number, flags: string[], child: string[]): Live {
  return startLoop([
    'supervise',
    '--run-dir',
    join(dir, bot),
    '--metrics-port',
    String(port),
    '--bot-name',
    bot,
    '--metrics-linger-s',
    '120',
    ...flags,
    '--',
    ...child,
  ]);
}

describe.skipIf(missing.length > 0)('a fleet on Prometheus + Alertmanager', () => {
  it('notifies a restart storm, a give-up, a kill-switch halt and a hang, each naming its bot, and resolves the hang after recovery', async () => {
    const testStart = Date.now();
    const dir = tempDir();
    const hook = await webhookReceiver();
    const [stormPort, gaveUpPort, haltPort, hangPort, hangRunPort, haltRunPort, promPort, amPort] =
      await Promise.all(Array.from({ length: 8 }, () => freePort()));
    const loopRun = (bot: string, port: number, extra: string[]) => [
      process.execPath,
      BIN,
      'run',
      '--run-dir',
      join(dir, bot),
      '--clock',
      'real',
      '--step-interval-ms',
      '200',
      '--metrics-port',
      String(port),
      '--bot-name',
      bot,
      ...extra,
    ];

    // The bots. storm-1 crashes every 0.3 s forever; gaveup-1 fails twice and gives up; halt-1 halts on its
    // kill switch (3 stage errors in a row, exit 3, never restarted); hang-1 runs until the test stops it.
    const bots = [
      superviseBot(
        dir,
        'storm-1',
        stormPort!,
        ['--max-restarts', '1000', '--backoff-base-s', '0.2', '--backoff-cap-s', '0.2'],
        ['sh', '-c', 'sleep 0.3; exit 1'],
      ),
      superviseBot(
        dir,
        'gaveup-1',
        gaveUpPort!,
        ['--max-restarts', '2', '--backoff-base-s', '0.1'],
        ['sh', '-c', 'exit 1'],
      ),
      superviseBot(
        dir,
        'halt-1',
        haltPort!,
        ['--prevent-restart-exit-status', '3'],
        loopRun('halt-1', haltRunPort!, ['--fault-rate', '1', '--max-consecutive-errors', '3']),
      ),
      superviseBot(
        dir,
        'hang-1',
        hangPort!,
        ['--heartbeat-timeout-s', '600'],
        loopRun('hang-1', hangRunPort!, []),
      ),
    ];

    try {
      // Prometheus finds the bots through file_sd, as deploy/prometheus/prometheus.yml does.
      const target = (port: number, bot: string) => ({ targets: [`127.0.0.1:${port}`], labels: { bot } });
      writeFileSync(
        join(dir, 'loop-supervise-fleet.json'),
        JSON.stringify([
          target(stormPort!, 'storm-1'),
          target(gaveUpPort!, 'gaveup-1'),
          target(haltPort!, 'halt-1'),
          target(hangPort!, 'hang-1'),
        ]),
      );
      writeFileSync(join(dir, 'loop-run-fleet.json'), JSON.stringify([target(hangRunPort!, 'hang-1')]));
      writeFileSync(join(dir, 'loop-alerts.rules.yml'), testRules());
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 900ms',
          '  evaluation_interval: 1s',
          'rule_files: [loop-alerts.rules.yml]',
          'alerting:',
          '  alertmanagers:',
          `    - static_configs: [{ targets: ['127.0.0.1:${amPort}'] }]`,
          'scrape_configs:',
          '  - job_name: loop-run',
          '    file_sd_configs: [{ files: [loop-run-*.json], refresh_interval: 1s }]',
          '  - job_name: loop-supervise',
          '    file_sd_configs: [{ files: [loop-supervise-*.json], refresh_interval: 1s }]',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'alertmanager.yml'),
        [
          'route:',
          '  receiver: hook',
          '  group_by: [alertname, bot]',
          '  group_wait: 1s',
          '  group_interval: 1s',
          '  repeat_interval: 1h',
          'receivers:',
          '  - name: hook',
          `    webhook_configs: [{ url: '${hook.url}', send_resolved: true }]`,
          '',
        ].join('\n'),
      );
      start(ALERTMANAGER, [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'am')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ]);
      start(
        PROMETHEUS,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        { cwd: dir },
      );

      const firing = (alertname: string, bot: string) =>
        hook.alerts.some(
          (a) => a.status === 'firing' && a.labels.alertname === alertname && a.labels.bot === bot,
        );

      // hang-1: once Prometheus has seen it healthy, stop its loop run (SIGSTOP): no step, no heartbeat.
      const statePath = join(dir, 'hang-1', 'supervisor_state.json');
      await waitFor(
        () => existsSync(statePath) && JSON.parse(readFileSync(statePath, 'utf8')).child_pid !== null,
        30_000,
      );
      const hangPid = JSON.parse(readFileSync(statePath, 'utf8')).child_pid as number;
      await waitFor(() => existsSync(join(dir, 'hang-1', 'heartbeat')), 30_000);
      await until(`Prometheus to scrape hang-1's loop run`, 40_000, async () => {
        const url = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('loop_steps_total{bot="hang-1"} > 2')}`;
        const body = (await (await fetch(url)).json()) as { data: { result: unknown[] } };
        return body.data.result.length > 0;
      });
      process.kill(hangPid, 'SIGSTOP');
      const stoppedAt = Date.now();

      await until(
        'a notification for each broken bot',
        60_000,
        async () =>
          firing('LoopRestartStorm', 'storm-1') &&
          firing('LoopSupervisorGaveUp', 'gaveup-1') &&
          firing('LoopTradingHalted', 'halt-1') &&
          firing('LoopNoProgress', 'hang-1'),
      );
      const hungNoticeMs = Date.now() - stoppedAt;
      console.info(
        `fleet-alerts: all four notified ${Date.now() - testStart} ms after start; hang-1 ${hungNoticeMs} ms after SIGSTOP`,
      );
      process.kill(hangPid, 'SIGCONT');
      await until('the resolved notification of hang-1', 40_000, async () =>
        hook.alerts.some(
          (a) =>
            a.status === 'resolved' && a.labels.alertname === 'LoopNoProgress' && a.labels.bot === 'hang-1',
        ),
      );

      // Each alert named the right bot and nothing else: only the broken bot of each kind.
      const namesOf = (alertname: string) =>
        [
          ...new Set(
            hook.alerts
              .filter((a) => a.labels.alertname === alertname && a.status === 'firing')
              .map((a) => a.labels.bot),
          ),
        ].sort();
      expect(namesOf('LoopRestartStorm')).toEqual(['storm-1']);
      expect(namesOf('LoopSupervisorGaveUp')).toEqual(['gaveup-1']);
      expect(namesOf('LoopTradingHalted')).toEqual(['halt-1']);
      expect(namesOf('LoopNoProgress')).toEqual(['hang-1']);
      const halted = hook.alerts.find((a) => a.labels.alertname === 'LoopTradingHalted')!;
      expect(halted.annotations.summary).toBe('Loop bot halt-1: trading halted by the kill switch');
      expect(halted.labels.severity).toBe('critical');
      expect(hungNoticeMs).toBeLessThan(40_000);
      // The halted bot's supervisor exited with its child's code once its linger is cut short.
      bots[2]!.child.kill('SIGTERM');
      expect((await bots[2]!.done).exitCode).toBe(3);
    } finally {
      // A supervisor stops its child's whole group on SIGTERM (SIGKILL would leave the bots running).
      for (const bot of bots) bot.child.kill('SIGTERM');
      await Promise.all(bots.map((bot) => bot.done));
    }
  }, 150_000);
});

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
