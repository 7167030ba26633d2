/**
 * The SQS part of the local endpoint: the queues it knows, `SendMessage` and `SendMessageBatch`
 * with SQS's batch rules (1-10 entries, distinct IDs of at most 80 word characters or hyphens, 1 MiB
 * in all), the message checksums the SDK verifies, and entries made to fail on request. Its rules
 * are copied from AWS's API reference on purpose, not imported from the code under test.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type OperationHandler, ServiceError } from './protocols';

/** A message SQS accepted. */
export interface SentMessage {
  readonly queueUrl: string;
  readonly messageId: string;
  readonly body: string;
}

interface MessageAttribute {
  readonly DataType?: string;
  readonly StringValue?: string;
  /** Base64, as the JSON protocol sends blobs. */
  readonly BinaryValue?: string;
}

/** Since August 2025 a message, and a whole batch, may be up to 1 MiB. */
const MAX_PAYLOAD_BYTES = 1_048_576;
const MAX_BATCH_ENTRIES = 10;
const BATCH_ENTRY_ID = /^[\w-]{1,80}$/;
export class LocalSqs {
  /** Every message SQS accepted. */
  readonly messages: SentMessage[] = [];

  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    SendMessage: (i) => this.sendMessage(i),
    SendMessageBatch: (i) => this.sendMessageBatch(i),
  };

  private readonly queues = new Set<string>();
  private readonly failingIds = new Set<string>();

  /** Makes sending to this URL succeed; any other queue does not exist. */
  addQueue(queueUrl: string): void {
    this.queues.add(queueUrl);
  }

  /** Batch entries with these IDs land in `Failed` (an internal error) until cleared; `undefined` clears. */
  failEntries(ids: readonly string[] | undefined): void {
    this.failingIds.clear();
    for (const id of ids ?? []) this.failingIds.add(id);
  }

  private sendMessage(input: Record<string, unknown>): Record<string, unknown> {
    const queueUrl = this.queueOf(input);
    const body = requiredBody(input.MessageBody);
    const attributes = (input.MessageAttributes ?? {}) as Record<string, MessageAttribute>;
    const bytes = payloadBytes(body, attributes);
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw sqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_PAYLOAD_BYTES} bytes.`,
      );
    }
    if (!validBody(body)) throw sqsError('InvalidMessageContents', INVALID_CONTENTS);
    return this.accept(queueUrl, body, attributes);
  }

  private sendMessageBatch(input: Record<string, unknown>): Record<string, unknown> {
    const queueUrl = this.queueOf(input);
    const entries = (Array.isArray(input.Entries) ? input.Entries : []) as Record<string, unknown>[];
    checkBatch(entries);
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const entry of entries) {
      const id = String(entry.Id);
      const body = String(entry.MessageBody);
      if (this.failingIds.has(id)) {
        failed.push({ Id: id, SenderFault: false, Code: 'InternalError', Message: 'Injected failure' });
      } else if (!validBody(body)) {
        failed.push({ Id: id, SenderFault: true, Code: 'InvalidMessageContents', Message: INVALID_CONTENTS });
      } else {
        const attributes = (entry.MessageAttributes ?? {}) as Record<string, MessageAttribute>;
        successful.push({ Id: id, ...this.accept(queueUrl, body, attributes) });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  /** The request's queue; an unknown one is `QueueDoesNotExist`. */
  private queueOf(input: Record<string, unknown>): string {
    const queueUrl = input.QueueUrl;
    if (typeof queueUrl !== 'string' || !this.queues.has(queueUrl)) {
      throw new ServiceError(
        'QueueDoesNotExist',
        'The specified queue does not exist.',
        400,
        'AWS.SimpleQueueService.NonExistentQueue',
      );
    }
    return queueUrl;
  }

  /** Keeps the message and answers its ID and checksums. */
  private accept(
    queueUrl: string,
    body: string,
    attributes: Record<string, MessageAttribute>,
  ): Record<string, unknown> {
    const messageId = randomUUID();
    this.messages.push({ queueUrl, messageId, body });
    return {
      MessageId: messageId,
      MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex'),
      ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: attributesMd5(attributes) } : {}),
    };
  }
}

const INVALID_CONTENTS =
  'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

/** The whole-request rules of a batch: its size, its entry IDs, their bodies and the total payload. */
function checkBatch(entries: readonly Record<string, unknown>[]): void {
  if (entries.length === 0) {
    throw sqsError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. ' +
          'It can be at most 80 letters long.',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    }
    if (seen.has(id)) {
      throw sqsError(
        'BatchEntryIdsNotDistinct',
        `Id ${id} repeated.`,
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      );
    }
    seen.add(id);
    requiredBody(entry.MessageBody);
  }
  const bytes = entries.reduce(
    (sum, entry) =>
      sum +
      payloadBytes(
        String(entry.MessageBody ?? ''),
        (entry.MessageAttributes ?? {}) as Record<string, MessageAttribute>,
      ),
    0,
  );
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw sqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_PAYLOAD_BYTES} bytes. You have sent ${bytes} bytes.`,
      'AWS.SimpleQueueService.BatchRequestTooLong',
    );
  }
}

/** Whether every character is one SQS accepts: #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF. */
function validBody(body: string): boolean {
  for (const character of body) {
    const code = character.codePointAt(0) ?? 0;
    const valid =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    if (!valid) return false;
  }
  return true;
}

function requiredBody(body: unknown): string {
  if (typeof body !== 'string' || body.length === 0) {
    throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  return body;
}

/** What counts towards the size limit: the body, and each attribute's name, type and value. */
function payloadBytes(body: string, attributes: Record<string, MessageAttribute>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, attribute]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType ?? '') +
      attributeValue(attribute).length,
    Buffer.byteLength(body),
  );
}

function attributeValue(attribute: MessageAttribute): Buffer {
  return attribute.BinaryValue !== undefined
    ? Buffer.from(attribute.BinaryValue, 'base64')
    : Buffer.from(attribute.StringValue ?? '', 'utf8');
}

/**
 * `MD5OfMessageAttributes` as SQS computes it: for each attribute, by name, the length-prefixed
 * (4 bytes, big-endian) name and data type, a transport byte (1 string or number, 2 binary), then
 * the length-prefixed value.
 */
function attributesMd5(attributes: Record<string, MessageAttribute>): string {
  const hash = createHash('md5');
  const prefixed = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as MessageAttribute;
    prefixed(Buffer.from(name, 'utf8'));
    prefixed(Buffer.from(attribute.DataType ?? '', 'utf8'));
    hash.update(Buffer.of(attribute.BinaryValue !== undefined ? 2 : 1));
    prefixed(attributeValue(attribute));
  }
  return hash.digest('hex');
}

function sqsError(code: string, message: string, queryCode = code): ServiceError {
  return new ServiceError(code, message, 400, queryCode);
}
