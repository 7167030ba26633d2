/**
 * The enums the props take, the props' defaults, and the limits they must respect: the one place
 * each default and each limit is written. `resolve-props.ts` applies them.
 */
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  DEFAULT_MAX_CAUSE_READS,
  DEFAULT_METRIC_NAMESPACE,
  DEFAULT_ROLE_PREFIX,
  MAX_CAUSE_READS_LIMIT,
} from '../contract';

/** What one report covers. */
export enum Reporting {
  /** A whole window execution: one report, and at most one alert, per run, covering all its tasks. */
  EXECUTION = 'execution',
  /** Each task execution, as it ends. */
  TASK = 'task',
}

/** The functions' log level (`POWERTOOLS_LOG_LEVEL`). */
export enum LogLevel {
  /** Everything, including each page read. */
  DEBUG = 'DEBUG',
  /** What each report counted and sent. */
  INFO = 'INFO',
  /** Retries, deferred runs and lookups that failed but did not stop a report. */
  WARN = 'WARN',
  /** Only what failed. */
  ERROR = 'ERROR',
}

/** Organization mode: how finely the metrics are split beyond the fleet-wide series. */
export enum OrganizationMetricDetail {
  /** Per account, failures only, and only when something failed (the cheapest). */
  ACCOUNT = 'account',
  /** Also per account and Region. */
  ACCOUNT_REGION = 'account-region',
  /** Also per account, Region and window (a series per window of the Organization: the dearest). */
  ACCOUNT_REGION_WINDOW = 'account-region-window',
}

/**
 * Whether an alert reads why each failed or timed-out target failed (its command's output, its
 * Automation step's or Step Functions execution's error), and groups the targets by cause.
 */
export enum FailureCauses {
  /**
   * One normalized, redacted line per cause, with its number of targets, in the alert and the chat
   * card; the functions' roles (or, in an Organization, the member read roles) may read command
   * output, Automation executions and Step Functions executions.
   */
  SUMMARY = 'summary',
  /** No cause read: no extra call, and no extra permission. */
  OFF = 'off',
}

/** Defaults of the optional props. */
export const DEFAULTS = {
  metricNamespace: DEFAULT_METRIC_NAMESPACE,
  reporting: Reporting.EXECUTION,
  alarmThreshold: 1,
  alarmPeriod: Duration.minutes(5),
  alarmEvaluationPeriods: 1,
  logLevel: LogLevel.INFO,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  memorySize: 256,
  timeout: Duration.minutes(2),
  sweepInterval: Duration.hours(1),
  sweepLookback: Duration.days(1),
  rolePrefix: DEFAULT_ROLE_PREFIX,
  metricDetail: OrganizationMetricDetail.ACCOUNT,
  sweepConcurrency: 10,
  /** Read in one account; opt-in in an Organization (it lets the central account read member output). */
  failureCauses: { account: FailureCauses.SUMMARY, organization: FailureCauses.OFF },
  maxCauseReads: DEFAULT_MAX_CAUSE_READS,
};

/** What the props must respect, and the timings the construct derives from them. */
export const LIMITS = {
  /** The most windows `windowIds` may list: each costs alarms and environment space (see the prop). */
  maxWindowIds: 120,
  /**
   * Windows the rule's event pattern and the roles' policies list by ID. Each costs ~23 characters
   * of EventBridge's 2,048-character pattern and ~70 of IAM's 10,240-character role policies; above
   * this, the rule matches every window and the function filters.
   */
  maxWindowsInPattern: 40,
  /** The failure alarms' period: whole minutes, from 1 minute to 1 day (CloudWatch's range). */
  alarmPeriod: { min: Duration.minutes(1), max: Duration.days(1) },
  /** CloudWatch: periods times evaluation periods at most one day below an hour, seven days from an hour. */
  alarmRange: { shortPeriod: Duration.hours(1), short: Duration.days(1), long: Duration.days(7) },
  /** Lambda's memory range, in MB. */
  memorySize: { min: 128, max: 10_240 },
  timeout: { min: Duration.seconds(30), max: Duration.minutes(15) },
  sweepInterval: { min: Duration.minutes(5), max: Duration.days(1) },
  /**
   * The look-back: at least the interval plus this margin (so that a run that ended during one
   * sweep's grace is still in range at the next), at most 14 days (CloudWatch takes metric data up
   * to two weeks old).
   */
  sweepLookback: { marginOverInterval: Duration.minutes(30), max: Duration.days(14) },
  /** The missed-run alarms' range: whole hours, from 1 hour to 7 days (CloudWatch's longest). */
  expectedRunInterval: { min: Duration.hours(1), max: Duration.days(7) },
  /** The sweep leaves executions that ended this recently to their own event. */
  sweepGrace: Duration.minutes(15),
  /**
   * Organization mode's Regions: every Region of a partition today (about 37 in the commercial
   * one) and room to grow. One sweep message covers all of them in one account, a few at a time,
   * within the sweep's 10 minutes; and each costs up to 24 bytes of the functions' 4 KB
   * environment.
   */
  maxOrganizationRegions: 50,
  /**
   * The sweep queue's maximum concurrency: Lambda's least for an SQS event source is 2; past 100,
   * a sweep of 1,000 accounts is no faster to notice, and the workers would contend for the
   * account's Lambda concurrency (1,000 by default, shared) and the central account's STS quota.
   */
  sweepConcurrency: { min: 2, max: 100 },
  /** IAM's longest role name: the Region suffix of each role name must fit in it. */
  maxRoleNameLength: 64,
  /** The most organizational units a StackSet's CreateStackInstances or UpdateStackSet takes. */
  maxOrganizationalUnits: 50,
  /** Failed targets whose cause one report reads: each read is a call in the run's account-Region. */
  maxCauseReads: { min: 1, max: MAX_CAUSE_READS_LIMIT },
};
