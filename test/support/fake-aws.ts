/**
 * A local AWS endpoint for tests and the demo: one HTTP server on 127.0.0.1 that speaks enough of
 * the SSM (AWS JSON 1.1), CloudWatch (AWS JSON 1.0, query-compatible errors) and SNS (AWS Query,
 * XML responses) wire protocols for the real SDK v3 clients, and records every call.
 *
 * Point any SDK client (or the deployed bundle) at it with `AWS_ENDPOINT_URL=<endpoint>` and any
 * credentials. It behaves like the services where the monitor depends on it:
 * - SSM `DescribeMaintenanceWindowExecutionTasks` and
 *   `DescribeMaintenanceWindowExecutionTaskInvocations`: NextToken pagination, MaxResults outside
 *   10-100 rejected with ValidationException (default page size 10), ID patterns checked,
 *   `DoesNotExistException` for unknown executions and tasks, STATUS filters.
 * - SSM `GetMaintenanceWindow`: the window's name, `DoesNotExistException` for unknown windows.
 * - SSM `DescribeMaintenanceWindows` and `DescribeMaintenanceWindowExecutions` (with the
 *   `ExecutedAfter` and `ExecutedBefore` filters), paginated, for the reconciliation sweep.
 * - SSM `DescribeMaintenanceWindowExecutions` time filters only in the documented form
 *   (`2024-11-04T05:00:00Z`, no fraction of a second).
 * - CloudWatch `PutMetricData`: gzip request bodies (the SDK compresses large ones), the
 *   namespace, 1,000-metric, 30-dimension and two-week timestamp limits; the data is kept, and
 *   `GetMetricData` sums it back by period.
 * - SNS `Publish`: known topics only, the 256 KB message limit and the e-mail subject rules; what
 *   subscribers receive, including that message attributes are delivered only with the String
 *   message structure, not with `MessageStructure: json`.
 * - CloudFormation's custom resource response URL: a `PUT` to `/cloudformation-response/<id>`
 *   (unsigned, as a pre-signed S3 URL is) is recorded in `cloudFormationResponses`.
 * - Faults on demand: `ThrottlingException` (or each service's throttling error, or any error)
 *   every Nth call, throttling above a request rate (a token bucket), a run of failed calls to one
 *   service right after a given call succeeds (`failAfter`), and latency on every response.
 *
 * The server routes by the SigV4 credential scope (`ssm`, `monitoring`, `sns`), as the real
 * endpoints are separated by host; an unsigned request is refused. Requests signed for
 * `dynamodb` are forwarded, unchanged, to a real DynamoDB-compatible engine given to
 * `forwardDynamoDb` (and recorded like the others), so one endpoint serves every client.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type TaskType = 'RUN_COMMAND' | 'AUTOMATION' | 'STEP_FUNCTIONS' | 'LAMBDA';
export type InvocationStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'SKIPPED_OVERLAPPING';

/** One task invocation, as `MaintenanceWindowExecutionTaskInvocationIdentity` describes it. */
export interface FakeInvocation {
  readonly InvocationId: string;
  readonly ExecutionId?: string;
  readonly TaskType: TaskType;
  readonly Parameters?: string;
  readonly Status: InvocationStatus;
  readonly StatusDetails?: string;
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly OwnerInformation?: string;
  readonly WindowTargetId?: string;
}

export interface FakeTaskExecution {
  readonly taskExecutionId: string;
  readonly taskType: TaskType;
  /** Document name, function or state machine ARN. */
  readonly taskArn?: string;
  readonly status?: InvocationStatus;
  readonly statusDetails?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly invocations: readonly FakeInvocation[];
}

export interface FakeWindowExecution {
  readonly windowId: string;
  readonly windowExecutionId: string;
  /** @default 'SUCCESS' */
  readonly status?: InvocationStatus;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly tasks: readonly FakeTaskExecution[];
}

export interface FakeWindow {
  readonly windowId: string;
  readonly name: string;
}

/** Service names as they appear in the SigV4 credential scope. */
export type ServiceName = 'ssm' | 'monitoring' | 'sns' | 'dynamodb';

export interface RecordedCall {
  readonly service: ServiceName;
  readonly operation: string;
  /** The decoded request: JSON for SSM and CloudWatch, the form fields (nested) for SNS. */
  readonly input: Record<string, unknown>;
  readonly statusCode: number;
  readonly errorCode?: string;
  /** `Content-Encoding` of the request, e.g. `gzip` when the SDK compressed it. */
  readonly contentEncoding?: string;
}

export interface ThrottleRule {
  /** Throttle every Nth matching call (1 = every call). */
  readonly everyNth: number;
  /** The error to answer with. @default the service's throttling error */
  readonly error?: { readonly code: string; readonly statusCode: number };
  /** Only calls to this service count; all services when omitted. */
  readonly service?: ServiceName;
  /** Only calls to this operation count. */
  readonly operation?: string;
}

export interface PublishedMessage {
  readonly topicArn: string;
  readonly messageId: string;
  readonly subject?: string;
  /** What an e-mail subscriber receives: the `email` (else `default`) variant of a structured message. */
  readonly message: string;
  /** The per-protocol variants of a `MessageStructure: json` message. */
  readonly variants?: Record<string, string>;
  /** The attributes the publisher sent. */
  readonly attributes: Record<string, { DataType: string; StringValue?: string }>;
  /**
   * The attributes subscribers receive (and filter policies see): SNS sends them only when the
   * message structure is String, never with `MessageStructure: json`.
   */
  readonly deliveredAttributes: Record<string, { DataType: string; StringValue?: string }>;
}

/** A run of failures injected right after a matching call succeeds. */
export interface FailAfterRule {
  /** The call whose success arms the fault. */
  readonly after: { readonly service: ServiceName; readonly operation?: string };
  /** The service whose next calls fail. */
  readonly service: ServiceName;
  /** How many of its calls fail, in a row. */
  readonly calls: number;
  /** @default an InternalServerError (HTTP 500) */
  readonly error?: { readonly code: string; readonly statusCode: number };
}

/** A response CloudFormation received from a custom resource. */
export interface CloudFormationResponse {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const WINDOW_ID = /^mw-[0-9a-f]{17}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INVOCATION_STATUSES = new Set<string>([
  'PENDING',
  'IN_PROGRESS',
  'SUCCESS',
  'FAILED',
  'TIMED_OUT',
  'CANCELLING',
  'CANCELLED',
]);
const DEFAULT_PAGE_SIZE = 10;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const SNS_MAX_BYTES = 256 * 1024;
const METRIC_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** Each service's throttling error, as the real one sends it. */
const THROTTLING: Record<ServiceName, { code: string; statusCode: number }> = {
  ssm: { code: 'ThrottlingException', statusCode: 400 },
  monitoring: { code: 'Throttling', statusCode: 400 },
  sns: { code: 'Throttled', statusCode: 429 },
  dynamodb: { code: 'ThrottlingException', statusCode: 400 },
};

export interface FakeAwsOptions {
  /** The clock PutMetricData timestamps are checked against. @default Date.now */
  readonly now?: () => number;
}

export class FakeAws {
  /** Every request received, in arrival order, including the ones that failed. */
  readonly calls: RecordedCall[] = [];
  /** Every message SNS accepted. */
  readonly published: PublishedMessage[] = [];
  /** Delay before each response, in milliseconds. */
  latencyMs = 0;
  /** Every custom resource response PUT to `/cloudformation-response/...`. */
  readonly cloudFormationResponses: CloudFormationResponse[] = [];
  /** Every datum PutMetricData accepted, with its namespace. */
  readonly metricData: {
    namespace: string;
    name: string;
    dimensions: string;
    timestamp: number;
    value: number;
  }[] = [];

  private readonly executions = new Map<string, FakeWindowExecution>();
  private readonly windows = new Map<string, FakeWindow>();
  private readonly topics = new Set<string>();
  private throttleRule: ThrottleRule | undefined;
  private throttleCounter = 0;
  private failAfterRule: (FailAfterRule & { armed: boolean; left: number }) | undefined;
  private bucket: { service: ServiceName; perSecond: number; tokens: number; refilledAt: number } | undefined;
  private readonly now: () => number;
  private dynamoDbEndpoint: string | undefined;

  private constructor(
    private readonly server: Server,
    options: FakeAwsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts a server on an ephemeral port of 127.0.0.1. */
  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    const server = createServer();
    const fake = new FakeAws(server, options);
    server.on('request', (request, response) => {
      fake.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return fake;
  }

  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL` or a client's `endpoint`. */
  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** Adds an execution whose invocations the SSM API will list; its IDs must be valid ones. */
  addWindowExecution(execution: FakeWindowExecution): void {
    const ids = [execution.windowExecutionId, ...execution.tasks.map((task) => task.taskExecutionId)];
    if (!WINDOW_ID.test(execution.windowId) || !ids.every((id) => UUID.test(id))) {
      throw new Error(`addWindowExecution: ${execution.windowId} / ${ids.join(', ')} are not valid SSM IDs`);
    }
    this.executions.set(execution.windowExecutionId, execution);
  }

  /** Forwards requests signed for DynamoDB to this engine (e.g. dynalite), recording each. */
  forwardDynamoDb(endpoint: string): void {
    this.dynamoDbEndpoint = endpoint;
  }

  /** A window `GetMaintenanceWindow` knows; any other is DoesNotExist. */
  addWindow(window: FakeWindow): void {
    if (!WINDOW_ID.test(window.windowId))
      throw new Error(`addWindow: ${window.windowId} is not a valid window ID`);
    this.windows.set(window.windowId, window);
  }

  /** Makes `Publish` to this ARN succeed; any other topic is NotFound. */
  addTopic(topicArn: string): void {
    this.topics.add(topicArn);
  }

  /** Throttles every Nth call matching the rule; `undefined` turns throttling off. */
  throttle(rule: ThrottleRule | undefined): void {
    if (rule && (!Number.isInteger(rule.everyNth) || rule.everyNth < 1)) {
      throw new Error(`throttle: everyNth must be a positive integer, got ${rule.everyNth}`);
    }
    this.throttleRule = rule;
    this.throttleCounter = 0;
  }

  /**
   * Throttles calls to `service` above `perSecond` requests a second (a token bucket holding one
   * second's worth), as a service protecting itself does; `undefined` turns it off.
   */
  rateLimit(limit: { service: ServiceName; perSecond: number } | undefined): void {
    this.bucket = limit && { ...limit, tokens: limit.perSecond, refilledAt: performance.now() };
  }

  /**
   * Once a call matching `rule.after` succeeds, fails the next `rule.calls` calls to
   * `rule.service` (DynamoDB included) with `rule.error`: an outage that starts right after, say,
   * a publish. `undefined` turns it off.
   */
  failAfter(rule: FailAfterRule | undefined): void {
    this.failAfterRule = rule && { ...rule, armed: false, left: rule.calls };
  }

  /** The recorded calls to one service, optionally one operation, that succeeded or failed. */
  callsTo(service: ServiceName, operation?: string): RecordedCall[] {
    return this.calls.filter(
      (call) => call.service === service && (!operation || call.operation === operation),
    );
  }

  /** Forgets recorded calls, messages, metric data, responses and faults; keeps executions and topics. */
  clearCalls(): void {
    this.calls.length = 0;
    this.published.length = 0;
    this.metricData.length = 0;
    this.cloudFormationResponses.length = 0;
    this.failAfter(undefined);
    this.throttle(undefined);
    this.rateLimit(undefined);
    this.latencyMs = 0;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const contentEncoding = request.headers['content-encoding'];
    if (contentEncoding === 'gzip') body = gunzipSync(body);

    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    if (request.method === 'PUT' && request.url?.startsWith('/cloudformation-response/')) {
      this.cloudFormationResponses.push({
        path: request.url,
        body: JSON.parse(body.toString('utf8')) as Record<string, unknown>,
      });
      response.writeHead(200);
      response.end();
      return;
    }

    const service = signingService(request.headers.authorization);
    if (service === 'dynamodb' && this.dynamoDbEndpoint) {
      const target = String(request.headers['x-amz-target'] ?? '');
      const injected = this.injectedFailure('dynamodb');
      if (injected) {
        this.calls.push({
          service,
          operation: target.slice(target.indexOf('.') + 1),
          input: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>,
          statusCode: injected.statusCode,
          errorCode: injected.code,
        });
        writeError(
          response,
          service,
          new ServiceError(injected.code, `Injected ${injected.code}`, injected.statusCode),
        );
        return;
      }
      await this.forward(this.dynamoDbEndpoint, request, body, response);
      return;
    }
    if (!service || service === 'dynamodb') {
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end(
        'MissingAuthenticationToken: requests must be signed with SigV4 for ssm, monitoring or sns',
      );
      return;
    }

    const { operation, input } = decodeRequest(service, request, body);
    const record = (statusCode: number, errorCode?: string): void => {
      this.calls.push({
        service,
        operation,
        input,
        statusCode,
        ...(errorCode ? { errorCode } : {}),
        ...(typeof contentEncoding === 'string' ? { contentEncoding } : {}),
      });
    };

    try {
      const injected = this.injectedFailure(service);
      if (injected) throw new ServiceError(injected.code, `Injected ${injected.code}`, injected.statusCode);
      this.maybeThrottle(service, operation);
      const output = this.dispatch(service, operation, input);
      record(200);
      this.armFailAfter(service, operation);
      writeSuccess(response, service, operation, output);
    } catch (error: unknown) {
      if (!(error instanceof ServiceError)) throw error;
      record(error.statusCode, error.code);
      writeError(response, service, error);
    }
  }

  private async forward(
    endpoint: string,
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
  ): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !['host', 'content-length', 'content-encoding'].includes(entry[0]),
      ),
    );
    const answer = await fetch(`${endpoint}${request.url ?? '/'}`, {
      method: request.method ?? 'POST',
      headers,
      body,
    });
    const text = await answer.text();
    const errorType = answer.ok
      ? undefined
      : (JSON.parse(text || '{}') as { __type?: string }).__type?.split('#').pop();
    this.calls.push({
      service: 'dynamodb',
      operation: target.slice(target.indexOf('.') + 1),
      input: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>,
      statusCode: answer.status,
      ...(errorType ? { errorCode: errorType } : {}),
    });
    response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    response.end(text);
  }

  private armFailAfter(service: ServiceName, operation: string): void {
    const rule = this.failAfterRule;
    if (!rule || rule.armed || rule.after.service !== service) return;
    if (rule.after.operation && rule.after.operation !== operation) return;
    rule.armed = true;
  }

  private injectedFailure(service: ServiceName): { code: string; statusCode: number } | undefined {
    const rule = this.failAfterRule;
    if (!rule?.armed || rule.service !== service || rule.left <= 0) return undefined;
    rule.left--;
    return rule.error ?? { code: 'InternalServerError', statusCode: 500 };
  }

  private maybeThrottle(service: ServiceName, operation: string): void {
    const bucket = this.bucket;
    if (bucket && bucket.service === service) {
      const now = performance.now();
      bucket.tokens = Math.min(
        bucket.perSecond,
        bucket.tokens + ((now - bucket.refilledAt) / 1000) * bucket.perSecond,
      );
      bucket.refilledAt = now;
      if (bucket.tokens < 1) {
        const { code, statusCode } = THROTTLING[service];
        throw new ServiceError(code, 'Rate exceeded', statusCode);
      }
      bucket.tokens -= 1;
    }
    const rule = this.throttleRule;
    if (!rule) return;
    if (rule.service && rule.service !== service) return;
    if (rule.operation && rule.operation !== operation) return;
    this.throttleCounter++;
    if (this.throttleCounter % rule.everyNth === 0) {
      const { code, statusCode } = rule.error ?? THROTTLING[service];
      throw new ServiceError(code, rule.error ? `Injected ${code}` : 'Rate exceeded', statusCode);
    }
  }

  private dispatch(
    service: ServiceName,
    operation: string,
    input: Record<string, unknown>,
  ): Record<string, unknown> {
    const handlers: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
      'ssm:DescribeMaintenanceWindowExecutionTasks': (i) => this.describeExecutionTasks(i),
      'ssm:DescribeMaintenanceWindowExecutionTaskInvocations': (i) => this.describeTaskInvocations(i),
      'ssm:GetMaintenanceWindow': (i) => this.getWindow(i),
      'ssm:DescribeMaintenanceWindows': (i) => this.describeWindows(i),
      'ssm:DescribeMaintenanceWindowExecutions': (i) => this.describeWindowExecutions(i),
      'monitoring:PutMetricData': (i) => this.putMetricData(i),
      'monitoring:GetMetricData': (i) => this.getMetricData(i),
      'sns:Publish': (i) => this.publish(i),
    };
    const handler = handlers[`${service}:${operation}`];
    if (!handler) {
      throw new ServiceError(
        'UnknownOperationException',
        `The fake endpoint does not implement ${service}:${operation}`,
      );
    }
    return handler(input);
  }

  private describeExecutionTasks(input: Record<string, unknown>): Record<string, unknown> {
    const windowExecutionId = requiredString(input, 'WindowExecutionId', UUID);
    const pageSize = pageSizeOf(input);
    const statuses = statusFilter(input.Filters);
    const execution = this.executions.get(windowExecutionId);
    if (!execution) {
      throw new ServiceError(
        'DoesNotExistException',
        `Maintenance window execution ${windowExecutionId} does not exist`,
      );
    }
    const matching = statuses
      ? execution.tasks.filter((t) => statuses.has(t.status ?? 'SUCCESS'))
      : execution.tasks;
    return page(
      matching,
      input.NextToken,
      `${windowExecutionId}/tasks`,
      pageSize,
      'WindowExecutionTaskIdentities',
      (task) => ({
        WindowExecutionId: windowExecutionId,
        TaskExecutionId: task.taskExecutionId,
        TaskType: task.taskType,
        Status: task.status ?? 'SUCCESS',
        ...(task.statusDetails ? { StatusDetails: task.statusDetails } : {}),
        ...(task.taskArn ? { TaskArn: task.taskArn } : {}),
        ...(task.startTime ? { StartTime: epochSeconds(task.startTime) } : {}),
        ...(task.endTime ? { EndTime: epochSeconds(task.endTime) } : {}),
      }),
    );
  }

  private describeTaskInvocations(input: Record<string, unknown>): Record<string, unknown> {
    const windowExecutionId = requiredString(input, 'WindowExecutionId', UUID);
    const taskId = requiredString(input, 'TaskId', UUID);
    const pageSize = pageSizeOf(input);
    const statuses = statusFilter(input.Filters);

    const execution = this.executions.get(windowExecutionId);
    const task = execution?.tasks.find((t) => t.taskExecutionId === taskId);
    if (!execution || !task) {
      throw new ServiceError(
        'DoesNotExistException',
        `Maintenance window execution ${windowExecutionId} task ${taskId} does not exist`,
      );
    }

    const matching = statuses ? task.invocations.filter((i) => statuses.has(i.Status)) : task.invocations;
    return page(
      matching,
      input.NextToken,
      `${windowExecutionId}/${taskId}`,
      pageSize,
      'WindowExecutionTaskInvocationIdentities',
      (invocation) => ({
        WindowExecutionId: windowExecutionId,
        TaskExecutionId: taskId,
        ...invocation,
        ...(invocation.StartTime ? { StartTime: epochSeconds(invocation.StartTime) } : {}),
        ...(invocation.EndTime ? { EndTime: epochSeconds(invocation.EndTime) } : {}),
      }),
    );
  }

  private describeWindows(input: Record<string, unknown>): Record<string, unknown> {
    const pageSize = pageSizeOf(input);
    const ids = [
      ...new Set([...this.windows.keys(), ...[...this.executions.values()].map((e) => e.windowId)]),
    ].sort();
    return page(ids, input.NextToken, 'windows', pageSize, 'WindowIdentities', (windowId) => ({
      WindowId: windowId,
      Name: this.windows.get(windowId)?.name ?? windowId,
      Enabled: true,
    }));
  }

  private describeWindowExecutions(input: Record<string, unknown>): Record<string, unknown> {
    const windowId = requiredString(input, 'WindowId', WINDOW_ID);
    const pageSize = pageSizeOf(input);
    let after = Number.NEGATIVE_INFINITY;
    let before = Number.POSITIVE_INFINITY;
    for (const filter of (input.Filters ?? []) as { Key?: string; Values?: string[] }[]) {
      const value = filter.Values?.[0] ?? '';
      // The API documents one form only, e.g. 2024-11-04T05:00:00Z; nothing else is accepted here.
      const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at) || (filter.Key !== 'ExecutedAfter' && filter.Key !== 'ExecutedBefore')) {
        throw new ServiceError(
          'ValidationException',
          `Filter ${String(filter.Key)} must be ExecutedAfter or ExecutedBefore with a time like 2024-11-04T05:00:00Z, got ${JSON.stringify(value)}`,
        );
      }
      if (filter.Key === 'ExecutedAfter') after = at;
      else before = at;
    }
    const executions = [...this.executions.values()].filter((execution) => {
      const started = (execution.startTime ?? execution.endTime ?? new Date(this.now())).getTime();
      return execution.windowId === windowId && started >= after && started <= before;
    });
    return page(
      executions,
      input.NextToken,
      `${windowId}/executions`,
      pageSize,
      'WindowExecutions',
      (execution) => ({
        WindowId: windowId,
        WindowExecutionId: execution.windowExecutionId,
        Status: execution.status ?? 'SUCCESS',
        ...(execution.startTime ? { StartTime: epochSeconds(execution.startTime) } : {}),
        ...(execution.endTime ? { EndTime: epochSeconds(execution.endTime) } : {}),
      }),
    );
  }

  private getWindow(input: Record<string, unknown>): Record<string, unknown> {
    const windowId = requiredString(input, 'WindowId', WINDOW_ID);
    const window = this.windows.get(windowId);
    if (!window)
      throw new ServiceError('DoesNotExistException', `Maintenance window ${windowId} does not exist`);
    return {
      WindowId: windowId,
      Name: window.name,
      Enabled: true,
      Duration: 4,
      Cutoff: 1,
      Schedule: 'cron(0 2 ? * SUN *)',
    };
  }

  private putMetricData(input: Record<string, unknown>): Record<string, unknown> {
    const namespace = input.Namespace;
    if (typeof namespace !== 'string' || namespace.length === 0) {
      throw new ServiceError('MissingParameter', 'The parameter Namespace is required.');
    }
    if (!/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(namespace) || namespace.startsWith('AWS/')) {
      throw new ServiceError(
        'InvalidParameterValue',
        `The value ${namespace} for parameter Namespace is invalid.`,
      );
    }
    const data = input.MetricData;
    if (!Array.isArray(data) || data.length === 0) {
      throw new ServiceError('MissingParameter', 'The parameter MetricData is required.');
    }
    if (data.length > 1000) {
      throw new ServiceError(
        'InvalidParameterValue',
        'The collection MetricData must not have a size greater than 1000.',
      );
    }
    const now = this.now();
    data.forEach((datum: Record<string, unknown>, index) => {
      const where = `MetricData.member.${index + 1}`;
      if (
        typeof datum.MetricName !== 'string' ||
        datum.MetricName.length === 0 ||
        datum.MetricName.length > 255
      ) {
        throw new ServiceError('InvalidParameterValue', `The parameter ${where}.MetricName is required.`);
      }
      const dimensions = (datum.Dimensions ?? []) as { Name?: unknown; Value?: unknown }[];
      if (dimensions.length > 30) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The collection ${where}.Dimensions must not exceed 30 members.`,
        );
      }
      for (const dimension of dimensions) {
        if (
          typeof dimension.Name !== 'string' ||
          !dimension.Name ||
          typeof dimension.Value !== 'string' ||
          !dimension.Value
        ) {
          throw new ServiceError(
            'InvalidParameterValue',
            `The dimensions of ${where} must have a Name and a Value.`,
          );
        }
      }
      if (datum.Value !== undefined && (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value))) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The value for parameter ${where}.Value is not a number.`,
        );
      }
      if (datum.Unit !== undefined && !METRIC_UNITS.has(String(datum.Unit))) {
        throw new ServiceError(
          'InvalidParameterValue',
          `The value ${String(datum.Unit)} for ${where}.Unit is invalid.`,
        );
      }
      if (datum.Timestamp !== undefined) {
        const at = Number(datum.Timestamp) * 1000;
        if (!Number.isFinite(at) || at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) {
          throw new ServiceError(
            'InvalidParameterValue',
            `The parameter ${where}.Timestamp must specify a time no more than two weeks in the past and two hours in the future.`,
          );
        }
      }
    });
    for (const datum of data as Record<string, unknown>[]) {
      this.metricData.push({
        namespace,
        name: String(datum.MetricName),
        dimensions: dimensionKey(datum.Dimensions),
        timestamp: datum.Timestamp === undefined ? now : Number(datum.Timestamp) * 1000,
        value: Number(datum.Value ?? 0),
      });
    }
    return {};
  }

  /** Sums of the kept data, by period, for `MetricStat` queries with the `Sum` statistic. */
  private getMetricData(input: Record<string, unknown>): Record<string, unknown> {
    const start = Number(input.StartTime) * 1000;
    const end = Number(input.EndTime) * 1000;
    const queries = input.MetricDataQueries;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new ServiceError('ValidationError', 'The parameter StartTime must be less than EndTime.');
    }
    if (!Array.isArray(queries) || queries.length === 0 || queries.length > 500) {
      throw new ServiceError('ValidationError', 'MetricDataQueries must hold 1 to 500 queries.');
    }
    return {
      MetricDataResults: (queries as Record<string, unknown>[]).map((query) => {
        const stat = query.MetricStat as
          | { Metric?: Record<string, unknown>; Period?: number; Stat?: string }
          | undefined;
        if (!stat?.Metric || stat.Stat !== 'Sum' || !Number.isInteger(stat.Period)) {
          throw new ServiceError(
            'ValidationError',
            'Only MetricStat queries with the Sum statistic are supported.',
          );
        }
        const periodMs = Number(stat.Period) * 1000;
        const sums = new Map<number, number>();
        for (const datum of this.metricData) {
          if (
            datum.namespace !== stat.Metric.Namespace ||
            datum.name !== stat.Metric.MetricName ||
            datum.dimensions !== dimensionKey(stat.Metric.Dimensions) ||
            datum.timestamp < start ||
            datum.timestamp >= end
          ) {
            continue;
          }
          const bucket = Math.floor(datum.timestamp / periodMs) * periodMs;
          sums.set(bucket, (sums.get(bucket) ?? 0) + datum.value);
        }
        const buckets = [...sums.keys()].sort((a, b) => b - a);
        return {
          Id: query.Id,
          Label: stat.Metric.MetricName,
          Timestamps: buckets.map((bucket) => bucket / 1000),
          Values: buckets.map((bucket) => sums.get(bucket)),
          StatusCode: 'Complete',
        };
      }),
    };
  }

  private publish(input: Record<string, unknown>): Record<string, unknown> {
    const topicArn = input.TopicArn;
    if (typeof topicArn !== 'string' || !this.topics.has(topicArn)) {
      throw new ServiceError('NotFound', 'Topic does not exist', 404);
    }
    const message = input.Message;
    if (typeof message !== 'string' || message.length === 0) {
      throw new ServiceError('InvalidParameter', 'Invalid parameter: Empty message');
    }
    const subject = input.Subject;
    if (subject !== undefined) {
      if (typeof subject !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,98}$/.test(subject)) {
        throw new ServiceError('InvalidParameter', 'Invalid parameter: Subject');
      }
    }
    let variants: Record<string, string> | undefined;
    if (input.MessageStructure === 'json') {
      try {
        variants = JSON.parse(message) as Record<string, string>;
      } catch {
        throw new ServiceError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - JSON message body failed to parse',
        );
      }
      if (typeof variants.default !== 'string') {
        throw new ServiceError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      }
    }
    const attributes = decodeMessageAttributes(input.MessageAttributes);
    const attributeBytes = Object.entries(attributes).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType) +
        Buffer.byteLength(value.StringValue ?? ''),
      0,
    );
    if (Buffer.byteLength(message) + attributeBytes > SNS_MAX_BYTES) {
      throw new ServiceError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    const messageId = randomUUID();
    this.published.push({
      topicArn,
      messageId,
      ...(typeof subject === 'string' ? { subject } : {}),
      message: variants ? (variants.email ?? variants.default ?? '') : message,
      ...(variants ? { variants } : {}),
      attributes,
      // "Message attributes are sent only when the message structure is String, not JSON."
      deliveredAttributes: variants ? {} : attributes,
    });
    return { MessageId: messageId };
  }
}

/** Dimensions in a canonical order, as one string, for matching queries against kept data. */
function dimensionKey(dimensions: unknown): string {
  return ((dimensions ?? []) as { Name?: string; Value?: string }[])
    .map((dimension) => `${dimension.Name}=${dimension.Value}`)
    .sort()
    .join(',');
}

function signingService(authorization: string | undefined): ServiceName | undefined {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(authorization ?? '');
  const service = scope?.[1];
  return service === 'ssm' || service === 'monitoring' || service === 'sns' || service === 'dynamodb'
    ? service
    : undefined;
}

function decodeRequest(
  service: ServiceName,
  request: IncomingMessage,
  body: Buffer,
): { operation: string; input: Record<string, unknown> } {
  if (service === 'sns') {
    const form = new URLSearchParams(body.toString('utf8'));
    return { operation: form.get('Action') ?? 'Unknown', input: nestForm(form) };
  }
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.slice(target.indexOf('.') + 1) || 'Unknown';
  const text = body.toString('utf8');
  return { operation, input: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Turns AWS Query fields (`A.entry.1.Name=x`) into nested objects (`{A: {entry: {1: {Name: x}}}}`). */
function nestForm(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const parts = key.split('.');
    let node = root;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) {
        node[part] = value;
      } else {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
    });
  }
  return root;
}

function decodeMessageAttributes(raw: unknown): PublishedMessage['attributes'] {
  const entries = (
    raw as { entry?: Record<string, { Name?: string; Value?: Record<string, string> }> } | undefined
  )?.entry;
  const attributes: PublishedMessage['attributes'] = {};
  for (const entry of Object.values(entries ?? {})) {
    const dataType = entry.Value?.DataType;
    if (!entry.Name || !dataType) {
      throw new ServiceError(
        'InvalidParameter',
        'Invalid parameter: MessageAttributes needs a Name and a DataType',
      );
    }
    const stringValue = entry.Value?.StringValue;
    attributes[entry.Name] = {
      DataType: dataType,
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
    };
  }
  return attributes;
}

function requiredString(input: Record<string, unknown>, field: string, pattern: RegExp): string {
  const value = input[field];
  if (typeof value !== 'string') {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!pattern.test(value)) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

function statusFilter(filters: unknown): Set<string> | undefined {
  if (filters === undefined) return undefined;
  if (!Array.isArray(filters) || filters.length > 5) {
    throw new ServiceError('ValidationException', 'Filters must be a list of at most 5 filters');
  }
  const statuses = new Set<string>();
  for (const filter of filters as { Key?: unknown; Values?: unknown }[]) {
    if (filter.Key !== 'STATUS') {
      throw new ServiceError(
        'ValidationException',
        `Filter key ${String(filter.Key)} is not supported; use STATUS`,
      );
    }
    for (const value of Array.isArray(filter.Values) ? filter.Values : []) {
      if (!INVOCATION_STATUSES.has(String(value))) {
        throw new ServiceError('ValidationException', `Filter value ${String(value)} is not a valid STATUS`);
      }
      statuses.add(String(value));
    }
  }
  return statuses;
}

function pageSizeOf(input: Record<string, unknown>): number {
  const pageSize = input.MaxResults ?? DEFAULT_PAGE_SIZE;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 10 || pageSize > 100) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(pageSize)}' at 'maxResults' failed to satisfy constraint: ` +
        'Member must have value between 10 and 100',
    );
  }
  return pageSize;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** One page of `items` from the offset in `token`; tokens are bound to the listing (`scope`). */
function page<T>(
  items: readonly T[],
  token: unknown,
  scope: string,
  pageSize: number,
  field: string,
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const offset = decodeToken(token, scope);
  const next = offset + pageSize;
  return {
    [field]: items.slice(offset, next).map(render),
    ...(next < items.length ? { NextToken: encodeToken(scope, next) } : {}),
  };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decodeToken(token: unknown, scope: string): number {
  if (token === undefined || token === '') return 0;
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as {
      s?: unknown;
      o?: unknown;
    };
    if (decoded.s === scope && Number.isInteger(decoded.o)) return decoded.o as number;
  } catch {
    // fall through: the token is not one of ours
  }
  throw new ServiceError('InvalidNextToken', 'The specified token is not valid.');
}

function writeSuccess(
  response: ServerResponse,
  service: ServiceName,
  operation: string,
  output: Record<string, unknown>,
): void {
  const requestId = randomUUID();
  if (service === 'sns') {
    const fields = Object.entries(output)
      .map(([key, value]) => `<${key}>${escapeXml(String(value))}</${key}>`)
      .join('');
    response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      `<${operation}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
        `<${operation}Result>${fields}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
    );
    return;
  }
  const contentType = service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  response.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId });
  response.end(JSON.stringify(output));
}

function writeError(response: ServerResponse, service: ServiceName, error: ServiceError): void {
  const requestId = randomUUID();
  if (service === 'sns') {
    response.writeHead(error.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
        `<Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  const headers: Record<string, string> = {
    'content-type': service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
  };
  if (service === 'monitoring') headers['x-amzn-query-error'] = `${error.code};Sender`;
  response.writeHead(error.statusCode, headers);
  response.end(JSON.stringify({ __type: error.code, message: error.message }));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
