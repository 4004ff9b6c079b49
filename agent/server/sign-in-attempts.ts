/**
 * Failed sign-ins counted per address: after `max` failures within `windowMs`, that address is
 * refused until the oldest failure leaves the window. A success clears its count.
 */
export class SignInAttempts {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the address must wait before another try; 0 when it may try now. */
  waitMs(address: string): number {
    const recent = this.recent(address);
    return recent.length < this.max ? 0 : recent[0]! + this.windowMs - this.now();
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    // Bounded: an attacker cycling addresses cannot grow this without end.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}
