/**
 * The wire protocols the local endpoint speaks, and nothing else: who signed a request and for which
 * service and Region (the SigV4 credential scope), decoding a request (AWS JSON 1.0/1.1 bodies, Step Functions' among them, AWS
 * Query forms) and writing a success or an error the way each service's SDK client parses it (JSON,
 * or XML for SNS and STS, with the query-compatible error header of CloudWatch and SQS).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Service names as they appear in the SigV4 credential scope. */
export type ServiceName =
  | 'ssm'
  | 'states'
  | 'monitoring'
  | 'sns'
  | 'dynamodb'
  | 'sts'
  | 'organizations'
  | 'sqs';

/** Who signed a request, and for which Region: what every operation may look at besides its input. */
export interface CallContext {
  /** The account whose credentials signed the request. */
  readonly accountId: string;
  /** The Region of the SigV4 credential scope. */
  readonly region: string;
  /** The signer: an assumed-role session's ARN, or the central account's own principal. */
  readonly principalArn: string;
  /** Whether the credentials are ones STS `AssumeRole` issued here (a member session). */
  readonly assumed: boolean;
  /** The access key ID that signed the request. */
  readonly accessKeyId: string;
}

/** One operation of a service: the decoded request and its signer in, the output to encode out. */
export type OperationHandler = (
  input: Record<string, unknown>,
  context: CallContext,
) => Record<string, unknown>;

/** An error the service answers with: its code, message and HTTP status. */
export class ServiceError extends Error {
  /**
   * @param queryCode the code a query-compatible JSON service (CloudWatch, SQS) also sends in its
   *   `x-amzn-query-error` header, which the SDK prefers; `code` when omitted
   */
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    readonly queryCode = code,
  ) {
    super(message);
  }
}

/** The parts of a SigV4 `Authorization` header the endpoint routes and authenticates by. */
export interface Signature {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: ServiceName;
}

const SERVICES = new Set<string>([
  'ssm',
  'states',
  'monitoring',
  'sns',
  'dynamodb',
  'sts',
  'organizations',
  'sqs',
]);

/** The signer and scope of a request, from its `Authorization` header; unsigned or another service: undefined. */
export function signatureOf(authorization: string | undefined): Signature | undefined {
  const scope = /Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(
    authorization ?? '',
  );
  const [, accessKeyId, region, service] = scope ?? [];
  return accessKeyId && region && service && SERVICES.has(service)
    ? { accessKeyId, region, service: service as ServiceName }
    : undefined;
}

/** The operation (`X-Amz-Target` after the dot) of a JSON protocol request. */
export function targetOperation(request: IncomingMessage): string {
  const target = String(request.headers['x-amz-target'] ?? '');
  return target.slice(target.indexOf('.') + 1);
}

/** A JSON protocol body; an empty one is `{}`. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
}

/** How each service encodes its responses and errors. */
type Protocol =
  | { readonly kind: 'query'; readonly xmlns: string }
  | {
      readonly kind: 'json';
      readonly version: '1.0' | '1.1';
      /** Sends `x-amzn-query-error: <code>;<Sender|Receiver>` with every error. */
      readonly queryCompatible?: boolean;
      /** Prefixes `__type` with the service's Smithy namespace, as SQS does. */
      readonly errorNamespace?: string;
    };

const PROTOCOLS: Record<ServiceName, Protocol> = {
  ssm: { kind: 'json', version: '1.1' },
  states: { kind: 'json', version: '1.0' },
  organizations: { kind: 'json', version: '1.1' },
  dynamodb: { kind: 'json', version: '1.0' },
  monitoring: { kind: 'json', version: '1.0', queryCompatible: true },
  sqs: { kind: 'json', version: '1.0', queryCompatible: true, errorNamespace: 'com.amazonaws.sqs' },
  sns: { kind: 'query', xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/' },
  sts: { kind: 'query', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/' },
};

export function decodeRequest(
  service: ServiceName,
  request: IncomingMessage,
  body: Buffer,
): { operation: string; input: Record<string, unknown> } {
  if (PROTOCOLS[service].kind === 'query') {
    const form = new URLSearchParams(body.toString('utf8'));
    return { operation: form.get('Action') ?? 'Unknown', input: nestForm(form) };
  }
  return { operation: targetOperation(request) || 'Unknown', input: parseJsonBody(body) };
}

/** Turns AWS Query fields (`A.entry.1.Name=x`) into nested objects (`{A: {entry: {1: {Name: x}}}}`). */
export function nestForm(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const parts = key.split('.');
    let node = root;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) {
        node[part] = value;
      } else {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
    });
  }
  return root;
}

export function writeSuccess(
  response: ServerResponse,
  service: ServiceName,
  operation: string,
  output: Record<string, unknown>,
): void {
  const requestId = randomUUID();
  const protocol = PROTOCOLS[service];
  if (protocol.kind === 'query') {
    response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      `<${operation}Response xmlns="${protocol.xmlns}">` +
        `<${operation}Result>${toXml(output)}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
    );
    return;
  }
  response.writeHead(200, {
    'content-type': `application/x-amz-json-${protocol.version}`,
    'x-amzn-requestid': requestId,
  });
  response.end(JSON.stringify(output));
}

export function writeError(response: ServerResponse, service: ServiceName, error: ServiceError): void {
  const requestId = randomUUID();
  const protocol = PROTOCOLS[service];
  const type = error.statusCode >= 500 ? 'Receiver' : 'Sender';
  if (protocol.kind === 'query') {
    response.writeHead(error.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      `<ErrorResponse xmlns="${protocol.xmlns}">` +
        `<Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${protocol.version}`,
    'x-amzn-requestid': requestId,
  };
  if (protocol.queryCompatible) headers['x-amzn-query-error'] = `${error.queryCode};${type}`;
  const errorType = protocol.errorNamespace ? `${protocol.errorNamespace}#${error.code}` : error.code;
  response.writeHead(error.statusCode, headers);
  response.end(JSON.stringify({ __type: errorType, message: error.message }));
}

/** An AWS Query result: one element per field, nested objects as nested elements. */
function toXml(output: Record<string, unknown>): string {
  return Object.entries(output)
    .map(([key, value]) => {
      const content =
        typeof value === 'object' && value !== null
          ? toXml(value as Record<string, unknown>)
          : escapeXml(String(value));
      return `<${key}>${content}</${key}>`;
    })
    .join('');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
