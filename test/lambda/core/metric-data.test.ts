import { describe, expect, it } from 'vitest';
import { metricPayload } from '../../../lambda/core/metric-data';
import { EXECUTION, TASK_EVENT } from '../../support/records';

/** Reporting right as the run ends. */
const AT_END = EXECUTION.endTime.getTime();

describe('metricPayload', () => {
  it('sends failed, timed-out, cancelled and total counts per window and fleet-wide, at the end time', () => {
    // Act
    const payload = metricPayload(
      EXECUTION,
      { total: 9, failed: 1, timedOut: 2, cancelled: 3 },
      'Ops',
      AT_END,
    );

    // Assess
    const window = [{ Name: 'WindowId', Value: EXECUTION.windowId }];
    const datum = (MetricName: string, Dimensions: typeof window, Value: number) => ({
      MetricName,
      Dimensions,
      Timestamp: EXECUTION.endTime,
      Value,
      Unit: 'Count',
    });
    expect(payload).toEqual({
      Namespace: 'Ops',
      MetricData: [
        datum('FailedInvocations', window, 1),
        datum('FailedInvocations', [], 1),
        datum('TimedOutInvocations', window, 2),
        datum('TimedOutInvocations', [], 2),
        datum('CancelledInvocations', window, 3),
        datum('CancelledInvocations', [], 3),
        datum('Invocations', window, 9),
        datum('Invocations', [], 9),
        datum('ExecutionsCompleted', window, 1),
      ],
    });
  });

  it('stamps a run replayed more than two weeks later with the oldest time CloudWatch accepts', () => {
    const now = EXECUTION.endTime.getTime() + 20 * 86_400_000;
    const payload = metricPayload(EXECUTION, { total: 1, failed: 1, timedOut: 0, cancelled: 0 }, 'Ops', now);
    expect(payload.MetricData[0]?.Timestamp).toEqual(new Date(now - 14 * 86_400_000 + 3_600_000));
  });

  it('sends explicit zeros for a clean run', () => {
    const payload = metricPayload(
      EXECUTION,
      { total: 0, failed: 0, timedOut: 0, cancelled: 0 },
      'Ops',
      AT_END,
    );
    expect(payload.MetricData.map((datum) => datum.Value)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('sends no ExecutionsCompleted heartbeat for a skipped or cancelled run', () => {
    for (const status of ['SKIPPED_OVERLAPPING', 'CANCELLED'] as const) {
      const payload = metricPayload(
        { ...EXECUTION, status },
        { total: 0, failed: 0, timedOut: 0, cancelled: 0 },
        'Ops',
        AT_END,
      );
      expect(payload.MetricData.map((datum) => datum.MetricName)).not.toContain('ExecutionsCompleted');
    }
  });

  it('sends no ExecutionsCompleted heartbeat for a single task', () => {
    const payload = metricPayload(
      TASK_EVENT,
      { total: 1, failed: 0, timedOut: 0, cancelled: 0 },
      'Ops',
      AT_END,
    );
    expect(payload.MetricData.map((datum) => datum.MetricName)).not.toContain('ExecutionsCompleted');
  });
});

describe('metricPayload in Organization mode', () => {
  const MEMBER_RUN = { ...EXECUTION, accountRegion: { accountId: '111122223333', region: 'eu-west-1' } };
  const seriesOf = (payload: ReturnType<typeof metricPayload>) =>
    payload.MetricData.map(
      (datum) =>
        `${datum.MetricName}[${datum.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}]=${datum.Value}`,
    );

  it('sends fleet-wide counts, and per account only the failures there were: no per-window series', () => {
    const payload = metricPayload(
      MEMBER_RUN,
      { total: 9, failed: 2, timedOut: 0, cancelled: 1 },
      'Ops',
      AT_END,
      true,
      'account',
    );

    expect(seriesOf(payload)).toEqual([
      'FailedInvocations[AccountId=111122223333]=2',
      'FailedInvocations[]=2',
      'TimedOutInvocations[]=0',
      'CancelledInvocations[]=1',
      'Invocations[]=9',
    ]);
  });

  it('sends nothing per account for a clean run: a series costs as much saying 0 as saying 5', () => {
    const payload = metricPayload(
      MEMBER_RUN,
      { total: 4, failed: 0, timedOut: 0, cancelled: 0 },
      'Ops',
      AT_END,
      true,
      'account',
    );

    expect(payload.MetricData.every((datum) => datum.Dimensions.length === 0)).toBe(true);
    expect(payload.MetricData).toHaveLength(4);
  });

  it('adds every count per account and Region, and per window with its heartbeat, when asked', () => {
    const counts = { total: 5, failed: 0, timedOut: 1, cancelled: 0 };

    const byRegion = seriesOf(metricPayload(MEMBER_RUN, counts, 'Ops', AT_END, true, 'account-region'));
    const byWindow = seriesOf(
      metricPayload(MEMBER_RUN, counts, 'Ops', AT_END, true, 'account-region-window'),
    );

    expect(byRegion).toContain('Invocations[AccountId=111122223333,Region=eu-west-1]=5');
    expect(byRegion).toContain('TimedOutInvocations[AccountId=111122223333]=1');
    expect(byRegion.some((series) => series.includes('WindowId'))).toBe(false);
    expect(byWindow).toContain(
      `Invocations[AccountId=111122223333,Region=eu-west-1,WindowId=${EXECUTION.windowId}]=5`,
    );
    expect(byWindow.at(-1)).toBe(
      `ExecutionsCompleted[AccountId=111122223333,Region=eu-west-1,WindowId=${EXECUTION.windowId}]=1`,
    );
  });
});
