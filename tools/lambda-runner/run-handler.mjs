// Runs one Lambda handler from a bundle directory in this process, as the Node.js runtime does:
// `<file>.<export>`, CommonJS through require and ESM through import. Writes the outcome as JSON
// to the result file so the handler's own stdout stays a clean log stream.
//
// usage: node run-handler.mjs <assetDir> <handler> <eventFile> <resultFile> [requestId]
// The event file holds one event, or `{ "batch": [{ "event": ..., "requestId": "..." }, ...] }`
// for one warm container handling several invocations in turn; the result is then an array.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [assetDir, handlerSpec, eventFile, resultFile, singleRequestId] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);

function report(outcome) {
  const maxRssKb = process.resourceUsage().maxRSS;
  writeFileSync(resultFile, JSON.stringify({ nodeVersion: process.version, maxRssKb, ...outcome }));
}

function describe(error) {
  return { name: error?.name ?? typeof error, message: error?.message ?? String(error) };
}

async function load() {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = join(assetDir, moduleName + extension);
    if (!existsSync(file)) continue;
    return extension === '.mjs' ? import(pathToFileURL(file).href) : createRequire(import.meta.url)(file);
  }
  throw new Error(`No ${moduleName}.js, .mjs or .cjs in ${assetDir}`);
}

const initStart = performance.now();
let handler;
try {
  handler = (await load())[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerSpec} is not a function`);
} catch (error) {
  report({ ok: false, phase: 'init', error: describe(error) });
  process.exit(0);
}
const initMs = performance.now() - initStart;

const timeoutMs = Number(process.env.RUN_HANDLER_TIMEOUT_SECONDS ?? 120) * 1000;

function contextFor(requestId) {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

async function invoke(event, requestId) {
  try {
    return { ok: true, result: await handler(event, contextFor(requestId)) };
  } catch (error) {
    return { ok: false, phase: 'invoke', error: describe(error) };
  }
}

const input = JSON.parse(readFileSync(eventFile, 'utf8'));
if (Array.isArray(input?.batch)) {
  const outcomes = [];
  for (const { event, requestId } of input.batch) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const outcome = await invoke(event, requestId);
    const { user, system } = process.cpuUsage(cpu);
    outcomes.push({ requestId, ...outcome, ms: performance.now() - started, cpuMs: (user + system) / 1000 });
  }
  report({ ok: true, result: outcomes, initMs });
} else {
  report({ ...(await invoke(input, singleRequestId)), initMs });
}
