/** `npm run mock` (mock/api-mock.ts): the port and host are chosen once (issue 10, item 11). */
import { describe, expect, it } from 'vitest';
import { prismArguments } from '../../mock/api-mock.js';

describe('prismArguments', () => {
  it.each([
    ['nothing: the defaults', { argv: [] }, ['-h', '127.0.0.1', '-p', '4010']],
    ['--port 4110 (Prism got two ports)', { argv: ['--port', '4110'] }, ['-h', '127.0.0.1', '-p', '4110']],
    ['--port=4110', { argv: ['--port=4110'] }, ['-h', '127.0.0.1', '-p', '4110']],
    ['-p 4110 --host 0.0.0.0', { argv: ['-p', '4110', '--host', '0.0.0.0'] }, ['-h', '0.0.0.0', '-p', '4110']],
    ['-h localhost', { argv: ['-h', 'localhost'] }, ['-h', 'localhost', '-p', '4010']],
    ['other Prism options, passed on in order', { argv: ['--errors', '--port', '4110', '-d'] }, ['-h', '127.0.0.1', '-p', '4110', '--errors', '-d']],
  ])('reads %s', (_name, { argv }, want) => {
    expect(prismArguments(argv, 'spec.yaml')).toEqual(['mock', 'spec.yaml', ...want]);
  });

  it.each([
    ['a port that is no number', ['--port', 'http']],
    ['a port out of range', ['--port', '70000']],
    ['a port without a value', ['--port']],
    ['a host without a value', ['--host']],
  ])('refuses %s in one line', (_name, argv) => {
    expect(() => prismArguments(argv, 'spec.yaml')).toThrow(RangeError);
  });
});
