/* The assessor's tablet screen (FR.AK.02): every change of a unit is saved at once with fetch.
 *
 * A change is first kept in localStorage (one key per user, candidate and unit) with the version of the unit
 * it was made on (its base); it is removed only when the server has taken it. Without a connection the change
 * waits there ("offline — will send") and is sent again when the browser comes back online, every little
 * while, and on the next load of the page. The server refuses a change made on an older version than the one
 * it holds (409, with its current value): the screen then shows both and the assessor chooses to keep theirs
 * (sent again on the server's version) or to take the server's. Plain JavaScript, no build step.
 */
(function () {
  "use strict";

  var root = document.getElementById("record");
  var configNode = document.getElementById("record-config");
  if (!root || !configNode) {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var prefix = "kompeten:record:" + config.user + ":" + config.candidate + ":";
  var units = {};
  var RETRY_MS = 15000;
  var NOTES_DELAY_MS = 700;

  // --- storage of the changes not yet taken by the server ----------------------------------------------

  function storageKey(unitId) {
    return prefix + unitId;
  }

  function loadPending(unitId) {
    try {
      var raw = window.localStorage.getItem(storageKey(unitId));
      return raw ? JSON.parse(raw) : null;
    } catch (error) {
      return null;
    }
  }

  function savePending(unitId, pending) {
    try {
      window.localStorage.setItem(storageKey(unitId), JSON.stringify(pending));
    } catch (error) {
      /* storage full or disabled: the change still goes out while online */
    }
  }

  function clearPending(unitId) {
    try {
      window.localStorage.removeItem(storageKey(unitId));
    } catch (error) {
      /* nothing to do */
    }
  }

  // --- reading and writing a unit's inputs -------------------------------------------------------------

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function readInputs(unit) {
    var checked = unit.el.querySelector("input.result:checked");
    var methods = Array.prototype.map.call(unit.el.querySelectorAll("input.method:checked"), function (box) {
      return box.value;
    });
    methods.sort();
    return { result: checked ? checked.value : "", methods: methods, notes: unit.notes.value };
  }

  function writeInputs(unit, state) {
    unit.el.querySelectorAll("input.result").forEach(function (radio) {
      radio.checked = radio.value === (state.result || "");
    });
    unit.el.querySelectorAll("input.method").forEach(function (box) {
      box.checked = (state.methods || []).indexOf(box.value) !== -1;
    });
    unit.notes.value = state.notes || "";
  }

  function sameState(a, b) {
    return (a.result || "") === (b.result || "") && (a.notes || "").trim() === (b.notes || "").trim() &&
      JSON.stringify((a.methods || []).slice().sort()) === JSON.stringify((b.methods || []).slice().sort());
  }

  function describe(state) {
    var methods = (state.methods || []).map(function (m) { return config.methods[m] || m; });
    var parts = [state.result || S.empty];
    if (methods.length) {
      parts.push(methods.join(", "));
    }
    if (state.notes) {
      parts.push("“" + state.notes + "”");
    }
    return parts.join(" · ");
  }

  var BADGES = {
    saved: "text-bg-success", saving: "text-bg-info", pending: "text-bg-warning", conflict: "text-bg-danger",
    error: "text-bg-danger", login: "text-bg-warning", retry: "text-bg-warning", gone: "text-bg-danger",
    unsaved: "text-bg-light"
  };

  function setState(unit, state, text) {
    unit.state = state;
    unit.badge.dataset.state = state;
    unit.badge.className = "save-state badge " + (BADGES[state] || "text-bg-light border");
    unit.badge.textContent = text || S[state] || "";
  }

  function showError(unit, detail) {
    unit.error.textContent = detail || "";
    unit.error.hidden = !detail;
  }

  function showConflict(unit, current, detail) {
    unit.conflict = current;
    unit.conflictBox.querySelector(".conflict-detail").textContent = detail || "";
    unit.conflictBox.querySelector(".conflict-server").textContent = describe(current);
    unit.conflictBox.hidden = false;
    setState(unit, "conflict");
  }

  function hideConflict(unit) {
    unit.conflict = null;
    unit.conflictBox.hidden = true;
  }

  function updateSummary(data) {
    if (!data || data.total === undefined) {
      return;
    }
    var recommendation = document.getElementById("recommendation");
    var progress = document.getElementById("progress");
    if (recommendation) {
      recommendation.textContent = data.recommendation || recommendation.dataset.open || S.recommendationOpen;
    }
    if (progress) {
      progress.textContent = data.done + "/" + data.total;
    }
  }

  // --- sending -----------------------------------------------------------------------------------------

  function accept(unit, data) {
    unit.version = data.version;
    unit.server = { result: data.result, methods: data.methods, notes: data.notes };
    updateSummary(data);
  }

  function send(unit) {
    if (unit.inflight) {
      unit.again = true;
      return;
    }
    var pending = loadPending(unit.id);
    if (!pending) {
      return;
    }
    unit.inflight = true;
    unit.again = false;
    setState(unit, "saving");
    var body = JSON.stringify({
      version: pending.base, result: pending.result, methods: pending.methods, notes: pending.notes,
      event: config.event
    });
    fetch(unit.url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: {
        "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest"
      }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var read = type.indexOf("application/json") !== -1 ? response.json().catch(function () { return null; })
        : Promise.resolve(null);
      return read.then(function (data) { answered(unit, pending, response, data); });
    }, function () {
      // No answer at all: offline, or the server is unreachable. The change stays stored.
      unit.inflight = false;
      setState(unit, "pending");
    });
  }

  function answered(unit, pending, response, data) {
    unit.inflight = false;
    if (response.ok && data && data.ok) {
      accept(unit, data);
      var newer = loadPending(unit.id);
      if (newer && newer.seq > pending.seq) {
        // Changed again while this one was on its way: that change was made on top of this one.
        newer.base = data.version;
        savePending(unit.id, newer);
        send(unit);
        return;
      }
      clearPending(unit.id);
      showError(unit, "");
      setState(unit, "saved");
      return;
    }
    if (response.status === 409 && data && data.current) {
      var mine = loadPending(unit.id) || pending;
      if (sameState(mine, data.current)) {
        // The server already holds exactly this change (an earlier answer was lost on the way).
        accept(unit, data.current);
        clearPending(unit.id);
        setState(unit, "saved");
        return;
      }
      showConflict(unit, data.current, data.detail);
      return;
    }
    if (data && data.ok === false) {
      // Refused by a rule (no evidence for K, no consent, locked...): sending it again would not help.
      if (loadPending(unit.id) && loadPending(unit.id).seq === pending.seq) {
        clearPending(unit.id);
      }
      showError(unit, data.detail);
      setState(unit, "error");
      if (unit.again) {
        send(unit);
      }
      return;
    }
    if (response.redirected || response.status === 401 || response.status === 403) {
      setState(unit, "login");  // signed out (the login page) or a stale CSRF token: keep the change
      return;
    }
    if (response.status === 404) {
      clearPending(unit.id);
      setState(unit, "gone");
      return;
    }
    setState(unit, "retry");
    if (unit.again) {
      send(unit);
    }
  }

  function change(unit) {
    var state = readInputs(unit);
    var pending = loadPending(unit.id);
    if (!pending && !unit.conflict && sameState(state, unit.server)) {
      return;
    }
    if (pending && sameState(state, pending)) {
      if (!unit.inflight && !unit.conflict) {
        send(unit);
      }
      return;
    }
    unit.seq = Math.max(unit.seq, pending ? pending.seq : 0) + 1;
    savePending(unit.id, {
      base: pending ? pending.base : unit.version, result: state.result, methods: state.methods,
      notes: state.notes, seq: unit.seq, at: Date.now()
    });
    if (unit.conflict) {
      setState(unit, "conflict");  // still to be resolved with the two buttons
      return;
    }
    showError(unit, "");
    if (navigator.onLine === false) {
      setState(unit, "pending");
    }
    send(unit);
  }

  function flushAll() {
    Object.keys(units).forEach(function (id) {
      var unit = units[id];
      if (!unit.conflict && unit.state !== "login" && loadPending(unit.id)) {
        send(unit);
      }
    });
  }

  function hasUnsaved() {
    return Object.keys(units).some(function (id) {
      return units[id].inflight || loadPending(units[id].id) !== null || units[id].conflict;
    });
  }

  // --- wiring ------------------------------------------------------------------------------------------

  root.querySelectorAll(".unit-card").forEach(function (el) {
    var id = el.dataset.unit;
    var server = config.units[id] || { result: "", methods: [], notes: "", version: 0 };
    var unit = {
      id: id, el: el, url: el.dataset.url, version: server.version,
      server: { result: server.result, methods: server.methods, notes: server.notes },
      notes: el.querySelector("textarea.notes"), badge: el.querySelector(".save-state"),
      error: el.querySelector(".unit-error"), conflictBox: el.querySelector(".conflict"),
      inflight: false, again: false, seq: 0, conflict: null, state: "", timer: null
    };
    units[id] = unit;

    el.querySelectorAll("input.result, input.method").forEach(function (input) {
      input.addEventListener("change", function () { change(unit); });
    });
    unit.notes.addEventListener("input", function () {
      window.clearTimeout(unit.timer);
      setState(unit, "unsaved");
      unit.timer = window.setTimeout(function () { change(unit); }, NOTES_DELAY_MS);
    });
    unit.notes.addEventListener("change", function () {
      window.clearTimeout(unit.timer);
      change(unit);
    });
    el.querySelector(".keep-mine").addEventListener("click", function () {
      var current = unit.conflict;
      var pending = loadPending(unit.id);
      if (!current) {
        return;
      }
      var state = pending || readInputs(unit);
      unit.version = current.version;
      unit.seq = Math.max(unit.seq, state.seq || 0) + 1;
      savePending(unit.id, {
        base: current.version, result: state.result, methods: state.methods, notes: state.notes,
        seq: unit.seq, at: Date.now()
      });
      hideConflict(unit);
      send(unit);
    });
    el.querySelector(".take-server").addEventListener("click", function () {
      var current = unit.conflict;
      if (!current) {
        return;
      }
      writeInputs(unit, current);
      accept(unit, current);
      clearPending(unit.id);
      hideConflict(unit);
      showError(unit, "");
      setState(unit, "saved");
    });

    // A change left from an earlier visit (offline, signed out, closed tab): show it and send it again.
    var pending = loadPending(id);
    if (pending) {
      writeInputs(unit, pending);
      unit.seq = pending.seq || 0;
      setState(unit, "pending");
    }
  });

  function showConnection() {
    var banner = document.getElementById("connection");
    if (banner) {
      banner.hidden = navigator.onLine !== false;
    }
  }

  window.addEventListener("online", function () {
    showConnection();
    flushAll();
  });
  window.addEventListener("offline", showConnection);
  window.setInterval(function () {
    if (navigator.onLine !== false) {
      flushAll();
    }
  }, RETRY_MS);

  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    submitForm.addEventListener("submit", function (event) {
      if (hasUnsaved()) {
        event.preventDefault();
        var warning = document.getElementById("submit-warning");
        warning.textContent = S.pendingSubmit;
        warning.hidden = false;
      }
    });
  }

  showConnection();
  flushAll();
}());
