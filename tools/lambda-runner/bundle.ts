/**
 * Reads the Lambda functions out of a synthesized cloud assembly and invokes their bundled code
 * (not the TypeScript source) in a fresh Node.js process, with the environment the template gives
 * them, against the local AWS endpoint.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface DeployedFunction {
  readonly logicalId: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly assetDir: string;
  /** IAM actions the function's role allows, from the inline policies attached to it. */
  readonly allowedActions: readonly string[];
  /** Environment variables as the template has them: literals, or intrinsics such as `{ Ref }`. */
  readonly environment: Record<string, unknown>;
}

interface FunctionProperties {
  Handler: string;
  Runtime: string;
  MemorySize?: number;
  Timeout?: number;
  Code?: { S3Key?: unknown };
  Environment?: { Variables?: Record<string, unknown> };
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

interface Template {
  Resources: Record<
    string,
    { Type: string; Properties: FunctionProperties & { PolicyDocument?: { Statement: PolicyStatement[] } } }
  >;
}

interface Manifest {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

interface AssetManifest {
  files?: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The CloudFormation templates of every stack in the assembly. */
export function stackTemplates(assemblyDir: string): Record<string, unknown>[] {
  const manifest = readJson<Manifest>(path.join(assemblyDir, 'manifest.json'));
  return Object.values(manifest.artifacts).flatMap((artifact) => {
    const templateFile = artifact.properties?.templateFile;
    return artifact.type === 'aws:cloudformation:stack' && templateFile
      ? [readJson<Record<string, unknown>>(path.join(assemblyDir, templateFile))]
      : [];
  });
}

/** Every `AWS::Lambda::Function` of every stack in the assembly, with its asset directory. */
export function deployedFunctions(assemblyDir: string): DeployedFunction[] {
  const manifest = readJson<Manifest>(path.join(assemblyDir, 'manifest.json'));
  const assetDirs = assetDirectoriesByObjectKey(assemblyDir);
  const functions: DeployedFunction[] = [];
  for (const artifact of Object.values(manifest.artifacts)) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || !templateFile) continue;
    const template = readJson<Template>(path.join(assemblyDir, templateFile));
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const props = resource.Properties;
      const assetDir = assetDirs.get(String(props.Code?.S3Key));
      if (!assetDir)
        throw new Error(`${logicalId}: no asset in the assembly for ${JSON.stringify(props.Code)}`);
      const role = (props as { Role?: { 'Fn::GetAtt'?: string[] } }).Role?.['Fn::GetAtt']?.[0];
      functions.push({
        logicalId,
        allowedActions: allowedActions(template, role),
        handler: props.Handler,
        runtime: props.Runtime,
        memorySize: props.MemorySize ?? 128,
        timeoutSeconds: props.Timeout ?? 3,
        assetDir,
        environment: props.Environment?.Variables ?? {},
      });
    }
  }
  return functions;
}

/** The IAM actions the role of the function with `handler` allows, in a template's JSON. */
export function allowedActionsOf(templateJson: Record<string, unknown>, handler: string): string[] {
  const template = templateJson as unknown as Template;
  const fn = Object.values(template.Resources).find(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === handler,
  );
  const role = (fn?.Properties as { Role?: { 'Fn::GetAtt'?: string[] } } | undefined)?.Role?.[
    'Fn::GetAtt'
  ]?.[0];
  if (!role) throw new Error(`No function with handler ${handler} in the template`);
  return allowedActions(template, role);
}

function allowedActions(template: Template, role: string | undefined): string[] {
  const actions = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    const roles = (resource.Properties as { Roles?: { Ref?: string }[] }).Roles ?? [];
    if (resource.Type !== 'AWS::IAM::Policy' || !roles.some((r) => r.Ref === role)) continue;
    for (const statement of resource.Properties.PolicyDocument?.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return [...actions].sort();
}

function assetDirectoriesByObjectKey(assemblyDir: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const file of readdirSync(assemblyDir).filter((name) => name.endsWith('.assets.json'))) {
    const assets = readJson<AssetManifest>(path.join(assemblyDir, file));
    for (const asset of Object.values(assets.files ?? {})) {
      for (const destination of Object.values(asset.destinations)) {
        dirs.set(destination.objectKey, path.join(assemblyDir, asset.source.path));
      }
    }
  }
  return dirs;
}

/** Total size in bytes of the files in a bundle directory. */
export function bundleBytes(assetDir: string): number {
  return readdirSync(assetDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/**
 * The function's environment with every non-literal value replaced from `values`; a value the
 * template computes at deploy time and the caller did not supply is an error, so a variable the
 * code needs cannot silently go missing.
 */
export function resolveEnvironment(
  fn: DeployedFunction,
  values: Record<string, string>,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (name in values) resolved[name] = values[name] as string;
    else if (typeof value === 'string') resolved[name] = value;
    else
      throw new Error(
        `${fn.logicalId}: environment variable ${name} is ${JSON.stringify(value)}; supply a value`,
      );
  }
  return resolved;
}

export interface LogLine {
  readonly level?: string;
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface Invocation {
  readonly ok: boolean;
  readonly phase?: 'init' | 'invoke';
  /** How Lambda ended the process before the handler returned (see `InvokeOptions.end`). */
  readonly ended?: 'timeout' | 'crash';
  readonly result?: unknown;
  readonly error?: { name: string; message: string };
  readonly nodeVersion: string;
  readonly initMs?: number;
  /** Peak resident set size of the process, in KiB. */
  readonly maxRssKb: number;
  /** The process's stdout and stderr, as CloudWatch Logs would receive them. */
  readonly output: string;
  /** The lines of `output` that are JSON (Powertools' structured logs). */
  readonly logs: LogLine[];
}

export interface InvokeOptions {
  readonly fn: DeployedFunction;
  readonly event: unknown;
  /** Function environment (from `resolveEnvironment`); replaces the template's entirely. */
  readonly environment: Record<string, string>;
  /** The local AWS endpoint every SDK client is pointed at. */
  readonly endpoint: string;
  /** The Node.js binary; the tests' own, which `npm test` makes the project's Node 24. */
  readonly nodeBinary?: string;
  /** The invocation's request ID (Lambda's retries of an invocation keep it). @default a fresh UUID */
  readonly requestId?: string;
  /**
   * Ends the process from outside when `signal` aborts, as Lambda does: `'timeout'` at the
   * function's timeout (Lambda logs `Task timed out`), `'crash'` when it runs out of memory or the
   * runtime dies. The test decides when (say, once a call it holds at the endpoint is reached), so
   * the timeout is emulated at a known point without waiting for it.
   */
  readonly end?: { readonly signal: AbortSignal; readonly as: 'timeout' | 'crash' };
}

/** The runner script, next to this file. */
const RUNNER = path.join(__dirname, 'run-handler.mjs');

/** Runs the handler once in a new process, as a cold Lambda invocation would. */
export async function invokeBundle(options: InvokeOptions): Promise<Invocation> {
  const { fn } = options;
  const work = await mkdtemp(path.join(tmpdir(), 'mwm-invoke-'));
  try {
    const eventFile = path.join(work, 'event.json');
    const resultFile = path.join(work, 'result.json');
    await writeFile(eventFile, JSON.stringify(options.event));
    const end = options.end;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        options.nodeBinary ?? process.execPath,
        [
          RUNNER,
          fn.assetDir,
          fn.handler,
          eventFile,
          resultFile,
          ...(options.requestId ? [options.requestId] : []),
        ],
        {
          cwd: fn.assetDir,
          timeout: processTimeoutMs(fn, options.event),
          maxBuffer: 64 * 1024 * 1024,
          ...(end ? { signal: end.signal, killSignal: 'SIGKILL' as const } : {}),
          env: {
            // What the Lambda runtime sets, then the function's own variables; nothing inherited.
            AWS_REGION: 'us-east-1',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'AKIDLOCALLOCALLOCAL0',
            AWS_SECRET_ACCESS_KEY: 'local-secret',
            AWS_SESSION_TOKEN: 'local-session',
            AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
            AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
            AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
            LAMBDA_TASK_ROOT: fn.assetDir,
            TZ: 'UTC',
            RUN_HANDLER_TIMEOUT_SECONDS: String(fn.timeoutSeconds),
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_ENDPOINT_URL: options.endpoint,
            ...options.environment,
          },
        },
        (error, stdout, stderr) => {
          if (error && !end?.signal.aborted) {
            reject(new Error(`${fn.handler} process failed: ${error.message}\n${stdout}${stderr}`));
          } else resolve(stdout + stderr);
        },
      );
    });
    if (end?.signal.aborted) {
      const ended = await readFile(resultFile, 'utf8').catch(() => undefined);
      if (ended === undefined) {
        // What Lambda itself writes to the function's log when it ends an invocation.
        const line =
          end.as === 'timeout'
            ? `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`
            : 'Error: Runtime exited with error: signal: killed';
        return {
          ok: false,
          phase: 'invoke',
          ended: end.as,
          nodeVersion: '',
          maxRssKb: 0,
          output: `${output}${line}\n`,
          logs: parseLogs(output),
        };
      }
    }
    const outcome = JSON.parse(await readFile(resultFile, 'utf8')) as Omit<Invocation, 'output' | 'logs'>;
    return { ...outcome, output, logs: parseLogs(output) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * How long the runner's process may take for `event`: the function's timeout for each invocation
 * (one, or each event of a batch, which a warm container takes in turn), plus 10 s for start-up.
 * A batch is never cut short for being slow as a whole, however busy the machine.
 */
export function processTimeoutMs(fn: Pick<DeployedFunction, 'timeoutSeconds'>, event: unknown): number {
  const batch = (event as { batch?: unknown } | null)?.batch;
  const invocations = Array.isArray(batch) ? Math.max(1, batch.length) : 1;
  return (fn.timeoutSeconds * invocations + 10) * 1000;
}

function parseLogs(output: string): LogLine[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}
