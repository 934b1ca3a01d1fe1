/** Why a state operation was refused. */
export type NetworkStateErrorReason = 'invalid_key' | 'not_json' | 'value_too_large' | 'state_too_large' | 'invalid_scope' | 'conflict';

/** A state read or write that cannot be done; the message says what to change. */
export class NetworkStateError extends Error {
  override readonly name = 'NetworkStateError';
  constructor(
    readonly reason: NetworkStateErrorReason,
    message: string,
  ) {
    super(message);
  }
}
