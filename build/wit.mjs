// Assembles wit/ into one WIT source for jco's componentEmbed: the project's
// package at top level and every package under wit/deps/ nested as
// `package ns:name@ver { ... }` (jco 1.35's `embed --wit <dir>` crashes on a
// directory; one source with nested packages works).
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_RE = /^\s*package\s+([^;\s]+)\s*;\s*$/m;

function witFiles(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.wit')).sort().map((f) => path.join(dir, f));
}

function readPackage(dir) {
  let name = null;
  const bodies = [];
  for (const file of witFiles(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const m = text.match(PACKAGE_RE);
    if (m) {
      if (name && name !== m[1]) throw new Error(`${file}: package ${m[1]} differs from ${name}`);
      name = m[1];
    }
    bodies.push(text.replace(PACKAGE_RE, ''));
  }
  if (!name) throw new Error(`${dir}: no package declaration`);
  return { name, body: bodies.join('\n') };
}

/** Returns { source, packageName, version } for the WIT tree rooted at `root`. */
export function assembleWit(root) {
  const main = readPackage(root);
  let source = `package ${main.name};\n${main.body}\n`;
  const depsDir = path.join(root, 'deps');
  if (fs.existsSync(depsDir)) {
    for (const d of fs.readdirSync(depsDir).sort()) {
      const dep = readPackage(path.join(depsDir, d));
      source += `\npackage ${dep.name} {\n${dep.body}\n}\n`;
    }
  }
  const [pkg, version] = main.name.split('@');
  return { source, packageName: pkg, version };
}
