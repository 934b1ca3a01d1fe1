// The step logic of WorkflowRuns, shared by every host that runs them: the workflow-executor
// (durable, over the Postgres log) and the SDK's embedded runtime (in process). A host folds a
// run's events, asks `decide` what comes next, runs `executeStepAttempt` and appends `afterAttempt`.
export * from './run-events';
export * from './run-state';
export * from './run-status';
export * from './step-scheduler';
export * from './step-execution';
export * from './step-invoker';
export * from './input-mapping';
export * from './workflow-step';
export * from './child-runs';
export * from './refused-result';
export * from './agent-step-io';
