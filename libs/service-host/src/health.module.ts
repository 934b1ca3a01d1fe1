import { type BeforeApplicationShutdown, Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness-registry';

/** `/healthz`, `/readyz`, `/metrics` and the global `ReadinessRegistry` every module can use. */
@Global()
@Module({
  controllers: [HealthController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class HealthModule implements BeforeApplicationShutdown {
  constructor(private readonly readiness: ReadinessRegistry) {}

  beforeApplicationShutdown(): void {
    this.readiness.markDraining();
  }
}
