// Copies the vendor files we serve from node_modules, and our own scripts and styles from assets/, into
// wwwroot/lib. No bundler: every file is an ES module or a stylesheet the browser loads as is.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'wwwroot', 'lib');
const modules = join(root, 'node_modules');

const copies = [
  ['katex/dist/katex.min.css', 'katex/katex.min.css'],
  ['katex/dist/katex.min.js', 'katex/katex.min.js'],
  ['katex/dist/fonts', 'katex/fonts'],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of copies) {
  const target = join(out, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(modules, from), target, { recursive: true });
}
cpSync(join(root, 'assets'), join(out, 'app'), { recursive: true });
// MSBuild compares this stamp with the inputs to skip the step on a no-op build.
writeFileSync(join(out, '.stamp'), new Date().toISOString() + '\n');
console.log(`copied ${copies.length} vendor entries and assets/ into ${out}`);
