/**
 * The reach of an AWS Organization, from its central account: the functions read SSM in the member
 * accounts through their read roles, the rule listens on a central bus the members forward to, the
 * sweep is planned per account and queued, and a StackSet deploys the member side. Its own alarms,
 * dashboard rows and stack outputs come with it.
 */
import { CfnOutput, type CfnStackSet, Fn } from 'aws-cdk-lib';
import { readRoleName } from '../../contract';
import { notifying } from '../alarms';
import { SWEEP_TIMEOUT } from '../monitor-function';
import { DEFAULTS } from '../props';
import { deadLetterQueue, sweepQueue } from '../storage';
import type { BoundReach, BuiltReach, ReachParts, ReachScope } from './binding';
import {
  addSweepEventSource,
  centralRoleName,
  createCentralBus,
  createSweepPlanner,
  grantMemberRead,
  organizationEnvironment,
} from './central';
import { createMemberStackSet } from './member-stack-set';
import { createOrganizationAlarms, type OrganizationAlarms, organizationRows } from './organization-alarms';
import type { ResolvedOrganization } from './organization-options';

/** Binds an Organization reach (its options resolved and checked) to the monitor. */
export function bindOrganizationReach({ scope }: ReachScope, organization: ResolvedOrganization): BoundReach {
  return {
    metricMode: organization.metricDetail,
    environment: organizationEnvironment(organization),
    reportRoleName: centralRoleName(scope, organization.rolePrefix, 'Report'),
    sweep: {
      description:
        'Reports maintenance window executions whose event never arrived, one member account at a time',
      roleName: centralRoleName(scope, organization.rolePrefix, 'Sweep'),
      // Taken from the sweep queue: a failed assignment is received again, then dead-lettered.
      handler: 'sweepAccount',
    },
    grantRead: (role) => grantMemberRead(role, organization),
    // Opt-in: it lets the central account read command output in every member account.
    failureCauses: DEFAULTS.failureCauses.organization,
    // Causes are read through the member read roles, which the StackSet grants the reads when asked.
    grantCauseRead: () => {},
    starReason:
      'cloudwatch:PutMetricData takes only "*" and is narrowed by the cloudwatch:namespace condition.',
    // The sweep lists windows in the member accounts, with their read roles.
    grantSweepRead: () => {},
    build: (parts) => buildCentral(scope, organization, parts),
  };
}

/** The central parts: the bus, the sweep planned per account, and what watches and deploys them. */
function buildCentral(
  scope: ReachScope['scope'],
  organization: ResolvedOrganization,
  parts: ReachParts,
): BuiltReach {
  const { sweepFunction } = parts;
  // A worker container sweeps many accounts in turn: V8 left to itself lets garbage pile up
  // to 277 MB by the 100th account (docs/BENCHMARKS.md); a heap of half the memory keeps it
  // flat, well inside the function's memory.
  sweepFunction.addEnvironment('NODE_OPTIONS', `--max-old-space-size=${Math.floor(parts.memorySize / 2)}`);
  const deadLetters = deadLetterQueue(
    scope,
    'SweepDeadLetterQueue',
    'the sweep queue redrives assignments that failed five times to it',
  );
  const queue = sweepQueue(scope, deadLetters, SWEEP_TIMEOUT);
  addSweepEventSource(sweepFunction, queue, organization);
  const bus = createCentralBus(scope, organization);
  const planner = createSweepPlanner(scope, {
    organization,
    queue,
    logRetention: parts.logRetention,
    logLevel: parts.logLevel,
  });
  // Set by alarms() and deploy(), which the monitor calls before its stack reads the outputs.
  let alarms!: OrganizationAlarms;
  let stackSet!: CfnStackSet;
  return {
    centralEventBus: bus,
    sweepQueue: queue,
    sweepDeadLetterQueue: deadLetters,
    sweepPlannerFunction: planner,
    sweepPlannerFunctionLogGroup: planner.logGroup,
    sweepTrigger: planner,
    eventBus: bus,
    alarms(metrics, topics) {
      alarms = createOrganizationAlarms(scope, metrics, {
        sweepDeadLetterQueue: deadLetters,
        sweepPlanner: planner,
        readRoleName: readRoleName(organization.rolePrefix, '<Region>'),
      });
      // Not the unreachable targets' alarm: the function announces each target that becomes
      // unreachable, by name, once (ADR 0009); an alarm could name none, and would stay in ALARM,
      // silent, while any one target is unreachable.
      const { unreachableTargets: _announcedByTheFunction, ...notifyingAlarms } = alarms;
      for (const alarm of Object.values(notifyingAlarms)) notifying(alarm, topics);
      return alarms;
    },
    dashboardRows: (metrics, period) =>
      organizationRows(metrics, period, { sweepQueue: queue, sweepDeadLetterQueue: deadLetters }),
    deploy() {
      stackSet = createMemberStackSet(scope, {
        organization,
        reporting: parts.reporting,
        failureCauses: parts.failureCauses,
        centralBus: bus,
        planner,
      });
      // Members forward as soon as their stacks exist: the bus's policy must let them.
      stackSet.node.addDependency(bus);
      return stackSet;
    },
    outputs: {
      sweepFunctionDescription: 'Sweeps one member account per message of the sweep queue',
      addTo(stack) {
        // Where the members forward, what deploys them, and the sweep's parts.
        new CfnOutput(stack, 'CentralEventBusArn', {
          value: bus.eventBusArn,
          description:
            "The bus the member accounts forward to: the member stack's centralBusArn where the StackSet cannot deploy",
        });
        new CfnOutput(stack, 'MemberStackSetName', {
          value: stackSet.stackSetName,
          description:
            'Deploys the member stack to the accounts and Regions (aws cloudformation list-stack-instances)',
        });
        new CfnOutput(stack, 'MemberStackSetId', { value: stackSet.attrStackSetId });
        new CfnOutput(stack, 'SweepQueueUrl', {
          value: queue.queueUrl,
          description: 'One sweep assignment (a member account and its Regions) per message',
        });
        new CfnOutput(stack, 'SweepPlannerFunctionName', {
          value: planner.functionName,
          description: "Queues the Organization's sweep; invoke it to sweep now",
        });
        new CfnOutput(stack, 'OrganizationAlarmNames', {
          value: Fn.join(
            ', ',
            Object.values(alarms).map((alarm) => alarm.alarmName),
          ),
          description: "Alarms on the monitor's reach into the member accounts, and on its sweep",
        });
      },
    },
  };
}
