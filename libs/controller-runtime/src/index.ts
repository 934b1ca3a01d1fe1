export { WorkQueue, type WorkQueueOptions } from './work-queue';
export { ReconcileLoop, type ReconcileLoopOptions, type ReconcileResult, type LoopOutcome } from './reconcile-loop';
export { parseQueueKey } from './queue-key';
export { Informer, objectKey, splitObjectKey, type InformerOptions, type InformerSource } from './informer';
export { ApiResourceClient, ApiRequestError, type ApiConnection, type ApiWatchEvent, type KindLocation, type WatchEventType } from './api-resource-client';
export { createController, type Controller, type ControllerOptions, type ReconcileRequest } from './create-controller';
export { statusWithCondition, readyStatus, sameJson, type ConditionReport } from './status-conditions';
export { jsonLineLogger, type ControllerLogger } from './controller-logger';
