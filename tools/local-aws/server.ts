/**
 * The local AWS endpoint itself: one HTTP server on 127.0.0.1 that routes each request by its
 * SigV4 credential scope (`ssm`, `monitoring`, `sns`) to that service's operations, as the real
 * endpoints are separated by host, records every call, forwards requests signed for `dynamodb`
 * unchanged to a DynamoDB-compatible engine, records CloudFormation custom resource responses
 * PUT to `/cloudformation-response/<id>`, and applies the injected faults. An unsigned request
 * is refused.
 *
 * Point any SDK client (or the deployed bundle) at it with `AWS_ENDPOINT_URL=<endpoint>` and any
 * credentials.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { LocalCloudWatch, type MetricDatum } from './cloudwatch';
import { type FailAfterRule, type FailEveryNthRule, Faults, type RateLimit } from './faults';
import {
  decodeRequest,
  type OperationHandler,
  parseJsonBody,
  ServiceError,
  type ServiceName,
  signingService,
  targetOperation,
  writeError,
  writeSuccess,
} from './protocols';
import { LocalSns, type PublishedMessage } from './sns';
import { type FakeWindow, type FakeWindowExecution, LocalSsm } from './ssm';

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

/** A response CloudFormation received from a custom resource. */
export interface CloudFormationResponse {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface LocalAwsOptions {
  /** The clock PutMetricData timestamps are checked against. @default Date.now */
  readonly now?: () => number;
}

export class LocalAws {
  /** Every request received, in arrival order, including the ones that failed. */
  readonly calls: RecordedCall[] = [];
  /** Every message SNS accepted. */
  readonly published: PublishedMessage[];
  /** Every custom resource response PUT to `/cloudformation-response/...`. */
  readonly cloudFormationResponses: CloudFormationResponse[] = [];
  /** Every datum PutMetricData accepted, with its namespace. */
  readonly metricData: MetricDatum[];

  private readonly ssm: LocalSsm;
  private readonly sns = new LocalSns();
  private readonly faults = new Faults();
  /** Every operation, by `<service>:<operation>`. */
  private readonly handlers: Record<string, OperationHandler>;
  private dynamoDbEndpoint: string | undefined;

  private constructor(
    private readonly server: Server,
    options: LocalAwsOptions,
  ) {
    const now = options.now ?? Date.now;
    this.ssm = new LocalSsm(now);
    const cloudWatch = new LocalCloudWatch(now);
    this.published = this.sns.published;
    this.metricData = cloudWatch.metricData;
    this.handlers = Object.fromEntries(
      Object.entries({ ssm: this.ssm, monitoring: cloudWatch, sns: this.sns }).flatMap(([service, api]) =>
        Object.entries(api.operations).map(([operation, handler]) => [`${service}:${operation}`, handler]),
      ),
    );
  }

  /** Starts a server on an ephemeral port of 127.0.0.1. */
  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const server = createServer();
    const local = new LocalAws(server, options);
    server.on('request', (request, response) => {
      local.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return local;
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
    this.ssm.addWindowExecution(execution);
  }

  /** A window `GetMaintenanceWindow` knows; any other is DoesNotExist. */
  addWindow(window: FakeWindow): void {
    this.ssm.addWindow(window);
  }

  /** Makes `Publish` to this ARN succeed; any other topic is NotFound. */
  addTopic(topicArn: string): void {
    this.sns.addTopic(topicArn);
  }

  /** Forwards requests signed for DynamoDB to this engine (e.g. dynalite), recording each. */
  forwardDynamoDb(endpoint: string): void {
    this.dynamoDbEndpoint = endpoint;
  }

  /** Delay before each response, in milliseconds. */
  get latencyMs(): number {
    return this.faults.latencyMs;
  }

  set latencyMs(value: number) {
    this.faults.latencyMs = value;
  }

  /** Fails every Nth matching call, by default with the service's throttling error; see `Faults`. */
  failEveryNth(rule: FailEveryNthRule | undefined): void {
    this.faults.failEveryNth(rule);
  }

  /** Throttles calls to one service above a request rate (a token bucket); see `Faults`. */
  rateLimit(limit: RateLimit | undefined): void {
    this.faults.rateLimit(limit);
  }

  /** Fails a run of calls to one service once a matching call succeeds; see `Faults`. */
  failAfter(rule: FailAfterRule | undefined): void {
    this.faults.failAfter(rule);
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
    this.faults.reset();
  }

  /** Forgets everything but the topics: calls, messages, metric data, faults, executions and windows. */
  reset(): void {
    this.clearCalls();
    this.ssm.clear();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const contentEncoding = request.headers['content-encoding'];
    if (contentEncoding === 'gzip') body = gunzipSync(body);

    await this.faults.delay();

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
      const injected = this.faults.outageError('dynamodb');
      if (injected) {
        this.calls.push({
          service,
          operation: targetOperation(request),
          input: parseJsonBody(body),
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
      const injected = this.faults.outageError(service);
      if (injected) throw new ServiceError(injected.code, `Injected ${injected.code}`, injected.statusCode);
      this.faults.check(service, operation);
      const output = this.dispatch(service, operation, input);
      record(200);
      this.faults.succeeded(service, operation);
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
      operation: targetOperation(request),
      input: parseJsonBody(body),
      statusCode: answer.status,
      ...(errorType ? { errorCode: errorType } : {}),
    });
    response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    response.end(text);
  }

  private dispatch(
    service: ServiceName,
    operation: string,
    input: Record<string, unknown>,
  ): Record<string, unknown> {
    const handler = this.handlers[`${service}:${operation}`];
    if (!handler) {
      throw new ServiceError(
        'UnknownOperationException',
        `The fake endpoint does not implement ${service}:${operation}`,
      );
    }
    return handler(input);
  }
}
