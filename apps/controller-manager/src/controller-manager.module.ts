import { Module } from '@nestjs/common';
import { EventStoreModule } from '@kastra/event-store';
import { EventRelayHost, MessagingModule } from '@kastra/messaging';
import { ResourceStoreModule } from '@kastra/resource-store';
import { ControllerManagerService } from './controller-manager.service';

/** The controller-manager: Postgres, NATS and the resource store, and the controllers on top. */
@Module({
  imports: [EventStoreModule.forRoot(), MessagingModule.forRoot(), ResourceStoreModule],
  providers: [ControllerManagerService, EventRelayHost],
})
export class ControllerManagerModule {}
