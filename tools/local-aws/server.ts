/**
 * The local AWS endpoint itself: one HTTP server on 127.0.0.1 that routes each request by its
 * SigV4 credential scope (`ssm`, `states`, `monitoring`, `sns`, `sts`, `organizations`, `sqs`) to
 * that service's operations, as the real endpoints are separated by host, serves a whole
 * Organization (SSM data, Run Command and Automation data and Step Functions executions per
 * account and Region, told apart by who signed and for which Region), records every
 * call with its account and Region, forwards requests signed for `dynamodb` unchanged to a
 * DynamoDB-compatible engine, records CloudFormation custom resource responses PUT to
 * `/cloudformation-response/<id>`, and applies the injected faults. An unsigned request is refused.
 *
 * Point any SDK client (or the deployed bundle) at it with `AWS_ENDPOINT_URL=<endpoint>` and any
 * credentials: keys that STS `AssumeRole` did not issue here are the central account's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { LocalCloudWatch, type MetricDatum } from './cloudwatch';
import { type FakeAutomationExecution, type FakeCommand, LocalCommands } from './commands';
import {
  type DenyRule,
  type FailAfterRule,
  type FailEveryNthRule,
  Faults,
  type Hold,
  type HoldRule,
  type RateLimit,
  type Tenant,
} from './faults';
import { LocalOrganizations, type OrganizationalUnit } from './organizations';
import {
  type CallContext,
  decodeRequest,
  type OperationHandler,
  ServiceError,
  type ServiceName,
  signatureOf,
  writeError,
  writeSuccess,
} from './protocols';
import { LocalSns, type PublishedMessage } from './sns';
import { LocalSqs, type SentMessage } from './sqs';
import { type FakeWindow, type FakeWindowExecution, LocalSsm } from './ssm';
import { type FakeStateMachineExecution, LocalStepFunctions } from './stepfunctions';
import { type AssumedRole, LocalSts } from './sts';
import { accessDenied, iamAction, type OrganizationAccount, type RoleOptions, Tenancy } from './tenancy';

export interface RecordedCall {
  readonly service: ServiceName;
  readonly operation: string;
  /** The IAM action the call needs, e.g. `cloudwatch:PutMetricData` or `sts:AssumeRole`. */
  readonly action: string;
  /** The decoded request: JSON for the JSON protocols, the form fields (nested) for SNS and STS. */
  readonly input: Record<string, unknown>;
  readonly statusCode: number;
  readonly errorCode?: string;
  /** `Content-Encoding` of the request, e.g. `gzip` when the SDK compressed it. */
  readonly contentEncoding?: string;
  /** The account whose credentials signed the call: a member's for keys STS issued here, else the central one. */
  readonly accountId: string;
  /** The Region of the call's SigV4 credential scope. */
  readonly region: string;
  /** The access key ID that signed the call. */
  readonly accessKeyId: string;
  /** For a call signed with credentials STS issued here: the role they are a session of. */
  readonly roleName?: string;
}

/** A response CloudFormation received from a custom resource. */
export interface CloudFormationResponse {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface LocalAwsOptions {
  /** The clock PutMetricData timestamps are checked against and sessions expire by. @default Date.now */
  readonly now?: () => number;
  /**
   * The central account: every access key STS did not issue here is its, and it is a member of the
   * Organization from the start (ListAccounts lists it first, named `Central`).
   * @default '123456789012'
   */
  readonly centralAccountId?: string;
  /** The Organization's ID, in the account ARNs ListAccounts answers. @default 'o-a1b2c3d4e5' */
  readonly organizationId?: string;
}

/** What one account and Region holds: its SSM windows and executions, commands and automations, state machine executions. */
interface TenantStores {
  readonly ssm: LocalSsm;
  readonly commands: LocalCommands;
  readonly states: LocalStepFunctions;
  /** SSM's operations: the maintenance-window ones and the Run Command and Automation ones. */
  readonly ssmOperations: Record<string, OperationHandler>;
}

/** The account and Region some SSM data belongs to. */
export interface TenantTarget {
  /** An account of the Organization. @default the central account */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
}

/** The Region SSM data goes to when no target names one. */
const DEFAULT_REGION = 'us-east-1';

export class LocalAws {
  /** Every request received, in arrival order, including the ones that failed. */
  readonly calls: RecordedCall[] = [];
  /** Every message SNS accepted. */
  readonly published: PublishedMessage[];
  /** Every custom resource response PUT to `/cloudformation-response/...`. */
  readonly cloudFormationResponses: CloudFormationResponse[] = [];
  /** Every datum PutMetricData accepted, with its namespace. */
  readonly metricData: MetricDatum[];
  /** Every message SQS accepted. */
  readonly sqsMessages: SentMessage[];
  /** Every role STS let a caller assume, with the Region the request was signed for. */
  readonly assumedRoles: AssumedRole[];

  private readonly now: () => number;
  private readonly tenancy: Tenancy;
  private readonly organizations: LocalOrganizations;
  /** SSM's and Step Functions' data, one set of stores per `<accountId>/<region>`. */
  private readonly tenants = new Map<string, TenantStores>();
  private readonly sns = new LocalSns();
  private readonly sqs = new LocalSqs();
  private readonly faults = new Faults();
  /** The operations of every service but SSM and Step Functions, whose data depend on the tenant. */
  private readonly apis: Partial<Record<ServiceName, { operations: Record<string, OperationHandler> }>>;
  private dynamoDbEndpoint: string | undefined;

  private constructor(
    private readonly server: Server,
    options: LocalAwsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.tenancy = new Tenancy(options.centralAccountId ?? '123456789012', this.now);
    const cloudWatch = new LocalCloudWatch(this.now);
    const sts = new LocalSts(this.tenancy);
    this.organizations = new LocalOrganizations(this.tenancy, options.organizationId ?? 'o-a1b2c3d4e5');
    this.published = this.sns.published;
    this.metricData = cloudWatch.metricData;
    this.sqsMessages = this.sqs.messages;
    this.assumedRoles = sts.assumedRoles;
    this.apis = {
      monitoring: cloudWatch,
      sns: this.sns,
      sqs: this.sqs,
      sts,
      organizations: this.organizations,
    };
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

  /** The account every access key STS did not issue here belongs to. */
  get centralAccountId(): string {
    return this.tenancy.centralAccountId;
  }

  /**
   * Adds an execution whose invocations the SSM API will list to one account and Region (by
   * default the central account in us-east-1); its IDs must be valid ones.
   */
  addWindowExecution(execution: FakeWindowExecution, target: TenantTarget = {}): void {
    this.storesOf(this.tenantOf(target, 'addWindowExecution')).ssm.addWindowExecution(execution);
  }

  /** A window `GetMaintenanceWindow` knows in one account and Region; any other is DoesNotExist. */
  addWindow(window: FakeWindow, target: TenantTarget = {}): void {
    this.storesOf(this.tenantOf(target, 'addWindow')).ssm.addWindow(window);
  }

  /**
   * Adds a Run Command command (one invocation per node, each with its steps and their output)
   * that ListCommandInvocations and GetCommandInvocation serve in one account and Region.
   */
  addCommand(command: FakeCommand, target: TenantTarget = {}): void {
    this.storesOf(this.tenantOf(target, 'addCommand')).commands.addCommand(command);
  }

  /** Adds an automation execution that GetAutomationExecution and DescribeAutomationStepExecutions serve. */
  addAutomationExecution(execution: FakeAutomationExecution, target: TenantTarget = {}): void {
    this.storesOf(this.tenantOf(target, 'addAutomationExecution')).commands.addAutomationExecution(execution);
  }

  /** Adds a state machine execution that DescribeExecution serves; its ARN must name the target's account and Region. */
  addStepFunctionsExecution(execution: FakeStateMachineExecution, target: TenantTarget = {}): void {
    this.storesOf(this.tenantOf(target, 'addStepFunctionsExecution')).states.addExecution(execution);
  }

  /**
   * Registers an account of the Organization (ListAccounts lists it), or replaces the one with its
   * ID; the central account is registered from the start and may be renamed this way.
   */
  /** Adds an organizational unit under the root (by default) or another unit, for ListAccountsForParent. */
  addOrganizationalUnit(unit: OrganizationalUnit): void {
    this.organizations.addOrganizationalUnit(unit);
  }

  addAccount(account: OrganizationAccount): void {
    this.tenancy.addAccount(account);
  }

  /**
   * Makes another account of the Organization its management account (`DescribeOrganization`'s
   * `MasterAccountId`); the central account is the management account until then, and after `reset()`.
   */
  setManagementAccount(accountId: string): void {
    this.organizations.setManagementAccount(accountId);
  }

  /**
   * Registers an account as a delegated administrator for a service principal (e.g.
   * `member.org.stacksets.cloudformation.amazonaws.com`), as `RegisterDelegatedAdministrator` does;
   * forgotten on `reset()`.
   */
  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    this.organizations.registerDelegatedAdministrator(accountId, servicePrincipal);
  }

  /**
   * Makes a role exist in an account of the Organization, so that the central account's
   * credentials may assume it; `options.regions` limits where its sessions may call SSM.
   */
  addRole(accountId: string, roleName: string, options?: RoleOptions): void {
    this.tenancy.addRole(accountId, roleName, options);
  }

  /** Deletes a role: AssumeRole is then AccessDenied, and SSM refuses its sessions' calls. */
  removeRole(accountId: string, roleName: string): void {
    this.tenancy.removeRole(accountId, roleName);
  }

  /**
   * Turns an opt-in Region off for an account: its credentials are refused there (SSM answers
   * `UnrecognizedClientException`, STS `RegionDisabledException`).
   */
  disableRegion(accountId: string, region: string): void {
    this.tenancy.disableRegion(accountId, region);
  }

  /** Makes `Publish` to this ARN succeed; any other topic is NotFound. */
  addTopic(topicArn: string): void {
    this.sns.addTopic(topicArn);
  }

  /**
   * Makes sending to this queue URL succeed; any other queue is `QueueDoesNotExist`. Use
   * `queueUrl(name)`: the SQS client sends each request to its queue URL's host unless the client
   * has an explicit `endpoint` (`AWS_ENDPOINT_URL` does not count), so a real-looking URL would
   * reach for AWS.
   */
  addQueue(queueUrl: string): void {
    this.sqs.addQueue(queueUrl);
  }

  /** The URL of a queue of the central account on this endpoint: `<endpoint>/<centralAccountId>/<name>`. */
  queueUrl(name: string): string {
    return `${this.endpoint}/${this.centralAccountId}/${name}`;
  }

  /** SendMessageBatch entries with these IDs land in `Failed` until cleared (or `undefined`). */
  failSqsEntries(ids: readonly string[] | undefined): void {
    this.sqs.failEntries(ids);
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

  /**
   * Fails every Nth matching call (of one account or Region, if the rule names them), by default
   * with the service's throttling error; see `Faults`.
   */
  failEveryNth(rule: FailEveryNthRule | undefined): void {
    this.faults.failEveryNth(rule);
  }

  /**
   * Refuses an IAM action (e.g. `ssm:GetCommandInvocation`), to one account or Region if the rule
   * names them, with the service's access-denied error, as a policy without it would; rules add up
   * until `clearCalls()`.
   */
  deny(rule: DenyRule): void {
    this.faults.deny(rule);
  }

  /** Throttles calls to one service (of one account or Region) above a request rate; see `Faults`. */
  rateLimit(limit: RateLimit | undefined): void {
    this.faults.rateLimit(limit);
  }

  /**
   * Fails a run of calls to one service once a matching call succeeds, or from the start when the
   * rule has no `after`; see `Faults`.
   */
  failAfter(rule: FailAfterRule | undefined): void {
    this.faults.failAfter(rule);
  }

  /**
   * Holds the Nth call matching `rule` unanswered, before it does anything, until released: the
   * caller hangs there, and a test can end its process at that point (see `Faults.hold`).
   */
  hold(rule: HoldRule): Hold {
    return this.faults.hold(rule);
  }

  /** The recorded calls to one service, optionally one operation, that succeeded or failed. */
  callsTo(service: ServiceName, operation?: string): RecordedCall[] {
    return this.calls.filter(
      (call) => call.service === service && (!operation || call.operation === operation),
    );
  }

  /**
   * Forgets recorded calls, messages (SNS and SQS), metric data, responses, assumed roles and faults
   * (denials and failing SQS entries included); keeps executions, commands, accounts, roles, issued credentials, topics
   * and queues.
   */
  clearCalls(): void {
    this.calls.length = 0;
    this.published.length = 0;
    this.metricData.length = 0;
    this.cloudFormationResponses.length = 0;
    this.sqsMessages.length = 0;
    this.assumedRoles.length = 0;
    this.faults.reset();
    this.sqs.failEntries(undefined);
  }

  /**
   * Forgets everything but the topics and queues: what `clearCalls` forgets (denials included),
   * every account's window executions, windows, commands, automation and state machine
   * executions, the member accounts (the central one stays, the management account
   * again), organizational units, delegated administrators, roles and disabled Regions. Credentials STS issued are revoked, not forgotten: a client still holding some gets
   * `UnrecognizedClientException`, never the central account's data.
   */
  reset(): void {
    this.clearCalls();
    this.tenants.clear();
    this.tenancy.reset();
    this.organizations.clearUnits();
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

    const signature = signatureOf(request.headers.authorization);
    if (!signature || (signature.service === 'dynamodb' && !this.dynamoDbEndpoint)) {
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end(
        'MissingAuthenticationToken: requests must be signed with SigV4 for ssm, states, monitoring, sns, sts, organizations or sqs',
      );
      return;
    }

    const { service } = signature;
    const { operation, input } = decodeRequest(service, request, body);
    // A held call does nothing until released; if its caller goes away meanwhile, nothing at all.
    const gone = new Promise<void>((resolve) => response.once('close', () => resolve()));
    if ((await this.faults.held(service, operation, gone)) === 'gone') return;
    const caller = this.tenancy.callerOf(signature);
    const roleName = this.tenancy.roleOf(caller.accessKeyId);
    const record = (statusCode: number, errorCode?: string): void => {
      this.calls.push({
        service,
        operation,
        action: iamAction(service, operation),
        input,
        statusCode,
        ...(errorCode ? { errorCode } : {}),
        ...(typeof contentEncoding === 'string' ? { contentEncoding } : {}),
        accountId: caller.accountId,
        region: caller.region,
        accessKeyId: caller.accessKeyId,
        ...(roleName ? { roleName } : {}),
      });
    };

    try {
      const sessionToken = request.headers['x-amz-security-token'];
      this.tenancy.authenticate(service, caller, typeof sessionToken === 'string' ? sessionToken : undefined);
      this.tenancy.authorize(service, operation, caller);
      if (this.faults.denied(iamAction(service, operation), caller)) {
        throw accessDenied(service, operation, caller);
      }
      const injected = this.faults.outageError(service);
      if (injected) throw new ServiceError(injected.code, `Injected ${injected.code}`, injected.statusCode);
      if (service === 'dynamodb' && this.dynamoDbEndpoint) {
        const answer = await this.forward(this.dynamoDbEndpoint, request, body, response);
        record(answer.statusCode, answer.errorCode);
        return;
      }
      this.faults.check(service, operation, caller);
      const output = this.dispatch(service, operation, input, caller);
      record(200);
      this.faults.succeeded(service, operation);
      writeSuccess(response, service, operation, output);
    } catch (error: unknown) {
      if (!(error instanceof ServiceError)) throw error;
      record(error.statusCode, error.code);
      writeError(response, service, error);
    }
  }

  /** Forwards a request unchanged and relays the answer; returns its status and error type. */
  private async forward(
    endpoint: string,
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
  ): Promise<{ statusCode: number; errorCode?: string }> {
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
    response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    response.end(text);
    return { statusCode: answer.status, ...(errorType ? { errorCode: errorType } : {}) };
  }

  /** The target's account (registered) and Region, defaults filled in. */
  private tenantOf(target: TenantTarget, what: string): Tenant {
    const accountId = target.accountId ?? this.centralAccountId;
    this.tenancy.requireAccount(accountId, what);
    return { accountId, region: target.region ?? DEFAULT_REGION };
  }

  /** The stores of one account and Region, created empty on first use. */
  private storesOf(tenant: Tenant): TenantStores {
    const key = `${tenant.accountId}/${tenant.region}`;
    let stores = this.tenants.get(key);
    if (!stores) {
      const ssm = new LocalSsm(this.now);
      const commands = new LocalCommands(this.now);
      const states = new LocalStepFunctions({ accountId: tenant.accountId, region: tenant.region }, this.now);
      stores = { ssm, commands, states, ssmOperations: { ...ssm.operations, ...commands.operations } };
      this.tenants.set(key, stores);
    }
    return stores;
  }

  /** Runs the operation; SSM's and Step Functions' against the stores of the caller's account and Region. */
  private dispatch(
    service: ServiceName,
    operation: string,
    input: Record<string, unknown>,
    caller: CallContext,
  ): Record<string, unknown> {
    const handler =
      service === 'ssm'
        ? this.storesOf(caller).ssmOperations[operation]
        : service === 'states'
          ? this.storesOf(caller).states.operations[operation]
          : this.apis[service]?.operations[operation];
    if (!handler) {
      throw new ServiceError(
        'UnknownOperationException',
        `The fake endpoint does not implement ${service}:${operation}`,
      );
    }
    return handler(input, caller);
  }
}
