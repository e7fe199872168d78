/** The broker under /api/v1/broker and the overview the dashboard polls (/api/v1/overview). */
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BrokerConfigDto, BrokerDto, RouteDto } from '../dto/broker.dto.js';
import { OverviewDto } from '../dto/overview.dto.js';
import { ApiProtected } from '../http/api-docs.js';
import { BrokerInfo } from '../services/broker-info.service.js';
import { Overview } from '../services/overview.service.js';

@ApiTags('broker')
@Controller('api/v1')
export class BrokerController {
  constructor(
    private readonly broker: BrokerInfo,
    private readonly overview: Overview,
  ) {}

  @Get('broker')
  @ApiOperation({ summary: 'Identity, version, uptime, storage mode and listeners' })
  @ApiOkResponse({ type: BrokerDto })
  @ApiProtected()
  describe(): BrokerDto {
    return this.broker.broker();
  }

  @Get('broker/config')
  @ApiOperation({ summary: 'Effective settings (secrets redacted) and the topic config defaults' })
  @ApiOkResponse({ type: BrokerConfigDto })
  @ApiProtected()
  configuration(): BrokerConfigDto {
    return this.broker.configuration();
  }

  @Get('broker/routes')
  @ApiOperation({ summary: 'Every HTTP route the REST listener serves (method and path pattern)' })
  @ApiOkResponse({ type: [RouteDto] })
  @ApiProtected()
  routes(): RouteDto[] {
    return this.broker.routes();
  }

  @Get('overview')
  @ApiOperation({ summary: 'The overview the dashboard shows: counters, memory and WAL tiers, topics, groups, plugins' })
  @ApiOkResponse({ type: OverviewDto })
  @ApiProtected()
  snapshot(): Promise<OverviewDto> {
    return this.overview.snapshot();
  }
}
