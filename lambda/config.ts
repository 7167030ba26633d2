import { EnvVar } from './metric-names';

export interface Config {
  readonly alertTopicArn: string;
  readonly metricNamespace: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is not set; the stack sets it on deploy`);
  return value;
}

/** Reads the function's settings once, at cold start; a missing value fails the init loudly. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const alertTopicArn = required(env, EnvVar.AlertTopicArn);
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(alertTopicArn)) {
    throw new ConfigError(
      `Environment variable ${EnvVar.AlertTopicArn} must be an SNS topic ARN, got "${alertTopicArn}"`,
    );
  }
  return { alertTopicArn, metricNamespace: required(env, EnvVar.MetricNamespace) };
}
