// The admin token, kept for this browser tab's session only (sessionStorage: gone when the tab
// closes, never written to disk by us, never put in a URL). Every API call reads it from here.
const key = 'commerced.console.token';

export function token() {
  return sessionStorage.getItem(key) || '';
}

export function signedIn() {
  return token() !== '';
}

export function keepToken(value) {
  sessionStorage.setItem(key, value);
}

export function forgetToken() {
  sessionStorage.removeItem(key);
}
