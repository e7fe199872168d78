/** WebAssembly plugins under /api/v1/plugins (the plugin service's list and hot reload). */
import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PluginDto, PluginParams, PluginReloadDto } from '../dto/plugins.dto.js';
import { ApiProtected } from '../http/api-docs.js';
import { PluginAdmin } from '../services/plugin-admin.service.js';

@ApiTags('plugins')
@Controller('api/v1/plugins')
export class PluginsController {
  constructor(private readonly plugins: PluginAdmin) {}

  @Get()
  @ApiOperation({ summary: 'List plugins with their status and counters' })
  @ApiOkResponse({ type: [PluginDto] })
  @ApiProtected()
  list(): PluginDto[] {
    return this.plugins.list();
  }

  @Post(':name/reload')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Re-read a plugin's file; the new version takes over only if it loads" })
  @ApiOkResponse({ type: PluginReloadDto })
  @ApiProtected(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  reload(@Param() params: PluginParams): Promise<PluginReloadDto> {
    return this.plugins.reload(params.name);
  }
}
