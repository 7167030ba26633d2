/**
 * The CloudFormation custom resource protocol, for what the monitor does at deploy time (seeding
 * window heartbeats; in Organization mode, looking up the Organization's root): recognise a
 * request, read its properties, and answer it by a PUT of the result to the pre-signed
 * `ResponseURL`, which is what CloudFormation waits for.
 */
import { NAMESPACE_PATTERN, WINDOW_ID_PATTERN } from '../../contract';

export interface DeployRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

export interface DeployResponse {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  readonly data?: Record<string, string | number>;
  /** What the resource is called, when it is first created. @default `<logical ID>-heartbeat-seed` */
  readonly physicalResourceId?: string;
}

/** What the heartbeat seeding needs, from the resource's properties. */
export interface SeedProperties {
  readonly windowIds: string[];
  readonly expectedRunIntervalHours: number;
  /** The namespace the missed-run alarms watch: a change of it must seed again. */
  readonly metricNamespace: string;
}

/** The properties are not what the construct sets; the construct and the function disagree. */
export class InvalidDeployRequestError extends Error {
  override readonly name = 'InvalidDeployRequestError';
}

/** CloudFormation allows 4,096 bytes for the whole response. */
const MAX_REASON_LENGTH = 1_000;

export function isDeployRequest(event: unknown): event is DeployRequest {
  if (typeof event !== 'object' || event === null) return false;
  const request = event as Record<string, unknown>;
  return (
    ['Create', 'Update', 'Delete'].includes(String(request.RequestType)) &&
    typeof request.ResponseURL === 'string' &&
    typeof request.StackId === 'string' &&
    typeof request.RequestId === 'string' &&
    typeof request.LogicalResourceId === 'string'
  );
}

/** CloudFormation passes every property value as a string, lists as lists of strings. */
export function seedProperties(request: DeployRequest): SeedProperties {
  const {
    WindowIds: windowIds,
    ExpectedRunIntervalHours: hours,
    MetricNamespace: metricNamespace,
  } = request.ResourceProperties;
  if (
    !Array.isArray(windowIds) ||
    !windowIds.every((id) => typeof id === 'string' && WINDOW_ID_PATTERN.test(id))
  ) {
    throw new InvalidDeployRequestError(
      `ResourceProperties.WindowIds must be a list of window IDs, got ${JSON.stringify(windowIds)}`,
    );
  }
  const expectedRunIntervalHours = Number(hours);
  if (
    !Number.isInteger(expectedRunIntervalHours) ||
    expectedRunIntervalHours < 1 ||
    expectedRunIntervalHours > 168
  ) {
    throw new InvalidDeployRequestError(
      `ResourceProperties.ExpectedRunIntervalHours must be whole hours from 1 to 168, got ${JSON.stringify(hours)}`,
    );
  }
  if (typeof metricNamespace !== 'string' || !NAMESPACE_PATTERN.test(metricNamespace)) {
    throw new InvalidDeployRequestError(
      `ResourceProperties.MetricNamespace must be a CloudWatch namespace, got ${JSON.stringify(metricNamespace)}`,
    );
  }
  return { windowIds, expectedRunIntervalHours, metricNamespace };
}

/** Sends the result to CloudFormation; throws if it cannot be delivered (CloudFormation then times out). */
export async function respond(request: DeployRequest, response: DeployResponse): Promise<void> {
  const body = JSON.stringify({
    Status: response.status,
    Reason: response.reason.slice(0, MAX_REASON_LENGTH),
    // Stable across updates: a new ID would make CloudFormation delete the old resource.
    PhysicalResourceId:
      request.PhysicalResourceId ??
      response.physicalResourceId ??
      `${request.LogicalResourceId}-heartbeat-seed`,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    Data: response.data ?? {},
  });
  // A byte body gets no Content-Type, which the pre-signed URL was signed without.
  const answer = await fetch(request.ResponseURL, { method: 'PUT', body: Buffer.from(body) });
  if (!answer.ok) {
    throw new Error(`CloudFormation's response URL answered ${answer.status} ${await answer.text()}`);
  }
}
