import { BadRequestError } from '@kastra/api';
import { requestedTableVersion } from './accept-header';
import { dryRunOf, fieldValidationOf, queryFlag, queryValue, timeoutSecondsOf } from './request-query';

describe('query parameters and Accept', () => {
  it('reads dryRun=All and refuses other values', () => {
    expect(dryRunOf({})).toBe(false);
    expect(dryRunOf({ dryRun: 'All' })).toBe(true);
    expect(dryRunOf({ dryRun: ['All', 'All'] })).toBe(true);
    expect(() => dryRunOf({ dryRun: 'Some' })).toThrow(BadRequestError);
  });

  it('reads watch flags as Kubernetes does (true/1), the last repeated value, and timeouts', () => {
    expect(queryFlag({ watch: 'true' }, 'watch')).toBe(true);
    expect(queryFlag({ watch: '1' }, 'watch')).toBe(true);
    expect(queryFlag({ watch: 'false' }, 'watch')).toBe(false);
    expect(queryFlag({}, 'watch')).toBe(false);
    expect(() => queryFlag({ watch: 'yes please' }, 'watch')).toThrow(BadRequestError);
    expect(queryValue({ labelSelector: ['a=b', 'c=d'] }, 'labelSelector')).toBe('c=d');
    expect(timeoutSecondsOf({ timeoutSeconds: '30' })).toBe(30);
    expect(timeoutSecondsOf({})).toBeUndefined();
    expect(() => timeoutSecondsOf({ timeoutSeconds: '-1' })).toThrow(BadRequestError);
  });

  it('refuses timeouts that are not whole seconds and serves at most an hour', () => {
    // Given timeouts written as exponents, fractions, signs, past int64, and far past an hour
    for (const value of ['1e3', '1.5', '+5', ' 7', '99999999999999999999999']) {
      expect(() => timeoutSecondsOf({ timeoutSeconds: value })).toThrow(BadRequestError);
    }
    // Then a huge but valid one is served for an hour (a Node timer past 2^31 ms would fire at once)
    expect(timeoutSecondsOf({ timeoutSeconds: '99999999999' })).toBe(3600);
    expect(timeoutSecondsOf({ timeoutSeconds: '0' })).toBe(0);
  });

  it('accepts the three fieldValidation values only', () => {
    expect(fieldValidationOf({})).toBe('Strict');
    expect(fieldValidationOf({ fieldValidation: 'Ignore' })).toBe('Ignore');
    expect(() => fieldValidationOf({ fieldValidation: 'Lenient' })).toThrow(BadRequestError);
  });

  it('recognises kubectl asking for a Table', () => {
    const kubectl = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    expect(requestedTableVersion(kubectl)).toBe('v1');
    expect(requestedTableVersion('application/json;as=Table;v=v1beta1;g=meta.k8s.io')).toBe('v1beta1');
    expect(requestedTableVersion('application/json')).toBeUndefined();
    expect(requestedTableVersion(undefined)).toBeUndefined();
    expect(requestedTableVersion('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io')).toBeUndefined();
  });
});
