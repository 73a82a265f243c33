/**
 * Data for the Fashion-MNIST example: makes sure Debian's `dataset-fashion-mnist` package is installed, whose four
 * IDX files (`/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`) fashion.mmf reads
 * directly — nothing is converted or copied. When a file is missing it runs
 * `apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist` (as root, or through sudo when available),
 * then checks each file's IDX header (magic, dimensions) so a broken install is caught here, not in training.
 *
 * Usage: `npx tsx examples/fashion/prepare.ts` (exit status 1 with a message when the files cannot be had).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIdx } from '../../runtime/data/index.ts';

/** Where the Debian package puts the files. */
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** The four files and the IDX dimensions each must have. */
const FASHION_FILES: { name: string; dims: number[] }[] = [
  { name: 'train-images-idx3-ubyte.gz', dims: [60000, 28, 28] },
  { name: 'train-labels-idx1-ubyte.gz', dims: [60000] },
  { name: 't10k-images-idx3-ubyte.gz', dims: [10000, 28, 28] },
  { name: 't10k-labels-idx1-ubyte.gz', dims: [10000] },
];

const missing = (): string[] => FASHION_FILES.filter((f) => !existsSync(join(FASHION_DIR, f.name))).map((f) => f.name);

function install(): void {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && spawnSync('sh', ['-c', 'command -v sudo'], { encoding: 'utf8' }).status === 0 ? ['sudo'] : [];
  if (!root && sudo.length === 0) {
    throw new Error(`cannot install dataset-fashion-mnist: not root and no sudo. Run as root: apt-get update && apt-get install -y dataset-fashion-mnist`);
  }
  console.log('installing Debian package dataset-fashion-mnist (apt-get)…');
  const cmd = [...sudo, 'sh', '-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist'];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`apt-get install dataset-fashion-mnist failed (exit status ${r.status}); install it by hand and run this script again`);
}

function main(): void {
  const t0 = performance.now();
  if (missing().length > 0) install();
  const still = missing();
  if (still.length > 0) throw new Error(`after installing dataset-fashion-mnist these files are still missing in ${FASHION_DIR}: ${still.join(', ')}`);
  for (const f of FASHION_FILES) {
    const a = parseIdx(readFileSync(join(FASHION_DIR, f.name)), f.name);
    if (a.dims.join(',') !== f.dims.join(',')) throw new Error(`${f.name}: expected IDX dimensions [${f.dims.join(', ')}], found [${a.dims.join(', ')}]`);
  }
  console.log(`Fashion-MNIST ready in ${FASHION_DIR}: 60,000 train + 10,000 test images checked (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

try {
  main();
} catch (e) {
  console.error(`examples/fashion/prepare.ts: ${(e as Error).message}`);
  process.exitCode = 1;
}
