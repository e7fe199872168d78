/**
 * deploy/systemd/blink.service: `systemd-analyze verify` (any output is a failure: unknown
 * keys are only warnings there), the offline exposure score of `systemd-analyze security`,
 * and the directives the deployment relies on. The security drop-in
 * (deploy/systemd/blink-security.conf): verified on top of the unit, its credentials wired
 * to the settings, and its ExecStartPre run on a stand-in credentials directory.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report } from './report.mjs';
import { run } from './proc.mjs';

const MAX_EXPOSURE = 2.5;
const DROP_IN = 'deploy/systemd/blink-security.conf';

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
    // With the unit's directory as the unit path, verify reads blink.service.d/ drop-ins too.
    mkdirSync(join(dir, 'blink.service.d'));
    copyFileSync(join(repoRoot, DROP_IN), join(dir, 'blink.service.d', 'security.conf'));
    const withDropIn = await run('systemd-analyze', ['verify', '--man=no', 'blink.service'], { cwd: dir, env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` }, timeoutMs: 30_000 });
    const saidWithDropIn = `${withDropIn.stdout}${withDropIn.stderr}`.trim();
    if (withDropIn.code !== 0 || saidWithDropIn) throw new Error(`systemd-analyze verify with ${DROP_IN} (exit ${withDropIn.code}):\n${saidWithDropIn}`);
    const security = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { cwd: dir, timeoutMs: 30_000 });
    const score = /exposure level for blink\.service: ([\d.]+)/.exec(security.stdout)?.[1];
    if (score === undefined) return `verify clean (also with ${DROP_IN})${note}; offline security score unavailable`;
    if (Number(score) > MAX_EXPOSURE) throw new Error(`systemd-analyze security: exposure ${score} > ${MAX_EXPOSURE}`);
    return `verify clean (also with ${DROP_IN}), security exposure ${score}${note}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function hasSystemdAnalyze() {
  const result = await run('systemd-analyze', ['--version'], { timeoutMs: 10_000 }).catch(() => null);
  return result?.code === 0;
}

/**
 * The drop-in hands the TLS key and the SASL users over as credentials: SSL_KEY_FILE in the
 * credentials directory (%d), and SASL_USERS_DIR filled by its ExecStartPre with one link per
 * user; that command is run here on stand-ins for %d and %t (the names must come out as the
 * users', the links must reach the passwords).
 */
export async function checkCredentialDropIn(repoRoot) {
  const expect = Report.problems();
  const dropIn = unitDirectives(readFileSync(join(repoRoot, DROP_IN), 'utf8'));
  const credentials = new Map((dropIn['Service.LoadCredential'] ?? []).map((entry) => entry.split(':')));
  const environment = Object.fromEntries((dropIn['Service.Environment'] ?? []).map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
  expect(credentials.has('tls.key') && environment.SSL_KEY_FILE === '%d/tls.key', 'the TLS key must be the credential tls.key, SSL_KEY_FILE=%d/tls.key');
  expect(credentials.has('sasl-users'), 'LoadCredential=sasl-users:<directory of user files> missing');
  expect(environment.SASL_USERS_DIR?.startsWith('%t/'), `SASL_USERS_DIR ${environment.SASL_USERS_DIR} must be in the runtime directory (%t)`);
  const pre = dropIn['Service.ExecStartPre']?.at(-1);
  expect(pre, 'no ExecStartPre builds SASL_USERS_DIR');
  expect.done();
  const dir = mkdtempSync(join(tmpdir(), 'blink-credentials-'));
  try {
    const credentialsDir = join(dir, 'credentials');
    const runtimeDir = join(dir, 'run');
    mkdirSync(credentialsDir);
    mkdirSync(join(runtimeDir, 'blink'), { recursive: true });
    const users = { alice: 'alice-secret', 'bob.smith': 'bob:secret' };
    for (const [user, password] of Object.entries(users)) writeFileSync(join(credentialsDir, `sasl-users_${user}`), password);
    writeFileSync(join(credentialsDir, 'tls.key'), 'not a user');
    const expand = (text) => text.replaceAll('%d', credentialsDir).replaceAll('%t', runtimeDir).replaceAll('$$', '$');
    const [command, ...args] = splitCommand(expand(pre));
    const result = await run(command, args, { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`ExecStartPre exited ${result.code}: ${result.stderr.trim()}`);
    const usersDir = expand(environment.SASL_USERS_DIR);
    const found = Object.fromEntries(readdirSync(usersDir).sort().map((name) => [name, readFileSync(join(usersDir, name), 'utf8')]));
    if (JSON.stringify(found) !== JSON.stringify(users)) throw new Error(`SASL_USERS_DIR holds ${JSON.stringify(Object.keys(found))}, expected ${JSON.stringify(Object.keys(users))} with their passwords`);
    return `users ${Object.keys(found).join(', ')} linked to ${readlinkSync(join(usersDir, 'alice')).replace(credentialsDir, '%d')}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A systemd command line split into words: '...' and "..." quote, as systemd does. */
function splitCommand(line) {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
}
