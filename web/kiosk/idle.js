// The kiosk's idle watch: after a while without a touch it goes back to its start, so the next
// person finds the attract screen, not the last person's route. Pure over setTimeout.

/** The default wait, one minute; a test passes ?idle=<seconds>. */
export const IDLE_SECONDS = 60;

/**
 * The wait asked for in the address (?idle=seconds), within sane bounds, else the default.
 * @param {string} search location.search
 * @returns {number} milliseconds
 */
export function idleDelay(search) {
  const value = Number(new URLSearchParams(search).get("idle"));
  const seconds = Number.isFinite(value) && value >= 1 && value <= 3600 ? value : IDLE_SECONDS;
  return seconds * 1000;
}

/** Calls onIdle once `delay` ms pass without touch(); touching again starts the wait anew. */
export class IdleWatch {
  /**
   * @param {number} delay milliseconds
   * @param {() => void} onIdle
   */
  constructor(delay, onIdle) {
    this.delay = delay;
    this.onIdle = onIdle;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.armed = false;
  }

  /** Someone is there: wait again from now. */
  touch() {
    clearTimeout(this.timer);
    this.armed = true;
    this.timer = setTimeout(() => {
      this.armed = false;
      this.onIdle();
    }, this.delay);
  }

  /** Nobody to wait for (the attract screen shows): no reset pending. */
  stop() {
    clearTimeout(this.timer);
    this.armed = false;
  }
}
