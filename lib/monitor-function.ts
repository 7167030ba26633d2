/**
 * One of the monitor's functions: a prebuilt bundle (built by `scripts/build-asset.mjs` with the
 * options `npm run bench` measured), the monitor's (`assets/monitor`, entered through
 * `index.handler`, `index.sweep` or `index.sweepAccount`) or Organization mode's sweep planner
 * (`assets/org-planner`, `index.plan`), with its own role (log writes to its own log group only)
 * and log group, and the construct's environment merged with the caller's.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The bundles the package ships, by the export each function runs. */
const BUNDLE_OF = {
  handler: 'monitor',
  sweep: 'monitor',
  sweepAccount: 'monitor',
  plan: 'org-planner',
} as const;

/** A bundle's export a function runs: `index.<handler>`. */
export type BundleHandler = keyof typeof BUNDLE_OF;

/**
 * A prebuilt bundle's folder: `assets/<bundle>` at the package's root, the nearest folder above
 * this file with a package.json (this file runs from `lib/` in the repository and from
 * `dist/lib/` in the installed package).
 */
export function assetDirectory(bundle: (typeof BUNDLE_OF)[BundleHandler], from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  const asset = path.join(dir, 'assets', bundle);
  if (!existsSync(path.join(asset, 'index.js'))) {
    throw new Error(`The function's bundle is missing from ${asset}: run npm run build:asset`);
  }
  return asset;
}

/** How long the sweep function may run: one sweep of the account, or one member account (each of its Regions, a few at a time). */
export const SWEEP_TIMEOUT = Duration.minutes(10);

export interface MonitorFunctionProps
  extends Pick<lambda.FunctionProps, 'description' | 'timeout' | 'environment'>,
    Partial<
      Pick<
        lambda.FunctionProps,
        'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge' | 'onFailure'
      >
    > {
  /** The bundle's export this function runs; it decides the bundle too (`plan` is the planner's). */
  readonly handler: BundleHandler;
  /** What the role is for, in a sentence. */
  readonly roleDescription: string;
  /**
   * The role's physical name, for roles other accounts must know by name (Organization mode).
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  readonly logRetention: logs.RetentionDays;
  /** `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel: string;
  /** In MB. */
  readonly memorySize: number;
}

/**
 * A monitor function. Its role and log group are its own (`role`, `logGroup`), but they are made
 * beside it in the construct tree, as `<id>Role` and `<id>Logs`, where the first release made
 * them: a change of path would change their logical IDs and replace them.
 */
export class MonitorFunction extends lambda.Function {
  /** The execution role: log writes to its own log group (`logGroup`), and what the monitor grants. */
  public readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: MonitorFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.roleDescription,
      ...(props.roleName ? { roleName: props.roleName } : {}),
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      code: lambda.Code.fromAsset(assetDirectory(BUNDLE_OF[props.handler])),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      description: props.description,
      handler: `index.${props.handler}`,
      timeout: props.timeout ?? Duration.minutes(2),
      role,
      logGroup,
      // The function's own settings, and the caller's on top: merged, never replaced.
      environment: {
        POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      ...(props.maxEventAge ? { maxEventAge: props.maxEventAge } : {}),
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
    });
    this.executionRole = role;
  }
}

/**
 * How long CloudFormation waits for a custom resource `fn` serves: its timeout, and a minute. A
 * request it never answers (an init crash, a response that never reached CloudFormation) fails
 * the deploy then, not after CloudFormation's default hour.
 */
export function serviceTimeoutFor(fn: lambda.Function): Duration {
  return Duration.seconds((fn.timeout ?? Duration.seconds(3)).toSeconds() + 60);
}
