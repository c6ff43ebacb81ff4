/**
 * Every example in the document matches its schema: the docs and the mock serve these examples,
 * so a wrong one would teach integrators a wrong shape.
 */
import { describe, expect, it } from 'vitest';
import { assertMatches, escapePointer, resolve, spec } from '../support/contract.js';

interface ExampleCase {
  name: string;
  schemaPointer: string;
  value: unknown;
}

/** Walks media types (requests, responses, webhooks, shared responses) and parameters. */
function collectExamples(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  const visitMediaTypes = (content: Record<string, any> | undefined, pointer: string) => {
    for (const [type, media] of Object.entries(content ?? {})) {
      const mediaPointer = `${pointer}/content/${escapePointer(type)}`;
      if (!media.schema) continue;
      if ('example' in media) cases.push({ name: `${mediaPointer}/example`, schemaPointer: `${mediaPointer}/schema`, value: media.example });
      for (const [key, raw] of Object.entries<any>(media.examples ?? {})) {
        const { node } = resolve(raw, `${mediaPointer}/examples/${key}`);
        cases.push({ name: `${mediaPointer}/examples/${key}`, schemaPointer: `${mediaPointer}/schema`, value: node.value });
      }
    }
  };
  const visitParameters = (parameters: any[] | undefined, pointer: string) => {
    (parameters ?? []).forEach((raw, index) => {
      const { node, pointer: parameterPointer } = resolve(raw, `${pointer}/parameters/${index}`);
      if ('example' in node) cases.push({ name: `${parameterPointer} (${node.name})`, schemaPointer: `${parameterPointer}/schema`, value: node.example });
    });
  };
  for (const root of ['paths', 'webhooks'] as const) {
    for (const [path, item] of Object.entries<any>(spec[root] ?? {})) {
      const itemPointer = `/${root}/${escapePointer(path)}`;
      visitParameters(item.parameters, itemPointer);
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const operation = item[method];
        if (!operation) continue;
        const opPointer = `${itemPointer}/${method}`;
        visitParameters(operation.parameters, opPointer);
        if (operation.requestBody) {
          const { node, pointer } = resolve(operation.requestBody, `${opPointer}/requestBody`);
          visitMediaTypes(node.content, pointer);
        }
        for (const [status, raw] of Object.entries<any>(operation.responses ?? {})) {
          const { node, pointer } = resolve(raw, `${opPointer}/responses/${status}`);
          visitMediaTypes(node.content, pointer);
        }
      }
    }
  }
  for (const [name, param] of Object.entries<any>(spec.components?.parameters ?? {})) {
    if ('example' in param) cases.push({ name: `parameter ${name}`, schemaPointer: `/components/parameters/${name}/schema`, value: param.example });
  }
  for (const [name, header] of Object.entries<any>(spec.components?.headers ?? {})) {
    if ('example' in header) cases.push({ name: `header ${name}`, schemaPointer: `/components/headers/${name}/schema`, value: header.example });
  }
  for (const [name, schema] of Object.entries<any>(spec.components?.schemas ?? {})) {
    (schema.examples ?? []).forEach((value: unknown, index: number) =>
      cases.push({ name: `schema ${name} example ${index}`, schemaPointer: `/components/schemas/${name}`, value }),
    );
  }
  return cases;
}

const cases = collectExamples();

describe('the examples of spec/openapi.yaml', () => {
  it('cover every message type in both directions', () => {
    const sent = cases.filter((c) => c.name.includes('bots~1{botId}~1channels~1webhook~1messages/post/requestBody')).map((c) => (c.value as any).message.type);
    expect(new Set(sent)).toEqual(new Set(['text', 'postback', 'location', 'attachment', 'intro']));
    // The platform's form (sendChannelMessage): each message kind, the postback with each of its resolutions.
    const platform = cases.filter((c) => c.name.includes('channels~1webhook~1{channelId}~1messages/post/requestBody')).map((c) => c.value as any);
    expect(new Set(platform.map((v) => Object.keys(v.message)[0]))).toEqual(new Set(['textMessage', 'introMessage', 'postbackMessage']));
    const postbacks = platform.map((v) => v.message.postbackMessage).filter(Boolean);
    expect(postbacks.some((p) => p.nextDialogstateId && p.sessionDataToSet)).toBe(true);
    expect(postbacks.some((p) => p.payload)).toBe(true);
    expect(postbacks.some((p) => Object.keys(p).join() === 'title')).toBe(true);
    expect(new Set(platform.map((v) => ('user' in v ? 'user' : 'conversationId')))).toEqual(new Set(['user', 'conversationId']));
    const delivered = cases.filter((c) => c.name.startsWith('/webhooks/botMessage/post/requestBody')).map((c) => (c.value as any).message.type);
    expect(new Set(delivered)).toEqual(new Set(['text', 'buttons', 'quick_replies', 'carousel', 'list', 'media']));
  });

  it('include one for every JSON request and response body', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries<any>({ ...spec.paths, ...spec.webhooks })) {
      for (const method of ['get', 'put', 'post', 'delete']) {
        const operation = item[method];
        if (!operation) continue;
        const bodies = [
          operation.requestBody && resolve(operation.requestBody, '').node,
          ...Object.values<any>(operation.responses ?? {}).map((r) => resolve(r, '').node),
        ].filter(Boolean);
        for (const body of bodies) {
          for (const [type, media] of Object.entries<any>(body.content ?? {})) {
            if (!media.example && !media.examples) missing.push(`${method.toUpperCase()} ${path} ${type}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s matches its schema', (_name, c) => {
    assertMatches(c.schemaPointer, c.value, c.name);
  });

  it('are checked for real: a broken example is refused', () => {
    const broken = structuredClone(cases.find((c) => c.name.includes('BotMessageEventCarousel') || c.name.includes('examples/carousel'))!);
    (broken.value as any).message.attachment.payload.elements[0].buttons.push(
      { type: 'element_share' }, { type: 'element_share' }, { type: 'element_share' },
    );
    expect(() => assertMatches(broken.schemaPointer, broken.value)).toThrow(/must NOT have more than 3 items/);
  });
});
