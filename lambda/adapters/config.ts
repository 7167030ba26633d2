/**
 * The function's settings, read from its environment once at cold start (the sweep's own on its
 * first run): a missing or malformed value fails loudly, naming the variable.
 */
import {
  ACCOUNT_ID_PATTERN,
  EnvVar,
  FailureCauses,
  LEDGER_RETENTION_DAYS,
  MAX_CAUSE_READS_LIMIT,
  ORGANIZATION_ID_PATTERN,
  OrgMetricDetail,
  REGION_PATTERN,
  ROLE_PREFIX_PATTERN,
} from '../../contract';
import type { AccountRegion } from '../core/account-region';

export interface Config {
  readonly alertTopicArn: string;
  /** The topic Amazon Q Developer channels subscribe to, for chat cards; none without chat. */
  readonly chatTopicArn?: string;
  /** Windows the monitor watches; events of other windows are ignored. All when undefined. */
  readonly windowIds?: readonly string[];
  readonly metricNamespace: string;
  /** The function's region, for console links. */
  readonly region: string;
  /** The partition of the alert topic (`aws`, `aws-cn`, `aws-us-gov`), for console links. */
  readonly partition: string;
  /** The DynamoDB table that records which executions were reported. */
  readonly ledgerTableName: string;
  /** How long a ledger record is kept (its TTL), in seconds. */
  readonly ledgerRetentionSeconds: number;
  /** Organization mode's settings; single-account mode when undefined. */
  readonly organization?: OrganizationConfig;
  /** Reading failed targets' causes for the alert: how many at most per report; none when undefined (`off`). */
  readonly failureCauses?: { readonly maxReads: number };
}

/** Organization mode: whose runs are reported, and how member accounts are read. */
export interface OrganizationConfig {
  readonly organizationId: string;
  /** The Regions the sweep reads. */
  readonly regions: readonly string[];
  /** The prefix of the member read roles' names. */
  readonly rolePrefix: string;
  /** The central account and Region: where this function runs. */
  readonly home: AccountRegion;
  readonly metricDetail: OrgMetricDetail;
}

/** What only the sweep needs: read when it first runs, so the event handler does not need them. */
export interface SweepSettings {
  readonly lookbackMinutes: number;
  readonly graceMinutes: number;
  /** What the sweep reports: whole executions, or each task. */
  readonly reporting: 'execution' | 'task';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const DEPLOY_HINT = 'the stack sets it on deploy';

/** A variable's value, trimmed; a missing or blank one fails, naming it. */
export function required(env: NodeJS.ProcessEnv, name: string, hint = DEPLOY_HINT): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is not set; ${hint}`);
  return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, least = 1): number {
  const text = required(env, name);
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) {
    throw new ConfigError(
      `Environment variable ${name} must be a whole number of at least ${least}, got "${text}"`,
    );
  }
  return value;
}

function topicArn(name: string, value: string): RegExpExecArray {
  const arn = TOPIC_ARN.exec(value);
  if (!arn) throw new ConfigError(`Environment variable ${name} must be an SNS topic ARN, got "${value}"`);
  return arn;
}

/** Reads the function's settings once, at cold start; a missing value fails the init loudly. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const alertTopicArn = required(env, EnvVar.AlertTopicArn);
  const arn = topicArn(EnvVar.AlertTopicArn, alertTopicArn);
  const chatTopicArn = env[EnvVar.ChatTopicArn]?.trim() || undefined;
  if (chatTopicArn) topicArn(EnvVar.ChatTopicArn, chatTopicArn);
  // Every event young enough to be reported must find its run's record still there.
  const retentionDays = wholeNumber(env, EnvVar.LedgerRetentionDays, LEDGER_RETENTION_DAYS);
  const windowIds = env[EnvVar.WindowIds]
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  return {
    alertTopicArn,
    ...(chatTopicArn ? { chatTopicArn } : {}),
    ...(windowIds?.length ? { windowIds } : {}),
    metricNamespace: required(env, EnvVar.MetricNamespace),
    region: required(env, 'AWS_REGION', 'the Lambda runtime sets it'),
    partition: arn[1] as string,
    ledgerTableName: required(env, EnvVar.LedgerTableName),
    ledgerRetentionSeconds: retentionDays * 86_400,
    ...(env[EnvVar.OrganizationId]?.trim() ? { organization: readOrganization(env) } : {}),
    ...readFailureCauses(env),
  };
}

/** Whether the alert reads failure causes, and how many per report: both set by the stack, always. */
function readFailureCauses(env: NodeJS.ProcessEnv): Pick<Config, 'failureCauses'> {
  const mode = required(env, EnvVar.FailureCauses);
  const modes = Object.values(FailureCauses) as string[];
  if (!modes.includes(mode)) {
    throw new ConfigError(
      `Environment variable ${EnvVar.FailureCauses} must be one of ${modes.join(', ')}, got "${mode}"`,
    );
  }
  const maxReads = wholeNumber(env, EnvVar.MaxCauseReads);
  if (maxReads > MAX_CAUSE_READS_LIMIT) {
    throw new ConfigError(
      `Environment variable ${EnvVar.MaxCauseReads} must be at most ${MAX_CAUSE_READS_LIMIT}, got "${maxReads}"`,
    );
  }
  return mode === FailureCauses.Off ? {} : { failureCauses: { maxReads } };
}

function matching(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, shape: string): string {
  const value = required(env, name);
  if (!pattern.test(value)) {
    throw new ConfigError(`Environment variable ${name} must be ${shape}, got "${value}"`);
  }
  return value;
}

/** Organization mode's Regions (the functions' and the planner's), each checked. */
export function readRegions(env: NodeJS.ProcessEnv): string[] {
  const regions = required(env, EnvVar.OrganizationRegions)
    .split(',')
    .map((region) => region.trim());
  const notRegions = regions.filter((region) => !REGION_PATTERN.test(region));
  if (notRegions.length > 0) {
    throw new ConfigError(
      `Environment variable ${EnvVar.OrganizationRegions} must list Regions, got ${notRegions.map((r) => `"${r}"`).join(', ')}`,
    );
  }
  return regions;
}

/** Organization mode's settings, all required once `ORGANIZATION_ID` is set. */
function readOrganization(env: NodeJS.ProcessEnv): OrganizationConfig {
  const regions = readRegions(env);
  const detail = required(env, EnvVar.OrgMetricDetail);
  const details = Object.values(OrgMetricDetail) as string[];
  if (!details.includes(detail)) {
    throw new ConfigError(
      `Environment variable ${EnvVar.OrgMetricDetail} must be one of ${details.join(', ')}, got "${detail}"`,
    );
  }
  return {
    organizationId: matching(
      env,
      EnvVar.OrganizationId,
      ORGANIZATION_ID_PATTERN,
      'an Organization ID (o-...)',
    ),
    regions,
    rolePrefix: matching(env, EnvVar.RolePrefix, ROLE_PREFIX_PATTERN, 'a role name prefix'),
    home: {
      accountId: matching(env, EnvVar.CentralAccountId, ACCOUNT_ID_PATTERN, 'a 12-digit account ID'),
      region: required(env, 'AWS_REGION', 'the Lambda runtime sets it'),
    },
    metricDetail: detail as OrgMetricDetail,
  };
}

/** Reads the sweep's settings; a missing or malformed one fails the sweep loudly. */
export function readSweepSettings(env: NodeJS.ProcessEnv): SweepSettings {
  const reporting = required(env, EnvVar.Reporting);
  if (reporting !== 'execution' && reporting !== 'task') {
    throw new ConfigError(
      `Environment variable ${EnvVar.Reporting} must be execution or task, got "${reporting}"`,
    );
  }
  return {
    lookbackMinutes: wholeNumber(env, EnvVar.SweepLookbackMinutes),
    graceMinutes: wholeNumber(env, EnvVar.SweepGraceMinutes, 0),
    reporting,
  };
}

/** What the planner reads from its environment. */
export interface PlannerSettings {
  /** The queue of sweep assignments. */
  readonly queueUrl: string;
  readonly regions: readonly string[];
  /** The roots or organizational units whose accounts (in them and in their units) are swept; all when undefined. */
  readonly organizationalUnitIds?: readonly string[];
}

/** The planner's settings; a missing or malformed one fails, naming it. */
export function readPlannerSettings(env: NodeJS.ProcessEnv): PlannerSettings {
  const units = env[EnvVar.OrganizationalUnitIds]?.trim();
  return {
    queueUrl: required(env, EnvVar.SweepQueueUrl),
    regions: readRegions(env),
    ...(units ? { organizationalUnitIds: units.split(',').map((unit) => unit.trim()) } : {}),
  };
}
