/**
 * The one way a test file starts the local AWS endpoint: `useLocalAws()` registers the hooks that
 * start it and local DynamoDB (dynalite) before the file's tests and stop both after them, adds
 * the topics and queues asked for, forwards DynamoDB through the endpoint (so its faults and its
 * record of calls cover the ledger too), and gives a client configuration and fresh ledger tables.
 *
 * ```ts
 * const aws = useLocalAws({ topics: [TOPIC_ARN] });
 * beforeEach(async () => { aws.fake.reset(); table = await aws.ledgerTable(); });
 * new SNSClient(aws.clientConfig({ maxAttempts: 1 }));
 * ```
 */
import { afterAll, beforeAll } from 'vitest';
import { LocalAws, type LocalDynamo, startDynamo } from '../../tools/local-aws';

export interface LocalAwsSetup {
  /** Topics of the central account to create. @default none */
  readonly topics?: readonly string[];
  /** Names of queues of the central account to create (see `LocalAws.queueUrl`). @default none */
  readonly queues?: readonly string[];
  /**
   * Whether DynamoDB calls go through the endpoint (recorded, and failed on cue) rather than
   * straight to dynalite. @default true
   */
  readonly forwardDynamoDb?: boolean;
}

/** An SDK client's configuration for the local endpoint, signed as the central account. */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

export interface LocalAwsHandle {
  /** The endpoint; only valid inside the file's tests and hooks. */
  readonly fake: LocalAws;
  /** Local DynamoDB; only valid inside the file's tests and hooks. */
  readonly dynamo: LocalDynamo;
  /** The queue URL of each queue asked for, by name. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** A client configuration for the endpoint, with `overrides` (say `{ maxAttempts: 1 }`). */
  clientConfig(overrides?: Partial<LocalClientConfig>): LocalClientConfig;
  /** Creates a ledger table (a fresh one each call) and returns its name. */
  ledgerTable(): Promise<string>;
}

/** Starts the endpoint and local DynamoDB as `setup` says; call `stop` when done (scripts). */
export async function startLocalAws(
  setup: LocalAwsSetup = {},
): Promise<LocalAwsHandle & { stop(): Promise<void> }> {
  const fake = await LocalAws.start();
  const dynamo = await startDynamo();
  for (const topic of setup.topics ?? []) fake.addTopic(topic);
  const queueUrls: Record<string, string> = {};
  for (const name of setup.queues ?? []) {
    queueUrls[name] = fake.queueUrl(name);
    fake.addQueue(fake.queueUrl(name));
  }
  if (setup.forwardDynamoDb ?? true) fake.forwardDynamoDb(dynamo.endpoint);
  return {
    fake,
    dynamo,
    queueUrls,
    clientConfig: (overrides = {}) => ({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDCENTRAL', secretAccessKey: 'secret' },
      ...overrides,
    }),
    ledgerTable: () => dynamo.createLedgerTable(),
    async stop() {
      await fake.stop();
      await dynamo.stop();
    },
  };
}

/**
 * Starts the endpoint and local DynamoDB before the file's (or the enclosing describe's) tests and
 * stops them after: a handle whose members are valid from the first `beforeAll` registered after
 * this call on.
 */
export function useLocalAws(setup: LocalAwsSetup = {}): LocalAwsHandle {
  let started: (LocalAwsHandle & { stop(): Promise<void> }) | undefined;
  const get = (): LocalAwsHandle => {
    if (!started) throw new Error('The local AWS endpoint is used outside the tests and hooks of its file');
    return started;
  };
  beforeAll(async () => {
    started = await startLocalAws(setup);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get fake() {
      return get().fake;
    },
    get dynamo() {
      return get().dynamo;
    },
    get queueUrls() {
      return get().queueUrls;
    },
    clientConfig: (overrides) => get().clientConfig(overrides),
    ledgerTable: () => get().ledgerTable(),
  };
}
