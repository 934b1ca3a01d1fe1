import { BadRequestError } from '@kastra/api';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parsePageRequest, single } from './list-page';

const UUID = '0b6f1c3e-5d2a-4f7e-9c1b-3a2d4e5f6a7b';

describe('parsePageRequest', () => {
  it('takes 100 rows from the start when nothing is given', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(100);
    expect(parsePageRequest(undefined, undefined)).toEqual({ limit: 100 });
    expect(parsePageRequest('', '')).toEqual({ limit: 100 });
  });

  it('takes a whole limit from 1 to 1000 and any after for text ids', () => {
    expect(MAX_PAGE_SIZE).toBe(1000);
    expect(parsePageRequest('1', 'ann')).toEqual({ limit: 1, after: 'ann' });
    expect(parsePageRequest('1000', 'user with spaces/and slashes')).toEqual({ limit: 1000, after: 'user with spaces/and slashes' });
    expect(parsePageRequest('007', undefined)).toEqual({ limit: 7 });
  });

  it('refuses a limit that is not written as a whole number from 1 to 1000 with a 400', () => {
    for (const limit of ['0', '-1', '1001', '2.5', 'ten', '1e2', '0x10', ' 5', '5 ', '99999999999']) {
      expect(() => parsePageRequest(limit, undefined)).toThrow(BadRequestError);
      expect(() => parsePageRequest(limit, undefined)).toThrow('limit must be a whole number from 1 to 1000');
    }
  });

  it('takes the first of repeated parameters', () => {
    expect(parsePageRequest(['5', '2000'], ['a', 'b'])).toEqual({ limit: 5, after: 'a' });
  });

  it('requires a UUID after for lists whose ids are UUIDs', () => {
    expect(parsePageRequest('10', UUID, { ids: 'uuid' })).toEqual({ limit: 10, after: UUID });
    expect(parsePageRequest('10', UUID.toUpperCase(), { ids: 'uuid' })).toEqual({ limit: 10, after: UUID.toUpperCase() });
    expect(parsePageRequest(undefined, undefined, { ids: 'uuid' })).toEqual({ limit: 100 });
    for (const after of ['gpt-4o', 'acme', `${UUID}0`, UUID.slice(1)]) {
      expect(() => parsePageRequest('10', after, { ids: 'uuid' })).toThrow('after must be the id (a UUID) of a row');
    }
  });
});

describe('single', () => {
  it('reads a query parameter once; empty or missing is undefined', () => {
    expect(single('a')).toBe('a');
    expect(single(['a', 'b'])).toBe('a');
    expect(single('')).toBeUndefined();
    expect(single(undefined)).toBeUndefined();
    expect(single({ nested: 'object' })).toBeUndefined();
  });
});
