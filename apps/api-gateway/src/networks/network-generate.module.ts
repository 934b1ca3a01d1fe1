import { Module } from '@nestjs/common';
import { NetworkGenerateController } from './network-generate.controller';
import { NetworkGenerateService } from './network-generate.service';

/** Running a Network on a task over REST; uses the global store, pool, notifier and RBAC authorizer. */
@Module({
  controllers: [NetworkGenerateController],
  providers: [NetworkGenerateService],
})
export class NetworkGenerateModule {}
