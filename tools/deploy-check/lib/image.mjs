/**
 * The Dockerfile without a Docker engine: its syntax and shape, the build context that
 * .dockerignore leaves, and an emulated build that follows its stages on this machine:
 *  - build: its COPYs from the context, compiled with the project's tsc in <cache>/image/build;
 *  - deps:  `npm ci --omit=dev` on the context's package files, in a temporary directory
 *           outside the repository (so nothing resolves from the project's node_modules);
 *  - final: the COPY instructions of the last stage, applied to <tmp>/app, the records
 *           directory, USER, HEALTHCHECK and ENTRYPOINT.
 * What it cannot show: the node:24-slim base image itself (its Node and glibc), and that
 * Docker builds it. The broker then runs from <tmp>/app as the image's user (when root).
 */
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { Report } from './report.mjs';
import { atExit, runOk } from './proc.mjs';
import { npmCommand } from './toolchain.mjs';

const BASE_IMAGE = /^node:24(\.\d+){0,2}-(bookworm-|trixie-)?slim(@sha256:[0-9a-f]{64})?$/;
const REQUIRED_PORTS = ['9092', '9094', '30004'];
/** Never in the build context: big, secret or machine-specific. */
const NEVER_IN_CONTEXT = ['node_modules', 'dist', 'dist-test', '.git', '.cache', 'records', 'bench/results'];

export function parseDockerfile(tools, text) {
  const { DockerfileParser } = tools.dockerfileAst;
  const dockerfile = DockerfileParser.parse(text);
  const args = Object.fromEntries(
    dockerfile.getInitialARGs().map((instruction) => {
      const [name, value = ''] = instruction.getArgumentsContent().split('=');
      return [name.trim(), value.trim()];
    }),
  );
  const stages = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const [image, as, name] = instruction.getArguments().map((argument) => argument.getValue());
      stages.push({ image: expand(image, args), name: as?.toUpperCase() === 'AS' ? name : null, instructions: [], workdir: '/' });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    const entry = {
      keyword,
      line: instruction.getRange().start.line + 1,
      flags: Object.fromEntries((instruction.getFlags?.() ?? []).map((flag) => [flag.getName(), flag.getValue()])),
      args: instruction.getArguments().map((argument) => argument.getValue()),
      text: instruction.getArgumentsContent() ?? '',
    };
    if (keyword === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, entry.args[0]);
    entry.workdir = stage.workdir;
    stage.instructions.push(entry);
  }
  return { args, stages, final: stages.at(-1) };
}

function expand(value, args) {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced, plain) => args[braced ?? plain] ?? '');
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or null for the shell form. */
function execForm(text) {
  try {
    const parsed = JSON.parse(text.trim());
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

export function checkDockerfileShape(tools, text) {
  const expect = Report.problems();
  const diagnostics = tools.dockerfileUtils.validate(text, {});
  for (const diagnostic of diagnostics) {
    expect(false, `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
  }
  const { stages, final } = parseDockerfile(tools, text);
  expect(stages.length >= 2, 'expected a multi-stage build');
  for (const stage of stages) {
    expect(BASE_IMAGE.test(stage.image), `stage ${stage.name ?? '(final)'} is FROM ${stage.image}, expected an official node:24 slim image`);
  }
  const all = (keyword) => final.instructions.filter((instruction) => instruction.keyword === keyword);
  const nodeModulesCopy = all('COPY').find((copy) => copy.args.at(-1).replace(/\/$/, '').endsWith('node_modules'));
  const depsStage = stages.find((stage) => stage.name === nodeModulesCopy?.flags.from);
  expect(depsStage && depsStage !== stages[0], 'the final stage must copy node_modules from a production-dependencies stage');
  const depsInstall = depsStage?.instructions.find((instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.text));
  expect(depsInstall && /--omit=dev\b/.test(depsInstall.text), 'the dependencies stage must run `npm ci --omit=dev`');
  const user = all('USER').at(-1)?.args[0] ?? 'root';
  expect(/^[1-9]\d*(:\d+)?$/.test(user), `USER must be a numeric non-root uid (found ${user})`);
  const exposed = all('EXPOSE').flatMap((instruction) => instruction.args.map((port) => port.replace(/\/tcp$/, '')));
  for (const port of REQUIRED_PORTS) expect(exposed.includes(port), `EXPOSE lacks ${port}`);
  const volumes = all('VOLUME').flatMap((instruction) => execForm(instruction.text) ?? instruction.args);
  expect(volumes.length > 0, 'no VOLUME for record_storage_path');
  const healthcheck = all('HEALTHCHECK').at(-1);
  const healthcheckCommand = healthcheck ? execForm(healthcheck.text.replace(/^.*?\bCMD\s+/s, '')) : null;
  expect(healthcheckCommand?.[0] === 'node', 'HEALTHCHECK must be CMD ["node", ...] in exec form (no curl in slim images)');
  const entrypoint = execForm(all('ENTRYPOINT').at(-1)?.text ?? '');
  expect(entrypoint && ['node', 'tini', '/usr/bin/tini', 'dumb-init'].includes(entrypoint[0]), 'ENTRYPOINT must be exec form starting with node (PID 1, handles SIGTERM) or an init');
  const stopSignal = all('STOPSIGNAL').at(-1)?.args[0] ?? 'SIGTERM';
  expect(stopSignal === 'SIGTERM', `STOPSIGNAL ${stopSignal}: the broker shuts down gracefully on SIGTERM`);
  expect.done();
  return `${stages.length} stages, base ${final.image}, USER ${user}`;
}

/** What the final stage declares: { workdir, user, env, volume, healthcheck, entrypoint } (exec forms as arrays). */
export function imageFacts(tools, text) {
  const { final } = parseDockerfile(tools, text);
  const last = (keyword) => final.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
  return {
    workdir: final.workdir,
    user: last('USER')?.args[0] ?? '0:0',
    env: Object.fromEntries(
      final.instructions
        .filter((instruction) => instruction.keyword === 'ENV')
        .map((instruction) => instruction.text.split('=').map((part) => part.trim())),
    ),
    volume: final.instructions.filter((instruction) => instruction.keyword === 'VOLUME').flatMap((instruction) => execForm(instruction.text) ?? instruction.args)[0],
    healthcheck: last('HEALTHCHECK') ? execForm(last('HEALTHCHECK').text.replace(/^.*?\bCMD\s+/s, '')) : null,
    entrypoint: last('ENTRYPOINT') ? execForm(last('ENTRYPOINT').text) : null,
  };
}

/** Files of the build context (paths relative to the repository, '/'-separated). */
export function buildContext(tools, repoRoot) {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  const matcher = tools.dockerignore({}).add(patterns);
  const reincluded = patterns
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).replace(/^\//, ''));
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = dir ? `${dir}/${name}` : name;
      const stat = lstatSync(join(repoRoot, path));
      if (stat.isDirectory()) {
        // An ignored directory is entered only if a "!" pattern may bring something back.
        if (!matcher.ignores(`${path}/`) || reincluded.some((pattern) => pattern.startsWith(`${path}/`) || pattern === path)) walk(path);
      } else if (!matcher.ignores(path)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files;
}

export function checkBuildContext(tools, repoRoot, dockerfileText) {
  const expect = Report.problems();
  const files = buildContext(tools, repoRoot);
  for (const excluded of NEVER_IN_CONTEXT) {
    expect(!files.some((file) => file === excluded || file.startsWith(`${excluded}/`)), `${excluded} is in the build context`);
  }
  const { stages } = parseDockerfile(tools, dockerfileText);
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((instruction) => ['COPY', 'ADD'].includes(instruction.keyword) && !instruction.flags.from)) {
      for (const source of copy.args.slice(0, -1)) {
        const wanted = source.replace(/^\.\//, '').replace(/\/$/, '');
        expect(files.some((file) => file === wanted || file.startsWith(`${wanted}/`)), `line ${copy.line}: COPY ${source} is not in the build context (.dockerignore)`);
      }
    }
  }
  expect.done();
  return `${files.length} files`;
}

/** The steps of package.json's build script, `tsc -p <tsconfig>` then `node <script>` steps joined by &&. */
export function buildSteps(buildScript) {
  const [first, ...rest] = buildScript.trim().split(/\s+&&\s+/);
  const tsconfig = /^tsc -p (\S+)$/.exec(first)?.[1];
  const scripts = rest.map((step) => /^node (\S+)$/.exec(step)?.[1]);
  if (!tsconfig || scripts.includes(undefined)) throw new Error(`cannot emulate the build script "${buildScript}"`);
  return { tsconfig, scripts };
}

/**
 * The C addon that `npm run build` compiles (tools/build-native.mjs, without a compiler it
 * builds nothing and the broker falls back to a slower package): the build stage must install
 * a compiler before it runs the build, and the emulated image (built here with this machine's
 * compiler) must hold the addon where src/record-format/crc32c.ts looks for it.
 */
export function checkNativeAddon(tools, dockerfileText, image) {
  const expect = Report.problems();
  const [buildStage] = parseDockerfile(tools, dockerfileText).stages;
  const runs = buildStage.instructions.filter((instruction) => instruction.keyword === 'RUN').map((run) => run.text);
  const compiler = runs.findIndex((text) => /\bapt-get install\b[^&;|]*\sgcc\b/.test(text) && /\blibc6-dev\b/.test(text));
  const build = runs.findIndex((text) => /\bnpm run build\b/.test(text));
  expect(compiler !== -1 && compiler < build, 'the build stage must `apt-get install gcc libc6-dev` before `npm run build` (tools/build-native.mjs skips the CRC-32C addon without a compiler)');
  const addon = join(image.appDir, 'dist', 'native', 'crc32c.node');
  expect(existsSync(addon), `the emulated image has no dist/native/crc32c.node (is there a C compiler here? the build's output says)`);
  expect.done();
  return 'gcc in the build stage, dist/native/crc32c.node in the image';
}

/**
 * Emulates the build (see the file comment) and returns the image layout:
 * imageFacts plus { appDir, recordsDir, node, uid, gid, probeScript, cleanup }.
 */
export async function emulateImage(tools, { repoRoot, cacheDir, nodeBinary, probeSource }) {
  const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const { stages, final } = parseDockerfile(tools, dockerfileText);
  const [buildStage] = stages;
  const depsStage = stages.find((stage) => stage !== buildStage && stage !== final);
  rmSync(join(cacheDir, 'image'), { recursive: true, force: true });
  const contextDir = join(cacheDir, 'image', 'context');
  for (const file of buildContext(tools, repoRoot)) {
    mkdirSync(dirname(join(contextDir, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(contextDir, file));
  }
  const runtimeDir = mkdtempSync(join(tmpdir(), 'blink-image-'));
  chmodSync(runtimeDir, 0o755);
  const removeRuntime = () => rmSync(runtimeDir, { recursive: true, force: true });
  atExit(removeRuntime);
  try {
    // Where each stage's file system is emulated. The build stage sits inside the repository
    // so that tsc finds the project's node_modules (what its `npm ci` would install); the
    // others sit outside, so that the runtime resolves only its production node_modules.
    const stageDirs = new Map([
      [buildStage, join(cacheDir, 'image', 'build')],
      [depsStage, join(runtimeDir, 'deps')],
      [final, join(runtimeDir, 'app')],
    ]);
    const stageNamed = (name) => stages.find((stage) => stage.name === name);
    const toHost = (stage, containerPath) => join(stageDirs.get(stage), posix.relative(stage.workdir, containerPath));
    const copyInto = (stage) => {
      mkdirSync(stageDirs.get(stage), { recursive: true });
      for (const copy of stage.instructions.filter((instruction) => instruction.keyword === 'COPY')) {
        const destination = posix.resolve(copy.workdir, copy.args.at(-1));
        for (const source of copy.args.slice(0, -1)) {
          const fromStage = copy.flags.from ? stageNamed(copy.flags.from) : null;
          const origin = fromStage ? toHost(fromStage, posix.resolve(fromStage.workdir, source)) : join(contextDir, source);
          const target = copy.args.at(-1).endsWith('/') && lstatSync(origin).isFile()
            ? join(toHost(stage, destination), posix.basename(source))
            : toHost(stage, destination);
          mkdirSync(dirname(target), { recursive: true });
          if (fromStage === depsStage) renameSync(origin, target);
          else cpSync(origin, target, { recursive: true });
        }
      }
    };
    const runs = (stage) => stage.instructions.filter((instruction) => instruction.keyword === 'RUN').map((run) => run.text);

    // build stage: its COPYs, then `npm run build` (the package's `tsc -p ... && node <script> && ...`
    // script: the bundler, the C addon's build).
    copyInto(buildStage);
    const buildDir = stageDirs.get(buildStage);
    if (!runs(buildStage).some((text) => /\bnpm run build\b/.test(text))) throw new Error('the build stage does not run `npm run build`');
    const buildScript = JSON.parse(readFileSync(join(buildDir, 'package.json'), 'utf8')).scripts?.build ?? '';
    const { tsconfig, scripts } = buildSteps(buildScript);
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    if (!existsSync(tsc)) throw new Error("the project's TypeScript is missing: run `npm ci` first");
    await runOk(nodeBinary, [tsc, '-p', join(buildDir, tsconfig)], { cwd: buildDir, timeoutMs: 90_000 });
    for (const script of scripts) await runOk(nodeBinary, [join(buildDir, script)], { cwd: buildDir, timeoutMs: 90_000 });

    // deps stage: its COPYs, then `npm ci --omit=dev` (checkDockerfileShape checks the flag).
    copyInto(depsStage);
    const npm = npmCommand(nodeBinary);
    await runOk(npm.command, [...npm.prefix, 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: stageDirs.get(depsStage),
      timeoutMs: 90_000,
    });

    // final stage: its COPYs, the directories it creates, ENV, USER, VOLUME.
    copyInto(final);
    for (const text of runs(final)) {
      for (const [, path] of text.matchAll(/mkdir -p (\S+)/g)) mkdirSync(toHost(final, path), { recursive: true });
    }
    const facts = imageFacts(tools, dockerfileText);
    const { user, volume } = facts;
    const appDir = stageDirs.get(final);
    const recordsDir = toHost(final, volume);
    mkdirSync(recordsDir, { recursive: true });
    const [uid, gid = uid] = user.split(':').map(Number);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`cannot run as USER ${user}: not a numeric uid:gid`);
    const asImageUser = process.getuid?.() === 0;
    if (asImageUser) chownSync(recordsDir, uid, gid);
    const probeScript = join(appDir, '.deploy-check-settings-probe.mjs');
    copyFileSync(probeSource, probeScript);
    return {
      ...facts,
      appDir,
      recordsDir,
      node: nodeBinary,
      uid: asImageUser ? uid : undefined,
      gid: asImageUser ? gid : undefined,
      probeScript,
      cleanup: removeRuntime,
    };
  } catch (error) {
    removeRuntime();
    throw error;
  }
}
