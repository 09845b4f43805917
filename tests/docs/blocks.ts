// Extracts the fenced code blocks of a Markdown file with their docs-test
// marking (the rules are in tests/docs/docs.test.ts):
//
//   <!-- docs-test: skip <reason> -->             not run; the reason is required
//   <!-- docs-test: run [setup=a,b] -->           run (the default for js/mjs/ts)
//   <!-- docs-test: run [setup=a,b]
//   prelude lines, in the block's language
//   ---
//   epilogue lines (checks), optional
//   -->
//
// The comment must come right before the block's opening fence (blank lines
// allowed), at any indentation (blocks inside list items).

export interface Marker {
  kind: 'run' | 'skip';
  /** skip: why the block is not run. */
  reason: string;
  /** run: named setups (files the block needs in its directory). */
  setup: string[];
  prelude: string;
  epilogue: string;
  /** 1-based line of the comment. */
  line: number;
}

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  marker: Marker | null;
}

export interface Parsed {
  blocks: Block[];
  /** Problems with the markings themselves (unknown directive, stale comment, ...). */
  problems: string[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const MARKER = /^\s*<!--\s*docs-test:/;

function parseMarker(text: string, line: number, where: string, problems: string[]): Marker | null {
  const body = text.replace(/^\s*<!--\s*docs-test:/, '').replace(/-->\s*$/, '');
  const [head, ...rest] = body.split('\n');
  const words = head.trim().split(/\s+/).filter(Boolean);
  const kind = words.shift();
  if (kind === 'skip') {
    const reason = [words.join(' '), ...rest.map((l) => l.trim())].join(' ').trim();
    if (!reason) problems.push(`${where}: 'docs-test: skip' needs a reason`);
    return { kind, reason, setup: [], prelude: '', epilogue: '', line };
  }
  if (kind === 'run') {
    const setup: string[] = [];
    for (const w of words) {
      const m = w.match(/^setup=([\w,-]+)$/);
      if (m) setup.push(...m[1].split(',').filter(Boolean));
      else problems.push(`${where}: unknown docs-test option '${w}' (run takes setup=NAME[,NAME])`);
    }
    const lines = rest;
    const sep = lines.findIndex((l) => l.trim() === '---');
    const prelude = (sep < 0 ? lines : lines.slice(0, sep)).join('\n');
    const epilogue = sep < 0 ? '' : lines.slice(sep + 1).join('\n');
    return { kind, reason: '', setup, prelude, epilogue, line };
  }
  problems.push(`${where}: unknown docs-test directive '${kind ?? ''}' (expected 'run' or 'skip <reason>')`);
  return null;
}

export function parseMarkdown(file: string, text: string): Parsed {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  let pending: Marker | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (MARKER.test(line)) {
      if (pending) problems.push(`${file}:${pending.line}: docs-test comment is not followed by a code block`);
      const start = i;
      while (!lines[i].includes('-->') && i < lines.length - 1) i++;
      const text = lines.slice(start, i + 1).join('\n');
      pending = parseMarker(text, start + 1, `${file}:${start + 1}`, problems);
      continue;
    }
    const fence = line.match(FENCE);
    if (fence) {
      const [, indent, marks, lang] = fence;
      const body: string[] = [];
      let j = i + 1;
      const close = new RegExp(`^\\s*${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`);
      for (; j < lines.length && !close.test(lines[j]); j++) {
        body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      }
      blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), code: body.join('\n') + '\n', marker: pending });
      pending = null;
      i = j;
      continue;
    }
    if (pending && line.trim() !== '') {
      problems.push(`${file}:${pending.line}: docs-test comment is not followed by a code block`);
      pending = null;
    }
  }
  if (pending) problems.push(`${file}:${pending.line}: docs-test comment is not followed by a code block`);
  return { blocks, problems };
}
