/**
 * The API as the map uses it: JSON over fetch with the session's token, and errors as
 * ApiRequestError with the API's code, message and the parameter it names (for forms).
 */

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The parameter the API blames, e.g. `properties.name` or `geometry.coordinates.0.3`. */
    readonly parameter?: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly token: string) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** A download (CSV…) as a Blob: the token goes in the header, never in a URL a log could keep. */
  async blob(path: string): Promise<Blob> {
    const response = await this.send('GET', path);
    return response.blob();
  }

  /** The live WebSocket URL: browsers cannot set headers on a WebSocket, so the token rides in the query. */
  liveUrl(path: string): string {
    const url = new URL(path, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.token);
    return url.href;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiRequestError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    if (response.ok) return response;
    let error: { code?: string; message?: string; parameter?: string } = {};
    try {
      error = ((await response.json()) as { error?: typeof error }).error ?? {};
    } catch {
      // Not the API's JSON error (a proxy's page): the status line says what there is to say.
    }
    throw new ApiRequestError(response.status, error.code ?? String(response.status), error.message ?? `${response.status} ${response.statusText}`, error.parameter);
  }
}
