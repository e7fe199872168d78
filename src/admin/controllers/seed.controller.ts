/**
 * The routes of the seed README, at the same paths, answering JSON: `GET /` (overview, or
 * the dashboard for a browser), `/version`, `POST /produce` (form fields as in the seed's
 * curl example, or JSON), `GET /fetch`, `POST /purge` (and `GET /purge`, kept because the
 * seed's example uses it: it only runs the retention sweep), `/dump`, `/allocated`.
 */
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OverviewDto } from '../dto/overview.dto.js';
import { ProducedDto, RecordsAnswerDto } from '../dto/records.dto.js';
import { FetchQueryDto, ProduceFormDto, PurgeAnswerDto, PurgeDto, VersionDto } from '../dto/seed.dto.js';
import { AllocatedDto, DumpDto } from '../dto/storage.dto.js';
import { ApiProtected } from '../http/api-docs.js';
import { BrokerInfo } from '../services/broker-info.service.js';
import { RecordProducer } from '../services/record-producer.service.js';
import { RecordReader } from '../services/record-reader.service.js';
import { RootPage } from '../services/root-page.service.js';
import { StorageReport } from '../services/storage-report.service.js';

/** `GET /purge` takes no parameters. */
class NoParametersDto {}

@ApiTags('seed routes')
@Controller()
export class SeedController {
  constructor(
    private readonly root: RootPage,
    private readonly broker: BrokerInfo,
    private readonly producer: RecordProducer,
    private readonly reader: RecordReader,
    private readonly storage: StorageReport,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Overview (JSON), or the live dashboard for a browser', description: 'A request whose Accept header lists text/html gets the dashboard page; any other (curl sends */*) gets the JSON overview, the same as GET /api/v1/overview.' })
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ type: OverviewDto, description: 'The overview (application/json) or the dashboard page (text/html)' })
  @ApiProtected()
  overview(@Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<OverviewDto> | string {
    return this.root.answer(accept, reply);
  }

  @Get('version')
  @ApiOperation({ summary: 'Build, version and effective settings (secrets redacted)' })
  @ApiOkResponse({ type: VersionDto })
  @ApiProtected()
  version(): VersionDto {
    return this.broker.version();
  }

  @Post('produce')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Produce one record',
    description: 'Form fields (curl -d "topic=test&partition=0&value=hello-world") or a JSON body. The record takes the Kafka Produce path: auto-creation, validation, plugins, the WAL in durable mode.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: ProduceFormDto, examples: { seed: { summary: "The seed's curl example", value: { topic: 'test', partition: 0, value: 'hello-world' } }, binary: { summary: 'A binary value', value: { topic: 'test', key: 'a2V5', value: 'AAEC/w==', encoding: 'base64' } } } })
  @ApiOkResponse({ type: ProducedDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  produce(@Body() record: ProduceFormDto): Promise<ProducedDto> {
    return this.producer.produce(record.topic, record.partition, [record], record.encoding);
  }

  @Get('fetch')
  @ApiOperation({ summary: 'Read records of one partition from an offset', description: 'A read for inspection: it does not count as a consumption for purge_on_fetch.' })
  @ApiOkResponse({ type: RecordsAnswerDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  fetch(@Query() query: FetchQueryDto): Promise<RecordsAnswerDto> {
    return this.reader.read(query.topic, query.partition ?? 0, query);
  }

  @Post('purge')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Run the retention sweep now, or delete records of a topic', description: 'Without a topic: drops what is expired, over retention.bytes, or consumed with purge_on_fetch. With a topic: DeleteRecords below beforeOffset (default: everything) on one or all partitions.' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: PurgeDto, required: false, examples: { sweep: { summary: 'Retention sweep', value: {} }, topic: { summary: 'Delete records of partition 0 below offset 10', value: { topic: 'test', partition: 0, beforeOffset: 10 } } } })
  @ApiOkResponse({ type: PurgeAnswerDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  purge(@Body() request: PurgeDto): Promise<PurgeAnswerDto> {
    return this.storage.purge(request);
  }

  @Get('purge')
  @ApiOperation({ summary: 'Run the retention sweep now (GET alias of POST /purge)', description: "Kept because the seed README's example is `curl http://localhost:30004/purge`. Takes no parameters; deleting records of a topic needs POST." })
  @ApiOkResponse({ type: PurgeAnswerDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE)
  purgeAlias(@Query() _none: NoParametersDto): Promise<PurgeAnswerDto> {
    return this.storage.purge({});
  }

  @Get('dump')
  @ApiOperation({ summary: 'Storage state: topics, partitions, offsets, bytes and batches per tier, WAL segments' })
  @ApiOkResponse({ type: DumpDto })
  @ApiProtected()
  dump(): DumpDto {
    return this.storage.dump();
  }

  @Get('allocated')
  @ApiOperation({ summary: 'Memory: stored bytes per tier, process heap and RSS, limits' })
  @ApiOkResponse({ type: AllocatedDto })
  @ApiProtected()
  allocated(): AllocatedDto {
    return this.storage.allocated();
  }
}
