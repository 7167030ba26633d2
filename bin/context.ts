/**
 * CDK context (`cdk.json`, or `cdk deploy -c key=value`) turned into the stack's typed settings,
 * through the table of keys (`bin/context-keys.ts`): values parsed, channel keys checked to come
 * together, and which stack the app defines (single-account, Organization mode's central stack, or
 * a member stack). The constructs check the values.
 */
import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import type { MemberStackSettings } from '../lib/maintenance-window-monitor-stack';
import type { MaintenanceWindowMonitorProps } from '../lib/props';
import { MonitorPropsError } from '../lib/resolve-props';
import {
  CONTEXT_KEYS,
  type ContextKeyName,
  FormerContextKey,
  KEY_OF_PROP,
  KEY_SPECS,
  type KeySpec,
  keysOf,
  type Part,
} from './context-keys';

/** Reads one context value, as `app.node.tryGetContext` does. */
export type ContextReader = (key: string) => unknown;

/** The stacks the app defines, one at a time, chosen by the context. */
export const StackName = {
  /** The default: one account and Region. */
  Single: 'MaintenanceWindowMonitor',
  /** Organization mode's central stack (context organizationId). */
  Central: 'MaintenanceWindowMonitorOrg',
  /** An Organization member the StackSet cannot reach (context centralAccountId). */
  Member: 'MaintenanceWindowMonitorMember',
} as const;

/** The keys that make the app define each stack (it defines one at a time). */
const KEYS_OF_STACK = {
  [StackName.Single]: 'neither organizationId nor centralAccountId',
  [StackName.Central]: 'organizationId and regions',
  [StackName.Member]: 'organizationId and centralAccountId',
} as const;

/**
 * The app's note on stderr: the stack it defined, and the context each other stack needs. The CDK
 * CLI does not tell the app which stack was asked for, so `cdk synth MaintenanceWindowMonitorOrg`
 * without its context can only end in the CLI's "No stacks match": this note, printed before it,
 * says which keys were missing.
 */
export function stacksNote(defined: string): string {
  const others = Object.entries(KEYS_OF_STACK)
    .filter(([name]) => name !== defined)
    .map(([name, keys]) => `${name} needs context ${keys}`);
  return `This app defined ${defined}; ${others.join(', ')}.`;
}

/** Monitor props from context, plus the existing topic to import, which needs a scope to become one. */
export interface ContextSettings {
  readonly monitor: Omit<MaintenanceWindowMonitorProps, 'alertTopic'>;
  readonly alertTopicArn?: string;
  readonly alertTopicKeyArn?: string;
}

/**
 * The monitor's props with `validations` also run on the member template, which an Organization's
 * StackSet synthesizes in an App of its own (the app's plugins do not reach it).
 */
export function validatingMemberTemplate(
  monitor: ContextSettings['monitor'],
  validations: IPolicyValidationPlugin[],
): ContextSettings['monitor'] {
  const { organization } = monitor;
  return organization
    ? { ...monitor, organization: { ...organization, memberTemplateValidations: validations } }
    : monitor;
}

/** Context the app cannot use: the message names the key as the user typed it. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Keys the CDK CLI itself keeps in the context (`cdk acknowledge`, `cdk cli-telemetry`). */
const CDK_CLI_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/** Values longer than this are shown by their start and their length: the message stays short. */
const SHOWN_VALUE_CHARS = 80;

/** A context value as the user typed it: `-c` gives strings, cdk.json any JSON. */
export function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SHOWN_VALUE_CHARS
    ? `${text.slice(0, SHOWN_VALUE_CHARS)}… (${text.length} characters)`
    : text;
}

/** Edits (insertions, deletions, substitutions) from `a` to `b`, ignoring case. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  // Row i holds the edits from x's first i letters to each start of y (the indices stay in range).
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * Refuses context keys the app does not read (a typo would otherwise be ignored, silently) and
 * empty values. Keys with `@` or `:` are CDK's own (feature flags, `aws:cdk:...`, lookups in
 * cdk.context.json) and are not checked; neither are the CLI's own keys.
 */
export function checkContextKeys(context: Readonly<Record<string, unknown>>): void {
  const known: string[] = [...Object.keys(CONTEXT_KEYS), ...Object.keys(FormerContextKey)];
  for (const [key, value] of Object.entries(context)) {
    if (key.includes('@') || key.includes(':') || CDK_CLI_KEYS.has(key)) continue;
    if (!known.includes(key)) {
      const closest = [...known].sort((a, b) => distance(key, a) - distance(key, b))[0];
      throw new ContextError(
        `Context key ${key} is not one this app reads: did you mean ${closest}? ` +
          'The keys are listed in docs/configuration.md.',
      );
    }
    const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [value];
    if (items.every((item) => typeof item === 'string' && item.trim() === '')) {
      throw new ContextError(
        `Context ${key}=${showValue(value)} is refused: it is empty. Give it a value, or leave the key out.`,
      );
    }
  }
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

const FORMER_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FormerContextKey).map(([former, key]) => [key, former]),
);

/** The key as the user gave it: the key it replaced when only that one is given. */
function keyGiven(key: string, readContext: ContextReader): string {
  const former = FORMER_OF[key];
  return former !== undefined && readContext(key) === undefined && readContext(former) !== undefined
    ? former
    : key;
}

/** A key's value, parsed; undefined when it is not given; refused under the key as given. */
type ValueReader = (key: ContextKeyName) => unknown;

function valueReader(readContext: ContextReader): ValueReader {
  return (key) => {
    const given = keyGiven(key, readContext);
    const value = readContext(given);
    if (absent(value)) return undefined;
    return CONTEXT_KEYS[key].parse(value, (expected) => {
      throw new ContextError(`Context ${given}=${showValue(value)} is refused: expected ${expected}.`);
    });
  };
}

/** The values given of a part's keys (or of those `part` picks), each under its prop, as the prop takes it. */
function valuesOf(value: ValueReader, part: Part | ((spec: KeySpec) => boolean)): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of KEY_SPECS) {
    const picked = typeof part === 'string' ? spec.part === part : part(spec);
    const parsed = picked ? value(key) : undefined;
    if (parsed !== undefined) values[spec.prop] = spec.to ? spec.to(parsed as number) : parsed;
  }
  return values;
}

/** "Context a, b needs c." */
function needs(keys: readonly string[], needed: string): ContextError {
  return new ContextError(`Context ${keys.join(', ')} needs ${needed}.`);
}

/** The stack the app defines, and its settings. */
export type AppPlan =
  | {
      readonly stackName: typeof StackName.Single | typeof StackName.Central;
      readonly settings: ContextSettings;
    }
  | { readonly stackName: typeof StackName.Member; readonly member: MemberStackSettings };

/**
 * Which stack the context asks for: a member stack with centralAccountId (the central stack's
 * other keys are ignored then, so one cdk.json serves both), the central stack with
 * organizationId, the single-account stack otherwise.
 */
export function planFromContext(readContext: ContextReader): AppPlan {
  const member = memberSettingsFromContext(readContext);
  if (member) return { stackName: StackName.Member, member };
  const settings = settingsFromContext(readContext);
  return { stackName: settings.monitor.organization ? StackName.Central : StackName.Single, settings };
}

/** A member stack's settings, with centralAccountId; undefined without it. */
export function memberSettingsFromContext(readContext: ContextReader): MemberStackSettings | undefined {
  const value = valueReader(readContext);
  const [centralAccountId, centralRegion] = [value('centralAccountId'), value('centralRegion')];
  if (centralAccountId === undefined) {
    if (centralRegion !== undefined) throw needs(['centralRegion'], 'centralAccountId (a member stack)');
    return undefined;
  }
  if (value('organizationId') === undefined) throw needs(['centralAccountId'], 'organizationId');
  return valuesOf(
    value,
    (spec) => spec.part === 'member' || spec.member === true,
  ) as Partial<MemberStackSettings> as MemberStackSettings;
}

/** Maps CDK context onto settings; the construct validates the values themselves. */
export function settingsFromContext(readContext: ContextReader): ContextSettings {
  const value = valueReader(readContext);
  const monitor = valuesOf(value, 'monitor');
  const channels = {
    slackChannel: valuesOf(value, 'slackChannel'),
    teamsChannel: valuesOf(value, 'teamsChannel'),
  };
  for (const [channel, fields] of Object.entries(channels)) {
    // A channel's keys come together or not at all.
    const [given, keys] = [Object.keys(fields).length, keysOf(channel as Part)];
    if (given > 0 && given < keys.length) {
      throw new ContextError(`Context ${keys.join(', ')} must be given together.`);
    }
    if (given > 0) monitor[channel] = fields;
  }
  const settings = valuesOf(value, 'settings');
  if (settings.alertTopicKeyArn && !settings.alertTopicArn) {
    throw needs(['alertTopicKeyArn'], 'alertTopicArn');
  }
  // Organization mode, with organizationId. The keys a member stack reads too (rolePrefix) are
  // parsed first, and named last among those that need organizationId.
  const [organizationId] = [value('organizationId'), value('rolePrefix')];
  if (organizationId === undefined) {
    const shared = (key: ContextKeyName) => Number((CONTEXT_KEYS[key] as KeySpec).member === true);
    const keys = keysOf('organization').sort((a, b) => shared(a) - shared(b));
    const given = keys.filter((key) => key !== 'organizationId' && !absent(readContext(key)));
    if (given.length > 0) throw needs(given, 'organizationId');
  } else {
    if (value('regions') === undefined) throw needs(['organizationId'], 'regions');
    monitor.organization = valuesOf(value, 'organization');
  }
  return { ...settings, monitor } as ContextSettings;
}

/**
 * A construct's props error re-worded for the app's user: the context keys (as typed, an earlier
 * version's key included) and their values instead of the props, then what is expected.
 */
export function contextMessage(error: MonitorPropsError, readContext: ContextReader): string {
  let problem = error.problem;
  const keys = error.props.flatMap((prop) => {
    const key = KEY_OF_PROP[prop];
    if (typeof key === 'string') return [key];
    // `workspaceId "acme" is not ...` names the field: its own key takes the field's place.
    const [field, ...rest] = problem.split(' ') as [string, ...string[]];
    const fieldKey = key[field];
    if (fieldKey === undefined) return Object.values(key);
    problem = rest.join(' ');
    return [fieldKey];
  });
  const typed = keys.map((key) => {
    const given = keyGiven(key, readContext);
    const value = readContext(given);
    return value === undefined ? given : `${given}=${showValue(value)}`;
  });
  return `Context ${typed.join(' and ')} is refused: ${problem}.`;
}

/**
 * What the app prints when it stops: for bad input (context, props, CDK's own validation) the
 * message alone, re-worded with the context keys; for anything else (a bug) the stack trace too.
 */
export function appErrorMessage(error: unknown, readContext: ContextReader): string {
  if (error instanceof MonitorPropsError) return contextMessage(error, readContext);
  if (error instanceof ContextError) return error.message;
  if (error instanceof Error) return error.name === 'ValidationError' ? error.message : String(error.stack);
  return String(error);
}
