import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { acceptsHtml } from '../dashboard/accepts-html.js';
import { DASHBOARD_HTML, sendDashboardHeaders } from '../dashboard/dashboard-page.js';
import type { OverviewDto } from '../dto/overview.dto.js';
import { Overview } from './overview.service.js';

/** `GET /`: the dashboard page for a browser, the JSON overview for everything else. */
@Injectable()
export class RootPage {
  constructor(private readonly overview: Overview) {}

  answer(accept: string | undefined, reply: FastifyReply): Promise<OverviewDto> | string {
    void reply.header('vary', 'Accept');
    if (!acceptsHtml(accept)) return this.overview.snapshot();
    sendDashboardHeaders(reply);
    return DASHBOARD_HTML;
  }
}

