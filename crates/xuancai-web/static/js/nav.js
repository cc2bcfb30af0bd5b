// Navigation between hash routes, shared by the shell and the views.
export function go(path) {
  if (location.hash === '#' + path) window.dispatchEvent(new Event('hashchange'));
  else location.hash = path;
}
