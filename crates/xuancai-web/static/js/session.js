// Who is signed in, the published documents, and the consent ledger's view
// (CON-1, CON-2): loaded once, refreshed when they change.
import { get, post } from './api.js';

let state = { me: null, documents: null, consents: null };
const listeners = new Set();
const changed = () => listeners.forEach((fn) => fn(state));

export const me = () => state.me;
export const documents = () => state.documents;
export const consents = () => state.consents;
export const onChange = (fn) => listeners.add(fn);

export async function load() {
  state.documents = await get('/api/v1/documents').catch(() => null);
  await refreshMe();
}

export async function refreshMe() {
  try {
    state.me = await get('/api/v1/me');
  } catch (e) {
    state.me = null;
    if (e.code !== 'unauthenticated') throw e;
  }
  if (state.me) await refreshConsents();
  changed();
  return state.me;
}

export async function refreshConsents() {
  state.consents = await get('/api/v1/me/consents');
  changed();
  return state.consents;
}

/** A purpose's current decision (CON-3..6). */
export function granted(purpose) {
  const p = (state.consents?.purposes || []).find((x) => x.purpose === purpose);
  return !!(p && p.granted);
}

export function forget() {
  state.me = null;
  state.consents = null;
  changed();
}

export async function logout() {
  try { await post('/api/v1/auth/logout'); } catch { /* already signed out */ }
  forget();
}

// CON-1: the versions the first-use dialog was agreed to on this device;
// sent with the sign-in, where the server records them.
const AGREED = 'xc.agreed';
export function currentVersions() {
  const out = {};
  for (const d of state.documents?.documents || []) {
    if ((d.kind === 'user_agreement' || d.kind === 'privacy_policy') && d.current) out[d.kind] = d.current.version;
  }
  return out;
}
export function agreedOnDevice() {
  try {
    const saved = JSON.parse(localStorage.getItem(AGREED) || 'null');
    const cur = currentVersions();
    return saved && Object.keys(cur).length && Object.entries(cur).every(([k, v]) => saved[k] === v) ? saved : null;
  } catch { return null; }
}
export function rememberAgreement(versions) { localStorage.setItem(AGREED, JSON.stringify(versions)); }
export function forgetAgreement() { localStorage.removeItem(AGREED); }
