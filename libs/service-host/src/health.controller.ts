import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { metricsRegistry } from '@kastra/telemetry';
import { ReadinessRegistry } from './readiness-registry';

/** Liveness, readiness and Prometheus metrics; unauthenticated by design (probes and scrapers). */
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<{ status: string; failing?: string[] }> {
    const report = await this.readiness.evaluate();
    if (report.ready) return { status: 'ok' };
    res.status(503);
    return { status: 'unavailable', failing: report.failing };
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
