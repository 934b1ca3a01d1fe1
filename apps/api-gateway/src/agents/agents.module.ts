import { Module } from '@nestjs/common';
import { AgentGenerateController } from './agent-generate.controller';
import { AgentGenerateService } from './agent-generate.service';

/** Direct agent calls through the gateway; uses the global resource store, event store and NATS. */
@Module({
  controllers: [AgentGenerateController],
  providers: [AgentGenerateService],
})
export class AgentsModule {}
