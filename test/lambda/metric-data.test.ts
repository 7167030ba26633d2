import { describe, expect, it } from 'vitest';
import { metricPayload } from '../../lambda/metric-data';
import { EXECUTION, TASK_EVENT } from '../support/records';

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
