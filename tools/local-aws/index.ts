/**
 * The local AWS endpoint's public API: the server (`LocalAws`), what it records, the faults it
 * injects, the Organization it serves (accounts, roles, STS sessions), the SSM data (maintenance
 * windows, Run Command commands, Automation executions) and Step Functions executions it serves
 * per account and Region, and dynalite for DynamoDB. It knows nothing of the monitor: the product's
 * fixtures (its events, its read roles, a seeded Organization) are in `tools/fixtures`.
 */

export type { MetricDatum } from './cloudwatch';
export {
  type AutomationStatus,
  type CommandInvocationStatus,
  type CommandStepStatus,
  type FakeAutomationExecution,
  type FakeAutomationStep,
  type FakeCommand,
  type FakeCommandInvocation,
  type FakeCommandStep,
  INLINE_STEP_EXECUTIONS,
  MAX_PLUGIN_OUTPUT,
  MAX_STDERR,
  MAX_STDOUT,
} from './commands';
export { type LocalDynamo, startDynamo } from './dynamo';
export type {
  DenyRule,
  FailAfterRule,
  FailEveryNthRule,
  Hold,
  HoldRule,
  InjectedError,
  RateLimit,
  TenantFilter,
} from './faults';
export { LocalOrganizations, type OrganizationalUnit } from './organizations';
export type { ServiceName } from './protocols';
export {
  type CloudFormationResponse,
  LocalAws,
  type LocalAwsOptions,
  type RecordedCall,
  type TenantTarget,
} from './server';
export type { PublishedMessage } from './sns';
export type { SentMessage } from './sqs';
export type {
  FakeInvocation,
  FakeTaskExecution,
  FakeWindow,
  FakeWindowExecution,
  InvocationStatus,
  TaskType,
} from './ssm';
export {
  type ExecutionStatus,
  type FakeStateMachineExecution,
  MAX_CAUSE,
  MAX_ERROR,
} from './stepfunctions';
export type { AssumedRole } from './sts';
export type { AccountStatus, OrganizationAccount, RoleOptions } from './tenancy';
