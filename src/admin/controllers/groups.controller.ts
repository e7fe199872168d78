/** Consumer groups under /api/v1/groups (GroupAdmin over the coordinator and offset manager). */
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeletedGroupDto, GroupDetailDto, GroupParams, GroupSummaryDto, ResetOffsetsAnswerDto, ResetOffsetsDto } from '../dto/groups.dto.js';
import { ApiProtected } from '../http/api-docs.js';
import { GroupAdmin } from '../services/group-admin.service.js';

@ApiTags('consumer groups')
@Controller('api/v1/groups')
export class GroupsController {
  constructor(private readonly groups: GroupAdmin) {}

  @Get()
  @ApiOperation({ summary: 'List consumer groups with their state, members and total lag' })
  @ApiOkResponse({ type: [GroupSummaryDto] })
  @ApiProtected()
  list(): GroupSummaryDto[] {
    return this.groups.list();
  }

  @Get(':groupId')
  @ApiOperation({ summary: 'Describe a group: members and their assignments, committed offsets and lag' })
  @ApiOkResponse({ type: GroupDetailDto })
  @ApiProtected(HttpStatus.NOT_FOUND)
  describe(@Param() params: GroupParams): GroupDetailDto {
    return this.groups.describe(params.groupId);
  }

  @Post(':groupId/offsets/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reset committed offsets to earliest, latest or a timestamp (the group must be Empty)' })
  @ApiBody({ type: ResetOffsetsDto, examples: { earliest: { value: { to: 'earliest' } }, timestamp: { value: { to: 'timestamp', timestamp: 1_760_000_000_000, topics: ['orders'] } } } })
  @ApiOkResponse({ type: ResetOffsetsAnswerDto })
  @ApiProtected(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  resetOffsets(@Param() params: GroupParams, @Body() request: ResetOffsetsDto): Promise<ResetOffsetsAnswerDto> {
    return this.groups.resetOffsets(params.groupId, request);
  }

  @Delete(':groupId')
  @ApiOperation({ summary: 'Delete a group and its committed offsets (the group must be Empty)' })
  @ApiOkResponse({ type: DeletedGroupDto })
  @ApiProtected(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  delete(@Param() params: GroupParams): DeletedGroupDto {
    return this.groups.delete(params.groupId);
  }
}
