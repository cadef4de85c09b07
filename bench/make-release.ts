/** bench/release.sh's release: test/helpers/release.ts (5 apps, 2 bases, 3 versions) written under argv[2]. */
import { buildRelease } from '../test/helpers/release.js';

await buildRelease(process.argv[2]!);
