import { describe, expect, it } from 'vitest';
import { resolveSupervisorOptions } from './options.js';
import {
  quoteSystemdArg,
  quoteSystemdEnvironment,
  renderSystemdUnit,
  startLimitFor,
  systemdPath,
} from './systemd-unit.js';

const unit = (over: Parameters<typeof resolveSupervisorOptions>[0] extends infer O ? Partial<O> : never) =>
  renderSystemdUnit({
    options: resolveSupervisorOptions({
      command: ['/usr/bin/loop', 'run', '--run-dir', '/srv/run 1'],
      runDir: '/srv/run 1',
      maxRestarts: 5,
      backoffBaseS: 1,
      backoffCapS: 30,
      killTimeoutS: 7,
      ...over,
    }),
    supervisorCommand: ['/usr/bin/node', '/opt/loop/bin.js', 'supervise'],
    workingDirectory: '/srv',
    environment: { PATH: '/usr/bin:/bin' },
  });

function directive(text: string, key: string): string | undefined {
  return text
    .split('\n')
    .find((line) => line.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

describe('renderSystemdUnit', () => {
  it('maps restart, backoff, start limit, kill mode and stop timeout', () => {
    const text = unit({});
    expect(text).toMatch(/^\[Unit\]$/m);
    expect(text).toMatch(/^\[Service\]$/m);
    expect(text).toMatch(/^\[Install\]$/m);
    expect(directive(text, 'Restart')).toBe('on-failure');
    expect(directive(text, 'RestartSec')).toBe('1');
    expect(directive(text, 'RestartSteps')).toBe('5');
    expect(directive(text, 'RestartMaxDelaySec')).toBe('30');
    expect(directive(text, 'StartLimitBurst')).toBe('6');
    expect(directive(text, 'StartLimitIntervalSec')).toBe(
      String(startLimitFor({ maxRestarts: 5, backoffBaseS: 1, backoffCapS: 30, resetAfterS: 60 }).intervalS),
    );
    expect(directive(text, 'KillMode')).toBe('mixed');
    // `loop supervise` exits 0 after a stop it was asked for, so systemd needs no SuccessExitStatus=.
    expect(directive(text, 'SuccessExitStatus')).toBeUndefined();
    expect(directive(text, 'TimeoutStopSec')).toBe('12');
    expect(directive(text, 'WorkingDirectory')).toBe('/srv');
    expect(directive(text, 'Environment')).toBe('PATH=/usr/bin:/bin');
  });

  it('runs the same supervision: loop supervise --restart never with the run dir, watchdog and command', () => {
    const text = unit({ heartbeatTimeoutS: 30, childLog: '/var/log/bot.log' });
    expect(directive(text, 'ExecStart')).toBe(
      '/usr/bin/node /opt/loop/bin.js supervise --run-dir "/srv/run 1" --restart never --kill-timeout-s 7 ' +
        '--heartbeat-file "/srv/run 1/heartbeat" --heartbeat-timeout-s 30 --child-log /var/log/bot.log ' +
        '-- /usr/bin/loop run --run-dir "/srv/run 1"',
    );
  });

  it('carries the prevented exit codes: RestartPreventExitStatus= and the inner flag; none by default', () => {
    const text = unit({ restart: 'always', preventRestartExitStatus: [3, 4] });
    expect(directive(text, 'RestartPreventExitStatus')).toBe('3 4');
    expect(directive(text, 'Restart')).toBe('always');
    expect(directive(text, 'ExecStart')).toBe(
      '/usr/bin/node /opt/loop/bin.js supervise --run-dir "/srv/run 1" --restart never --kill-timeout-s 7 ' +
        '--prevent-restart-exit-status 3,4 -- /usr/bin/loop run --run-dir "/srv/run 1"',
    );
    const plain = unit({});
    expect(directive(plain, 'RestartPreventExitStatus')).toBeUndefined();
    expect(directive(plain, 'ExecStart')).not.toMatch(/prevent-restart/);
  });

  it('maps the policies: always, never, and max-restarts 0 (no restart)', () => {
    expect(directive(unit({ restart: 'always' }), 'Restart')).toBe('always');
    expect(directive(unit({ restart: 'never' }), 'Restart')).toBe('no');
    expect(directive(unit({ maxRestarts: 0 }), 'Restart')).toBe('no');
  });

  it('writes fractional seconds as milliseconds and leaves out steps for a flat backoff', () => {
    const text = unit({ backoffBaseS: 0.25, backoffCapS: 0.25, killTimeoutS: 0.5 });
    expect(directive(text, 'RestartSec')).toBe('250ms');
    expect(directive(text, 'RestartSteps')).toBeUndefined();
    expect(directive(text, 'TimeoutStopSec')).toBe('5500ms');
  });
});

describe('quoteSystemdArg', () => {
  it('quotes spaces and quotes, and doubles % and $', () => {
    expect(quoteSystemdArg('plain/path-1.js')).toBe('plain/path-1.js');
    expect(quoteSystemdArg('a b')).toBe('"a b"');
    expect(quoteSystemdArg('say "hi" \\')).toBe('"say \\"hi\\" \\\\"');
    expect(quoteSystemdArg('100%')).toBe('100%%');
    expect(quoteSystemdArg('$HOME')).toBe('$$HOME');
    expect(quoteSystemdArg('')).toBe('""');
  });
});

describe('systemdPath and quoteSystemdEnvironment', () => {
  it('writes WorkingDirectory= verbatim (systemd does not unquote it), doubling only %', () => {
    expect(systemdPath('/srv/my bot/$x')).toBe('/srv/my bot/$x');
    expect(systemdPath('/srv/100%')).toBe('/srv/100%%');
    const text = renderSystemdUnit({
      options: resolveSupervisorOptions({ command: ['/bin/true'], runDir: '/r' }),
      supervisorCommand: ['/usr/bin/node', '/b.js', 'supervise'],
      workingDirectory: '/srv/wd 1',
      environment: { PATH: '/opt/a$b:/usr/bin', NOTE: 'a "b"' },
    });
    expect(directive(text, 'WorkingDirectory')).toBe('/srv/wd 1');
    expect(text.split('\n').filter((line) => line.startsWith('Environment='))).toEqual([
      'Environment=PATH=/opt/a$b:/usr/bin',
      'Environment="NOTE=a \\"b\\""',
    ]);
  });

  it.each(['relative/dir', '/srv/new\nline', '/srv/trailing ', '/srv/back\\'])(
    'refuses a working directory systemd would read differently: %j',
    (path) => {
      expect(() => systemdPath(path)).toThrowError(
        expect.objectContaining({
          code: 'LOOP_SUPERVISOR_OPTION_INVALID',
          context: expect.objectContaining({ option: 'workingDirectory' }),
        }),
      );
    },
  );

  it('keeps Description= on one line: no trailing backslash (a continuation) or newline', () => {
    const text = renderSystemdUnit({
      options: resolveSupervisorOptions({ command: ['/bin/echo', 'a\\', 'b\nc\\'], runDir: '/r' }),
      supervisorCommand: ['/usr/bin/node', '/b.js', 'supervise'],
      workingDirectory: '/srv',
    });
    expect(directive(text, 'Description')).toBe('loop supervise: /bin/echo a\\ b c');
    expect(text).toMatch(/^After=network-online\.target$/m);
  });

  it('quotes an Environment= assignment without doubling $ (systemd does not expand it there)', () => {
    expect(quoteSystemdEnvironment('A=$HOME')).toBe('A=$HOME');
    expect(quoteSystemdEnvironment('A=b c%')).toBe('"A=b c%%"');
  });
});

describe('startLimitFor', () => {
  it('allows max-restarts + 1 starts within every backoff delay plus unstable runs', () => {
    expect(startLimitFor({ maxRestarts: 3, backoffBaseS: 1, backoffCapS: 60, resetAfterS: 10 })).toEqual({
      burst: 4,
      intervalS: 1 + 2 + 4 + 40,
    });
  });
});
