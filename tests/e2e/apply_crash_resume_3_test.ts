/**
 * Crash-resume at kill points 11, 13, 15, 0 (see `apply_crash_resume.ts`; 0 is right after the machine
 * config was applied). The points are split over three files so that they run at once.
 *
 * @module
 */
import { crashResumeTests } from "./apply_crash_resume.ts";

crashResumeTests([11, 13, 15, 0]);
