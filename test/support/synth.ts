/**
 * The template of the app's monitor stack for a set of props, synthesized once per props set and
 * shared by every test that reads it (tests only read a template). Props that cannot be told
 * apart by value (a construct, a plugin) are synthesized afresh each time.
 */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  MaintenanceWindowMonitorStack,
  type MaintenanceWindowMonitorStackProps,
} from '../../lib/maintenance-window-monitor-stack';

const templates = new Map<string, Template>();

/** A key that tells props sets apart by value, or undefined when some value has no such key. */
export function propsKey(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value !== 'object')
    return JSON.stringify(value) ?? 'undefined';
  if (value instanceof Duration) return `Duration(${value.toIsoString()})`;
  const entries: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const key = propsKey(item);
      if (key === undefined) return undefined;
      entries.push(key);
    }
    return `[${entries.join(',')}]`;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  for (const [name, item] of Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) {
    const key = propsKey(item);
    if (key === undefined) return undefined;
    entries.push(`${JSON.stringify(name)}:${key}`);
  }
  return `{${entries.join(',')}}`;
}

/** The stack `stackId` with `props`, without bundling the functions: the template, not the code. */
export function synthStack(stackId: string, props: MaintenanceWindowMonitorStackProps = {}): Template {
  const key = propsKey(props);
  const cached = key === undefined ? undefined : templates.get(`${stackId}|${key}`);
  if (cached) return cached;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new MaintenanceWindowMonitorStack(app, stackId, props));
  if (key !== undefined) templates.set(`${stackId}|${key}`, template);
  return template;
}
