/**
 * The domain services wired by hand for unit tests (no Nest, no sockets, no disk): the
 * memory-only TopicRegistry under settings built from `env`, the retention path, and the
 * topics, configs, produce and fetch services on top. Time is the real clock: the fetch
 * tests wait for real appends within real deadlines.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { ClusterIdentity } from '../../../src/cluster/cluster-identity.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { SystemClock } from '../../../src/common/clock.js';
import { loadSettings, type BlinkConfig } from '../../../src/config/settings.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import { FetchProbe } from '../../../src/fetch/fetch.probe.js';
import { FetchService } from '../../../src/fetch/fetch.service.js';
import { MessageSetDownConversion } from '../../../src/fetch/message-set-down-conversion.js';
import { OffsetLookup } from '../../../src/fetch/offset-lookup.js';
import type { PluginService } from '../../../src/plugins/plugin.service.js';
import { ProduceProbe } from '../../../src/produce/produce.probe.js';
import { MessageSetConversion } from '../../../src/produce/message-set-conversion.js';
import { ProduceService } from '../../../src/produce/produce.service.js';
import { RecordIngest } from '../../../src/produce/record-ingest.js';
import { RetentionService } from '../../../src/retention/retention.service.js';
import { BatchAppender } from '../../../src/storage/batch-appender.js';
import type { ColdTierFactory } from '../../../src/storage/cold-tier.js';
import { MemoryAccountant, type MemoryLimits } from '../../../src/storage/memory-accountant.js';
import { StorageProbe } from '../../../src/storage/storage.probe.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import { TopicRegistry } from '../../../src/storage/topic-registry.js';
import { ConfigsService } from '../../../src/topics/configs.service.js';
import { TopicsService } from '../../../src/topics/topics.service.js';
import { transactionStack, type TransactionStack } from '../../support/transactions.js';
import { WriteFence } from '../../../src/topics/write-fence.js';

/** No plugin configured: RecordIngest goes straight to the append. */
export const NO_PLUGINS = { active: false } as PluginService;

export interface Domain {
  readonly config: BlinkConfig;
  readonly accountant: MemoryAccountant;
  /** Sets max_memory (and both relief marks) to `maxBytes` from now on. */
  readonly limitMemory: (maxBytes: number) => void;
  readonly events: TopicEvents;
  readonly registry: TopicRegistry;
  readonly retention: RetentionService;
  readonly topics: TopicsService;
  readonly configs: ConfigsService;
  readonly producer: ProduceService;
  /** Closes topics to produce (the uplink's cut-over). */
  readonly fence: WriteFence;
  readonly parking: FetchParking;
  readonly fetcher: FetchService;
  readonly offsets: OffsetLookup;
  /** The transaction coordinator the produce step checks transactional batches with. */
  readonly transactions: TransactionStack;
}

export function domain(env: Record<string, string> = {}, plugins: PluginService = NO_PLUGINS, coldTiers: ColdTierFactory | null = null): Domain {
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const clock = new SystemClock();
  const limits: { -readonly [K in keyof MemoryLimits]: number } = { maxBytes: Infinity, highWaterBytes: Infinity, lowWaterBytes: Infinity, batchHeapBytes: 0 };
  const accountant = new MemoryAccountant(limits, clock);
  const events = new TopicEvents();
  const registry = new TopicRegistry(config, accountant, events, coldTiers);
  const gauge = (name: string) => new Gauge({ name, help: name, labelNames: ['topic', 'partition'], registers: [] });
  const counter = (name: string) => new Counter({ name, help: name, labelNames: ['topic', 'partition'], registers: [] });
  const pool = new Gauge({ name: 'pool', help: 'p', labelNames: ['state'], registers: [] });
  const storageProbe = new StorageProbe(config, accountant, registry, gauge('bytes'), gauge('batches'), gauge('used'), gauge('max'), gauge('high'), counter('purged'), counter('deletion_failures'), gauge('allocated'), gauge('start'), gauge('end'), gauge('memory'), gauge('wal'), gauge('aggregated'), pool);
  const retention = new RetentionService(config, registry, storageProbe, clock);
  const cluster = new ClusterIdentity(config, new ListenerStatus());
  const topics = new TopicsService(registry, retention, cluster, config);
  const histogram = (name: string) => new Histogram({ name, help: name, registers: [] });
  const produceProbe = new ProduceProbe(storageProbe, counter('records'), counter('bytes'), counter('partition_records'), counter('partition_bytes'), counter('conversions'), histogram('conversion_seconds'));
  const transactions = transactionStack(config, registry, clock);
  const ingest = new RecordIngest(new BatchAppender(), plugins, produceProbe, transactions.coordinator, accountant);
  const parking = new FetchParking(clock);
  const fetchProbe = new FetchProbe(
    parking, storageProbe, gauge('parked'), counter('fetched_records'), counter('fetched_bytes'), counter('partition_fetched_records'), counter('partition_fetched_bytes'),
    counter('fetch_conversions'), histogram('fetch_conversion_seconds'), new Counter({ name: 'lookups', help: 'l', labelNames: ['result'], registers: [] }), gauge('cache'),
  );
  const fence = new WriteFence();
  return {
    config,
    accountant,
    limitMemory: (maxBytes) => Object.assign(limits, { maxBytes, highWaterBytes: maxBytes, lowWaterBytes: maxBytes }),
    events,
    registry,
    retention,
    topics,
    configs: new ConfigsService(registry, cluster, config),
    producer: new ProduceService(topics, accountant, ingest, new MessageSetConversion(produceProbe), fence),
    fence,
    parking,
    fetcher: new FetchService(topics, parking, retention, fetchProbe, new MessageSetDownConversion(topics, fetchProbe)),
    offsets: new OffsetLookup(topics),
    transactions,
  };
}
