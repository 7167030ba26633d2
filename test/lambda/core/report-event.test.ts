/**
 * Reporting one event with real SDK clients: SSM, CloudWatch and SNS on the local AWS endpoint,
 * the ledger on dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerKey } from '../../../lambda/adapters/ledger';
import { type ReportDeps, reportEvent } from '../../../lambda/core/report-event';
import { sweepAccountRegion } from '../../../lambda/core/sweep';
import { taskExecution, windowExecution } from '../../../tools/fixtures';
import type { FakeWindowExecution } from '../../../tools/local-aws';
import { type TestClock, testClock } from '../../support/clock';
import {
  clientConfig,
  createdAt,
  deps,
  dynamo,
  fake,
  logs,
  nextWindowId,
  options,
  published,
  ran,
  TOPIC_ARN,
  table,
  useLocalReport,
} from '../../support/local-report';
import { HOME } from '../../support/records';

useLocalReport();

describe('reportEvent', () => {
  const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:chat';

  function eventOf(
    execution: FakeWindowExecution,
    status: 'SUCCESS' | 'TIMED_OUT' | 'CANCELLED' = 'SUCCESS',
  ) {
    return {
      kind: 'execution' as const,
      windowId: execution.windowId,
      windowExecutionId: execution.windowExecutionId,
      status,
      endTime: new Date(createdAt + 2_000),
      accountRegion: HOME,
    };
  }

  function metricValues(call: { input: Record<string, unknown> } | undefined): Record<string, number> {
    const data = (call?.input.MetricData ?? []) as {
      MetricName: string;
      Dimensions: unknown[];
      Value: number;
    }[];
    return Object.fromEntries(
      data
        .filter((datum) => datum.Dimensions.length === 0 || datum.MetricName === 'ExecutionsCompleted')
        .map((datum) => [datum.MetricName, datum.Value]),
    );
  }

  it('counts what finished of a run cut off with invocations still running, and the rest once they finish', async () => {
    // Prepare: the run timed out while 3 of its 10 targets were still being patched
    const task = taskExecution('RUN_COMMAND', { SUCCESS: 5, FAILED: 2, IN_PROGRESS: 2, PENDING: 1 });
    const execution = windowExecution([task], nextWindowId(), {
      status: 'TIMED_OUT',
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(execution);
    const key = ledgerKey(execution.windowExecutionId);

    // Act: the event arrives; later the 3 finish (1 more failure); then two sweeps run (causes read)
    const withCauses = { ...deps, config: { ...deps.config, failureCauses: { maxReads: 50 } } };
    const first = await reportEvent(eventOf(execution, 'TIMED_OUT'), withCauses);
    const finished = task.invocations.map((invocation, i) =>
      invocation.Status === 'IN_PROGRESS' || invocation.Status === 'PENDING'
        ? { ...invocation, Status: i % 2 === 0 ? ('FAILED' as const) : ('SUCCESS' as const) }
        : invocation,
    );
    const failedLater = finished.filter((i) => i.Status === 'FAILED').length - 2;
    fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });
    const swept = await sweepAccountRegion(withCauses, options({ windowIds: [execution.windowId] }));
    const sweptAgain = await sweepAccountRegion(withCauses, options({ windowIds: [execution.windowId] }));

    // Assess
    expect(first).toEqual({
      total: 7,
      failed: 2,
      timedOut: 0,
      cancelled: 0,
      tasks: 1,
      running: 3,
      alertMessageId: expect.any(String),
    });
    expect(swept.reported).toEqual([key]);
    expect(sweptAgain).toMatchObject({ reported: [], alreadyReported: 1 });
    const [whatFinished, theRest, ...more] = published(execution);
    expect(more).toEqual([]);
    expect(metricValues(whatFinished)).toEqual({
      FailedInvocations: 2,
      TimedOutInvocations: 0,
      CancelledInvocations: 0,
      Invocations: 7,
      ExecutionsCompleted: 1,
    });
    // Only what finished since: the heartbeat and the first 7 are not published again.
    expect(metricValues(theRest)).toEqual({
      FailedInvocations: failedLater,
      TimedOutInvocations: 0,
      CancelledInvocations: 0,
      Invocations: 3,
    });
    expect(fake.published.map((message) => message.subject)).toEqual([
      `Maintenance window ${execution.windowId}: 2 failed, 0 timed out of 7 targets`,
      `Update: maintenance window ${execution.windowId}: ${2 + failedLater} failed, 0 timed out of 10 targets`,
    ]);
    expect(fake.published[0]?.message).toContain('Still running:     3');
    // Both alerts show the causes; the reads that found nothing are counted once, with the first.
    expect(fake.published.every((message) => message.message.includes('Causes ('))).toBe(true);
    const unread = (call: typeof whatFinished) =>
      ((call?.input.MetricData ?? []) as { MetricName: string }[]).filter(
        (datum) => datum.MetricName === 'CausesUnavailable',
      );
    expect(unread(whatFinished).length).toBeGreaterThan(0);
    expect(unread(theRest)).toEqual([]);
  });

  it('leaves a run whose last invocations finished cleanly without an update alert', async () => {
    // Prepare: alerted for 1 failure while 2 invocations still ran; both then succeed
    const task = taskExecution('AUTOMATION', { FAILED: 1, IN_PROGRESS: 2 });
    const execution = windowExecution([task], nextWindowId(), {
      status: 'CANCELLED',
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(execution);
    await reportEvent(eventOf(execution, 'CANCELLED'), deps);
    const finished = task.invocations.map((i) =>
      i.Status === 'IN_PROGRESS' ? { ...i, Status: 'SUCCESS' as const } : i,
    );
    fake.addWindowExecution({ ...execution, tasks: [{ ...task, invocations: finished }] });

    // Act
    const swept = await sweepAccountRegion(deps, options({ windowIds: [execution.windowId] }));

    // Assess
    expect(swept.reported).toEqual([ledgerKey(execution.windowExecutionId)]);
    expect(fake.published).toHaveLength(1);
    expect(published(execution)).toHaveLength(2);
  });

  it('sends the alert as text with attributes subscribers receive, and the chat card to the chat topic', async () => {
    // Prepare
    fake.addTopic(CHAT_TOPIC_ARN);
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 3, TIMED_OUT: 1 });
    const chatDeps = { ...deps, config: { ...deps.config, chatTopicArn: CHAT_TOPIC_ARN } };

    // Act
    const result = await reportEvent(eventOf(execution), chatDeps);
    const again = await reportEvent(eventOf(execution), chatDeps);

    // Assess
    expect(again).toEqual({ duplicate: true });
    const [alert, card, ...more] = fake.published;
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      topicArn: TOPIC_ARN,
      messageId: (result as { alertMessageId: string }).alertMessageId,
    });
    expect(alert?.variants).toBeUndefined();
    expect(alert?.deliveredAttributes).toEqual({
      window_id: { DataType: 'String', StringValue: execution.windowId },
      status: { DataType: 'String', StringValue: 'TIMED_OUT' },
      execution_status: { DataType: 'String', StringValue: 'SUCCESS' },
    });
    expect(card?.topicArn).toBe(CHAT_TOPIC_ARN);
    expect(JSON.parse(card?.message ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: alert?.subject },
    });
  });

  it('resumes a delivery that died after the alert and before completing, sending nothing again', async () => {
    // Prepare: the first delivery's completion fails (a crash between the last step and the end)
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 2 });
    const crashing: Ledger = Object.create(deps.ledger);
    crashing.complete = async () => {
      throw new Error('the function timed out');
    };

    // Act
    const first = reportEvent(eventOf(execution), { ...deps, ledger: crashing });
    await expect(first).rejects.toThrow('the function timed out');
    const retry = await reportEvent(eventOf(execution), deps);

    // Assess
    expect(retry).toMatchObject({ failed: 2 });
    expect(published(execution)).toHaveLength(1);
    expect(fake.published).toHaveLength(1);
    expect(logs.map((log) => log.message)).toEqual(
      expect.arrayContaining([
        'Metrics were published by an earlier attempt; not publishing them again',
        'The alert was sent by an earlier attempt; not sending it again',
      ]),
    );
    expect(await deps.ledger.completed([ledgerKey(execution.windowExecutionId)])).toEqual(
      new Set([ledgerKey(execution.windowExecutionId)]),
    );
  });

  it('reads the causes for the alert once, its unread ones in the metrics request, and none again on a resumed delivery', async () => {
    // Prepare: causes on; one failed target ran (its command is no longer kept), one timed out
    // before it was delivered
    const task = taskExecution(
      'RUN_COMMAND',
      { SUCCESS: 5, FAILED: 1, TIMED_OUT: 1 },
      {
        invocationDetails: { FAILED: 'Failed', TIMED_OUT: 'DeliveryTimedOut' },
      },
    );
    const execution = windowExecution([task], nextWindowId(), {
      startTime: new Date(createdAt + 1_000),
      endTime: new Date(createdAt + 2_000),
    });
    fake.addWindowExecution(execution);
    const withCauses = { ...deps, config: { ...deps.config, failureCauses: { maxReads: 50 } } };
    const crashing: Ledger = Object.create(deps.ledger);
    crashing.complete = async () => {
      throw new Error('the function timed out');
    };

    // Act: the first delivery dies before completing; its retry resumes
    await expect(reportEvent(eventOf(execution), { ...withCauses, ledger: crashing })).rejects.toThrow();
    const retry = await reportEvent(eventOf(execution), withCauses);

    // Assess: one read (the undelivered target needs none), before the metrics, which say it
    // found nothing; the alert shows both causes; the retry read nothing
    expect(retry).toMatchObject({ failed: 1, timedOut: 1 });
    expect(fake.callsTo('ssm', 'ListCommandInvocations')).toHaveLength(1);
    const [metrics] = fake.callsTo('monitoring', 'PutMetricData');
    expect(((metrics?.input.MetricData ?? []) as { MetricName: string }[]).at(-1)).toMatchObject({
      MetricName: 'CausesUnavailable',
      Dimensions: [{ Name: 'Reason', Value: 'Expired' }],
      Value: 1,
    });
    expect(fake.published).toHaveLength(1);
    expect(fake.published[0]?.message).toContain('Causes (2 targets did not succeed; all examined):');
    expect(fake.published[0]?.message).toContain('output no longer kept');
    expect(fake.published[0]?.message).toContain('not delivered: node unreachable');
  });

  it('still fails with the first error when the lease cannot be given back, which then expires by itself', async () => {
    // Prepare: SNS refuses the alert, and the ledger refuses to release the lease
    const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 2 });
    const stuck: Ledger = Object.create(deps.ledger);
    stuck.release = async () => {
      throw new Error('DynamoDB is unavailable');
    };
    fake.failEveryNth({ everyNth: 1, service: 'sns', error: { code: 'InternalError', statusCode: 500 } });

    // Act
    const delivery = reportEvent(eventOf(execution), { ...deps, ledger: stuck });

    // Assess
    await expect(delivery).rejects.toMatchObject({ name: 'InternalErrorException' });
    expect(logs).toContainEqual({
      message: 'Could not release the lease; it expires by itself',
      extra: { error: 'Error: DynamoDB is unavailable' },
    });
  });

  describe('when the ledger fails right after a publish', () => {
    let flaky: ReportDeps;
    let clock: TestClock;

    beforeEach(() => {
      // The ledger's DynamoDB calls go through the local endpoint, which can fail them on cue.
      fake.forwardDynamoDb(dynamo.endpoint);
      clock = testClock();
      flaky = {
        ...deps,
        ledger: new Ledger(new DynamoDBClient(clientConfig()), table, 17 * 86_400),
        clock,
      };
    });

    it.each([
      ['the metrics', { service: 'monitoring' as const, operation: 'PutMetricData' }],
      ['the alert', { service: 'sns' as const, operation: 'Publish' }],
    ])(
      'keeps trying to record %s while the lease lasts, so a retry does not publish it again',
      async (what, after) => {
        // Prepare: DynamoDB fails 4 calls in a row right after the publish
        const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
        fake.failAfter({ after, service: 'dynamodb', calls: 4 });

        // Act
        const result = await reportEvent(eventOf(execution), flaky);
        const retry = await reportEvent(eventOf(execution), flaky);

        // Assess
        expect(result).toMatchObject({ failed: 1 });
        expect(retry).toEqual({ duplicate: true });
        expect(published(execution)).toHaveLength(1);
        expect(fake.published).toHaveLength(1);
        expect(clock.waits).toEqual([250, 500, 1_000, 2_000]);
        expect(
          logs.filter((log) => log.message.startsWith(`Published ${what}, but could not record it yet`)),
        ).toHaveLength(4);
      },
    );

    it('does not retry a refusal that will not go away, and says what a retry will repeat', async () => {
      // Prepare: the ledger's role lost its DynamoDB access right after the publish
      const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
      fake.failAfter({
        after: { service: 'monitoring', operation: 'PutMetricData' },
        service: 'dynamodb',
        calls: 1,
        error: { code: 'AccessDeniedException', statusCode: 400 },
      });

      // Act
      const failed = reportEvent(eventOf(execution), flaky);

      // Assess
      await expect(failed).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(clock.waits).toEqual([]);
      expect(logs.map((log) => log.message)).toContain(
        'Published the metrics, but the ledger refused to record it: a retry of this event will publish the metrics again',
      );
    });

    it('gives up when the lease runs out, saying loudly what a retry will repeat', async () => {
      // Prepare: no time left in the lease
      const execution = ran(1_000, 'SUCCESS', { SUCCESS: 5, FAILED: 1 });
      fake.failAfter({
        after: { service: 'monitoring', operation: 'PutMetricData' },
        service: 'dynamodb',
        calls: 2,
      });
      const late = { ...flaky, delivery: { ...flaky.delivery, deadline: () => Date.now() } };

      // Act
      const failed = reportEvent(eventOf(execution), late);

      // Assess
      await expect(failed).rejects.toMatchObject({ name: 'InternalServerError' });
      expect(logs.map((log) => log.message)).toContain(
        'Published the metrics, but could not record it in the ledger while the lease lasted: a retry of this event will publish the metrics again',
      );
      expect(fake.published).toHaveLength(0);
    });
  });
});
