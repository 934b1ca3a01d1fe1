/**
 * A reader's place in the log. Readers go in (transactionId, globalPosition) order and only below
 * the oldest in-flight transaction: every transaction that can still commit has a larger id than
 * anything already read, so no late commit is skipped. (Paging by position alone would skip it:
 * positions are handed out in insert order, not commit order.)
 */
export interface LogPosition {
  transactionId: string;
  globalPosition: string;
}

export const LOG_START: LogPosition = { transactionId: '0', globalPosition: '0' };

export function positionOf(event: { transactionId: string; globalPosition: string }): LogPosition {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}
