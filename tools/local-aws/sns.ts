/**
 * The SNS part of the local endpoint: the topics it knows and `Publish`, with SNS's message-size,
 * subject and message-structure rules, recording each accepted message as its subscribers would
 * receive it. Its rules are copied from AWS's API reference on purpose, not imported from the code
 * under test.
 */
import { randomUUID } from 'node:crypto';
import { type OperationHandler, ServiceError } from './protocols';

export interface PublishedMessage {
  readonly topicArn: string;
  readonly messageId: string;
  readonly subject?: string;
  /** What an e-mail subscriber receives: the `email` (else `default`) variant of a structured message. */
  readonly message: string;
  /** The per-protocol variants of a `MessageStructure: json` message. */
  readonly variants?: Record<string, string>;
  /** The attributes the publisher sent. */
  readonly attributes: Record<string, { DataType: string; StringValue?: string }>;
  /**
   * The attributes subscribers receive (and filter policies see): SNS sends them only when the
   * message structure is String, never with `MessageStructure: json`.
   */
  readonly deliveredAttributes: Record<string, { DataType: string; StringValue?: string }>;
}

const SNS_MAX_BYTES = 256 * 1024;

export class LocalSns {
  /** Every message SNS accepted. */
  readonly published: PublishedMessage[] = [];

  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    Publish: (i) => this.publish(i),
  };

  private readonly topics = new Set<string>();

  /** Makes `Publish` to this ARN succeed; any other topic is NotFound. */
  addTopic(topicArn: string): void {
    this.topics.add(topicArn);
  }

  private publish(input: Record<string, unknown>): Record<string, unknown> {
    const topicArn = input.TopicArn;
    if (typeof topicArn !== 'string' || !this.topics.has(topicArn)) {
      throw new ServiceError('NotFound', 'Topic does not exist', 404);
    }
    const message = input.Message;
    if (typeof message !== 'string' || message.length === 0) {
      throw new ServiceError('InvalidParameter', 'Invalid parameter: Empty message');
    }
    const subject = input.Subject;
    if (subject !== undefined) {
      if (typeof subject !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,98}$/.test(subject)) {
        throw new ServiceError('InvalidParameter', 'Invalid parameter: Subject');
      }
    }
    let variants: Record<string, string> | undefined;
    if (input.MessageStructure === 'json') {
      try {
        variants = JSON.parse(message) as Record<string, string>;
      } catch {
        throw new ServiceError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - JSON message body failed to parse',
        );
      }
      if (typeof variants.default !== 'string') {
        throw new ServiceError(
          'InvalidParameter',
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      }
    }
    const attributes = decodeMessageAttributes(input.MessageAttributes);
    const attributeBytes = Object.entries(attributes).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType) +
        Buffer.byteLength(value.StringValue ?? ''),
      0,
    );
    if (Buffer.byteLength(message) + attributeBytes > SNS_MAX_BYTES) {
      throw new ServiceError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    const messageId = randomUUID();
    this.published.push({
      topicArn,
      messageId,
      ...(typeof subject === 'string' ? { subject } : {}),
      message: variants ? (variants.email ?? variants.default ?? '') : message,
      ...(variants ? { variants } : {}),
      attributes,
      // "Message attributes are sent only when the message structure is String, not JSON."
      deliveredAttributes: variants ? {} : attributes,
    });
    return { MessageId: messageId };
  }
}

function decodeMessageAttributes(raw: unknown): PublishedMessage['attributes'] {
  const entries = (
    raw as { entry?: Record<string, { Name?: string; Value?: Record<string, string> }> } | undefined
  )?.entry;
  const attributes: PublishedMessage['attributes'] = {};
  for (const entry of Object.values(entries ?? {})) {
    const dataType = entry.Value?.DataType;
    if (!entry.Name || !dataType) {
      throw new ServiceError(
        'InvalidParameter',
        'Invalid parameter: MessageAttributes needs a Name and a DataType',
      );
    }
    const stringValue = entry.Value?.StringValue;
    attributes[entry.Name] = {
      DataType: dataType,
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
    };
  }
  return attributes;
}
