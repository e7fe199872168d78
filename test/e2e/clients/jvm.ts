/**
 * Running JVMs from the tests: the `java` binary, where tools/test-deps/jvm.sh puts its
 * artifacts, and class-data-sharing archives that halve a JVM's start on this machine.
 *
 * CDS (JDK 13+ dynamic archives): the first run of a program with a given classpath
 * records the classes it loaded into a temporary archive at exit; it is renamed into place
 * when the run succeeded, and later runs map it instead of loading those classes again.
 * An archive that no longer matches its classpath (the jars changed) is ignored by the JVM
 * (a warning on stderr); jvm.sh removes a set's archives whenever it re-fetches the set.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { REPO_ROOT } from '../harness.js';

/** Where tools/test-deps/jvm.sh puts the artifact sets and the compiled driver. */
export const JVM_CACHE = process.env['BLINK_JVM_CACHE'] ?? join(REPO_ROOT, '.cache/jvm');

/** `java` of JAVA_HOME when set, else the one on PATH. */
export function javaBinary(): string {
  const home = process.env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin/java') : 'java';
}

/** JVM warnings (CDS and others) go to stderr, never into a program's stdout. */
export const JVM_LOG_OPTIONS: readonly string[] = ['-Xlog:disable', '-Xlog:all=warning:stderr'];

export interface CdsUse {
  /** JVM options: map the archive, or record one at exit. */
  options: string[];
  /** After the JVM exited: keeps a recorded archive when the run succeeded, else drops it. */
  settle(succeeded: boolean): Promise<void>;
}

let recordings = 0;

/** Uses `archive` when it exists; otherwise (when `record`) records it during this run. */
export function useCds(archive: string, record: boolean): CdsUse {
  if (existsSync(archive)) return { options: [`-XX:SharedArchiveFile=${archive}`], settle: async () => undefined };
  if (!record) return { options: [], settle: async () => undefined };
  recordings += 1;
  const temporary = `${archive}.${process.pid}-${recordings}.tmp`;
  return {
    // Recording lists every class it cannot archive (old class files): errors only.
    options: [`-XX:ArchiveClassesAtExit=${temporary}`, '-Xlog:cds=error:stderr'],
    async settle(succeeded: boolean) {
      if (succeeded && existsSync(temporary) && !existsSync(archive)) await rename(temporary, archive).catch(() => undefined);
      await rm(temporary, { force: true });
    },
  };
}
