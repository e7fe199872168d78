/**
 * The uplink under /api/v1/uplink (docs/UPLINK.md): its status, and the cut-over. POST
 * cutover closes produce on the mirrored topics, waits (at most `waitMs`) until every
 * record and every group's offsets are on the remote cluster, and answers 200 when it is
 * ready to switch, 202 while it is still draining (ask again: the cut-over goes on);
 * DELETE opens produce again. `npx blink uplink cutover` calls these routes (bin/blink.mjs).
 */
import { Body, ConflictException, Controller, Delete, Get, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UplinkService } from '../../uplink/uplink.service.js';
import { CUTOVER_WAIT_DEFAULT_MS, CutoverRequestDto, UplinkStatusDto } from '../dto/uplink.dto.js';
import { ApiProtected } from '../http/api-docs.js';

const UPLINK_OFF = 'the uplink is off: set uplink_bootstrap_servers and uplink_topics (docs/UPLINK.md)';

@ApiTags('uplink')
@Controller('api/v1/uplink')
export class UplinkController {
  constructor(private readonly uplink: UplinkService) {}

  @Get()
  @ApiOperation({ summary: 'Uplink status: remote cluster, lag, partitions, group offset sync, cut-over' })
  @ApiOkResponse({ type: UplinkStatusDto })
  @ApiProtected()
  status(): UplinkStatusDto {
    return this.uplink.status() as UplinkStatusDto;
  }

  @Post('cutover')
  @ApiOperation({ summary: 'Cut-over: close produce on the mirrored topics, drain the uplink, sync group offsets; 200 once ready to switch' })
  @ApiBody({ type: CutoverRequestDto, required: false, examples: { wait: { value: { waitMs: 60_000 } } } })
  @ApiOkResponse({ type: UplinkStatusDto, description: 'Ready to switch: point clients at the remote cluster' })
  @ApiAcceptedResponse({ type: UplinkStatusDto, description: 'Produce is closed, the uplink is still draining (cutover.waitingFor says what is left); ask again' })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.CONFLICT, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  async cutover(@Body() request: CutoverRequestDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<UplinkStatusDto> {
    this.requireEnabled();
    const status = await this.uplink.cutover(request?.waitMs ?? CUTOVER_WAIT_DEFAULT_MS);
    reply.status(status.cutover.state === 'ready' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return status as UplinkStatusDto;
  }

  @Delete('cutover')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Abandon a cut-over: produce on the mirrored topics is open again' })
  @ApiOkResponse({ type: UplinkStatusDto })
  @ApiProtected(HttpStatus.CONFLICT)
  abort(): UplinkStatusDto {
    this.requireEnabled();
    return this.uplink.abortCutover() as UplinkStatusDto;
  }

  private requireEnabled(): void {
    if (!this.uplink.enabled) throw new ConflictException(UPLINK_OFF);
  }
}
