import { EnvVar } from './metric-names';

export interface Config {
  readonly alertTopicArn: string;
  readonly metricNamespace: string;
  /** The function's region, for console links. */
  readonly region: string;
  /** The partition of the alert topic (`aws`, `aws-cn`, `aws-us-gov`), for console links. */
  readonly partition: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is not set; ${hint}`);
  return value;
}

/** Reads the function's settings once, at cold start; a missing value fails the init loudly. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const alertTopicArn = required(env, EnvVar.AlertTopicArn, 'the stack sets it on deploy');
  const arn = TOPIC_ARN.exec(alertTopicArn);
  if (!arn) {
    throw new ConfigError(
      `Environment variable ${EnvVar.AlertTopicArn} must be an SNS topic ARN, got "${alertTopicArn}"`,
    );
  }
  return {
    alertTopicArn,
    metricNamespace: required(env, EnvVar.MetricNamespace, 'the stack sets it on deploy'),
    region: required(env, 'AWS_REGION', 'the Lambda runtime sets it'),
    partition: arn[1] as string,
  };
}
