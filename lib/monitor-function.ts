/**
 * One of the monitor's two functions: the same bundle, entered through `index.handler` or
 * `index.sweep`, with its own role (log writes to its own log group only) and log group, the
 * build options `npm run bench` measured, and the construct's environment merged with the caller's.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const PROJECT_ROOT = path.join(__dirname, '..');

/**
 * Credential providers the SDK loads lazily, only when the environment holds no credentials. In
 * Lambda it always does (the execution role's keys), so they are left out of the bundle: ~90 KB
 * less to load at every cold start. Measured by `npm run bench`.
 */
export const LAZY_CREDENTIAL_MODULES = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
];

export interface MonitorFunctionProps
  extends Pick<nodejs.NodejsFunctionProps, 'description' | 'timeout' | 'environment'>,
    Partial<
      Pick<
        nodejs.NodejsFunctionProps,
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
}

/**
 * A monitor function. Its role and log group are its own (`role`, `logGroup`), but they are made
 * beside it in the construct tree, as `<id>Role` and `<id>Logs`, where the first release made
 * them: a change of path would change their logical IDs and replace them.
 */
export class MonitorFunction extends nodejs.NodejsFunction {
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
      entry: path.join(PROJECT_ROOT, 'lambda', 'handler.ts'),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      description: props.description,
      handler: props.handler,
      timeout: props.timeout ?? Duration.minutes(2),
      role,
      logGroup,
      // The function's own settings, and the caller's on top: merged, never replaced.
      environment: {
        POWERTOOLS_SERVICE_NAME: 'maintenance-window-monitor',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
      bundling: {
        // Bundle the pinned SDK rather than use the runtime's copy: what is tested is what runs.
        externalModules: LAZY_CREDENTIAL_MODULES,
        format: nodejs.OutputFormat.CJS,
        mainFields: ['module', 'main'],
        target: 'node24',
        minify: true,
        sourceMap: false,
        forceDockerBundling: false,
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
