import { checkFileName, MAX_FILE_NAME_BYTES, type FileNameCheck } from './file-name.ts';

const problemOf = (check: FileNameCheck) => {
  if (check.ok) throw new Error(`expected a refusal, got ${JSON.stringify(check.fileName)}`);
  return check.problem;
};

describe('checkFileName', () => {
  describe('accepts plain names, in NFC', () => {
    it.each([
      'a.txt',
      'report 2025 (final).pdf',
      'Übersicht.pdf',
      '日本語のファイル.txt',
      'photo 📷.png',
      '❤️.png', // U+2764 U+FE0F: a variation selector is a mark, not a format character
      '.hidden',
      'a..b',
      '..a',
      ' padded name.txt',
      "O'Brien & sons — invoice #4.pdf",
    ])('%j', (name) => {
      expect(checkFileName(name)).toEqual({ ok: true, fileName: name.normalize('NFC') });
    });

    it('composes a decomposed name (NFD → NFC)', () => {
      const decomposed = 'Cafe\u0301.txt';
      const check = checkFileName(decomposed);
      expect(check).toEqual({ ok: true, fileName: 'Caf\u00e9.txt' });
    });

    it('keeps compatibility characters: a ligature stays a ligature (NFC, not NFKC)', () => {
      expect(checkFileName('\ufb01le.txt')).toEqual({ ok: true, fileName: '\ufb01le.txt' });
    });

    it(`accepts exactly ${MAX_FILE_NAME_BYTES} UTF-8 bytes`, () => {
      const ascii = `${'a'.repeat(MAX_FILE_NAME_BYTES - 4)}.txt`;
      expect(checkFileName(ascii)).toEqual({ ok: true, fileName: ascii });
      // 63 emoji (4 bytes each) + '.txt' = 252 + 4 = 256 bytes: one too many…
      const emoji = '😀'.repeat(63);
      expect(checkFileName(`${emoji}.txt`).ok).toBe(false);
      // …62 emoji + '.txt' = 252 bytes: fine, although it is 128 UTF-16 units.
      expect(checkFileName(`${'😀'.repeat(62)}.txt`).ok).toBe(true);
    });

    it('counts the bytes after NFC: a decomposed name that composes under the cap passes', () => {
      // 'e' + U+0301 is 3 bytes; 'é' is 2. 100 of them: 300 bytes raw, 200 in NFC.
      const decomposed = 'e\u0301'.repeat(100);
      expect(new TextEncoder().encode(decomposed).length).toBe(300);
      expect(checkFileName(decomposed)).toEqual({ ok: true, fileName: '\u00e9'.repeat(100) });
    });
  });

  describe('refuses', () => {
    it.each([
      ['NUL', 'a\u0000.txt', 'U+0000 (control character)'],
      ['a tab', 'a\tb.txt', 'U+0009 (control character)'],
      ['a newline', 'a\nb.txt', 'U+000A (control character)'],
      ['DEL', 'a\u007f.txt', 'U+007F (control character)'],
      ['NEL (U+0085)', 'a\u0085b.txt', 'U+0085 (control character)'],
      ['a C1 control', 'a\u009bb.txt', 'U+009B (control character)'],
      ['RIGHT-TO-LEFT OVERRIDE', 'invoice\u202Efdp.exe', 'U+202E (format character)'],
      ['LEFT-TO-RIGHT OVERRIDE', 'a\u202Db.txt', 'U+202D (format character)'],
      ['RIGHT-TO-LEFT ISOLATE', 'a\u2067b.txt', 'U+2067 (format character)'],
      ['POP DIRECTIONAL ISOLATE', 'a\u2069b.txt', 'U+2069 (format character)'],
      ['RIGHT-TO-LEFT MARK', 'a\u200Fb.txt', 'U+200F (format character)'],
      ['ARABIC LETTER MARK', 'a\u061Cb.txt', 'U+061C (format character)'],
      ['ZERO WIDTH SPACE', 'a\u200Bb.txt', 'U+200B (format character)'],
      ['ZERO WIDTH JOINER', 'a\u200Db.txt', 'U+200D (format character)'],
      ['ZERO WIDTH NO-BREAK SPACE (BOM)', '\uFEFFa.txt', 'U+FEFF (format character)'],
      ['SOFT HYPHEN', 'a\u00ADb.txt', 'U+00AD (format character)'],
      ['a tag character', 'a\u{E0041}.txt', 'U+E0041 (format character)'],
      ['LINE SEPARATOR', 'a\u2028b.txt', 'U+2028 (line or paragraph separator)'],
      ['PARAGRAPH SEPARATOR', 'a\u2029b.txt', 'U+2029 (line or paragraph separator)'],
      ['a slash', 'a/b.txt', 'U+002F (path separator)'],
      ['a path', '../etc/passwd', 'U+002F (path separator)'],
      ['a backslash', 'a\\b.txt', 'U+005C (path separator)'],
    ])('%s', (_label, name, problem) => {
      expect(problemOf(checkFileName(name))).toBe(`must not contain ${problem}`);
    });

    it.each([
      ['a lone high surrogate', 'a\uD800.txt'],
      ['a lone low surrogate', 'a\uDC00.txt'],
      ['surrogates in the wrong order', '\uDE00\uD83D.txt'],
      ['only a lone surrogate', '\uD83D'],
    ])('%s', (_label, name) => {
      expect(problemOf(checkFileName(name))).toBe('must not contain a lone surrogate');
    });

    it.each([
      ['empty', ''],
      ['a space', ' '],
      ['spaces', '   '],
      ['a no-break space', '\u00A0'],
      ['an ideographic space', '\u3000'],
      ['an em space', '\u2003'],
      ['a Hangul filler', '\u3164'],
      ['a variation selector', '\uFE0F'],
    ])('a blank name: %s', (_label, name) => {
      expect(problemOf(checkFileName(name))).toBe('must have a visible character');
    });

    it.each(['.', '..', '...'])('a name of dots only: %j', (name) => {
      expect(problemOf(checkFileName(name))).toBe('must not be only dots (such as . or ..)');
    });

    it('255 emoji (1,020 bytes)', () => {
      expect(problemOf(checkFileName('😀'.repeat(255)))).toBe(
        'must be at most 255 UTF-8 bytes, is 1020',
      );
    });

    it('256 ASCII bytes', () => {
      expect(problemOf(checkFileName('a'.repeat(256)))).toBe(
        'must be at most 255 UTF-8 bytes, is 256',
      );
    });

    it('a format character hidden in a decomposed name is still found after NFC', () => {
      expect(problemOf(checkFileName('Cafe\u0301\u202E.txt'))).toBe(
        'must not contain U+202E (format character)',
      );
    });

    it('never echoes the offending character', () => {
      for (const name of ['invoice\u202Efdp.exe', 'a\u2028b', 'a\u0085b', 'a/b']) {
        const problem = problemOf(checkFileName(name));
        expect(problem).toMatch(/^[\x20-\x7e]+$/);
      }
    });
  });
});
