import { ToolExecutionError, ToolInputError } from '@kastra/agent-runtime';
import { failure } from './step-execution';

describe('which step failures the retry policy may retry', () => {
  it.each(['secret_forbidden', 'egress_refused', 'mcp_command_not_allowed', 'configuration', 'response_too_large', 'memory'])(
    'never retries a tool refused for good (%s): another attempt would be refused again',
    (reason) => {
      // Given a tool failure no attempt can fix
      const error = new ToolExecutionError('team-m.t', reason, `tool team-m.t: ${reason}`);
      // Then the attempt is final, whatever the step's retry policy
      expect(failure(error)).toEqual({ ok: false, error: { type: 'ToolExecutionError', message: `tool team-m.t: ${reason}` }, retryable: false });
    },
  );

  it.each(['timeout', 'network', 'http_status', 'script', 'secret_missing'])('leaves a failure that may pass next time to the policy (%s)', (reason) => {
    expect(failure(new ToolExecutionError('team-m.t', reason, 'failed', reason !== 'script'))).toMatchObject({ ok: false, retryable: true });
  });

  it('never retries bad input', () => {
    expect(failure(new ToolInputError('team-m.t', [{ field: 'input.city', message: 'is required', reason: 'FieldValueRequired' }]))).toMatchObject({ retryable: false });
  });
});
