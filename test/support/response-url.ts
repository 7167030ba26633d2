/**
 * CloudFormation's side of a custom resource: a local response URL that keeps every response
 * body a function PUTs to it, for tests of the custom resources the functions serve.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface ResponseUrl {
  /** The URL to put in the request's `ResponseURL`. */
  readonly url: string;
  /** The responses received since the current test began. */
  readonly responses: Record<string, unknown>[];
}

/** Starts the URL for the enclosing `describe` (stopped after it); responses start empty per test. */
export function useResponseUrl(): ResponseUrl {
  let server: Server;
  const state = { url: '', responses: [] as Record<string, unknown>[] };
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        state.responses.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    state.responses.length = 0;
  });
  return state;
}
