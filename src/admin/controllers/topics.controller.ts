/** Topics and their records under /api/v1/topics (TopicAdmin, RecordProducer, RecordReader). */
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProduceBodyPipe, type ProduceBody } from '../dto/produce-body.js';
import { ProducedDto, ProduceRecordsDto, ReadRecordsQueryDto, RecordsAnswerDto } from '../dto/records.dto.js';
import { AddPartitionsDto, AlterTopicConfigsDto, CreateTopicDto, DeletedRecordsDto, DeletedTopicDto, DeleteRecordsQueryDto, PartitionParams, TopicDetailDto, TopicParams, TopicSummaryDto } from '../dto/topics.dto.js';
import { ApiProtected } from '../http/api-docs.js';
import { RecordProducer } from '../services/record-producer.service.js';
import { RecordReader } from '../services/record-reader.service.js';
import { TopicAdmin } from '../services/topic-admin.service.js';

@ApiTags('topics')
@Controller('api/v1/topics')
export class TopicsController {
  constructor(
    private readonly topics: TopicAdmin,
    private readonly producer: RecordProducer,
    private readonly reader: RecordReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List topics' })
  @ApiOkResponse({ type: [TopicSummaryDto] })
  @ApiProtected()
  list(): TopicSummaryDto[] {
    return this.topics.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create a topic with partitions and configs' })
  @ApiBody({ type: CreateTopicDto, examples: { orders: { value: { name: 'orders', partitions: 3, configs: { 'retention.ms': '600000' } } } } })
  @ApiCreatedResponse({ type: TopicDetailDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.CONFLICT, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  create(@Body() request: CreateTopicDto): Promise<TopicDetailDto> {
    return this.topics.create(request);
  }

  @Get(':topic')
  @ApiOperation({ summary: 'Describe a topic: partitions, offsets, tiers and configs' })
  @ApiOkResponse({ type: TopicDetailDto })
  @ApiProtected(HttpStatus.NOT_FOUND)
  describe(@Param() params: TopicParams): TopicDetailDto {
    return this.topics.describe(params.topic);
  }

  @Delete(':topic')
  @ApiOperation({ summary: 'Delete a topic and its data' })
  @ApiOkResponse({ type: DeletedTopicDto })
  @ApiProtected(HttpStatus.NOT_FOUND, HttpStatus.SERVICE_UNAVAILABLE)
  delete(@Param() params: TopicParams): Promise<DeletedTopicDto> {
    return this.topics.delete(params.topic);
  }

  @Post(':topic/partitions')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Add partitions (the count only grows, as CreatePartitions)' })
  @ApiBody({ type: AddPartitionsDto, examples: { six: { value: { count: 6 } } } })
  @ApiOkResponse({ type: TopicDetailDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  addPartitions(@Param() params: TopicParams, @Body() request: AddPartitionsDto): Promise<TopicDetailDto> {
    return this.topics.addPartitions(params.topic, request);
  }

  @Patch(':topic/configs')
  @ApiOperation({ summary: 'Set configs on the topic or return them to their defaults (as IncrementalAlterConfigs SET and DELETE)' })
  @ApiBody({ type: AlterTopicConfigsDto, examples: { compact: { value: { set: { 'cleanup.policy': 'compact' }, delete: ['retention.ms'] } } } })
  @ApiOkResponse({ type: TopicDetailDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  alterConfigs(@Param() params: TopicParams, @Body() request: AlterTopicConfigsDto): Promise<TopicDetailDto> {
    return this.topics.alterConfigs(params.topic, request);
  }

  @Post(':topic/records')
  @ApiOperation({ summary: 'Produce records (one record batch) with keys, headers and timestamps', description: 'The topic is created if it does not exist and auto_create_topics is on. Values in UTF-8 or base64 (encoding).' })
  @ApiBody({
    type: ProduceRecordsDto,
    examples: {
      text: { value: { partition: 0, records: [{ key: 'user-42', value: '{"amount":12}', headers: [{ key: 'trace-id', value: 'abc123' }], timestamp: 1_760_000_000_000 }] } },
      binary: { value: { encoding: 'base64', records: [{ key: 'AAE=', value: '/+7dzA==' }] } },
    },
  })
  @ApiCreatedResponse({ type: ProducedDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNPROCESSABLE_ENTITY, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  produce(@Param() params: TopicParams, @Body(ProduceBodyPipe) request: ProduceBody): Promise<ProducedDto> {
    return this.producer.produce(params.topic, request.partition, request.records, request.encoding);
  }

  @Get(':topic/partitions/:partition/records')
  @ApiOperation({ summary: 'Fetch records of a partition from an offset, with keys, headers and timestamps' })
  @ApiOkResponse({ type: RecordsAnswerDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  fetch(@Param() params: PartitionParams, @Query() query: ReadRecordsQueryDto): Promise<RecordsAnswerDto> {
    return this.reader.read(params.topic, params.partition, query);
  }

  @Delete(':topic/partitions/:partition/records')
  @ApiOperation({ summary: 'Delete records below an offset (DeleteRecords: the log start offset moves)' })
  @ApiOkResponse({ type: DeletedRecordsDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.SERVICE_UNAVAILABLE)
  deleteRecords(@Param() params: PartitionParams, @Query() query: DeleteRecordsQueryDto): DeletedRecordsDto {
    return this.topics.deleteRecords(params.topic, params.partition, query.beforeOffset);
  }
}
