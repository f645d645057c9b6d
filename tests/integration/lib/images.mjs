// Real images for the media tests: made and decoded with Pillow (lib/images.py, Debian's
// python3-pil), in a directory the test owns.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./images.py', import.meta.url));
const unique = () => Math.random().toString(36).slice(2);

// KIND as images.py names them (jpeg-rotated, png-alpha, gif-animated, ...): the file's bytes.
export function makeImage(dir, kind) {
  const out = join(dir, `${kind}-${unique()}`);
  execFileSync('/usr/bin/python3', [SCRIPT, 'make', kind, out]);
  return readFileSync(out);
}

// {format, width, height, frames, mode} of the image in `bytes`.
export function inspectImage(dir, bytes) {
  const p = join(dir, `inspect-${unique()}`);
  writeFileSync(p, bytes);
  return JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'inspect', p]).toString());
}
