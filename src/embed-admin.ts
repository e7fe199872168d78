/**
 * What a test suite needs from its broker besides a Kafka client: create topics, wait for a
 * consumer group to settle, read a topic's records, reset between tests. Spoken over the
 * broker's REST admin API (so it works the same for an embedded broker and for one started
 * through the CLI), with the global `fetch`: no Kafka client, no extra dependency.
 * Every call is bounded by REQUEST_TIMEOUT_MS; every wait by its `timeoutMs`.
 */
import type { GroupDetailDto, GroupSummaryDto } from './admin/dto/groups.dto.js';
import type { RecordDto, RecordsAnswerDto } from './admin/dto/records.dto.js';
import type { TopicDetailDto, TopicSummaryDto } from './admin/dto/topics.dto.js';

export type { GroupDetailDto, RecordDto, TopicDetailDto };

const REQUEST_TIMEOUT_MS = 10_000;
/** The REST read route's page size maximum (records.dto.ts FETCH_LIMIT_MAX). */
const RECORDS_PAGE = 1_000;
const GROUP_POLL_MS = 25;
const DEFAULT_WAIT_MS = 10_000;

export interface CreateTopicOptions {
  /** Default: the broker's `kafka_cfg_num_partitions`. */
  readonly partitions?: number;
  /** Topic configs by their Kafka names, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface WaitForGroupOptions {
  /** Default 'Stable'. */
  readonly state?: GroupDetailDto['state'];
  /** Also wait until the group has exactly this many members. */
  readonly members?: number;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export interface ReadRecordsOptions {
  /** One partition only; default: every partition of the topic, partition by partition. */
  readonly partition?: number;
  /** 'base64' for binary keys and values; default 'utf8'. */
  readonly encoding?: 'utf8' | 'base64';
}

/** A stored record, with the partition it was read from. */
export interface TopicRecord extends RecordDto {
  readonly partition: number;
}

/** A REST answer other than 2xx, with the broker's message. */
export class BlinkAdminError extends Error {
  override readonly name = 'BlinkAdminError';

  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The test helpers over one broker's REST admin API (`restUrl`, and its `admin_token` if set). */
export class BlinkAdmin {
  constructor(
    readonly restUrl: string,
    private readonly adminToken: string | null = null,
  ) {}

  createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDetailDto> {
    return this.call('POST', '/api/v1/topics', { name, ...options });
  }

  deleteTopic(name: string): Promise<unknown> {
    return this.call('DELETE', `/api/v1/topics/${encodeURIComponent(name)}`);
  }

  topics(): Promise<TopicSummaryDto[]> {
    return this.call('GET', '/api/v1/topics');
  }

  group(groupId: string): Promise<GroupDetailDto> {
    return this.call('GET', `/api/v1/groups/${encodeURIComponent(groupId)}`);
  }

  groups(): Promise<GroupSummaryDto[]> {
    return this.call('GET', '/api/v1/groups');
  }

  /** Polls until the group is in `state` (and has `members` members); throws with the last state seen after `timeoutMs`. */
  async waitForGroup(groupId: string, options: WaitForGroupOptions = {}): Promise<GroupDetailDto> {
    const { state = 'Stable', members, timeoutMs = DEFAULT_WAIT_MS } = options;
    const deadline = Date.now() + timeoutMs;
    let last = 'not created yet';
    for (;;) {
      const found = await this.findGroup(groupId);
      if (found !== undefined && found.state === state && (members === undefined || found.members.length === members)) return found;
      if (found !== undefined) last = `${found.state} with ${found.members.length} member(s)`;
      if (Date.now() >= deadline) {
        throw new Error(`consumer group '${groupId}' did not reach ${state}${members === undefined ? '' : ` with ${members} member(s)`} within ${timeoutMs} ms (last seen: ${last})`);
      }
      await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
    }
  }

  /** Every record stored in the topic (or one partition), from the log start to the high watermark. */
  async readRecords(topic: string, options: ReadRecordsOptions = {}): Promise<TopicRecord[]> {
    const detail: TopicDetailDto = await this.call('GET', `/api/v1/topics/${encodeURIComponent(topic)}`);
    const partitions = options.partition === undefined ? detail.partitions.map((p) => p.partition) : [options.partition];
    const records: TopicRecord[] = [];
    for (const partition of partitions) records.push(...(await this.readPartition(topic, partition, options.encoding ?? 'utf8')));
    return records;
  }

  /**
   * Deletes every topic and every consumer group, for a clean broker between tests. A group
   * with live members cannot be deleted (Kafka's NON_EMPTY_GROUP): close consumers first.
   */
  async reset(): Promise<void> {
    for (const group of await this.groups()) await this.call('DELETE', `/api/v1/groups/${encodeURIComponent(group.groupId)}`);
    for (const topic of await this.topics()) await this.deleteTopic(topic.name);
  }

  private async readPartition(topic: string, partition: number, encoding: string): Promise<TopicRecord[]> {
    const records: TopicRecord[] = [];
    const path = `/api/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records`;
    let answer: RecordsAnswerDto = await this.call('GET', `${path}?limit=${RECORDS_PAGE}&encoding=${encoding}`);
    for (;;) {
      for (const record of answer.records) records.push({ ...record, partition });
      if (answer.records.length === 0 || answer.nextOffset >= answer.highWatermark) return records;
      answer = await this.call('GET', `${path}?offset=${answer.nextOffset}&limit=${RECORDS_PAGE}&encoding=${encoding}`);
    }
  }

  private async findGroup(groupId: string): Promise<GroupDetailDto | undefined> {
    try {
      return await this.group(groupId);
    } catch (error) {
      if (error instanceof BlinkAdminError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.adminToken !== null) headers.authorization = `Bearer ${this.adminToken}`;
    const response = await fetch(`${this.restUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new BlinkAdminError(response.status, `${method} ${path}: ${response.status} ${errorMessage(text)}`);
    return JSON.parse(text) as T;
  }
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: unknown };
    const details = Array.isArray(body.details) ? ` (${body.details.join('; ')})` : '';
    return `${String(body.message ?? text)}${details}`;
  } catch {
    return text;
  }
}
