/**
 * The `botMessage` webhook examples of spec/openapi.yaml, read at run time so the mock always
 * sends what the spec shows. Works from the sources (mock/) and compiled (dist/mock/).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { SPEC_FILE } from '../contract/spec-file.js';
import type { BotMessageEvent } from '../client/receiver/index.js';


export interface WebhookExample {
  /** The example's key in the spec (`quickReplies`). */
  name: string;
  summary?: string;
  event: BotMessageEvent;
}

/** The spec's path: `explicit` when given, else the package's own (found by the contract core). */
export function findSpec(explicit?: string): string {
  if (explicit) return explicit;
  if (!existsSync(SPEC_FILE)) throw new Error(`spec/openapi.yaml not found (looked at ${SPEC_FILE}); pass --spec.`);
  return SPEC_FILE;
}

/** Follows local `$ref`s (`#/components/examples/…`) until a node that is not a reference. */
function resolveRef(document: unknown, node: unknown): any {
  const seen = new Set<string>();
  while (node && typeof node === 'object' && typeof (node as { $ref?: unknown }).$ref === 'string') {
    const ref = (node as { $ref: string }).$ref;
    if (!ref.startsWith('#/') || seen.has(ref)) throw new Error(`cannot resolve $ref ${ref}`);
    seen.add(ref);
    node = ref
      .slice(2)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<any>((at, key) => at?.[key], document);
  }
  return node;
}

/** Every example of `webhooks.botMessage.post.requestBody.content['application/json']`, in the spec's order. */
export async function loadWebhookExamples(specPath: string): Promise<WebhookExample[]> {
  const document = parse(await readFile(specPath, 'utf8'));
  const content = resolveRef(document, document?.webhooks?.botMessage?.post?.requestBody)?.content?.['application/json'];
  const examples = Object.entries<unknown>(content?.examples ?? {});
  if (examples.length === 0) throw new Error(`${specPath} has no webhooks.botMessage examples`);
  return examples.map(([name, raw]) => {
    const example = resolveRef(document, raw);
    return { name, summary: example.summary, event: resolveRef(document, example.value) as BotMessageEvent };
  });
}

/** The examples of the chosen message types (by `message.type`, or by example name), in the order asked. */
export function selectExamples(examples: WebhookExample[], types: string[]): WebhookExample[] {
  if (types.length === 0) return examples;
  return types.map((type) => {
    const found = examples.find((e) => e.event.message.type === type || e.name === type);
    if (!found) {
      throw new Error(`no example of message type "${type}"; the spec has: ${examples.map((e) => e.event.message.type).join(', ')}`);
    }
    return found;
  });
}
