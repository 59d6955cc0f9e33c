/**
 * Crash-resume at kill points 5, 7, 9 and 17 (see `apply_crash_resume.ts`; 0 is right after the
 * machine config was applied). 17 is right after the first control plane's `POST /servers` (started,
 * firewalled, not yet in the network: ADR 0010). The points are split over three files so that they
 * run at once.
 *
 * @module
 */
import { crashResumeTests } from "./apply_crash_resume.ts";

crashResumeTests([5, 7, 9, 17]);
