/**
 * What a sweep of an assignment's Regions keeps of their reach, with real SDK clients (STS, SSM
 * per account and Region, CloudWatch and SNS on the local AWS endpoint, the ledger on dynalite):
 * changes of reach recorded and announced once, the event path's sweep-only runs counted, and the
 * sweep going on when this bookkeeping fails. Only an Organization's sweep keeps it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../../lambda/adapters/ledger';
import { systemClock } from '../../../lambda/clock';
import type { ReportDeps } from '../../../lambda/core/report-event';
import { sweepAccount } from '../../../lambda/core/sweep';
import {
  memberAccountId,
  seedOrganization,
  taskExecution,
  windowExecution,
  windowId,
} from '../../../tools/fixtures';
import {
  accountOptions,
  createdAt,
  dynamo,
  fake,
  logs,
  memberReader,
  orgDeps,
  ROLE_PREFIX,
  table,
  useLocalReport,
} from '../../support/local-report';

useLocalReport();

let org: ReportDeps;
beforeEach(() => {
  // Every seeded run started before the ledger existed and ended just after: the sweep reports it.
  seedOrganization(fake, {
    accounts: 2,
    regions: ['us-east-1', 'eu-west-1'],
    endTime: new Date(createdAt + 1_000),
  });
  org = orgDeps;
});

describe('sweepAccount, the event path', () => {
  it('says an event path is broken once two runs in a row came only through the sweep', async () => {
    const assignment = { accountId: memberAccountId(1), regions: ['us-east-1'] };
    const scope = `${memberAccountId(1)}:us-east-1`;
    await org.ledger.recordReportedBy(scope, 'sweep');

    const outcome = await sweepAccount(assignment, org, accountOptions());

    expect(outcome.eventPathBroken).toEqual(['us-east-1']);
    expect(
      fake.metricData.filter((datum) => datum.name === 'EventPathBrokenTargets').map((datum) => datum.value),
    ).toEqual([1]);
    // An event delivered for the target starts the count over.
    expect(await org.ledger.recordReportedBy(scope, 'event')).toBe(0);
  });
});

describe('sweepAccount, changes of reach', () => {
  const account = memberAccountId(2);
  const role = `${ROLE_PREFIX}-Read-eu-west-1`;
  const scope = `${account}:eu-west-1`;
  const assignment = { accountId: account, regions: ['us-east-1', 'eu-west-1'] };
  const subjects = () =>
    fake.published.map((message) => message.subject).filter((s) => !s?.startsWith('Window'));

  it('announces a Region that cannot be read once, and keeps its record from expiring while it stays so', async () => {
    // Prepare: the first sweep ran ten days ago, so its record is past half its time to live.
    fake.removeRole(account, role);
    const tenDaysAgo = { ...systemClock, now: () => Date.now() - 10 * 86_400_000 };
    const earlier = { ...org, ledger: new Ledger(dynamo.client, table, 17 * 86_400, tenDaysAgo) };
    const first = await sweepAccount(assignment, earlier, accountOptions());
    const agedExpiry = (await org.ledger.reachability([scope])).get(scope)?.expiresAt ?? 0;

    // Act
    const second = await sweepAccount(assignment, org, accountOptions());

    // Assess
    expect([first.announcements, second.announcements]).toEqual([1, 0]);
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: read role missing or refused`]);
    const kept = (await org.ledger.reachability([scope])).get(scope);
    expect(kept?.reach).toBe('unreachable');
    expect((kept?.expiresAt ?? 0) - agedExpiry).toBeGreaterThan(9 * 86_400);
  });

  it('announces a recovery once, with what it recovered from', async () => {
    // Prepare
    fake.removeRole(account, role);
    await sweepAccount(assignment, org, accountOptions());
    fake.addRole(account, role, { regions: ['eu-west-1'] });
    // A new worker: the refusal the last one remembers does not outlive it.
    org = { ...org, reader: memberReader() };

    // Act
    const recovered = await sweepAccount(assignment, org, accountOptions());
    const quiet = await sweepAccount(assignment, org, accountOptions());

    // Assess
    expect([recovered.announcements, quiet.announcements]).toEqual([1, 0]);
    expect(subjects()).toEqual([
      `Cannot read ${account} in eu-west-1: read role missing or refused`,
      `Can read ${account} in eu-west-1 again`,
    ]);
    expect(fake.published.at(-1)?.message).toContain('eu-west-1 (was: read role missing or refused, since ');
    const state = (await org.ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'reachable' });
    expect(state?.announce).toBeUndefined();
  });

  it('re-sends, once, an unreachable announcement whose publish failed', async () => {
    // Prepare
    fake.removeRole(account, role);
    const lateTopic = 'arn:aws:sns:us-east-1:123456789012:alerts-late-down';
    const failing = { ...org, config: { ...org.config, alertTopicArn: lateTopic } };
    const failed = await sweepAccount(assignment, failing, accountOptions());
    fake.addTopic(lateTopic);

    // Act
    const resent = await sweepAccount(assignment, failing, accountOptions());
    const again = await sweepAccount(assignment, failing, accountOptions());

    // Assess
    expect([failed.announcements, resent.announcements, again.announcements]).toEqual([0, 1, 0]);
    expect(logs.map((log) => log.message)).toContain(
      'Could not announce a change of reach; the next sweep of the account announces it',
    );
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: read role missing or refused`]);
  });

  it("notices once the management account's missing member stack, counts it in no alarm, and announces when it is deployed", async () => {
    // Prepare
    fake.removeRole(account, role);
    const management = { ...assignment, management: true };

    // Act
    const missing = await sweepAccount(management, org, { ...accountOptions(), reporting: 'task' });
    const stillMissing = await sweepAccount(management, org, { ...accountOptions(), reporting: 'task' });
    fake.addRole(account, role, { regions: ['eu-west-1'] });
    // A new worker: the refusal the last one remembers does not outlive it.
    org = { ...org, reader: memberReader() };
    const deployed = await sweepAccount(management, org, { ...accountOptions(), reporting: 'task' });

    // Assess
    expect(missing).toMatchObject({ notDeployed: ['eu-west-1'], unreachable: [], announcements: 1 });
    expect(stillMissing).toMatchObject({ notDeployed: ['eu-west-1'], announcements: 0 });
    expect(deployed).toMatchObject({ notDeployed: [], announcements: 1 });
    expect(fake.metricData.filter((datum) => datum.name === 'UnreachableTargets')).toEqual([]);
    expect(subjects()).toEqual([
      `Management account ${account} not covered in eu-west-1: member stack not deployed`,
      `Management account ${account} now covered in eu-west-1`,
    ]);
    const notice = fake.published.find((message) => message.subject?.startsWith('Management account'));
    expect(notice?.message).toContain(
      `  AWS_REGION=eu-west-1 npx cdk deploy MaintenanceWindowMonitorMember -c organizationId=o-a1b2c3d4e5 -c centralAccountId=${fake.centralAccountId} -c centralRegion=us-east-1 -c reporting=task\n`,
    );
    expect(logs.map((log) => log.message)).toContain(
      'The management account has no member stack here: its runs are not reported (no alarm)',
    );
    // The management account's Region that was always readable is recorded as reached.
    const reach = await org.ledger.reachability([`${account}:us-east-1`]);
    expect(reach.get(`${account}:us-east-1`)?.reachedAt).toBeTypeOf('number');
  });

  it('leaves a change another sender is announcing to that sender', async () => {
    // Prepare: an event found the Region unreachable and is announcing it now.
    await org.ledger.markUnreachable(scope, 'assume-refused', 120_000);

    // Act
    const outcome = await sweepAccount(assignment, org, accountOptions());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(subjects()).toEqual([]);
    expect((await org.ledger.reachability([scope])).get(scope)).toMatchObject({
      reach: 'unreachable',
      announce: 'down',
    });
  });

  it('announces neither way a Region that recovered before its unreachable announcement was sent', async () => {
    // Prepare: the sender that won the change died; its lease has ended.
    await org.ledger.markUnreachable(scope, 'assume-refused', -1_000);

    // Act
    const outcome = await sweepAccount(assignment, org, accountOptions());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(subjects()).toEqual([]);
    const state = (await org.ledger.reachability([scope])).get(scope);
    expect(state).toMatchObject({ reach: 'reachable' });
    expect(state?.announce).toBeUndefined();
  });

  it('counts a management Region that was readable before and no longer is as unreachable', async () => {
    // Prepare
    const management = { ...assignment, management: true };
    await sweepAccount(management, org, accountOptions());
    fake.removeRole(account, role);

    // Act
    const outcome = await sweepAccount(management, org, accountOptions());

    // Assess
    expect(outcome).toMatchObject({
      notDeployed: [],
      unreachable: [{ region: 'eu-west-1' }],
      announcements: 1,
    });
    expect(subjects()).toEqual([`Cannot read ${account} in eu-west-1: SSM reads denied`]);
  });
});

describe('sweepAccount, when its bookkeeping fails', () => {
  const account = memberAccountId(1);
  const warnings = () => logs.map((log) => log.message);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('still records and announces a Region gone unreachable when the ledger cannot be read first', async () => {
    // Prepare
    fake.removeRole(account, `${ROLE_PREFIX}-Read-eu-west-1`);
    vi.spyOn(org.ledger, 'reachability').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['eu-west-1'] }, org, accountOptions());

    // Assess
    expect(outcome.announcements).toBe(1);
    expect(warnings()).toContain(
      'Could not read what the ledger knows of the Regions; recoveries are noted next sweep',
    );
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Cannot read ${account} in eu-west-1: read role missing or refused`,
    ]);
  });

  it('still counts an unreachable Region when its change of reach cannot be recorded', async () => {
    // Prepare
    fake.removeRole(account, `${ROLE_PREFIX}-Read-eu-west-1`);
    vi.spyOn(org.ledger, 'markUnreachable').mockRejectedValueOnce(new Error('InternalServerError'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['eu-west-1'] }, org, accountOptions());

    // Assess
    expect(outcome.announcements).toBe(0);
    expect(warnings()).toContain('Could not record or announce changes of reach; the next sweep tries again');
    expect(
      fake.metricData.filter((datum) => datum.name === 'UnreachableTargets').map((d) => d.value),
    ).toEqual([1]);
  });

  it('returns what it swept when the counts or the sweep-only runs cannot be recorded', async () => {
    // Prepare
    fake.removeRole(account, `${ROLE_PREFIX}-Read-eu-west-1`);
    vi.spyOn(org.clients.cloudWatch, 'send').mockRejectedValueOnce(new Error('Throttling'));
    const uncounted = await sweepAccount(
      { accountId: account, regions: ['eu-west-1'] },
      org,
      accountOptions(),
    );
    vi.spyOn(org.ledger, 'recordReportedBy').mockRejectedValueOnce(new Error('Throttling'));

    // Act
    const outcome = await sweepAccount({ accountId: account, regions: ['us-east-1'] }, org, accountOptions());

    // Assess
    expect(uncounted.unreachable.map((target) => target.region)).toEqual(['eu-west-1']);
    expect(outcome).toMatchObject({ swept: ['us-east-1'], reported: 1, eventPathBroken: [] });
    expect(warnings()).toEqual(
      expect.arrayContaining([
        'Could not count the unreachable and broken targets; the logs above name them',
        'Could not record runs that came only through the sweep',
      ]),
    );
  });
});

describe('the event-path count, with per-task reporting', () => {
  it('counts runs, not tasks: one lost run of two tasks is one run that came only through the sweep', async () => {
    const ended = new Date(createdAt + 1_000);
    const run = windowExecution(
      [taskExecution('RUN_COMMAND', { SUCCESS: 3 }), taskExecution('AUTOMATION', { FAILED: 1 })],
      windowId(0x7a5c),
      { startTime: new Date(ended.getTime() - 60_000), endTime: ended },
    );
    fake.addWindowExecution(run, { accountId: memberAccountId(1), region: 'us-east-1' });

    const outcome = await sweepAccount({ accountId: memberAccountId(1), regions: ['us-east-1'] }, org, {
      ...accountOptions(),
      reporting: 'task',
    });

    // Two runs (the seeded one, with one task, and this one, with two): three task reports.
    expect(outcome.reported).toBe(3);
    expect(outcome.eventPathBroken).toEqual(['us-east-1']);
    expect(await org.ledger.recordReportedBy(`${memberAccountId(1)}:us-east-1`, 'sweep')).toBe(3);
  });
});
