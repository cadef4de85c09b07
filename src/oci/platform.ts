/** Platforms (os/architecture/variant) as image indexes and configs name them. */
import { UsageError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new UsageError(`invalid platform ${JSON.stringify(s)}: expected OS/ARCH[/VARIANT], for example linux/amd64 or linux/arm64/v8`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Partial<Platform> | undefined): string {
  if (!p || !p.os) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The platform this process runs on, in OCI terms. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const p: Platform = { os: process.platform === 'win32' ? 'windows' : 'linux', architecture: arch[process.arch] ?? process.arch };
  if (p.architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** True when `have` satisfies `want`; a missing variant matches any (arm64's v8 is its default). */
export function platformMatches(have: Partial<Platform> | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant || !have.variant) return true;
  return have.variant === want.variant;
}
