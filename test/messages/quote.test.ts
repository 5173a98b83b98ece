import { describe, expect, it } from 'vitest';
import { clip, QUOTE_MAX_CHARS, show } from '../../src/messages/quote.js';

describe('quoting input in messages', () => {
  it('keeps short text, cuts long text to 200 characters and says how long it was', () => {
    expect(clip('abc')).toBe('abc');
    expect(clip('x'.repeat(200))).toBe('x'.repeat(200));
    expect(clip('x'.repeat(20_000_000))).toBe(`${'x'.repeat(200)}... (20000000 characters)`);
    expect(clip('abcdef', 3)).toBe('abc... (6 characters)');
    expect(QUOTE_MAX_CHARS).toBe(200);
  });

  it('never splits a surrogate pair', () => {
    const s = `${'a'.repeat(199)}😀tail`;
    expect(clip(s)).toBe(`${'a'.repeat(199)}... (${s.length} characters)`);
    expect(clip(`${'a'.repeat(198)}😀tail`)).toBe(`${'a'.repeat(198)}😀... (204 characters)`);
  });

  it('shows values as JSON, numbers as written, long ones clipped', () => {
    expect(show(NaN)).toBe('NaN');
    expect(show(-1.5)).toBe('-1.5');
    expect(show('dec')).toBe('"dec"');
    expect(show(null)).toBe('null');
    expect(show(undefined)).toBe('undefined');
    expect(show(12n)).toBe('12');
    expect(show({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(show('y'.repeat(1e6))).toBe(`"${'y'.repeat(200)}"... (1000000 characters)`);
    expect(show(Array.from({ length: 1e5 }, (_, i) => i)).length).toBeLessThan(240);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(show(cyclic)).toBe('[object Object]');
  });
});
