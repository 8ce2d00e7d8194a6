// WebAuthn between the API's JSON (base64url strings, docs/security.md "Passkeys") and the
// browser's navigator.credentials (ArrayBuffers). The browser's own JSON helpers are used when
// it has them (PublicKeyCredential.parse…OptionsFromJSON, credential.toJSON()); otherwise the
// few fields that are binary are converted here.

export function supported() {
  return typeof window.PublicKeyCredential === "function" && Boolean(navigator.credentials);
}

export function toBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  const bytes = atob(padded);
  const buffer = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) buffer[i] = bytes.charCodeAt(i);
  return buffer.buffer;
}

export function toText(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((item) => ({ ...item, id: toBuffer(item.id) }));
}

function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: toBuffer(json.challenge),
    user: { ...json.user, id: toBuffer(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return { ...json, challenge: toBuffer(json.challenge), allowCredentials: withIds(json.allowCredentials) };
}

function credentialJson(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const answer = credential.response;
  const response = { clientDataJSON: toText(answer.clientDataJSON) };
  if (answer.attestationObject) {
    response.attestationObject = toText(answer.attestationObject);
    if (typeof answer.getTransports === "function") response.transports = answer.getTransports();
  } else {
    response.authenticatorData = toText(answer.authenticatorData);
    response.signature = toText(answer.signature);
    if (answer.userHandle) response.userHandle = toText(answer.userHandle);
  }
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response,
  };
}

// The device makes a passkey for these options (from POST /me/passkeys/options).
export async function create(options) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  return credentialJson(credential);
}

// The device signs the challenge with one of its passkeys for this site (POST /auth/passkey/options).
export async function get(options) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  return credentialJson(credential);
}

// The person closed the device's prompt or it timed out: not an error to report as such.
export function cancelled(error) {
  return error && (error.name === "NotAllowedError" || error.name === "AbortError");
}
