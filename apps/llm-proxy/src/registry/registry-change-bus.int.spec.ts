import { connect, type NatsConnection } from '@nats-io/transport-node';
import { eventually, TEST_NATS_URL, testNatsPrefix } from '@kastra/testing';
import { RegistryChangeBus, registryChangedSubject, type RegistryPart } from './registry-change-bus';

/** Two replicas' buses on one NATS prefix; what each part's listeners on each replica heard. */
describe('RegistryChangeBus (NATS)', () => {
  let nc: NatsConnection;
  let prefix: string;
  let buses: RegistryChangeBus[];
  let heard: Array<Record<RegistryPart, number>>;

  beforeEach(async () => {
    nc ??= await connect({ servers: TEST_NATS_URL });
    prefix = testNatsPrefix('llmbus');
    buses = [new RegistryChangeBus(nc, prefix), new RegistryChangeBus(nc, prefix)];
    heard = buses.map((bus) => {
      const counts = { models: 0, 'user-limits': 0 };
      bus.onModuleInit();
      bus.onChange('models', () => counts.models++);
      bus.onChange('user-limits', () => counts['user-limits']++);
      return counts;
    });
    await nc.flush();
  });

  afterEach(() => buses.forEach((bus) => bus.onModuleDestroy()));
  afterAll(() => nc?.close());

  it('tells this replica at once and the other over NATS, for the part that changed only', async () => {
    buses[0].changed('user-limits');
    // This replica: synchronously, once (its own message coming back is ignored)
    expect(heard[0]).toEqual({ models: 0, 'user-limits': 1 });
    await eventually(async () => heard[1]['user-limits'] === 1);
    buses[1].changed('models');
    await eventually(async () => heard[0].models === 1);
    await nc.flush();
    expect(heard).toEqual([
      { models: 1, 'user-limits': 1 },
      { models: 1, 'user-limits': 1 },
    ]);
  });

  it('drops every part on a message that names none (an older replica) or cannot be read: the safe side', async () => {
    nc.publish(registryChangedSubject(prefix), JSON.stringify({ origin: 'an-older-replica' }));
    nc.publish(registryChangedSubject(prefix), 'not json');
    await eventually(async () => heard.every((counts) => counts.models === 2 && counts['user-limits'] === 2));
    await nc.flush();
    expect(heard).toEqual([
      { models: 2, 'user-limits': 2 },
      { models: 2, 'user-limits': 2 },
    ]);
  });
});
