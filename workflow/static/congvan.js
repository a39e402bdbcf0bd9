// The few behaviours of the pages (no inline scripts: the Content-Security-Policy allows only this file).
(function () {
  "use strict";
  // Signing book: the button counts the ticked documents; one confirmation before signing them.
  var signAll = document.getElementById("sign-all");
  if (signAll) {
    var picks = signAll.querySelectorAll("input[name=document_id]");
    var button = document.getElementById("sign-all-button");
    var ticked = function () { return signAll.querySelectorAll("input[name=document_id]:checked").length; };
    var label = function () {
      var n = ticked();
      button.textContent = (n === picks.length ? signAll.dataset.all : signAll.dataset.some).replace("{n}", n);
      button.disabled = n === 0;
    };
    Array.prototype.forEach.call(picks, function (pick) { pick.addEventListener("change", label); });
    label();  // a tick changed before this script ran counts too
    signAll.addEventListener("submit", function (event) {
      if (!window.confirm(signAll.dataset.confirm.replace("{n}", ticked()))) { event.preventDefault(); }
    });
  }
  // A grave step (a signature, withdrawing or recalling a document): its form says what will happen; ask first.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]:not(#sign-all)"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // A bulk action (issue, approve): the button counts the ticked documents.
  var bulk = document.getElementById("bulk");
  if (bulk) {
    var boxes = bulk.querySelectorAll("input[name=document_id]");
    var go = document.getElementById("bulk-button");
    var count = function () {
      var n = bulk.querySelectorAll("input[name=document_id]:checked").length;
      go.textContent = (n === boxes.length ? bulk.dataset.all : bulk.dataset.some).replace("{n}", n);
      go.disabled = n === 0;
    };
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", count); });
    var all = document.getElementById("pick-all");
    if (all) {
      all.closest(".pick-all").hidden = false;  // only where it works: with this script
      all.checked = bulk.querySelectorAll("input[name=document_id]:checked").length === boxes.length;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
        count();
      });
    }
    count();
  }
  // A draft being revised: "Trình duyệt" saves the changes first instead of sending the unsaved draft.
  var revise = document.getElementById("revise");
  if (revise) {
    var changed = false;
    revise.addEventListener("input", function () { changed = true; });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-save-first]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!changed) { return; }
        event.preventDefault();
        var then = document.createElement("input");
        then.type = "hidden"; then.name = "then"; then.value = "submit";
        revise.appendChild(then);
        revise.submit();
      });
    });
  }
  // Live counts (the bell, what waits by role, the inbox) without a reload: polled every 10 s; a page with a
  // live region (the board, the inbox) draws it again from the server at the same time.
  var liveUrl = document.body.dataset.live;
  if (liveUrl) {
    var swapRegion = function () {
      var region = document.getElementById("live-region");
      var busy = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (!region || busy) { return; }
      fetch(window.location.href, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("live-region");
        if (fresh) { region.replaceWith(fresh); }
      });
    };
    var refresh = function () {
      fetch(liveUrl, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (counts) {
        if (!counts) { return; }
        Array.prototype.forEach.call(document.querySelectorAll("span[data-live]"), function (badge) {
          var n = counts[badge.dataset.live] || 0;
          badge.textContent = n;
          badge.hidden = n === 0;
        });
        swapRegion();
      });
    };
    window.setInterval(refresh, 10000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  }
  // A refused form: the field the refusal names is marked and focused (its details opened).
  var main = document.getElementById("noi-dung");
  if (main && main.dataset.invalid) {
    main.dataset.invalid.split(" ").forEach(function (name, index) {
      Array.prototype.forEach.call(document.querySelectorAll("form [name='" + name + "']"), function (field) {
        field.setAttribute("aria-invalid", "true");
        var holder = field.closest("details");
        if (holder) { holder.open = true; }
        if (index === 0) { field.focus(); }
      });
    });
  }
  // The signing book's reader: the arrow keys go to the previous and next document.
  var reader = document.getElementById("reader");
  if (reader) {
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
      var target = event.key === "ArrowLeft" ? reader.dataset.prev : event.key === "ArrowRight" ? reader.dataset.next : "";
      if (target) { window.location.href = target; }
    });
  }
  // Batch page, a leader with a USB token: hand each document left to the signing tool on this PC (VGCA
  // SignService, one WebSocket call each), which fetches the file, signs it on the token and posts it back.
  var token = document.getElementById("token-signing");
  if (token) {
    var status = document.getElementById("token-status"), button = document.getElementById("token-sign");
    var signOne = function (item) {
      return new Promise(function (resolve, reject) {
        var socket = new WebSocket(token.dataset.tool + "/SignApproved");
        socket.onopen = function () {
          socket.send(JSON.stringify({FileUploadHandler: item.upload_url, SessionId: "", JWTToken: "",
            FileName: item.file_url}));
        };
        socket.onmessage = function (event) {
          var reply = JSON.parse(event.data);
          socket.close();
          if (reply.Status === 0) { resolve(); } else { reject(new Error(reply.Message || "")); }
        };
        socket.onerror = function () { reject(null); };
      });
    };
    button.addEventListener("click", function () {
      button.disabled = true;
      var form = new FormData(button.form);
      fetch(token.dataset.files, {method: "POST", body: form, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          var items = answer.items || [], done = 0;
          var next = function () {
            if (done === items.length) { window.location.reload(); return; }
            var item = items[done];
            signOne(item).then(function () {
              done += 1;
              status.textContent = token.dataset.signed + " " + done + "/" + items.length + ".";
              next();
            }, function (error) {
              button.disabled = false;
              status.textContent = error ? token.dataset.refused.replace("{summary}", item.summary) + " " +
                error.message : token.dataset.unreachable;
            });
          };
          next();
        });
    });
  }
  // congvan-agent on this PC: answers JSON; a refusal carries {error: {message}} to show as it is.
  var callAgent = function (url, body) {
    var options = body ? {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}
      : {method: "GET"};
    // Not reached at all (not running, not installed): an empty message, for the page's own explanation.
    return fetch(url, options).catch(function () { throw new Error(""); }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { throw new Error((answer.error && answer.error.message) || ""); }
        return answer;
      });
    });
  };
  var postForm = function (url, form) {
    return fetch(url, {method: "POST", body: form, credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { throw new Error((answer.error && answer.error.message) || ""); }
        return answer;
      });
    });
  };
  // "Chữ ký số" page: pair congvan-agent once. The page shows a code, the leader types it into the agent, the
  // agent answers its token's certificate with a proof it was given the code, and congvan checks the proof.
  var pairing = document.getElementById("agent-pairing");
  if (pairing) {
    var pairButton = document.getElementById("agent-pair"), codeBox = document.getElementById("pairing-code");
    var pairStatus = document.getElementById("pairing-status");
    pairButton.addEventListener("click", function () {
      pairButton.disabled = true;
      var csrf = new FormData(pairButton.form);
      postForm(pairing.dataset.start, csrf).then(function (offer) {
        codeBox.textContent = offer.code.slice(0, 4) + " " + offer.code.slice(4);
        codeBox.hidden = false;
        pairStatus.textContent = pairing.dataset.shown;
        return callAgent(pairing.dataset.agent + "/pair", {nonce: offer.nonce, key: offer.key}).catch(function (e) {
          throw new Error(e.message || pairing.dataset.unreachable);
        });
      }).then(function (answer) {
        var form = new FormData(pairButton.form);
        answer.certificates.forEach(function (c) { form.append("certificates", c); });
        form.append("proof", answer.proof);
        return postForm(pairing.dataset.finish, form);
      }).then(function () { window.location.reload(); }, function (error) {
        pairButton.disabled = false;
        codeBox.hidden = true;
        pairStatus.textContent = error.message || pairing.dataset.unreachable;
      });
    });
  }
  // Batch page, a leader signing through congvan-agent: carry each request of digests to the agent (the PIN is
  // asked there, once per batch) and its signatures back; congvan checks and writes them (the progress bar).
  var agentBox = document.getElementById("agent-signing");
  if (agentBox) {
    var agentButton = document.getElementById("agent-sign"), agentStatus = document.getElementById("agent-status");
    var carried = 0;
    var stop = function (message) {
      agentButton.disabled = false;
      agentButton.textContent = agentBox.dataset.again;
      agentStatus.textContent = message;
    };
    var carry = function () {
      fetch(agentBox.dataset.requests, {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (answer) {
          var requests = answer.requests || [];
          if (!requests.length) {
            if (answer.preparing) {
              agentStatus.textContent = agentBox.dataset.preparing;
              window.setTimeout(carry, 500);
            }
            return;
          }
          var request = requests[0];
          agentStatus.textContent = agentBox.dataset.waiting;
          callAgent(answer.agent_url + "/sign", request).catch(function (e) {
            throw new Error(e.message || agentBox.dataset.unreachable);
          }).then(function (signed) {
            var form = new FormData(agentButton.form);
            signed.signatures.forEach(function (s) { form.append("signatures", s); });
            return postForm(agentBox.dataset.requests + "/" + request.request, form);
          }).then(function (taken) {
            carried += taken.documents;
            agentStatus.textContent = agentBox.dataset.signed + " " + carried + ".";
            carry();
          }, function (error) { stop(error.message || agentBox.dataset.unreachable); });
        }, function () { stop(agentBox.dataset.unreachable); });
    };
    agentButton.addEventListener("click", function () {
      agentButton.disabled = true;
      carry();
    });
  }
  // Batch page: follow the batch until every document is signed or failed.
  var box = document.getElementById("progress");
  if (box && box.dataset.url) {
    var bar = document.getElementById("bar"), text = document.getElementById("progress-text");
    var show = function (p) {
      bar.max = p.total; bar.value = p.signed + p.failed;
      text.textContent = box.dataset.signed + " " + p.signed + "/" + p.total +
        (p.failed ? ", " + box.dataset.failed + " " + p.failed : "") + (p.pending ? "…" : ".") +
        (p.approvals ? " " + box.dataset.confirmed + " " + p.approvals_confirmed + "/" + p.approvals + " " +
          box.dataset.approvals + "." : "");
      return p.pending === 0;
    };
    var poll = function () {
      fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
        if (show(p)) { if (box.dataset.state !== "done" && box.dataset.state !== "partial") { window.location.reload(); } }
        else { window.setTimeout(poll, 500); }
      });
    };
    poll();
  }
})();
