/**
 * Running Apache Kafka's own code (its command-line tools, a KRaft broker) from the
 * artifact sets that tools/test-deps/jvm.sh fetches: .cache/jvm/kafka-3.9/lib and
 * .cache/jvm/kafka-4/lib, with the logging configuration of test/jvm/config.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { JVM_CACHE, JVM_LOG_OPTIONS, javaBinary, useCds, type CdsUse } from '../clients/jvm.js';
import { REPO_ROOT } from '../harness.js';

export type KafkaVersion = '3.9' | '4';

const CONFIG_DIR = join(REPO_ROOT, 'test/jvm/config');

/** The set's classpath (`<lib>/*`); throws with the fetch command when it is missing. */
export function kafkaClasspath(version: KafkaVersion): string {
  const lib = join(JVM_CACHE, `kafka-${version}`, 'lib');
  if (!existsSync(lib)) throw new Error(`Kafka ${version} jars are missing (${lib}): run tools/test-deps/jvm.sh`);
  return `${lib}/*`;
}

/** Kafka 3.9 logs through log4j 1 (reload4j), Kafka 4 through Log4j 2. */
function loggingOption(version: KafkaVersion, use: 'tools' | 'server'): string {
  return version === '3.9'
    ? `-Dlog4j.configuration=file:${join(CONFIG_DIR, `${use}-log4j.properties`)}`
    : `-Dlog4j2.configurationFile=${join(CONFIG_DIR, `${use}-log4j2.properties`)}`;
}

export interface KafkaJvmCommand {
  cmd: string;
  args: string[];
  /** Settle after the run (tools record a class-data-sharing archive on their first run). */
  cds: CdsUse;
}

/**
 * `java` and its arguments for a command-line tool's `mainClass` on the set's classpath:
 * a small heap, the serial collector, C1 only and a CDS archive per tool (they start
 * fastest that way; a tool's first run records its archive).
 */
export function kafkaToolJava(version: KafkaVersion, archiveName: string, mainClass: string, args: readonly string[]): KafkaJvmCommand {
  const classpath = kafkaClasspath(version);
  const cds = useCds(join(JVM_CACHE, `kafka-${version}`, `cds-${archiveName}.jsa`), true);
  const jvm = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xmx256m', ...JVM_LOG_OPTIONS, ...cds.options];
  return { cmd: javaBinary(), args: [...jvm, '-Djava.awt.headless=true', loggingOption(version, 'tools'), '-cp', classpath, mainClass, ...args], cds };
}

/** `java` and its arguments for a broker: Kafka's own server settings (kafka-server-start.sh: G1, -Xms = -Xmx). */
export function kafkaServerJava(version: KafkaVersion, heapMb: number, args: readonly string[]): { cmd: string; args: string[] } {
  const jvm = [`-Xms${heapMb}m`, `-Xmx${heapMb}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'];
  return {
    cmd: javaBinary(),
    args: [...jvm, ...JVM_LOG_OPTIONS, '-Djava.awt.headless=true', loggingOption(version, 'server'), '-cp', kafkaClasspath(version), 'kafka.Kafka', ...args],
  };
}
