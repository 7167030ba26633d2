/**
 * The product's fixtures (tools/fixtures): the events they build are the ones EventBridge delivers.
 */
import { describe, expect, it } from 'vitest';
import {
  memberAccountId,
  memberExecutionEvent,
  taskExecution,
  windowExecution,
  windowId,
} from '../../tools/fixtures';

describe('fixtures', () => {
  it('builds the event a member window sends to the central bus, with its account and Region', () => {
    // Prepare
    const execution = windowExecution([taskExecution('AUTOMATION', { SUCCESS: 1 })], windowId(0x42));
    const endTime = new Date('2026-11-28T03:00:00Z');

    // Act
    const event = memberExecutionEvent(execution, 'FAILED', {
      accountId: memberAccountId(4),
      region: 'ap-southeast-2',
      endTime,
    });
    const again = memberExecutionEvent(execution, 'FAILED', {
      accountId: memberAccountId(4),
      region: 'ap-southeast-2',
      id: 'fixed-id',
    });

    // Assess
    expect(event).toMatchObject({
      source: 'aws.ssm',
      'detail-type': 'Maintenance Window Execution State-change Notification',
      account: '200000000004',
      region: 'ap-southeast-2',
      time: '2026-11-28T03:00:00Z',
      resources: [`arn:aws:ssm:ap-southeast-2:200000000004:maintenancewindow/${windowId(0x42)}`],
      detail: {
        'window-id': windowId(0x42),
        'window-execution-id': execution.windowExecutionId,
        status: 'FAILED',
      },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.id).toBe('fixed-id');
  });
});
