/**
 * The local AWS endpoint's public API: the server (`LocalAws`), what it records, the faults it
 * injects, the SSM data it serves, dynalite for DynamoDB, and realistic fixtures to seed it with.
 */
export type { MetricDatum } from './cloudwatch';
export { type LocalDynamo, startDynamo } from './dynamo';
export type { FailAfterRule, FailEveryNthRule, InjectedError, RateLimit } from './faults';
export {
  executionEvent,
  type StatusCounts,
  type TaskOptions,
  taskExecution,
  taskExecutionEvent,
  uuid,
  windowExecution,
  windowId,
} from './fixtures';
export type { ServiceName } from './protocols';
export { type CloudFormationResponse, LocalAws, type LocalAwsOptions, type RecordedCall } from './server';
export type { PublishedMessage } from './sns';
export type {
  FakeInvocation,
  FakeTaskExecution,
  FakeWindow,
  FakeWindowExecution,
  InvocationStatus,
  TaskType,
} from './ssm';
