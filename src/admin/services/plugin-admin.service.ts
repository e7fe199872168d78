import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { PluginNotFoundError, PluginService, type PluginStatusView } from '../../plugins/plugin.service.js';
import type { PluginDto, PluginReloadDto } from '../dto/plugins.dto.js';

/** Plugins for the REST API: the plugin service's list and reload, with HTTP errors (unknown 404, refused reload 422). */
@Injectable()
export class PluginAdmin {
  constructor(private readonly plugins: PluginService) {}

  list(): PluginDto[] {
    return this.plugins.list().map(toDto);
  }

  async reload(name: string): Promise<PluginReloadDto> {
    try {
      const result = await this.plugins.reload(name, 'requested through the admin API');
      if (result.outcome === 'refused') {
        throw new UnprocessableEntityException(`the new version of plugin '${name}' was refused and the running version stays: ${result.reason}`);
      }
      return { outcome: result.outcome, plugin: toDto(result.plugin) };
    } catch (error) {
      if (error instanceof PluginNotFoundError) throw new NotFoundException(`no plugin named '${name}' (plugins are named after their file in plugin_paths)`);
      throw error;
    }
  }
}

function toDto(view: PluginStatusView): PluginDto {
  return { ...view, counters: { ...view.counters } };
}
