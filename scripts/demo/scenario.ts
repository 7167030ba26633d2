/**
 * What a demo scenario is: a value naming the stack to synthesize, how it seeds the local AWS
 * endpoint, the invocations it makes of the synthesized bundles, and what it prints. The runner
 * (`./index.ts`) gives every scenario the same stage: the local endpoint with dynalite as its
 * DynamoDB, a ledger table, and the functions of the synthesized cloud assembly.
 */
import type { DeployedFunction, Invocation } from '../../tools/lambda-runner/bundle';
import type { LocalAws, PublishedMessage } from '../../tools/local-aws';

/** What a scenario plays on, set up and torn down by the runner. */
export interface Stage {
  readonly aws: LocalAws;
  /** The ledger table, created in the local DynamoDB. */
  readonly ledgerTable: string;
  /** The synthesized function with this handler (`index.handler`, `index.plan`, ...). */
  fn(handler: string): DeployedFunction;
  /**
   * Runs the synthesized function with this handler once, in a fresh Node process, against the
   * local endpoint: its environment is the template's with `values` supplied, plus `extra`.
   */
  invoke(
    handler: string,
    event: unknown,
    values: Record<string, string>,
    extra?: Record<string, string>,
  ): Promise<Invocation>;
}

export interface Scenario<Seeded = unknown, Played = unknown> {
  /** The one word that picks it: `npm run demo -- <name>`. */
  readonly name: string;
  readonly summary: string;
  /** The CDK context of the stack it synthesizes (`cdk synth -c key=value`). */
  readonly context: Record<string, string>;
  /** The line written to stderr while it synthesizes. */
  readonly synthesizing: string;
  /** Puts its accounts, windows, runs, topics and queues on the local endpoint. */
  seed(stage: Stage): Promise<Seeded>;
  /** Invokes the synthesized functions. */
  play(stage: Stage, seeded: Seeded): Promise<Played>;
  /** What the demo prints, line by line. */
  print(stage: Stage, played: Played): string[];
}

export const RULE = '-'.repeat(100);

/** An alert as e-mail shows it, between two rules. */
export function emailOf(alert: PublishedMessage): string[] {
  return [RULE, `Subject: ${alert.subject}`, '', alert.message.trimEnd(), RULE];
}

/** The message attributes subscribers receive (for filter policies), as `name=value, ...`. */
export function attributesOf(alert: PublishedMessage): string {
  return Object.entries(alert.deliveredAttributes)
    .map(([name, value]) => `${name}=${value.StringValue}`)
    .join(', ');
}
