/**
 * What a reach gives the monitor when bound to it: its metric series, the functions' settings and
 * read grants, and, once the functions exist, its own resources, alarms, dashboard rows, deployment
 * and stack outputs. The monitor composes these without asking which reach it has.
 */
import type { CfnStackSet, Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { MetricMode } from '../../contract';
import type { MonitorMetrics } from '../metrics';
import type { MonitorFunction } from '../monitor-function';
import type { FailureCauses, MaintenanceWindowMonitorProps, Reporting } from '../props';
import type { OrganizationAlarms } from './organization-alarms';

/** Where a reach is bound: the monitor, and the props it was given (for combinations it refuses). */
export interface ReachScope {
  readonly scope: Construct;
  readonly props: MaintenanceWindowMonitorProps;
}

/** How the sweep function is set up in this reach. */
export interface SweepSettings {
  readonly description: string;
  /** `sweep` on a schedule, or `sweepAccount` fed by a queue. */
  readonly handler: 'sweep' | 'sweepAccount';
  readonly roleName?: string;
  readonly retryAttempts?: number;
}

/** A bound reach, before the functions exist. */
export interface BoundReach {
  /** Which series the functions publish (`PUBLISHED_SERIES` in the contract). */
  readonly metricMode: MetricMode;
  /** What both functions read beside the monitor's own settings. */
  readonly environment: Readonly<Record<string, string>>;
  /** The report function's role name, when other accounts must know it. */
  readonly reportRoleName?: string;
  readonly sweep: SweepSettings;
  /**
   * Reading a run's tasks, invocations and window name: here, or through the member read roles.
   * @param namedWindows windows whose names may be read; any when undefined
   */
  grantRead(role: iam.Role, namedWindows: readonly string[] | undefined, listTasks: boolean): void;
  /** Whether the monitor reads failure causes here unless `failureCauses` says. */
  readonly failureCauses: FailureCauses;
  /** Reading failure causes: here, or nothing (the member read roles read them). */
  grantCauseRead(role: iam.Role): void;
  /** Why the role's statements on "*" are needed, read and reporting together (cdk-nag). */
  readonly starReason: string;
  /** What the sweep reads beside the report function's reads. */
  grantSweepRead(role: iam.Role): void;
  /** Builds the reach's own resources, once both functions exist. */
  build(parts: ReachParts): BuiltReach;
}

/** What the monitor hands a reach to build on. */
export interface ReachParts {
  readonly sweepFunction: MonitorFunction;
  readonly reporting: Reporting;
  readonly failureCauses: FailureCauses;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: string;
  readonly memorySize: number;
}

/** The monitor's members that belong to a reach; each undefined where the reach has none. */
export interface ReachResources {
  readonly centralEventBus?: events.EventBus;
  readonly sweepPlannerFunction?: lambda.Function;
  readonly sweepPlannerFunctionLogGroup?: logs.ILogGroup;
  readonly sweepQueue?: sqs.Queue;
  readonly sweepDeadLetterQueue?: sqs.Queue;
}

/** A reach's resources, and what it adds to the monitor's alarms, dashboard, deployment and stack. */
export interface BuiltReach extends ReachResources {
  /** What the sweep schedule runs. */
  readonly sweepTrigger: lambda.IFunction;
  /** Where the event rule listens; the default bus when undefined. */
  readonly eventBus?: events.IEventBus;
  /** The reach's alarms, each notifying `topics` unless the function announces it itself. */
  alarms(metrics: MonitorMetrics, topics: readonly sns.ITopic[]): OrganizationAlarms | undefined;
  /** Rows of the dashboard, under the monitor's own. */
  dashboardRows(metrics: MonitorMetrics, period: Duration): cloudwatch.IWidget[][];
  /** What the reach deploys beyond this account and Region, last. */
  deploy(): CfnStackSet | undefined;
  /** Its stack outputs, once deployed. */
  readonly outputs: ReachOutputs;
}

/** The stack outputs of a reach. */
export interface ReachOutputs {
  /** The `SweepFunctionName` output's description. */
  readonly sweepFunctionDescription: string;
  /** Adds the reach's own outputs to `stack`. */
  addTo(stack: Stack): void;
}
