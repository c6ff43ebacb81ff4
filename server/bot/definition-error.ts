/**
 * The error a bot definition file fails to load with: every mistake found, each with the path of
 * the mistake in the file's data (`states.menu.messages[2].text`) and its line, so the message
 * reads like a compiler's (`bots/demo.yaml:12:9: states.menu…: must NOT have more than 3 items`).
 */
import { isMap, isNode, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import { pointerSegments, type SchemaProblem } from './spec-schemas.js';

export interface DefinitionProblem {
  /** Where in the file's data, `''` for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class BotDefinitionError extends Error {
  readonly file: string;
  /** The path of the first problem. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly problems: readonly DefinitionProblem[];

  constructor(file: string, problems: DefinitionProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'BotDefinitionError';
    this.file = file;
    this.problems = problems;
    this.path = problems[0]?.path ?? '';
    this.line = problems[0]?.line;
    this.column = problems[0]?.column;
  }
}

function formatProblem(file: string, { path, message, line, column }: DefinitionProblem): string {
  const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return path === '' ? `${where}: ${message}` : `${where}: ${path}: ${message}`;
}

/** Where a problem found by a JSON pointer into `data` is, as a path and a position in the YAML. */
export function locateProblem(
  problem: SchemaProblem,
  data: unknown,
  document: Document,
  lineCounter: LineCounter,
): DefinitionProblem {
  const segments = pointerSegments(problem.pointer);
  // YAML sequences are addressed by number, maps by key; the data says which is which.
  const keys: (string | number)[] = [];
  let path = '';
  let at: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(at)) {
      keys.push(Number(segment));
      path += `[${segment}]`;
    } else {
      keys.push(segment);
      path += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment) ? (path === '' ? segment : `.${segment}`) : `[${JSON.stringify(segment)}]`;
    }
    at = (at as Record<string, unknown> | undefined)?.[segment];
  }
  // A missing property has no node: point at the nearest one that exists.
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = problem.atKey && depth === keys.length ? keyNode(document, keys) : nodeAt(document, keys.slice(0, depth));
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { path, message: problem.message, line, column: col };
    }
  }
  return { path, message: problem.message };
}

function nodeAt(document: Document, keys: (string | number)[]): unknown {
  return keys.length === 0 ? document.contents : document.getIn(keys, true);
}

function keyNode(document: Document, keys: (string | number)[]): Node | undefined {
  const parent = nodeAt(document, keys.slice(0, -1));
  if (!isMap(parent)) return undefined;
  const key = keys[keys.length - 1];
  const pair = parent.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
  return isNode(pair?.key) ? pair.key : undefined;
}
