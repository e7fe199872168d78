/**
 * Kafka's own command-line tools (bin/kafka-*.sh) run from the jars of the kafka-3.9 or
 * kafka-4 artifact set: runKafkaTool('4', 'kafka-topics', ['--bootstrap-server', b, '--list']).
 * Each run is one JVM, killed after its timeout. Tool names are the scripts' names.
 */
import assert from 'node:assert/strict';

import { describeRun, run, type RunResult } from '../harness.js';
import { kafkaToolJava, type KafkaVersion } from './kafka-jvm.js';

export type KafkaTool =
  | 'kafka-topics'
  | 'kafka-configs'
  | 'kafka-consumer-groups'
  | 'kafka-get-offsets'
  | 'kafka-delete-records'
  | 'kafka-log-dirs'
  | 'kafka-features'
  | 'kafka-client-metrics'
  | 'kafka-metadata-quorum'
  | 'kafka-acls'
  | 'kafka-transactions'
  | 'kafka-producer-perf-test'
  | 'kafka-consumer-perf-test'
  | 'kafka-storage'
  | 'kafka-delegation-tokens';

const TOOLS = 'org.apache.kafka.tools';

/** The main class each script runs, read from the scripts and found in the jars of each version. */
const SHARED: Record<Exclude<KafkaTool, 'kafka-configs' | 'kafka-acls'>, string> = {
  'kafka-topics': `${TOOLS}.TopicCommand`,
  'kafka-consumer-groups': `${TOOLS}.consumer.group.ConsumerGroupCommand`,
  'kafka-get-offsets': `${TOOLS}.GetOffsetShell`,
  'kafka-delete-records': `${TOOLS}.DeleteRecordsCommand`,
  'kafka-log-dirs': `${TOOLS}.LogDirsCommand`,
  'kafka-features': `${TOOLS}.FeatureCommand`,
  'kafka-client-metrics': `${TOOLS}.ClientMetricsCommand`,
  'kafka-metadata-quorum': `${TOOLS}.MetadataQuorumCommand`,
  'kafka-transactions': `${TOOLS}.TransactionsCommand`,
  'kafka-producer-perf-test': `${TOOLS}.ProducerPerformance`,
  'kafka-consumer-perf-test': `${TOOLS}.ConsumerPerformance`,
  'kafka-storage': 'kafka.tools.StorageTool',
  'kafka-delegation-tokens': `${TOOLS}.DelegationTokenCommand`,
};

export const KAFKA_TOOL_CLASSES: Readonly<Record<KafkaVersion, Readonly<Record<KafkaTool, string>>>> = {
  // 3.9: kafka-configs and kafka-acls are still Scala tools in kafka_2.13 (kafka.admin).
  '3.9': { ...SHARED, 'kafka-configs': 'kafka.admin.ConfigCommand', 'kafka-acls': 'kafka.admin.AclCommand' },
  // 4.x: both moved to the Java tools module.
  '4': { ...SHARED, 'kafka-configs': `${TOOLS}.ConfigCommand`, 'kafka-acls': `${TOOLS}.AclCommand` },
};

export interface KafkaToolOptions {
  timeoutMs: number;
  input?: string;
}

/** Runs one tool to completion (killed after timeoutMs); the result carries exit code and output. */
export async function runKafkaTool(version: KafkaVersion, tool: KafkaTool, args: readonly string[], options: KafkaToolOptions): Promise<RunResult> {
  const { cmd, args: jvmArgs, cds } = kafkaToolJava(version, tool, KAFKA_TOOL_CLASSES[version][tool], args);
  const result = await run(cmd, jvmArgs, { timeoutMs: options.timeoutMs, ...(options.input === undefined ? {} : { input: options.input }) });
  await cds.settle(result.code === 0);
  return result;
}

/** Runs a tool and fails (with its output) unless it exits 0; resolves with its stdout. */
export async function kafkaToolOk(version: KafkaVersion, tool: KafkaTool, args: readonly string[], options: KafkaToolOptions): Promise<string> {
  const result = await runKafkaTool(version, tool, args, options);
  if (result.code !== 0) throw new Error(describeRun(`${tool} ${args.join(' ')}`, result));
  return result.stdout;
}

/** Rows of a whitespace-separated table a tool printed, as header → cell maps (the header line alone: no rows). */
export function tableRows(output: string, firstHeader: string): Array<Record<string, string>> {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const headerAt = lines.findIndex((l) => new RegExp(`^${firstHeader}\\s`).test(l));
  assert.ok(headerAt >= 0, `a table with header ${firstHeader} in:\n${output}`);
  const headers = lines[headerAt]!.split(/\s+/);
  return lines.slice(headerAt + 1).map((line) => Object.fromEntries(line.split(/\s+/).map((cell, i) => [headers[i] ?? `#${i}`, cell])));
}
