/**
 * What every deployment runs (`npm start`, the Docker image, hence the Helm chart, and the
 * systemd unit): `node <heap flags> dist/start.js`, the flags as package.json's start script
 * gives them. It runs the bundled broker (dist/bundle/broker.js, tools/bundle.mjs): one script
 * where dist/main.js would load about a thousand modules, compiled with a V8 code cache.
 *
 * The code cache is taken once the broker is ready (main.ts emits BOOT_COMPLETE_EVENT), so it
 * holds every function the boot ran, not just the top-level code Node's module compile cache
 * keeps: a later boot deserializes them instead of compiling each again. It is written when
 * there was none, it was taken from another bundle, or V8 refused it (another Node.js, other V8
 * flags). One file per installed bundle (named after its path, so checkouts sharing a cache
 * directory do not overwrite each other's), starting with the bundle's size and modification
 * time, which every build changes: V8 itself checks only the source's length. (A CRC of the
 * 4 MB source would load node:zlib and cost more than it saves.)
 * Node's compile cache stays on for what is loaded beside the bundle (native addons' loaders,
 * plugin workers).
 *
 * The caches live in BLINK_COMPILE_CACHE, else Node's NODE_COMPILE_CACHE, else
 * <tmpdir>/blink-compile-cache; a directory that cannot be written only costs the speed-up.
 */
// Built-ins are taken with process.getBuiltinModule, not imported: an ES module's import of a
// built-in makes Node build an ES-module facade of it, reading every export, and reading node:fs's
// loads its streams (fs.ReadStream is a lazy getter): ~3.5 ms of every boot for the seven
// modules here (bench/README.md, boot12). The bundle's own require() of built-ins makes none.
const { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire, enableCompileCache, flushCompileCache } = process.getBuiltinModule('node:module');
const { tmpdir } = process.getBuiltinModule('node:os');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const { setFlagsFromString } = process.getBuiltinModule('node:v8');
const { Script, constants: vmConstants } = process.getBuiltinModule('node:vm');
type Script = InstanceType<typeof Script>;

/** Emitted on `process` by blink-app.ts right before the Kafka listeners bind (its KAFKA_LISTEN_EVENT). */
const KAFKA_LISTEN_EVENT = 'blink:kafka-listen';
/** Emitted on `process` by main.ts once the broker is ready. */
const BOOT_COMPLETE_EVENT = 'blink:boot-complete';
/** How the ExperimentalWarning of the bundle's first import() begins (quietLoaderWarning). */
const LOADER_WARNING = 'vm.USE_MAIN_CONTEXT_DEFAULT_LOADER ';
/** The cache file starts with the size and modification time (ms) of the bundle it was taken from, two float64. */
const HEADER_BYTES = 16;

type BundleFunction = (require: NodeJS.Require, module: { exports: unknown }, exports: unknown, filename: string, dirname: string, url: string) => void;

/** V8's tiers above the interpreter, off during the boot (holdCompilingTiers). */
const COMPILING_TIERS = ['sparkplug', 'maglev', 'turbofan'] as const;
/** Command-line flags about those tiers (--no-opt is TurboFan's older name), which the boot leaves alone. */
const TIER_FLAG = /--(?:no-)?(?:[\w-]*(?:jitless|sparkplug|maglev|turbo)|opt\b)/;
/** The command line and NODE_OPTIONS, V8's underscores as dashes. */
const givenFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.replaceAll('_', '-');
/** Whether the command line or NODE_OPTIONS sets a TIER_FLAG. */
const tierFlagGiven = TIER_FLAG.test(givenFlags);
/**
 * V8's allocation-site pretenuring is switched off for the life of the process, unless the command
 * line sets it either way. V8 counts, at each scavenge, how many of an object or array literal's
 * objects survived, and from some 85 % on allocates that literal's objects in the old generation,
 * in the code it optimizes later. A boot's objects nearly all survive (modules, Nest's container),
 * and a literal the boot shares with the request path takes that verdict into the requests: a
 * pretenured object that dies at once still holds what it points to through every scavenge until
 * the next mark-compact, so that is copied and promoted with it. With boot15's boot (Fastify built
 * after the Kafka bind), at 1,000 msg/s 50-120 KB were promoted per scavenge instead of 4-8 (the
 * most from Node's process.nextTick, one per socket write's callback, and the write path behind
 * it), old space grew 5.0 MiB in 10 s instead of 1.4, the young generation to its maximum, and the
 * 10,000 msg/s window after it ran 4-5 mark-compacts instead of none (bench/README.md, lat16).
 * Which literals get the verdict depends on what the boot runs and when its scavenges fall. Off,
 * boot CPU is ~5 ms higher (the boot's objects are copied by its scavenges); the throughput rows
 * did not move.
 */
const PRETENURING_FLAG = /--(?:no-)?allocation-site-pretenuring/;
const pretenuringFlagGiven = PRETENURING_FLAG.test(givenFlags);

// First: a few hundred calls of a function (Node's path helpers, say) make V8 compile it.
const releaseTiers = holdCompilingTiers();
// And before the boot's first scavenge: no allocation site may carry the boot's survival into the requests (PRETENURING_FLAG).
if (!pretenuringFlagGiven) setFlagsFromString('--no-allocation-site-pretenuring');
const cacheDir = process.env.BLINK_COMPILE_CACHE ?? process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'blink-compile-cache');
enableCompileCache(cacheDir);

const bundleUrl = new URL('./bundle/broker.js', import.meta.url);
const bundlePath = fileURLToPath(bundleUrl);
const cachePath = join(cacheDir, `broker${bundlePath.replace(/[^A-Za-z0-9]+/g, '-')}.v8`);
const module = { exports: {} };
// A signal while the bundle is read and evaluated (a few hundred ms, before main.ts has its
// handlers): nothing is bound yet, so exit 0 as main.ts does during the rest of the boot,
// rather than die of the signal. main.ts installs its own handlers as the bundle's last step.
const exitEarly = (signal: NodeJS.Signals): never => {
  process.stderr.write(`${signal} received during the boot: exiting\n`);
  process.exit(0);
};
process.once('SIGTERM', exitEarly);
process.once('SIGINT', exitEarly);
quietLoaderWarning();
try {
  (compileBundle().runInThisContext() as BundleFunction)(createRequire(bundlePath), module, module.exports, bundlePath, dirname(bundlePath), bundleUrl.href);
} finally {
  process.off('SIGTERM', exitEarly);
  process.off('SIGINT', exitEarly);
}

/**
 * V8's compiling tiers (Sparkplug, Maglev, TurboFan) stay off while the broker boots: the boot's
 * code runs once (module evaluation, Nest's scan and injection, settings), so machine code for it
 * is work for nothing, and the memory it leaves stays. With them on, V8 compiled some 60 boot
 * functions on its worker threads, pulling ~6 MiB of the compilers' own code (pages of the node
 * binary) and their zone memory (malloc arenas) into an idle broker's RSS (bench/README.md "Boot
 * and idle memory": idle RSS 91.8 -> 79.8 MiB, boot CPU not higher; the first ApiVersions ~18 ms
 * later, the interpreter running the boot; Sparkplug alone is worth most of that and 1.8 MiB:
 * drop it from COMPILING_TIERS to trade back; holding Sparkplug and TurboFan only, 82.0 MiB).
 * The returned function switches them back on; it runs on KAFKA_LISTEN_EVENT, right before the
 * Kafka listeners bind, so that no request runs under the hold: V8 (Node 24) never tiers up a
 * function that it first counted as hot while Maglev was off, not even after 50,000 more calls
 * (bench/tier-hold.mjs), so a request answered under it could leave the functions it ran (the
 * connection's read, frame and answer path) interpreted for the life of the process. They were
 * held until the ready line, some 90 ms after the Kafka port answered (the REST face starts
 * after it): with a client sending during the boot, 5 of the 7 frame-path functions stayed
 * interpreted in 7 of 10 boots, in none of 10 since (bench/README.md, tier14). The REST face's
 * start now runs with them on: idle RSS 1.1-1.4 MiB higher.
 * V8 checks a code cache against a hash of its flags, so every cache must be written under the
 * flags the next boot reads it with (a cache written under others would be refused and written
 * again at every boot): Node's is flushed before the release (what it compiles later, under the
 * tiers, is flushed at the ready line and read after the release next time), and the bundle's,
 * taken at the ready line (BOOT_COMPLETE_EVENT) so that it holds the REST face's start too, is
 * taken with the tiers off for that one call. Taken before the release instead it missed the
 * REST face: ready 42 ms later, idle RSS +2.7 MiB. (tput14 saw a cache taken this way, after
 * requests, strand the frame path of a later boot that answered requests under the hold; no
 * boot does that now.) Functions the boot ran (Node's streams and events, say) tier up later, if
 * at all: in a 0.3 s produce right after the boot V8 made 92 Maglev and 6 TurboFan compiles (265
 * and 32 without the hold). Nothing is switched when the command line or NODE_OPTIONS sets such
 * a flag: switching back would override it.
 */
function holdCompilingTiers(): () => void {
  if (tierFlagGiven) return () => {};
  for (const tier of COMPILING_TIERS) setFlagsFromString(`--no-${tier}`);
  return () => {
    for (const tier of COMPILING_TIERS) setFlagsFromString(`--${tier}`);
  };
}

/**
 * The bundle's import() goes through vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER (compileBundle),
 * which Node 24 calls experimental: its first use prints an ExperimentalWarning to stderr, one
 * that has no code to disable it by (--disable-warning=ExperimentalWarning would hide every
 * experimental warning). That one warning, and no other, is dropped: a boot prints nothing it did
 * not print before. test/medium/start/bundle-import.test.ts fails if Node changes either.
 */
function quietLoaderWarning(): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    if (typeof warning === 'string' && warning.startsWith(LOADER_WARNING)) {
      // Node warns once: from here on, its own emitWarning again.
      process.emitWarning = emitWarning;
      return;
    }
    Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
}

/** The bundle as a V8 script, from the code cache when it holds this bundle; the cache buffer is not kept. */
function compileBundle(): Script {
  // The bundle is ASCII (tools/bundle.mjs): read as latin1, V8 keeps it as a one-byte string.
  const source = readFileSync(bundlePath, 'latin1');
  const stamp = bundleStamp();
  const cachedData = readCache(stamp);
  const script = new Script(source, {
    filename: bundlePath,
    cachedData,
    // An import() the bundle leaves to node_modules (Nest's optional packages, a package kept out
    // of the bundle) goes to Node's own loader, resolved as from the bundle (as its require() is):
    // a function here, (specifier) => import(specifier), is refused without --experimental-vm-modules
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG, for every import(), node: built-ins included).
    // Node 24 marks this option experimental too, and warns at its first use (quietLoaderWarning).
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const writes = cachedData === undefined || script.cachedDataRejected === true;
  const events = process as NodeJS.EventEmitter;
  // Before any Kafka request: what Node compiled so far goes to its cache under the boot's flags,
  // then the tiers come back (holdCompilingTiers).
  events.once(KAFKA_LISTEN_EVENT, () => {
    flushNodeCache();
    releaseTiers();
  });
  // Once ready: the bundle's cache, the REST face's start in it, taken under the flags the next
  // boot reads it with (the tiers off for that one call); Node's, for what it compiled since.
  events.once(BOOT_COMPLETE_EVENT, () => {
    if (writes) {
      const release = holdCompilingTiers();
      try {
        writeCache(script, stamp);
      } finally {
        release();
      }
    }
    flushNodeCache();
  });
  return script;
}

/** Node's compile cache (what was loaded beside the bundle) to disk: a failure only costs the next boot its speed-up. */
function flushNodeCache(): void {
  try {
    flushCompileCache();
  } catch (err) {
    process.stderr.write(`compile cache not written: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** The bundle's size and modification time: the header of its cache. */
function bundleStamp(): Buffer {
  const stat = statSync(bundlePath);
  const stamp = Buffer.alloc(HEADER_BYTES);
  stamp.writeDoubleBE(stat.size, 0);
  stamp.writeDoubleBE(stat.mtimeMs, 8);
  return stamp;
}

/** The cached code, when the file was taken from this very bundle. */
function readCache(stamp: Buffer): Buffer | undefined {
  try {
    const file = readFileSync(cachePath);
    return file.length > HEADER_BYTES && file.subarray(0, HEADER_BYTES).equals(stamp) ? file.subarray(HEADER_BYTES) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Written to a temporary name and renamed: a concurrent boot reads a whole cache or none.
 * Nothing here may throw: it runs inside main.ts's boot, and a cache path that is not a
 * writable directory (a regular file: ENOTDIR, read-only, full) only costs the speed-up.
 */
function writeCache(compiled: Script, stamp: Buffer): void {
  const temporary = `${cachePath}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(temporary, Buffer.concat([stamp, compiled.createCachedData()]));
    renameSync(temporary, cachePath);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Not there to remove (the cache path is no directory): the next boot compiles again.
    }
  }
}
