/**
 * The client's file name is kept for display and for the download's
 * `Content-Disposition`: it never reaches an object key, but it does reach
 * people, logs and the file systems of whoever downloads. So it must be one
 * visible, plain name that says what it looks like.
 */

/** The longest accepted name, in UTF-8 bytes after NFC (most file systems' limit). */
export const MAX_FILE_NAME_BYTES = 255;

export type FileNameCheck =
  | { readonly ok: true; readonly fileName: string }
  | { readonly ok: false; readonly problem: string };

// Cc: C0/C1 controls (incl. U+0085); Cf: format characters (bidi overrides and
// isolates, zero-width characters, the BOM, soft hyphen); Zl, Zp: the line and
// paragraph separators U+2028, U+2029.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\]/u;
// What renders as nothing: whitespace and default-ignorable code points
// (e.g. variation selectors, the Hangul fillers).
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu;
const ONLY_DOTS = /^\.+$/;

const KINDS: readonly (readonly [RegExp, string])[] = [
  [/\p{Cc}/u, 'control character'],
  [/\p{Cf}/u, 'format character'],
  [/[\p{Zl}\p{Zp}]/u, 'line or paragraph separator'],
  [/[/\\]/u, 'path separator'],
];

const codePoint = (char: string) =>
  `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * Checks a client's file name and returns it in NFC, or why it is refused:
 * lone surrogates, control, format and separator characters, `/` and `\`,
 * names of dots only (`.`, `..`), names with nothing visible, and names over
 * {@link MAX_FILE_NAME_BYTES} UTF-8 bytes once in NFC. The problem names the
 * offending code point, never echoes it.
 */
export function checkFileName(raw: string): FileNameCheck {
  if (!raw.isWellFormed()) return refuse('must not contain a lone surrogate');
  const fileName = raw.normalize('NFC');
  const forbidden = FORBIDDEN.exec(fileName)?.[0];
  if (forbidden !== undefined) {
    const kind = KINDS.find(([pattern]) => pattern.test(forbidden))![1];
    return refuse(`must not contain ${codePoint(forbidden)} (${kind})`);
  }
  if (fileName.replace(INVISIBLE, '') === '') return refuse('must have a visible character');
  if (ONLY_DOTS.test(fileName)) return refuse('must not be only dots (such as . or ..)');
  const bytes = utf8Bytes(fileName);
  if (bytes > MAX_FILE_NAME_BYTES) {
    return refuse(`must be at most ${MAX_FILE_NAME_BYTES} UTF-8 bytes, is ${bytes}`);
  }
  return { ok: true, fileName };
}

const refuse = (problem: string): FileNameCheck => ({ ok: false, problem });
