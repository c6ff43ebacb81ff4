/**
 * The checks of a bot definition beyond its shape: each bot message against the spec, placeholders,
 * intents, and references between states. Each problem is a JSON pointer into the file's data.
 */
import type { components } from '../../spec/generated/api.js';
import type { RawDefinition } from './definition-schema.js';
import { compilePattern, normalizeText } from './intents.js';
import { botMessageProblems, pointerSegments, type SchemaProblem } from './spec-schemas.js';
import { messageTemplate, placeholderProblems } from './template.js';

type BotMessage = components['schemas']['BotMessage'];

/** Every problem of a definition that has the definition schema's shape; `[]` when it is sound. */
export function definitionProblems(raw: RawDefinition): SchemaProblem[] {
  return [...messageProblems(raw), ...intentProblems(raw), ...referenceProblems(raw), ...loopProblems(raw)];
}

const pointer = (...segments: (string | number)[]) =>
  segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function messageProblems(raw: RawDefinition): SchemaProblem[] {
  return Object.entries(raw.states).flatMap(([name, state]) =>
    state.messages.flatMap((source, i) => {
      const at = pointer('states', name, 'messages', i);
      const syntax = placeholderProblems(source, at);
      if (syntax.length > 0) return syntax;
      // Checked as rendered with no variables: filled variables only add text, which the engine
      // cuts to the spec's limits, so what passes here passes at every turn.
      const { minimal } = messageTemplate(source as BotMessage);
      return botMessageProblems(minimal).map((p) => ({
        pointer: at + p.pointer,
        message: hasPlaceholder(source, p.pointer) ? `${p.message} (with its placeholders empty or at their defaults)` : p.message,
      }));
    }),
  );
}

function hasPlaceholder(source: object, at: string): boolean {
  const value = pointerSegments(at).reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], source);
  return typeof value === 'string' && value.includes('{{');
}

function intentProblems(raw: RawDefinition): SchemaProblem[] {
  return (raw.intents ?? []).flatMap((intent, i): SchemaProblem[] => {
    const problems: SchemaProblem[] = [];
    if (!intent.keywords && !intent.patterns) problems.push({ pointer: pointer('intents', i), message: 'needs keywords or patterns' });
    intent.keywords?.forEach((keyword, k) => {
      if (normalizeText(keyword) === '') {
        problems.push({ pointer: pointer('intents', i, 'keywords', k), message: 'has no letter or digit to match' });
      }
    });
    intent.patterns?.forEach((pattern, p) => {
      try {
        compilePattern(pattern);
      } catch (error) {
        const reason = (error as Error).message.replace(/^Invalid regular expression: /, '');
        problems.push({ pointer: pointer('intents', i, 'patterns', p), message: `is not a valid regular expression: ${reason}` });
      }
    });
    return problems;
  });
}

function referenceProblems(raw: RawDefinition): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const known = (target: string, ...at: (string | number)[]) => {
    if (!Object.hasOwn(raw.states, target)) problems.push({ pointer: pointer(...at), message: `leads to unknown state '${target}'` });
  };
  known(raw.intro, 'intro');
  known(raw.fallback, 'fallback');
  for (const [payload, target] of Object.entries(raw.postbacks ?? {})) known(target, 'postbacks', payload);
  (raw.intents ?? []).forEach((intent, i) => known(intent.goto, 'intents', i, 'goto'));
  if (raw.location) known(raw.location.goto, 'location', 'goto');
  if (raw.attachment) known(raw.attachment.goto, 'attachment', 'goto');
  for (const [name, state] of Object.entries(raw.states)) {
    if (state.next !== undefined) known(state.next, 'states', name, 'next');
    for (const [payload, target] of Object.entries(state.postbacks ?? {})) known(target, 'states', name, 'postbacks', payload);
    for (const [input, reaction] of Object.entries(state.expect ?? {})) known(reaction.goto, 'states', name, 'expect', input, 'goto');
    // The conversation never rests in a state that moves on, so what it waits for would never come.
    for (const waiting of ['postbacks', 'expect'] as const) {
      if (state.next !== undefined && state[waiting]) {
        problems.push({ pointer: pointer('states', name, waiting), message: `never applies: the state moves on to '${state.next}' at once` });
      }
    }
    state.messages.forEach((message, m) => {
      for (const { payload, at } of clickPayloads(message, pointer('states', name, 'messages', m))) {
        if (!Object.hasOwn(state.postbacks ?? {}, payload) && !Object.hasOwn(raw.postbacks ?? {}, payload)) {
          problems.push({ pointer: at, message: `'${payload}' leads nowhere: map it in postbacks` });
        }
      }
    });
  }
  return problems;
}

/** The payloads a click on a postback button or a quick reply sends back, with their pointers. */
function clickPayloads(node: unknown, at: string): { payload: string; at: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => clickPayloads(item, `${at}/${i}`));
  if (!node || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  const clickable = object.type === 'postback' || object.content_type === 'text';
  const own = clickable && typeof object.payload === 'string' ? [{ payload: object.payload, at: `${at}/payload` }] : [];
  return [...own, ...Object.entries(object).flatMap(([key, value]) => clickPayloads(value, `${at}/${key}`))];
}

// A loop of `next` would make one answer endless.
function loopProblems(raw: RawDefinition): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const reported = new Set<string>();
  for (const start of Object.keys(raw.states)) {
    const chain = [start];
    let at = raw.states[start]?.next;
    while (at !== undefined && Object.hasOwn(raw.states, at) && !chain.includes(at)) {
      chain.push(at);
      at = raw.states[at]?.next;
    }
    if (at === start && !reported.has(start)) {
      chain.forEach((name) => reported.add(name));
      problems.push({ pointer: pointer('states', start, 'next'), message: `makes an endless loop: ${[...chain, start].join(' → ')}` });
    }
  }
  return problems;
}
