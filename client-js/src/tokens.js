// The client's JWT: a fixed token, or one from the application's provider, fetched lazily,
// dropped when the server refuses it, and refreshed on the live socket a minute before `exp`.

/** The `exp` claim of a JWT in seconds, or null. */
export function jwtExp(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

function expiresWithin(token, seconds) {
  const exp = jwtExp(token);
  return exp != null && exp * 1000 - Date.now() < seconds * 1000;
}

export class TokenSource {
  #token;
  #provider;
  #timer = null;

  constructor({ token = null, tokenProvider = null } = {}) {
    this.#token = token;
    this.#provider = tokenProvider;
  }

  /** The token to present, asking the provider when there is none; null without either. */
  async current() {
    if (this.#provider && (this.#token == null || expiresWithin(this.#token, 30))) {
      this.#token = await this.#provider();
    }
    return this.#token;
  }

  /** Replaces the token: a given one is used from now on, none means ask the provider again. */
  replace(token) {
    if (token != null) this.#token = token;
    else if (this.#provider) this.#token = null;
  }

  /**
   * The server refused the token (4001 close, HTTP 401), or a socket attempt failed before
   * `welcome` (maybe for the token): a provider is asked again next time.
   */
  refused() {
    if (this.#provider) this.#token = null;
  }

  /**
   * With a provider and a token that has `exp`, calls send(newToken) a minute before it expires
   * (at least 5 s from now). Replaces any earlier schedule.
   */
  scheduleRefresh(send, onError) {
    this.cancelRefresh();
    const exp = this.#provider && this.#token ? jwtExp(this.#token) : null;
    if (!exp) return;
    const delay = Math.max(exp * 1000 - Date.now() - 60_000, 5_000);
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      try {
        this.#token = await this.#provider();
        send(this.#token);
      } catch (err) {
        onError(err);
      }
    }, delay);
  }

  cancelRefresh() {
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}
