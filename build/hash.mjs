// Content hash of a set of files (their paths relative to `root` and their
// bytes): what the build stages compare to decide whether to run again.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export function hashFiles(root, files) {
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(path.relative(root, f));
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex');
}
