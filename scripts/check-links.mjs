// Fails when a relative link or image in the repo's markdown points at nothing:
// a file or folder that git does not know, or a #heading that the target
// markdown file does not have (GitHub's slugs). Links outside the repo
// (https:, mailto:, …) are not fetched. Run: node scripts/check-links.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
// Tracked files plus new ones not yet added (never ignored ones: CI would not have them).
const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
  .split('\0')
  .filter((f) => f && !f.split('/').includes('node_modules') && existsSync(path.join(root, f)));
const known = new Set(['.', ...files]);
for (const f of files) {
  for (let d = path.posix.dirname(f); d !== '.'; d = path.posix.dirname(d)) known.add(d);
}

/** Markdown without fenced code blocks, indented or not: their text is not markup. */
function withoutFences(text) {
  const out = [];
  let fence = null;
  for (const line of text.split('\n')) {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (open && open[1][0] === fence[0] && open[1].length >= fence.length) fence = null;
      out.push('');
    } else if (open) {
      fence = open[1];
      out.push('');
    } else out.push(line);
  }
  return out;
}

const withoutCodeSpans = (line) => line.replace(/(`+)(?:(?!\1).)+?\1/g, '');

/** GitHub's heading ids (github-slugger): lower case, punctuation dropped, spaces → '-'. */
function anchorsOf(file) {
  const seen = new Map();
  const ids = new Set();
  const add = (text) => {
    const plain = text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`/g, '');
    const base = plain
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n ? `${base}-${n}` : base);
  };
  const lines = withoutFences(readFileSync(path.join(root, file), 'utf8'));
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) add(atx[1]);
    else if (
      i > 0 &&
      lines[i - 1].trim() &&
      /^ {0,3}(=+|-+)\s*$/.test(line) &&
      !/^\s*[-*+|]/.test(lines[i - 1])
    )
      add(lines[i - 1]);
    for (const m of line.matchAll(/<a\s+(?:name|id)=["']([^"']+)["']/g)) ids.add(m[1]);
  });
  return ids;
}

const anchorCache = new Map();
const problems = [];
for (const file of files.filter((f) => f.endsWith('.md'))) {
  withoutFences(readFileSync(path.join(root, file), 'utf8')).forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/g)].map((m) => m[1]),
      ...[...line.matchAll(/\s(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [rawPath, fragment] = target.split('#', 2);
      const filePath = decodeURIComponent(rawPath);
      const resolved = !filePath
        ? file
        : filePath.startsWith('/')
          ? filePath.slice(1).replace(/\/$/, '')
          : path.posix
              .normalize(path.posix.join(path.posix.dirname(file), filePath))
              .replace(/\/$/, '');
      const where = `${file}:${i + 1}: ${target}`;
      if (!known.has(resolved)) problems.push(`${where}: no such file`);
      else if (fragment && resolved.endsWith('.md')) {
        if (!anchorCache.has(resolved)) anchorCache.set(resolved, anchorsOf(resolved));
        if (!anchorCache.get(resolved).has(decodeURIComponent(fragment)))
          problems.push(`${where}: no heading #${fragment} in ${resolved}`);
      }
    }
  });
}

if (problems.length) {
  console.error(`${problems.length} broken link(s) in markdown:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `markdown links: ${files.filter((f) => f.endsWith('.md')).length} files, all targets exist`,
);
