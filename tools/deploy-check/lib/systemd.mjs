/**
 * deploy/systemd/blink.service: `systemd-analyze verify` (any output is a failure: unknown
 * keys are only warnings there), the offline exposure score of `systemd-analyze security`,
 * and the directives the deployment relies on.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report } from './report.mjs';
import { run } from './proc.mjs';

const MAX_EXPOSURE = 2.5;

export function unitDirectives(text) {
  const directives = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const [key, ...value] = line.split('=');
    (directives[`${section}.${key.trim()}`] ??= []).push(value.join('=').trim());
  }
  return directives;
}

export function checkUnitDirectives(repoRoot) {
  const expect = Report.problems();
  const unit = unitDirectives(readFileSync(join(repoRoot, 'deploy/systemd/blink.service'), 'utf8'));
  const one = (key) => unit[key]?.at(-1);
  expect(one('Service.NoNewPrivileges') === 'yes', 'NoNewPrivileges=yes missing');
  expect(one('Service.ProtectSystem') === 'strict', 'ProtectSystem=strict missing');
  expect(one('Service.ProtectHome') === 'yes', 'ProtectHome=yes missing');
  expect(JSON.stringify(unit['Service.ReadWritePaths']) === JSON.stringify(['/var/lib/blink']), 'ReadWritePaths must be exactly the WAL directory /var/lib/blink');
  expect(one('Service.KillSignal') === 'SIGTERM', 'KillSignal=SIGTERM missing');
  expect(Number(one('Service.TimeoutStopSec')) > 10, 'TimeoutStopSec must exceed the broker\'s 10 s shutdown deadline');
  expect(/--settings \/etc\/blink\/settings\.yaml/.test(one('Service.ExecStart') ?? ''), 'ExecStart must pass --settings /etc/blink/settings.yaml');
  expect(one('Service.User') && one('Service.User') !== 'root', 'User= must be an unprivileged user');
  expect(one('Service.CapabilityBoundingSet') === '', 'CapabilityBoundingSet= (empty) missing');
  expect(one('Service.MemoryDenyWriteExecute') !== 'yes', 'MemoryDenyWriteExecute=yes breaks V8\'s JIT');
  expect(one('Install.WantedBy') === 'multi-user.target', 'WantedBy=multi-user.target missing');
  expect.done();
}

/**
 * verify + security. ExecStart's /usr/bin/node must exist for verify; where it does not
 * (Node elsewhere on this machine), a copy of the unit points at this checker's Node.
 */
export async function systemdAnalyze(repoRoot, nodeBinary) {
  const dir = mkdtempSync(join(tmpdir(), 'blink-unit-'));
  try {
    const unit = join(dir, 'blink.service');
    copyFileSync(join(repoRoot, 'deploy/systemd/blink.service'), unit);
    let note = '';
    if (!existsSync('/usr/bin/node')) {
      writeFileSync(unit, readFileSync(unit, 'utf8').replace('ExecStart=/usr/bin/node', `ExecStart=${nodeBinary}`));
      note = `, ExecStart pointed at ${nodeBinary}: no /usr/bin/node here`;
    }
    const verify = await run('systemd-analyze', ['verify', '--man=no', unit], { cwd: dir, timeoutMs: 30_000 });
    const said = `${verify.stdout}${verify.stderr}`.trim();
    if (verify.code !== 0 || said) throw new Error(`systemd-analyze verify (exit ${verify.code}):\n${said}`);
    const security = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { cwd: dir, timeoutMs: 30_000 });
    const score = /exposure level for blink\.service: ([\d.]+)/.exec(security.stdout)?.[1];
    if (score === undefined) return `verify clean${note}; offline security score unavailable`;
    if (Number(score) > MAX_EXPOSURE) throw new Error(`systemd-analyze security: exposure ${score} > ${MAX_EXPOSURE}`);
    return `verify clean, security exposure ${score}${note}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function hasSystemdAnalyze() {
  const result = await run('systemd-analyze', ['--version'], { timeoutMs: 10_000 }).catch(() => null);
  return result?.code === 0;
}
