/** A connection the egress policy does not allow; `reason` says which address and why, never a body. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
  readonly code = 'EGRESS_REFUSED';

  constructor(readonly reason: string) {
    super(`refused by egress policy: ${reason}`);
  }
}

/** A chain of redirects longer than allowed. */
export class TooManyRedirectsError extends Error {
  override readonly name = 'TooManyRedirectsError';
  readonly code = 'TOO_MANY_REDIRECTS';

  constructor(readonly limit: number) {
    super(`more than ${limit} redirects`);
  }
}

/** A response body larger than its cap; the read was stopped there. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  readonly code = 'RESPONSE_TOO_LARGE';

  constructor(readonly maxBytes: number) {
    super(`the response body is larger than ${maxBytes} bytes`);
  }
}
