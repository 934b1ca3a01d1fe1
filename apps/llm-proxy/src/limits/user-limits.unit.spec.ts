import { DefaultedUserLimits, type UserLimit } from './user-limits';

describe('DefaultedUserLimits', () => {
  it('gives a user its own limits, a row of nulls no limit at all, and everyone else the defaults', async () => {
    const own: Record<string, UserLimit> = { batch: { rpm: 600, tpm: 1_000_000 }, free: {} };
    const limits = new DefaultedUserLimits({ rpm: 10 }, { overrideOf: async (user) => own[user] });
    expect(await limits.limitsOf('batch')).toEqual({ rpm: 600, tpm: 1_000_000 });
    expect(await limits.limitsOf('free')).toEqual({});
    expect(await limits.limitsOf('someone')).toEqual({ rpm: 10 });
  });

  it('gives everyone the defaults without overrides (no registry)', () => {
    expect(new DefaultedUserLimits({ tpm: 5 }).limitsOf('anyone')).toEqual({ tpm: 5 });
  });
});
