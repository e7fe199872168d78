/**
 * A minimal Kafka client over one TCP connection that encodes requests and decodes responses
 * with the generated codecs (src/wire/messages), for tests that must send any API at any
 * version with exact field values: the comparison of produce validation with Apache Kafka,
 * and the healthy client of the protocol fuzzer. The broker under test never sees these
 * codecs' objects, only their bytes; Apache Kafka checks the same bytes independently.
 * One request at a time; every wait is bounded.
 */
import { isFlexible } from '../../../src/wire/api-codec.js';
import type { MessageCodec } from '../../../src/wire/messages/message-codec.js';
import { KafkaReader } from '../../../src/wire/reader.js';
import { KafkaWriter } from '../../../src/wire/writer.js';
import { RawConnection } from '../raw-kafka.js';

const API_VERSIONS_KEY = 18;

export class CodecClient {
  private correlationId = 0;

  private constructor(readonly connection: RawConnection, private readonly clientId: string) {}

  static async connect(port: number, clientId = 'blink-e2e-codec'): Promise<CodecClient> {
    return new CodecClient(await RawConnection.open(port), clientId);
  }

  /** The request frame (size prefix included) of `body` for `api` at `version`. */
  frame<Req>(api: MessageCodec<Req, unknown>, version: number, body: Req, correlationId = ++this.correlationId): Buffer {
    const writer = new KafkaWriter();
    const sizeAt = writer.reserveInt32();
    writer.writeInt16(api.apiKey);
    writer.writeInt16(version);
    writer.writeInt32(correlationId);
    writer.writeString(this.clientId, false);
    if (isFlexible(api, version)) writer.writeEmptyTaggedFields();
    api.encodeRequest(writer, version, body);
    writer.patchInt32(sizeAt, writer.length - 4);
    return writer.toBuffer();
  }

  /** Sends one request and decodes its response (rejects after `timeoutMs` or on a close). */
  async request<Req, Res>(api: MessageCodec<Req, Res>, version: number, body: Req, timeoutMs = 15_000): Promise<Res> {
    const correlationId = ++this.correlationId;
    this.connection.write(this.frame(api, version, body, correlationId));
    const response = await this.connection.readFrame(timeoutMs);
    const reader = new KafkaReader(response);
    const answered = reader.readInt32();
    if (answered !== correlationId) throw new Error(`${api.name} v${version}: correlation id ${answered}, expected ${correlationId}`);
    if (api.apiKey !== API_VERSIONS_KEY && isFlexible(api, version)) reader.skipTaggedFields();
    return api.decodeResponse(reader, version);
  }

  close(): void {
    this.connection.close();
  }
}
