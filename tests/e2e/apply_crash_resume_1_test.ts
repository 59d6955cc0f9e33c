/**
 * Crash-resume at kill points 1, 2, 3 (see `apply_crash_resume.ts`; 0 is right after the machine
 * config was applied). The points are split over three files so that they run at once.
 *
 * @module
 */
import { crashResumeTests } from "./apply_crash_resume.ts";

crashResumeTests([1, 2, 3]);
