/**
 * Organization mode: the message that announces a change of a target's reach (an account-Region
 * the monitor cannot read any more, or can read again), once per change. Pure.
 */
import type { ChatNotification } from './chat';
import { MAX_CHAT_DESCRIPTION } from './chat';
import { safeSubject } from './email';
import { accountLabel } from './words';

/** Why a target cannot be read: an `UnreachableCause`, or the management account's missing member stack. */
export type ReachCause = 'assume-refused' | 'reads-denied' | 'region-disabled' | 'not-deployed';

/** One announcement: an account, the Regions that changed the same way, and why. */
export interface ReachChange {
  readonly direction: 'down' | 'up';
  readonly account: { readonly id: string; readonly name?: string };
  /** With the cause each went down for (when up: the one it had). */
  readonly regions: readonly { readonly region: string; readonly cause?: string; readonly since?: number }[];
}

/** The announcement as published: `region` lists every Region (an SNS `String.Array` attribute). */
export interface ReachAlert {
  readonly subject: string;
  readonly message: string;
  readonly attributes: {
    readonly account_id: string;
    readonly region: readonly string[];
    readonly status: 'UNREACHABLE' | 'REACHABLE';
  };
  /** The same announcement as a chat card (an Amazon Q Developer custom notification). */
  readonly chat: ChatNotification;
}

/** What the announcement needs to say what to do. */
export interface ReachContext {
  readonly organizationId: string;
  readonly rolePrefix: string;
  readonly centralAccountId: string;
  readonly centralRegion: string;
  /** The member stack must forward what the central rule takes: `task` when it reports tasks. */
  readonly reporting?: 'execution' | 'task';
}

const SHORT: Record<ReachCause, string> = {
  'assume-refused': 'read role missing or refused',
  'reads-denied': 'SSM reads denied',
  'region-disabled': 'Region not enabled',
  'not-deployed': 'member stack not deployed',
};

function isCause(cause: string | undefined): cause is ReachCause {
  return cause !== undefined && Object.hasOwn(SHORT, cause);
}

/** The member stack's deploy command for the management account, one line per Region. */
export function memberDeployCommands(context: ReachContext, regions: readonly string[]): string[] {
  const keys = [
    `-c organizationId=${context.organizationId}`,
    `-c centralAccountId=${context.centralAccountId}`,
    `-c centralRegion=${context.centralRegion}`,
    ...(context.rolePrefix === 'MaintenanceWindowMonitor' ? [] : [`-c rolePrefix=${context.rolePrefix}`]),
    ...(context.reporting === 'task' ? ['-c reporting=task'] : []),
  ].join(' ');
  return regions.map(
    (region) => `AWS_REGION=${region} npx cdk deploy MaintenanceWindowMonitorMember ${keys}`,
  );
}

/** What to do, in one line each, for the chat card. */
const NEXT_STEP: Record<ReachCause, string> = {
  'assume-refused':
    'Check the StackSet instance of this account and Region (re-run the central `cdk deploy`), and the SCPs.',
  'reads-denied':
    'Restore the read role from its StackSet instance; check the SCPs and permissions boundaries.',
  'region-disabled': "Enable the Region in the account, or remove it from the monitor's regions.",
  'not-deployed': 'Deploy the member stack in the management account, in each Region:',
};

function what(cause: ReachCause, role: string): string[] {
  switch (cause) {
    case 'assume-refused':
      return [
        `Likely cause: the read role ${role} does not exist there (its StackSet instance failed or was deleted, or`,
        'the account is outside the StackSet), or its trust policy or an SCP refuses sts:AssumeRole from the central',
        'account (STS answers AccessDenied alike for both).',
        'What to do: check the StackSet instance of this account and Region; re-run the central `cdk deploy`, or',
        '`aws cloudformation create-stack-instances --call-as DELEGATED_ADMIN ...` for it; check the SCPs.',
      ];
    case 'reads-denied':
      return [
        `Likely cause: the read role ${role} was assumed, but SSM denies its reads: its policy was changed, or an`,
        'SCP or a permissions boundary denies SSM in this account or Region.',
        'What to do: restore the role from its StackSet instance; check the SCPs.',
      ];
    case 'region-disabled':
      return [
        'Likely cause: the account has not enabled this opt-in Region, so no credentials are valid there.',
        "What to do: enable the Region in the account, or remove it from the monitor's regions if nothing runs there.",
      ];
    case 'not-deployed':
      return [
        "This is the Organization's management account. StackSets never deploy to it, so it has no read role",
        'until you deploy the member stack there. Until then its runs are not reported. It is counted in no',
        'alarm, and this notice is sent once.',
      ];
  }
}

/** The announcement of `change`: one message for the Regions of one account that changed alike. */
export function reachAlert(change: ReachChange, context: ReachContext): ReachAlert {
  const { account, direction } = change;
  const regions = change.regions.map((entry) => entry.region);
  const where = regions.length <= 2 ? regions.join(', ') : `${regions.length} Regions`;
  const causes = [...new Set(change.regions.map((entry) => entry.cause).filter(isCause))];
  const management = causes.length === 1 && causes[0] === 'not-deployed';
  const subject = management
    ? direction === 'down'
      ? `Management account ${account.id} not covered in ${where}: member stack not deployed`
      : `Management account ${account.id} now covered in ${where}`
    : direction === 'down'
      ? `Cannot read ${account.id} in ${where}: ${causes.length === 1 && causes[0] ? SHORT[causes[0]] : 'see causes'}`
      : `Can read ${account.id} in ${where} again`;

  const lines: string[] = [];
  if (direction === 'down') {
    lines.push(
      management
        ? `The monitor does not cover the management account ${accountLabel(account)} in ${regions.join(', ')}.`
        : `The monitor cannot read maintenance window runs in account ${accountLabel(account)}, ` +
            `in ${regions.join(', ')}: their runs are not reported until this is fixed.`,
      '',
    );
    for (const { region, cause, since } of change.regions) {
      lines.push(
        `Account:  ${accountLabel(account)}`,
        `Region:   ${region}`,
        `Cause:    ${isCause(cause) ? SHORT[cause] : (cause ?? 'unknown')}`,
        ...(since !== undefined ? [`Since:    ${new Date(since).toISOString()}`] : []),
        '',
      );
    }
    for (const cause of causes) {
      const causeRegions = change.regions
        .filter((entry) => entry.cause === cause)
        .map((entry) => entry.region);
      const role = `${context.rolePrefix}-Read-${causeRegions.length === 1 ? causeRegions[0] : '<Region>'}`;
      lines.push(...what(cause, role));
      if (cause === 'not-deployed') {
        lines.push(
          'If it runs maintenance windows, deploy the member stack with its credentials, in each Region:',
          ...memberDeployCommands(context, causeRegions).map((command) => `  ${command}`),
        );
      }
      lines.push('');
    }
    lines.push(
      'When it can be read again, a message says so once, and the sweep reports the runs of its look-back',
      'that were not reported. An event that arrived meanwhile was logged by the report function with',
      '"replay" in its message: replay it after the sweep\'s look-back (docs/organization.md, "Replay an event").',
      'This message is sent once for this change, however many sweeps and events meet it.',
    );
  } else {
    lines.push(
      management
        ? `The member stack of the management account ${accountLabel(account)} is deployed in ${regions.join(', ')}: ` +
            'the monitor reads it from now on, and a read role missing there later is alarmed like any other.'
        : `The monitor can read maintenance window runs in account ${accountLabel(account)}, in ${regions.join(', ')}, again.`,
      '',
      ...change.regions.flatMap(({ region, cause, since }) => [
        `Region:   ${region}${isCause(cause) ? ` (was: ${SHORT[cause]}` : ''}${isCause(cause) && since !== undefined ? `, since ${new Date(since).toISOString()})` : isCause(cause) ? ')' : ''}`,
      ]),
      '',
      'The sweep reports the runs of its look-back that were not reported; for an older run, replay its',
      'logged event (docs/organization.md, "Replay an event").',
    );
  }
  return {
    subject: safeSubject(subject),
    message: `${lines.join('\n')}\n`,
    chat: reachChatCard(change, context, safeSubject(subject), causes),
    attributes: {
      account_id: account.id,
      // A filter policy on region matches a message when any of its Regions matches.
      region: regions,
      status: direction === 'down' ? 'UNREACHABLE' : 'REACHABLE',
    },
  };
}

/** The announcement as a chat card: who, where and why in short, and what to do. */
function reachChatCard(
  change: ReachChange,
  context: ReachContext,
  subject: string,
  causes: readonly ReachCause[],
): ChatNotification {
  const { account, direction } = change;
  const regions = change.regions.map((entry) => entry.region);
  const lines = [
    `*${subject}*`,
    direction === 'down'
      ? `Runs of account ${accountLabel(account)} there are not reported until this is fixed.`
      : `Runs of account ${accountLabel(account)} there are reported again.`,
    ...change.regions.map(({ region, cause, since }) => {
      const why = isCause(cause) ? SHORT[cause] : (cause ?? 'unknown');
      const when = since !== undefined ? ` since ${new Date(since).toISOString()}` : '';
      return direction === 'down' ? `• ${region}: ${why}${when}` : `• ${region} (was: ${why}${when})`;
    }),
  ];
  let description = lines.join('\n');
  if (description.length > MAX_CHAT_DESCRIPTION)
    description = `${description.slice(0, MAX_CHAT_DESCRIPTION - 1)}…`;
  const replay =
    'Replay events logged meanwhile (report function logs, "replay") that the sweep\'s look-back no longer covers (docs/organization.md, "Replay an event").';
  const nextSteps =
    direction === 'down'
      ? [
          ...causes.flatMap((cause) => [
            NEXT_STEP[cause],
            ...(cause === 'not-deployed'
              ? memberDeployCommands(
                  context,
                  change.regions.filter((entry) => entry.cause === cause).map((entry) => entry.region),
                ).map((command) => `\`${command}\``)
              : []),
          ]),
          replay,
        ]
      : ['The sweep reports the runs of its look-back that were not reported.', replay];
  const status = direction === 'down' ? 'UNREACHABLE' : 'REACHABLE';
  return {
    version: '1.0',
    source: 'custom',
    id: `reach/${account.id}/${regions.join(',')}/${direction}`,
    content: {
      textType: 'client-markdown',
      title: subject,
      description,
      nextSteps,
      keywords: [account.id, ...regions, status],
    },
    metadata: {
      threadId: `reach/${account.id}`,
      summary: subject,
      eventType: 'MaintenanceWindowMonitorReach',
      relatedResources: regions.map((region) => `${account.id}/${region}`),
      additionalContext: { accountId: account.id, regions: regions.join(','), status },
    },
  };
}
