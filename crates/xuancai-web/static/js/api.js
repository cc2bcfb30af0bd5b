// The server's API: JSON in and out, the session cookie, and the CSRF header
// every cookie-authenticated write needs (ACC-4). Errors become ApiError with
// the server's stable code, so views branch on codes, never on messages.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.code) || (status === 0 ? 'network' : 'http_' + status);
    this.details = (body && body.details) || null;
  }
}

const CSRF = { 'x-xuancai-csrf': '1' };
const listeners = new Set();

/** Called with every ApiError before it is thrown (the app's global gates). */
export function onError(fn) { listeners.add(fn); }

async function parse(res) {
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  if (type.includes('application/json')) return res.json();
  return res.text();
}

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET' && method !== 'HEAD') Object.assign(init.headers, CSRF);
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw raise(new ApiError(0, { message: String(e) }));
  }
  const data = await parse(res).catch(() => null);
  if (!res.ok) throw raise(new ApiError(res.status, typeof data === 'object' ? data : null));
  return data;
}

function raise(err) {
  for (const fn of listeners) fn(err);
  return err;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const put = (p, b) => api('PUT', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

/** A multipart upload with progress (fetch cannot report upload progress). */
export function upload(path, file, onProgress, method = 'POST') {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('x-xuancai-csrf', '1');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(raise(new ApiError(xhr.status, xhr.response)));
    };
    xhr.onerror = () => reject(raise(new ApiError(0, { message: 'network error' })));
    const form = new FormData();
    form.append('file', file, file.name || 'photo');
    xhr.send(form);
  });
}

/**
 * Follow a studio job to its end: server-sent events, with polling as the
 * fallback. Resolves with the finished job; rejects with the job's error.
 */
export function followJob(id, onProgress) {
  return new Promise((resolve, reject) => {
    let done = false;
    let timer = null;
    const finish = (job) => {
      if (done) return;
      if (job.state === 'done') { done = true; cleanup(); resolve(job); }
      else if (job.state === 'failed' || job.state === 'cancelled') {
        done = true; cleanup();
        reject(new ApiError(422, job.error || { code: 'job_failed', message: job.state }));
      } else if (onProgress) onProgress(job.progress || 0, job.state, job);
    };
    const poll = async () => {
      try { finish(await get(`/api/v1/jobs/${id}`)); } catch (e) { done = true; cleanup(); reject(e); return; }
      if (!done) timer = setTimeout(poll, 800);
    };
    let es = null;
    const cleanup = () => { if (es) es.close(); if (timer) clearTimeout(timer); };
    if ('EventSource' in window) {
      es = new EventSource(`/api/v1/jobs/${id}/events`, { withCredentials: true });
      const onEvent = (ev) => { try { finish(JSON.parse(ev.data)); } catch { /* a keep-alive */ } };
      es.onmessage = onEvent;
      for (const name of ['job', 'progress', 'done', 'failed']) es.addEventListener(name, onEvent);
      es.onerror = () => { if (!done) { es.close(); es = null; poll(); } };
    } else poll();
  });
}
