// Calls to this server's API: JSON in and out, problems (RFC 9457) thrown as errors with their detail.

const TOKEN_KEY = "roastnet.adminToken";

export class Problem extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function answer(response) {
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) throw new Problem(response.status, body);
  return { body, status: response.status, headers: response.headers };
}

export async function get(path) {
  return (await answer(await fetch(path))).body;  // as the page's preloads ask, so they are used
}

export async function post(path, body, headers = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return answer(response);
}

/** Add ?model=id (or &model=id) when a model other than the active one is chosen. */
export function withModel(path, model) {
  if (!model) return path;
  return path + (path.includes("?") ? "&" : "?") + "model=" + encodeURIComponent(model);
}

// The admin token lives in this tab's sessionStorage only: never in a URL, never in localStorage.
export const token = {
  read: () => sessionStorage.getItem(TOKEN_KEY),
  keep: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  forget: () => sessionStorage.removeItem(TOKEN_KEY),
};
