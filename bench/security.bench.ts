/**
 * The security suite: how hard head office's login is to guess, and how fast an audit chain is verified.
 * - login_guesses_per_min (bench/security-login.ts): wrong passwords against one user code from one client
 *   address, as fast as head office lets them in, over a measured window; target ≤ 10.
 * - audit_verify_ms (bench/security-audit.ts): verifying a chain of 1,000,000 audit entries; target ≤ 5,000 ms.
 * BENCH_SMOKE=1 (bench/report.ts): a short window and 2,000 entries.
 */
import { report } from './report';
import { auditVerifyFigures } from './security-audit';
import { loginGuessFigures } from './security-login';

export async function runSecurityBench(): Promise<void> {
  report('security', [...(await loginGuessFigures()), ...(await auditVerifyFigures())]);
}
