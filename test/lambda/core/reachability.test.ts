/**
 * Announcing a change of reach with real SDK clients: SNS on the local AWS endpoint, the ledger on
 * dynalite. Each announcement reaches the alert topic and, when there is one, the chat topic, once.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../../lambda/adapters/ledger';
import { accountRegionScope } from '../../../lambda/core/account-region';
import { type ChatNotification, MAX_CHAT_DESCRIPTION } from '../../../lambda/core/alert/chat';
import {
  ANNOUNCE_LEASE_MS,
  announce,
  noteUnreachable,
  type ReachDeps,
} from '../../../lambda/core/reachability';
import { useLocalAws } from '../../support/local-aws';
import { organizationReach } from '../../support/records';

const ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';
const CHAT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:chat';
const LATE_CHAT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:chat-late';
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };
const SUBJECT = 'Cannot read 111122223333 in eu-west-1: read role missing or refused';

const aws = useLocalAws({ topics: [ALERT_TOPIC, CHAT_TOPIC], forwardDynamoDb: false });
let ledger: Ledger;
let errors: string[];

afterEach(() => {
  vi.restoreAllMocks();
});

beforeEach(async () => {
  aws.fake.clearCalls();
  errors = [];
  ledger = new Ledger(aws.dynamo.client, await aws.dynamo.createLedgerTable(), 17 * 86_400);
});

function deps(chatTopicArn: string): ReachDeps {
  const clientConfig = {
    endpoint: aws.fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
  const log = () => undefined;
  const error = (message: string) => {
    errors.push(message);
  };
  return {
    clients: {
      ssm: new SSMClient(clientConfig),
      cloudWatch: new CloudWatchClient(clientConfig),
      sns: new SNSClient(clientConfig),
    },
    config: {
      alertTopicArn: ALERT_TOPIC,
      chatTopicArn,
      metricNamespace: 'MaintenanceWindowMonitor',
      partition: 'aws',
    },
    reach: organizationReach({ accountId: '123456789012', region: 'us-east-1' }),
    logger: { info: log, warn: error, error },
    ledger,
  };
}

const sentTo = () => aws.fake.published.map((message) => message.topicArn);

describe('announcing a change of reach', () => {
  it('sends the alert and the chat card, each once, however many events meet the change', async () => {
    const withChat = deps(CHAT_TOPIC);

    expect(await noteUnreachable(withChat, TARGET, 'assume-refused')).toBe(true);
    expect(await noteUnreachable(withChat, TARGET, 'assume-refused')).toBe(false);

    expect(sentTo()).toEqual([ALERT_TOPIC, CHAT_TOPIC]);
    expect(aws.fake.published[0]?.subject).toBe(SUBJECT);
    const card = JSON.parse(aws.fake.published[1]?.message ?? '{}') as ChatNotification;
    expect(card).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: SUBJECT },
      metadata: {
        additionalContext: { accountId: TARGET.accountId, regions: 'eu-west-1', status: 'UNREACHABLE' },
      },
    });
    expect(card.content.description).toContain('• eu-west-1: read role missing or refused');
    expect(card.content.nextSteps[0]).toContain('StackSet instance');
  });

  it('sends a card whose publish failed at the next try, without sending the alert again', async () => {
    // The chat topic does not exist yet: its publish fails, the alert's does not.
    const withChat = deps(LATE_CHAT_TOPIC);
    expect(await noteUnreachable(withChat, TARGET, 'assume-refused')).toBe(false);
    expect(sentTo()).toEqual([ALERT_TOPIC]);

    aws.fake.addTopic(LATE_CHAT_TOPIC);
    const scope = accountRegionScope(TARGET);
    const state = await ledger.claimAnnouncement(scope, ANNOUNCE_LEASE_MS);
    expect(state).toMatchObject({ announce: 'down', sentTo: ['alert'] });
    expect(
      await announce(withChat, TARGET.accountId, 'down', [{ region: TARGET.region, state: state ?? {} }]),
    ).toBe(true);

    expect(sentTo()).toEqual([ALERT_TOPIC, LATE_CHAT_TOPIC]);
    expect((await ledger.reachability([scope])).get(scope)?.announce).toBeUndefined();
  });
});

describe('announcing, when a step fails', () => {
  const scope = accountRegionScope(TARGET);
  const noAlertTopic = (chatTopicArn?: string): ReachDeps => {
    const base = deps(chatTopicArn ?? '');
    return { ...base, config: { ...base.config, alertTopicArn: `${ALERT_TOPIC}-missing` } };
  };

  it('gives a change whose publish failed back at once, so the next sweep sends it', async () => {
    // Prepare
    const failing = noAlertTopic();

    // Act
    const announced = await noteUnreachable(failing, TARGET, 'reads-denied');

    // Assess
    expect(announced).toBe(false);
    expect(aws.fake.published).toEqual([]);
    expect(errors).toContain(
      'Could not announce a change of reach; the next sweep of the account announces it',
    );
    // Its lease was given back: a sweep may take it over now, not two minutes later.
    expect(await ledger.claimAnnouncement(scope, ANNOUNCE_LEASE_MS)).toMatchObject({ announce: 'down' });
  });

  it('says so when a failed change cannot be given back', async () => {
    // Prepare
    vi.spyOn(ledger, 'releaseAnnouncement').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));

    // Act
    const announced = await noteUnreachable(noAlertTopic(), TARGET, 'reads-denied');

    // Assess
    expect(announced).toBe(false);
    expect(errors).toContain('Could not give the announcement back; it is free again when its lease ends');
  });

  it('says loudly that a sent announcement may be sent again when it cannot be recorded', async () => {
    // Prepare
    vi.spyOn(ledger, 'announced').mockRejectedValueOnce(new Error('InternalServerError'));
    vi.spyOn(ledger, 'announcedTo').mockRejectedValueOnce(new Error('InternalServerError'));

    // Act
    const announced = await noteUnreachable(deps(CHAT_TOPIC), TARGET, 'assume-refused');

    // Assess
    expect(announced).toBe(true);
    expect(sentTo()).toEqual([ALERT_TOPIC, CHAT_TOPIC]);
    expect(errors).toEqual([
      'Announced a change of reach, but could not record it: it may be announced again',
      'Announced a change of reach, but could not record it: it may be announced again',
    ]);
  });
});

describe('announcing many Regions of one account', () => {
  it('sends one message listing them in order, and a card cut to the size chat accepts', async () => {
    // Prepare: more Regions than a card can list.
    const regions = Array.from({ length: 80 }, (_, i) => `zz-test-${String(80 - i).padStart(2, '0')}`);
    const changes = [];
    for (const region of regions) {
      const state = await ledger.markUnreachable(
        accountRegionScope({ accountId: TARGET.accountId, region }),
        'region-disabled',
        ANNOUNCE_LEASE_MS,
      );
      changes.push({ region, state: state ?? {} });
    }

    // Act
    const announced = await announce(deps(CHAT_TOPIC), TARGET.accountId, 'down', changes);

    // Assess
    expect(announced).toBe(true);
    expect(sentTo()).toEqual([ALERT_TOPIC, CHAT_TOPIC]);
    expect(aws.fake.published[0]?.subject).toBe(
      `Cannot read ${TARGET.accountId} in 80 Regions: Region not enabled`,
    );
    const message = aws.fake.published[0]?.message ?? '';
    expect(message.indexOf('Region:   zz-test-01')).toBeLessThan(message.indexOf('Region:   zz-test-80'));
    const card = JSON.parse(aws.fake.published[1]?.message ?? '{}') as ChatNotification;
    expect(card.content.description).toHaveLength(MAX_CHAT_DESCRIPTION);
    expect(card.content.description.endsWith('…')).toBe(true);
  });
});

describe('naming the account', () => {
  it('names the account by its recorded name, or by its ID when the name cannot be read', async () => {
    // Prepare
    await ledger.recordAccountName(TARGET.accountId, 'payments-prod');
    const other = { accountId: TARGET.accountId, region: 'us-east-1' };

    // Act
    await noteUnreachable(deps(''), TARGET, 'assume-refused');
    vi.spyOn(ledger, 'accountName').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));
    await noteUnreachable(deps(''), other, 'assume-refused');

    // Assess
    expect(aws.fake.published[0]?.message).toContain(`Account:  payments-prod (${TARGET.accountId})`);
    expect(aws.fake.published[1]?.message).toContain(`Account:  ${TARGET.accountId}\n`);
  });
});
