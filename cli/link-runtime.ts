/** Making generated code's `import … from 'mmf/runtime'` resolve in any output folder. */
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '..'));

/**
 * Make `mmf/runtime` resolvable from the generated folder, wherever it is: a node_modules/mmf link to this
 * package (users who copy the folder elsewhere run `npm install mmf` instead).
 */
export function linkRuntime(src: string): void {
  const link = join(src, 'node_modules', 'mmf');
  if (existsSync(link)) {
    try {
      if (realpathSync(link) === PACKAGE_ROOT) return;
    } catch {
      /* a dangling link: replace it */
    }
    rmSync(link, { recursive: true, force: true });
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(PACKAGE_ROOT, link, 'dir');
}

