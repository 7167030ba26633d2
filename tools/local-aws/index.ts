/**
 * The local AWS endpoint's public API: the server (`LocalAws`), what it records, the faults it
 * injects, the Organization it serves (accounts, roles, STS sessions), the SSM data it serves per
 * account and Region, and dynalite for DynamoDB. It knows nothing of the monitor: the product's
 * fixtures (its events, its read roles, a seeded Organization) are in `tools/fixtures`.
 */

// TODO(lead): repoint scripts (and test/lambda/*, test/package/consumer.test.ts) to
// '../tools/fixtures', then delete this re-export: the product's fixtures live there now.
export {
  executionEvent,
  type MemberEventOptions,
  memberAccountId,
  memberExecutionEvent,
  memberReadRole,
  type OrganizationSpec,
  type SeededTarget,
  type StatusCounts,
  seedOrganization,
  type TaskOptions,
  taskExecution,
  taskExecutionEvent,
  uuid,
  windowExecution,
  windowId,
} from '../fixtures';
export type { MetricDatum } from './cloudwatch';
export { type LocalDynamo, startDynamo } from './dynamo';
export type {
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
export type { AssumedRole } from './sts';
export type { AccountStatus, OrganizationAccount, RoleOptions } from './tenancy';
