/**
 * Lets a few notices of one kind through per time window, so a flood (a broker or simulator bug
 * sending thousands of bad frames a second) cannot flood the logs. The next notice let through
 * says how many were held back; counters keep the exact totals.
 */
export class NoticeLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow = 5,
    private readonly windowMs = 10_000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** The text to report (with a suppression note when due), or null to stay quiet. */
  admit(text: string): string | null {
    const now = this.clock();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perWindow) {
      this.suppressed++;
      return null;
    }
    this.used++;
    if (this.suppressed === 0) return text;
    const note = ` (${this.suppressed} similar notice${this.suppressed === 1 ? '' : 's'} suppressed)`;
    this.suppressed = 0;
    return text + note;
  }
}
