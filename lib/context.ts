import type { MaintenanceWindowMonitorProps, Reporting } from './maintenance-window-monitor';

/** Reads one context value, as `app.node.tryGetContext` does. */
export type ContextReader = (key: string) => unknown;

/** Context keys `bin/app.ts` accepts (`cdk.json` or `cdk deploy -c key=value`). */
export const ContextKey = {
  AlertEmails: 'alertEmails',
  MetricNamespace: 'metricNamespace',
  Reporting: 'reporting',
} as const;

function stringList(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // `-c alertEmails=a@x.com,b@y.com` arrives as one string; cdk.json can hold a JSON array.
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Error(`Context ${key} must be a comma-separated string or an array of strings`);
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
}

function optionalString(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string`);
  return value;
}

/** Maps CDK context onto construct props; the construct validates the values themselves. */
export function monitorPropsFromContext(read: ContextReader): MaintenanceWindowMonitorProps {
  const alertEmails = stringList(ContextKey.AlertEmails, read(ContextKey.AlertEmails));
  const metricNamespace = optionalString(ContextKey.MetricNamespace, read(ContextKey.MetricNamespace));
  const reporting = optionalString(ContextKey.Reporting, read(ContextKey.Reporting));
  return {
    ...(alertEmails ? { alertEmails } : {}),
    ...(metricNamespace ? { metricNamespace } : {}),
    ...(reporting ? { reporting: reporting as Reporting } : {}),
  };
}
