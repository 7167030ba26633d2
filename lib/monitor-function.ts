/**
 * One of the monitor's two functions: the same prebuilt bundle (`assets/monitor`, built by
 * `scripts/build-asset.mjs` with the options `npm run bench` measured), entered through
 * `index.handler` or `index.sweep`, with its own role (log writes to its own log group only) and
 * log group, and the construct's environment merged with the caller's.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The prebuilt bundle's folder: `assets/monitor` at the package's root, the nearest folder above
 * this file with a package.json (this file runs from `lib/` in the repository and from
 * `dist/lib/` in the installed package).
 */
function assetDirectory(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  const asset = path.join(dir, 'assets', 'monitor');
  if (!existsSync(path.join(asset, 'index.js'))) {
    throw new Error(`The function's bundle is missing from ${asset}: run npm run build:asset`);
  }
  return asset;
}

export interface MonitorFunctionProps
  extends Pick<lambda.FunctionProps, 'description' | 'timeout' | 'environment'>,
    Partial<
      Pick<
        lambda.FunctionProps,
        'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge' | 'onFailure'
      >
    > {
  /** The bundle's export this function runs: `handler` or `sweep`. */
  readonly handler: 'handler' | 'sweep';
  /** What the role is for, in a sentence. */
  readonly roleDescription: string;
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
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      code: lambda.Code.fromAsset(assetDirectory()),
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
