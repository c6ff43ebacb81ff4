import { describe, expect, it } from 'vitest';
import { memorySeenStore } from '../../client/receiver/index.js';

describe('the in-memory seen-store', () => {
  it('remembers an id it was given', () => {
    const store = memorySeenStore();
    store.add('msg_1');
    expect(store.has('msg_1')).toBe(true);
    expect(store.has('msg_2')).toBe(false);
  });

  it('forgets an id once its time to live has passed', () => {
    let now = 0;
    const store = memorySeenStore({ ttlMs: 1000, now: () => now });
    store.add('msg_1');
    now = 999;
    expect(store.has('msg_1')).toBe(true);
    now = 1000;
    expect(store.has('msg_1')).toBe(false);
  });

  it('keeps at most maxEntries ids, dropping the oldest first', () => {
    const store = memorySeenStore({ maxEntries: 2 });
    store.add('msg_1');
    store.add('msg_2');
    store.add('msg_3');
    expect([store.has('msg_1'), store.has('msg_2'), store.has('msg_3')]).toEqual([false, true, true]);
  });

  it('counts an id added again as new', () => {
    const store = memorySeenStore({ maxEntries: 2 });
    store.add('msg_1');
    store.add('msg_2');
    store.add('msg_1');
    store.add('msg_3');
    expect([store.has('msg_1'), store.has('msg_2'), store.has('msg_3')]).toEqual([true, false, true]);
  });

  it('drops expired ids when adding, so memory stays bounded by age too', () => {
    let now = 0;
    const store = memorySeenStore({ ttlMs: 10, maxEntries: 100, now: () => now });
    for (let i = 0; i < 50; i++) store.add(`msg_${i}`);
    now = 20;
    store.add('msg_new');
    expect(store.has('msg_0')).toBe(false);
    expect(store.has('msg_new')).toBe(true);
  });

  it.each([
    ['maxEntries 0', { maxEntries: 0 }],
    ['ttlMs 0', { ttlMs: 0 }],
  ])('refuses %s', (_name, options) => {
    expect(() => memorySeenStore(options)).toThrow(RangeError);
  });
});
