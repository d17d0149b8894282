/* Kompeten certificate verification in the browser (the page a certificate's QR code opens: /v#DIGITS).
 *
 * The digits after "#" never reach the server. This script turns them back into the signed payload and checks
 * it with the issuers' published keys (/.well-known/kompeten/keys.json), the same way an offline verifier does
 * (kompeten/certificates/codec.py has the format):
 *
 *   DIGITS -> BigInt -> bytes; byte 0 is the format version (1), the rest is zlib (RFC 1950) of a COSE_Sign1
 *   (CBOR tag 18: [protected bstr, unprotected map, payload bstr, signature bstr]); the protected header says
 *   alg EdDSA (-8) and the 8-byte kid; the payload is a CWT: 1 iss, 6 iat, 4 exp (optional), -65537 the map of
 *   printed fields (its kind 1 training, 2 competency, 3 apprenticeship). The signature is Ed25519 over the CBOR
 *   array ["Signature1", protected, h'', payload].
 *
 * Revocation and suspension are not in the QR code: the visitor asks for them on purpose with the
 * "Check status online" button, which posts the digits to /api/v1/verify. The birth date in the QR code is never
 * shown: the visitor may type one, and the page says only whether it matches.
 *
 * Text comes translated from the page (#v-strings); nothing from the QR code is inserted as HTML.
 */
(function () {
  "use strict";

  var MAX_DIGITS = 4000;
  var MAX_COSE_BYTES = 4096;
  var FORMAT_VERSION = 1;
  var COSE_SIGN1_TAG = 18;
  var ALG_EDDSA = -8;
  var CLAIM_ISS = 1, CLAIM_EXP = 4, CLAIM_IAT = 6, CLAIM_CERTIFICATE = -65537;
  var F = {number: 1, kind: 2, holder_name: 3, birth: 4, scheme_code: 5, title: 6, units: 7, kkni_level: 8,
           issuer: 9, centre: 10, holder_id: 11, issued_on: 12, code: 13};
  var DAY = 86400;
  var KINDS = {1: "training", 2: "competency", 3: "apprenticeship"};  // codec.KINDS, numbered from 1

  function $(id) { return document.getElementById(id); }
  var S = JSON.parse($("v-strings").textContent);
  var C = JSON.parse($("v-config").textContent);

  function fmt(template, params) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : match;
    });
  }

  function VerifyError(reason) { this.reason = reason; }

  // --- digits, bytes, base64url --------------------------------------------------------------------

  function digitsFromText(text) {
    var compact = String(text || "").replace(/\s+/g, "");
    var hash = compact.lastIndexOf("#");
    if (hash >= 0) {
      var prefix = compact.slice(0, hash);
      if (prefix !== "" && !/\/v$/.test(prefix)) { throw new VerifyError("malformed"); }
      compact = compact.slice(hash + 1);
    }
    if (!/^[1-9][0-9]*$/.test(compact) || compact.length > MAX_DIGITS) { throw new VerifyError("malformed"); }
    return compact;
  }

  function digitsToBytes(digits) {
    var hex = BigInt(digits).toString(16);
    if (hex.length % 2) { hex = "0" + hex; }
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  function concat(parts) {
    var total = 0, i;
    for (i = 0; i < parts.length; i++) { total += parts[i].length; }
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }

  function b64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function inflate(bytes) {
    // zlib format (RFC 1950) is what DecompressionStream calls "deflate".
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    var reader = stream.getReader(), chunks = [], total = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) { break; }
      total += step.value.length;
      if (total > MAX_COSE_BYTES) { reader.cancel(); throw new VerifyError("malformed"); }
      chunks.push(step.value);
    }
    return concat(chunks);
  }

  // --- a minimal CBOR decoder (RFC 8949): what a COSE_Sign1 and a CWT need ---------------------------

  function Tagged(tag, value) { this.tag = tag; this.value = value; }

  function decodeCbor(bytes) {
    var pos = 0;
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var utf8 = new TextDecoder("utf-8", {fatal: true});

    function need(n) { if (n < 0 || pos + n > bytes.length) { throw new VerifyError("malformed"); } }

    function argument(info) {
      var value;
      if (info < 24) { return info; }
      if (info === 24) { need(1); return bytes[pos++]; }
      if (info === 25) { need(2); value = view.getUint16(pos); pos += 2; return value; }
      if (info === 26) { need(4); value = view.getUint32(pos); pos += 4; return value; }
      if (info === 27) {
        need(8); value = view.getBigUint64(pos); pos += 8;
        return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
      }
      throw new VerifyError("malformed"); // indefinite lengths and reserved values: never in our payloads
    }

    function length(info) {
      var n = argument(info);
      if (typeof n !== "number") { throw new VerifyError("malformed"); }
      return n;
    }

    function item(depth) {
      if (depth > 16) { throw new VerifyError("malformed"); }
      need(1);
      var first = bytes[pos++], major = first >> 5, info = first & 31, n, i, out;
      switch (major) {
        case 0: return argument(info);
        case 1:
          n = argument(info);
          return typeof n === "bigint" ? -1n - n : -1 - n;
        case 2:
          n = length(info); need(n); out = bytes.slice(pos, pos + n); pos += n; return out;
        case 3:
          n = length(info); need(n); out = utf8.decode(bytes.subarray(pos, pos + n)); pos += n; return out;
        case 4:
          n = length(info); out = [];
          for (i = 0; i < n; i++) { out.push(item(depth + 1)); }
          return out;
        case 5:
          n = length(info); out = new Map();
          for (i = 0; i < n; i++) { var key = item(depth + 1); out.set(key, item(depth + 1)); }
          return out;
        case 6:
          n = argument(info);
          return new Tagged(n, item(depth + 1));
        default: // 7: simple values and floats
          if (info === 20) { return false; }
          if (info === 21) { return true; }
          if (info === 22) { return null; }
          if (info === 23) { return undefined; }
          if (info === 25) { need(2); out = view.getFloat16 ? view.getFloat16(pos) : NaN; pos += 2; return out; }
          if (info === 26) { need(4); out = view.getFloat32(pos); pos += 4; return out; }
          if (info === 27) { need(8); out = view.getFloat64(pos); pos += 8; return out; }
          throw new VerifyError("malformed");
      }
    }

    var value = item(0);
    if (pos !== bytes.length) { throw new VerifyError("malformed"); }
    return value;
  }

  // --- a minimal CBOR encoder: the Sig_structure ----------------------------------------------------

  function head(major, n) {
    if (n < 24) { return Uint8Array.of((major << 5) | n); }
    if (n < 0x100) { return Uint8Array.of((major << 5) | 24, n); }
    if (n < 0x10000) { return Uint8Array.of((major << 5) | 25, n >> 8, n & 0xff); }
    return Uint8Array.of((major << 5) | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }

  function bstr(bytes) { return concat([head(2, bytes.length), bytes]); }

  function tstr(text) { var bytes = new TextEncoder().encode(text); return concat([head(3, bytes.length), bytes]); }

  function sigStructure(protectedBytes, payload) {
    return concat([head(4, 4), tstr("Signature1"), bstr(protectedBytes), bstr(new Uint8Array(0)), bstr(payload)]);
  }

  // --- the COSE_Sign1 and the claims ----------------------------------------------------------------

  function isInt(value) { return typeof value === "number" && Number.isInteger(value); }

  function parseSign1(cose) {
    var outer = decodeCbor(cose);
    if (!(outer instanceof Tagged) || outer.tag !== COSE_SIGN1_TAG || !Array.isArray(outer.value) ||
        outer.value.length !== 4) { throw new VerifyError("malformed"); }
    var protectedBytes = outer.value[0], unprotected = outer.value[1], payload = outer.value[2],
        signature = outer.value[3];
    if (!(protectedBytes instanceof Uint8Array) || !(unprotected instanceof Map) ||
        !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64) {
      throw new VerifyError("malformed");
    }
    var header = decodeCbor(protectedBytes);
    if (!(header instanceof Map) || header.get(1) !== ALG_EDDSA || header.has(2)) { throw new VerifyError("malformed"); }
    var kid = header.get(4);
    if (!(kid instanceof Uint8Array) || kid.length !== 8) { throw new VerifyError("malformed"); }
    return {kid: kid, protectedBytes: protectedBytes, payload: payload, signature: signature};
  }

  function isoDay(dayNumber) { return new Date(dayNumber * DAY * 1000).toISOString().slice(0, 10); }

  function parseClaims(payload) {
    var cwt = decodeCbor(payload);
    if (!(cwt instanceof Map)) { throw new VerifyError("malformed"); }
    var cert = cwt.get(CLAIM_CERTIFICATE), iat = cwt.get(CLAIM_IAT), iss = cwt.get(CLAIM_ISS),
        exp = cwt.get(CLAIM_EXP);
    if (!(cert instanceof Map) || !isInt(iat) || iat < 0 || typeof iss !== "string" ||
        (exp !== undefined && (!isInt(exp) || exp % DAY !== 0))) { throw new VerifyError("malformed"); }
    var kind = cert.get(F.kind), units = cert.get(F.units) || [];
    if (!isInt(kind) || !Object.prototype.hasOwnProperty.call(KINDS, kind) ||
        typeof cert.get(F.number) !== "string" || typeof cert.get(F.holder_name) !== "string" ||
        !isInt(cert.get(F.issued_on)) || !Array.isArray(units)) {
      throw new VerifyError("malformed");
    }
    var birth = cert.get(F.birth);
    return {
      iss: iss, iat: iat, exp: exp === undefined ? null : exp,
      birth: isInt(birth) ? birth : null,
      printed: {
        holder_name: cert.get(F.holder_name), title: cert.get(F.title) || "",
        scheme_code: cert.get(F.scheme_code) || null, kind: KINDS[kind],
        kkni_level: isInt(cert.get(F.kkni_level)) ? cert.get(F.kkni_level) : null,
        number: cert.get(F.number), code: cert.get(F.code) || null, issuer: cert.get(F.issuer) || "",
        centre: cert.get(F.centre) || null, issued_on: isoDay(cert.get(F.issued_on)),
        valid_until: exp === undefined ? null : isoDay(exp / DAY - 1),
        units: units.map(function (code) { return {code: String(code), title: ""}; })
      }
    };
  }

  // --- the keys and the signature -------------------------------------------------------------------

  async function publishedKey(kid) {
    var jwks, wanted = b64url(kid);
    try {
      var response = await fetch(C.keys, {cache: "no-cache", credentials: "omit"});
      if (!response.ok) { throw new Error(String(response.status)); }
      jwks = await response.json();
    } catch (error) {
      throw new VerifyError("keys_failed");
    }
    var keys = (jwks && Array.isArray(jwks.keys)) ? jwks.keys : [];
    for (var i = 0; i < keys.length; i++) {
      var jwk = keys[i];
      if (jwk && jwk.kid === wanted && !("use" in jwk) && jwk.kty === "OKP" && jwk.crv === "Ed25519") { return jwk; }
    }
    return null;
  }

  function keyVouchesFor(jwk, iat) {
    if (jwk.status === "compromised" && (jwk.compromised_at == null || iat >= jwk.compromised_at)) { return false; }
    if (!isInt(jwk.nbf) || iat < jwk.nbf) { return false; }
    return jwk.exp == null || iat <= jwk.exp;
  }

  async function importEd25519(jwk) {
    if (!(window.crypto && window.crypto.subtle)) { throw new VerifyError("no_webcrypto"); }
    try {
      return await window.crypto.subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", x: jwk.x},
                                                  {name: "Ed25519"}, false, ["verify"]);
    } catch (error) {
      if (error && error.name === "NotSupportedError") { throw new VerifyError("no_webcrypto"); }
      throw new VerifyError("invalid");
    }
  }

  async function supportsEd25519() {
    if (!(window.crypto && window.crypto.subtle && window.DecompressionStream && window.BigInt)) { return false; }
    try {
      // Any 32-byte x: importing fails with NotSupportedError only where Ed25519 is missing.
      await window.crypto.subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519",
        x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, {name: "Ed25519"}, false, ["verify"]);
      return true;
    } catch (error) {
      return !(error && error.name === "NotSupportedError");
    }
  }

  async function verifyInBrowser(digits) {
    var bytes = digitsToBytes(digits);
    if (bytes[0] !== FORMAT_VERSION) { throw new VerifyError("malformed"); }
    var cose;
    try { cose = await inflate(bytes.subarray(1)); } catch (error) {
      if (error instanceof VerifyError) { throw error; }
      throw new VerifyError("malformed");
    }
    var sign1 = parseSign1(cose);
    var jwk = await publishedKey(sign1.kid);
    if (jwk === null) { throw new VerifyError("invalid"); }
    var key = await importEd25519(jwk);
    var ok = await window.crypto.subtle.verify({name: "Ed25519"}, key, sign1.signature,
                                               sigStructure(sign1.protectedBytes, sign1.payload));
    if (!ok) { throw new VerifyError("invalid"); }
    var claims = parseClaims(sign1.payload);
    if (!keyVouchesFor(jwk, claims.iat) || claims.iss !== jwk.iss) { throw new VerifyError("invalid"); }
    claims.kid = jwk.kid;
    claims.expired = claims.exp !== null && Date.now() / 1000 >= claims.exp;
    return claims;
  }

  // --- showing it -----------------------------------------------------------------------------------

  function dateText(iso) {
    if (!iso) { return ""; }
    var when = new Date(iso.length === 10 ? iso + "T00:00:00Z" : iso);
    if (isNaN(when.getTime())) { return iso; }
    var options = iso.length === 10 ? {dateStyle: "long", timeZone: "UTC"} : {dateStyle: "long", timeStyle: "short"};
    try { return new Intl.DateTimeFormat(C.lang || undefined, options).format(when); } catch (error) { return iso; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function line(list, name, state, label, text) {
    // state: true (✔), false (✖) or null (not checked yet)
    var existing = list.querySelector('[data-check="' + name + '"]');
    var item = el("li", "list-group-item d-flex gap-2 align-items-start");
    item.dataset.check = name;
    item.dataset.ok = state === null ? "" : (state ? "1" : "0");
    var mark = el("span", "fs-5 lh-1 " + (state === null ? "text-muted" : (state ? "text-success" : "text-danger")),
                  state === null ? "?" : (state ? "✔" : "✖"));
    mark.setAttribute("aria-hidden", "true");
    var body = el("span");
    body.appendChild(el("strong", "", label));
    body.appendChild(document.createElement("br"));
    body.appendChild(el("span", "small", text));
    item.appendChild(mark);
    item.appendChild(body);
    if (existing) { list.replaceChild(item, existing); } else { list.appendChild(item); }
  }

  function banner(node, colour, badge, text, status) {
    node.className = "alert alert-" + colour + " d-flex flex-wrap align-items-center gap-2";
    node.dataset.status = status;
    node.textContent = "";
    node.appendChild(el("span", "badge fs-6 text-bg-" + colour, badge));
    if (text) { node.appendChild(el("span", "", text)); }
    node.hidden = false;
  }

  function showPrinted(printed) {
    var list = $("v-printed");
    list.textContent = "";
    var order = ["holder_name", "title", "scheme_code", "kind", "kkni_level", "number", "code", "issuer", "centre",
                 "issued_on", "valid_until", "units"];
    order.forEach(function (field) {
      var value = printed[field];
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) { return; }
      var dd = el("dd", "col-sm-8 text-break");
      dd.dataset.field = field;
      if (field === "units") {
        var ul = el("ul", "list-unstyled small mb-0");
        value.forEach(function (unit) {
          var li = el("li");
          li.appendChild(el("span", "text-muted", unit.code));
          if (unit.title) { li.appendChild(document.createTextNode(" " + unit.title)); }
          ul.appendChild(li);
        });
        dd.appendChild(ul);
      } else if (field === "kind") {
        dd.textContent = S.kinds[value] || value;
      } else if (field === "issued_on" || field === "valid_until") {
        dd.textContent = dateText(value);
      } else {
        dd.textContent = String(value);
      }
      if (field === "holder_name") { dd.classList.add("fw-semibold"); }
      // The centre of a certificate of apprenticeship is the company where it took place.
      var label = field === "centre" && printed.kind === "apprenticeship" ? S.fields.place : S.fields[field];
      list.appendChild(el("dt", "col-sm-4", label || field));
      list.appendChild(dd);
    });
    $("v-printed-card").hidden = false;
  }

  var state = {digits: null, claims: null};

  function reset() {
    ["v-status", "v-printed-card", "v-birth-card", "v-online-card", "v-note"].forEach(function (id) { $(id).hidden = true; });
    $("v-lines").textContent = "";
    $("v-online-result").textContent = "";
    $("v-birth-result").textContent = "";
    $("v-online").disabled = false;
    state = {digits: null, claims: null};
  }

  function note(text, colour) {
    var node = $("v-note");
    node.className = "alert alert-" + (colour || "info");
    node.textContent = text;
    node.hidden = false;
  }

  function showInvalid() {
    banner($("v-status"), "danger", S.statuses.invalid, S.invalid_text, "invalid");
    $("v-online-card").hidden = true;
    $("v-form-card").hidden = false;
  }

  function showVerified(claims) {
    var lines = $("v-lines");
    banner($("v-status"), claims.expired ? "warning" : "success", claims.expired ? S.expired : S.valid,
           "", claims.expired ? "expired" : "valid");
    line(lines, "signature", true, S.labels.signature, fmt(S.signature_ok, {iss: claims.iss, kid: claims.kid}));
    line(lines, "key", true, S.labels.key, fmt(S.key_ok, {date: dateText(new Date(claims.iat * 1000).toISOString())}));
    if (claims.printed.valid_until === null) {
      line(lines, "competence", true, S.labels.competence, S.competence_none);
    } else {
      line(lines, "competence", !claims.expired, S.labels.competence,
           fmt(claims.expired ? S.competence_expired : S.competence_ok, {date: dateText(claims.printed.valid_until)}));
    }
    line(lines, "status", null, S.labels.status, S.status_unknown);
    showPrinted(claims.printed);
    $("v-birth-card").hidden = claims.birth === null;
    $("v-online-card").hidden = false;
  }

  async function run() {
    reset();
    var fragment;
    try {
      fragment = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    } catch (error) {  // a malformed escape (%E0%A4): not a certificate
      fragment = window.location.hash.replace(/^#/, "") || "-";
    }
    if (!fragment) { $("v-form-card").hidden = false; return; }
    $("v-form-card").hidden = true;
    var digits;
    try { digits = digitsFromText(fragment); } catch (error) { showInvalid(); return; }
    state.digits = digits;
    note(S.checking, "secondary");
    if (!(await supportsEd25519())) {
      note(S.no_webcrypto, "warning");
      $("v-online-card").hidden = false;
      return;
    }
    try {
      state.claims = await verifyInBrowser(digits);
    } catch (error) {
      $("v-note").hidden = true;
      if (error instanceof VerifyError && (error.reason === "keys_failed" || error.reason === "no_webcrypto")) {
        note(S[error.reason], "warning");
        $("v-online-card").hidden = false;
        return;
      }
      showInvalid();
      return;
    }
    $("v-note").hidden = true;
    showVerified(state.claims);
  }

  // --- the online status check (on purpose: a button) -----------------------------------------------

  function onlineLine(list, check) {
    var labels = S.labels, lines = S.lines, text;
    if (check.check === "signature") {
      text = fmt(lines.signature, {kid: check.detail});
    } else if (check.check === "issuer") {
      text = fmt(check.ok ? lines.issuer_ok : lines.issuer_bad, {name: check.detail});
    } else if (check.check === "status") {
      var since = dateText(check.since || "");
      text = check.status === "revoked" ? fmt(lines.revoked, {since: since, reason: check.detail}) :
             check.status === "suspended" ? fmt(lines.suspended, {since: since, reason: check.detail}) :
             fmt(lines.active, {now: dateText(new Date().toISOString())});
    } else if (check.check === "competence") {
      text = !check.detail ? S.competence_none :
             fmt(check.ok ? S.competence_ok : S.competence_expired, {date: dateText(check.detail)});
    } else {
      text = String(check.detail || "");
    }
    line(list, check.check, !!check.ok, labels[check.check] || check.check, text);
  }

  var COLOURS = {valid: "success", expired: "warning", revoked: "danger", suspended: "warning", invalid: "danger"};

  async function checkOnline() {
    if (!state.digits) { return; }
    var button = $("v-online"), out = $("v-online-result");
    button.disabled = true;
    out.textContent = "";
    var response, answer;
    try {
      response = await fetch(C.api, {method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify({qr: state.digits})});
      if (response.status === 429) { out.appendChild(el("div", "alert alert-warning", S.rate_limited)); button.disabled = false; return; }
      if (!response.ok) { throw new Error(String(response.status)); }
      answer = await response.json();
    } catch (error) {
      out.appendChild(el("div", "alert alert-danger", S.online_failed));
      button.disabled = false;
      return;
    }
    var status = answer.status in COLOURS ? answer.status : "invalid";
    var box = el("div", "");
    box.id = "v-online-status";
    out.appendChild(box);
    banner(box, COLOURS[status], S.statuses[status], status === "invalid" ? S.invalid_text : "", status);
    if (answer.reason && (status === "revoked" || status === "suspended")) {
      out.appendChild(el("p", "mb-2", fmt(S.reason, {reason: answer.reason})));
    }
    if (answer.replaced_by) {
      var p = el("p", "mb-2"), link = el("a", "nik", answer.replaced_by);
      link.href = C.verify_code.replace("CODE", encodeURIComponent(answer.replaced_by));
      p.appendChild(document.createTextNode(S.replaced_by + " "));
      p.appendChild(link);
      out.appendChild(p);
    }
    var list = el("ul", "list-group mb-2");
    (answer.checks || []).forEach(function (check) { onlineLine(list, check); });
    if (list.childNodes.length) { out.appendChild(list); }
    out.appendChild(el("p", "small text-muted mb-0", fmt(S.checked_at, {time: dateText(new Date().toISOString())})));
    // The in-browser status line now has its answer too.
    var statusCheck = (answer.checks || []).filter(function (check) { return check.check === "status"; })[0];
    if (statusCheck && !$("v-lines").hidden && $("v-lines").childNodes.length) { onlineLine($("v-lines"), statusCheck); }
    if (status === "invalid") {
      $("v-printed-card").hidden = true;
    } else if (!state.claims && answer.certificate) {
      showPrinted(answer.certificate);  // the browser could not check the signature; the server did
    }
    $("v-note").hidden = true;
    button.disabled = false;
  }

  // --- the birth-date check (in the browser: the date never leaves it, nor is it shown) -----------------

  function checkBirth(event) {
    event.preventDefault();
    var value = $("v-birth-input").value, out = $("v-birth-result");
    out.textContent = "";
    if (!state.claims || state.claims.birth === null || !/^\d{4}-\d{2}-\d{2}$/.test(value)) { return; }
    var day = Math.round(Date.parse(value + "T00:00:00Z") / (DAY * 1000));
    var match = day === state.claims.birth;
    var box = el("div", "alert py-2 mb-0 " + (match ? "alert-success" : "alert-danger"),
                 (match ? "✔ " : "✖ ") + (match ? S.birth_match : S.birth_no_match));
    box.dataset.birth = match ? "match" : "no-match";
    box.setAttribute("role", "status");
    out.appendChild(box);
  }

  // --- the form when there is no fragment ------------------------------------------------------------

  function submitForm(event) {
    var text = $("v-q").value;
    var compact = text.replace(/\s+/g, "");
    if (compact.indexOf("#") >= 0 || (/^[0-9]+$/.test(compact) && compact.length > 40)) {
      event.preventDefault();
      try { window.location.hash = digitsFromText(text); } catch (error) { reset(); showInvalid(); }
    } // a code or a number: the form goes to the server as it is
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("v-online").addEventListener("click", checkOnline);
    $("v-birth-form").addEventListener("submit", checkBirth);
    $("v-form").addEventListener("submit", submitForm);
    window.addEventListener("hashchange", run);
    run();
  });
}());
