/**
 * The wire protocols the local endpoint speaks, and nothing else: which service a request is for
 * (the SigV4 credential scope), decoding a request (AWS JSON 1.0/1.1 bodies, AWS Query forms) and
 * writing a success or an error the way each service's SDK client parses it (JSON, or XML for SNS,
 * with CloudWatch's query-compatible error header).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Service names as they appear in the SigV4 credential scope. */
export type ServiceName = 'ssm' | 'monitoring' | 'sns' | 'dynamodb';

/** One operation of a service: the decoded request in, the output to encode out. */
export type OperationHandler = (input: Record<string, unknown>) => Record<string, unknown>;

/** An error the service answers with: its code, message and HTTP status. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** The service a request is signed for, from its `Authorization` header; unsigned or other: undefined. */
export function signingService(authorization: string | undefined): ServiceName | undefined {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(authorization ?? '');
  const service = scope?.[1];
  return service === 'ssm' || service === 'monitoring' || service === 'sns' || service === 'dynamodb'
    ? service
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

export function decodeRequest(
  service: ServiceName,
  request: IncomingMessage,
  body: Buffer,
): { operation: string; input: Record<string, unknown> } {
  if (service === 'sns') {
    const form = new URLSearchParams(body.toString('utf8'));
    return { operation: form.get('Action') ?? 'Unknown', input: nestForm(form) };
  }
  const operation = targetOperation(request) || 'Unknown';
  const text = body.toString('utf8');
  return { operation, input: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
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
  if (service === 'sns') {
    const fields = Object.entries(output)
      .map(([key, value]) => `<${key}>${escapeXml(String(value))}</${key}>`)
      .join('');
    response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      `<${operation}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
        `<${operation}Result>${fields}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
    );
    return;
  }
  const contentType = service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  response.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId });
  response.end(JSON.stringify(output));
}

export function writeError(response: ServerResponse, service: ServiceName, error: ServiceError): void {
  const requestId = randomUUID();
  if (service === 'sns') {
    response.writeHead(error.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
        `<Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  const headers: Record<string, string> = {
    'content-type': service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
  };
  if (service === 'monitoring') headers['x-amzn-query-error'] = `${error.code};Sender`;
  response.writeHead(error.statusCode, headers);
  response.end(JSON.stringify({ __type: error.code, message: error.message }));
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
