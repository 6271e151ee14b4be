// Resumable uploads for the upload page: POST /api/uploads announces a file, PUT /api/uploads/{id}/chunks/{n} sends each
// chunk, GET /api/uploads/{id} says which chunks the server holds, POST /api/uploads/{id}/complete records the item.
// Every text shown comes from the page (#upload-texts, translated by the server), so this script holds no words of its own.
"use strict";
(function () {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const texts = JSON.parse(document.getElementById("upload-texts").textContent);
    const form = document.getElementById("upload-form");
    const input = document.getElementById("files");
    const zone = document.getElementById("drop-zone");
    const list = document.getElementById("progress");
    const controls = document.getElementById("upload-controls");
    const summary = document.getElementById("upload-summary");
    const offer = document.getElementById("resume-offer");
    let chosen = [];
    let tasks = [];

    // A text of the page with {0}, {1}... filled in.
    function say(key, ...values) {
        return texts[key].replace(/\{(\d+)\}/g, (_, i) => String(values[Number(i)]));
    }

    // A refusal in the reader's language where the server's words are known to the page, as the server wrote it otherwise.
    function known(message) {
        return Object.hasOwn(texts.known, message) ? texts.known[message] : message;
    }

    // A size as people read it: bytes, KiB or MiB, with the unit's name from the page.
    function size(bytes) {
        if (bytes < 1024) return say("bytes", bytes);
        if (bytes < 1048576) return say("kib", (bytes / 1024).toFixed(1));
        return say("mib", (bytes / 1048576).toFixed(1));
    }

    // --- What this browser remembers between visits -------------------------------------------------------------------
    // Only each unfinished upload's id on the server, the file's modification time (to tell two files of one name and
    // size apart) and when it was saved: no name, no size, no metadata, never content. The names and sizes come back from
    // the server, which shows an upload only to the account that started it, so someone else at this browser learns no
    // more than that some uploads are unfinished. An entry goes when its upload is recorded, refused, forgotten or gone.
    const storeKey = "evidence-uploads";
    const keptDays = 7; // the server removes an upload that received nothing for 7 days (Recovery/AbandonedUploads)

    function remembered() {
        let entries = [];
        try { entries = JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { entries = []; }
        if (!Array.isArray(entries)) entries = [];
        const fresh = Date.now() - keptDays * 86400000;
        return entries.filter(e => e && typeof e.id === "string" && typeof e.savedAt === "number" && e.savedAt > fresh);
    }

    function remember(id, lastModified) {
        const entries = remembered().filter(e => e.id !== id);
        entries.push({ id, lastModified, savedAt: Date.now() });
        localStorage.setItem(storeKey, JSON.stringify(entries));
    }

    function forget(id) {
        const entries = remembered().filter(e => e.id !== id);
        if (entries.length) localStorage.setItem(storeKey, JSON.stringify(entries));
        else localStorage.removeItem(storeKey);
    }

    // --- Talking to the server -----------------------------------------------------------------------------------------
    class Refused extends Error {
        constructor(status, body, fallback) {
            super(Refused.reason(body) || fallback);
            this.status = status;
        }

        // The server's reasons: each problem of a refused request; else its detail; else its title, with the detail
        // beside it where only the title is known to the page (a detail with numbers in it, say).
        static reason(body) {
            if (!body) return null;
            if (Array.isArray(body.problems) && body.problems.length) return body.problems.map(known).join(" ");
            if (body.detail && Object.hasOwn(texts.known, body.detail)) return known(body.detail);
            if (body.title && Object.hasOwn(texts.known, body.title)) return known(body.title) + (body.detail ? " (" + body.detail + ")" : "");
            return body.detail || body.title || null;
        }
    }

    async function call(method, url, body, json) {
        const headers = { "X-CSRF-TOKEN": csrf };
        if (json) headers["Content-Type"] = "application/json";
        const response = await fetch(url, { method, headers, body: json ? JSON.stringify(body) : body, credentials: "same-origin" });
        const text = await response.text();
        let value = null;
        try { value = text ? JSON.parse(text) : null; } catch (e) { value = null; }
        if (!response.ok) throw new Refused(response.status, value, response.statusText);
        return value;
    }

    // One chunk, by XMLHttpRequest because fetch cannot report how much of a request body has gone.
    function put(url, chunk, onProgress, task) {
        return new Promise((resolve, reject) => {
            const xhr = new XMLHttpRequest();
            task.xhr = xhr;
            xhr.open("PUT", url);
            xhr.setRequestHeader("X-CSRF-TOKEN", csrf);
            xhr.upload.onprogress = e => onProgress(e.loaded);
            xhr.onload = () => {
                task.xhr = null;
                if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
                let body = null;
                try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
                reject(new Refused(xhr.status, body, xhr.statusText));
            };
            xhr.onerror = () => { task.xhr = null; reject(new Error("network")); };
            xhr.onabort = () => { task.xhr = null; reject(new Error("paused")); };
            xhr.send(chunk);
        });
    }

    // Server errors (5xx) and a dropped connection are worth another try; a refusal (4xx) is the server's answer.
    function isRefusal(e) {
        return e instanceof Refused && e.status < 500;
    }

    // --- One file --------------------------------------------------------------------------------------------------
    function row(file) {
        const li = document.createElement("li");
        const name = document.createElement("div");
        name.className = "name";
        name.textContent = file.name;
        const bar = document.createElement("progress");
        bar.max = Math.max(file.size, 1);
        bar.value = 0;
        const amount = document.createElement("div");
        amount.className = "amount";
        const state = document.createElement("div");
        state.className = "state";
        state.setAttribute("aria-live", "polite");
        const toggle = document.createElement("button");
        toggle.type = "button";
        toggle.className = "pause";
        toggle.hidden = true;
        li.append(name, bar, amount, state, toggle);
        list.append(li);
        return { li, bar, amount, state, toggle };
    }

    function showAmount(task, bytes) {
        task.view.bar.value = Math.min(bytes, task.file.size);
        const percent = task.file.size ? Math.floor(100 * Math.min(bytes, task.file.size) / task.file.size) : 100;
        task.view.amount.textContent = say("amount", size(Math.min(bytes, task.file.size)), size(task.file.size), percent);
    }

    function setState(task, text) {
        task.view.state.textContent = text;
    }

    // Waits while the task is paused; returns at once otherwise.
    function whilePaused(task) {
        if (!task.paused) return Promise.resolve();
        return new Promise(resolve => { task.wake = resolve; });
    }

    function pause(task) {
        if (task.done || task.paused) return;
        task.paused = true;
        task.view.toggle.textContent = texts.resume;
        setState(task, texts.paused);
        if (task.xhr) task.xhr.abort(); // the chunk in flight is sent again on resume; the server keeps only whole chunks
    }

    function resume(task) {
        if (task.done || !task.paused) return;
        task.paused = false;
        task.view.toggle.textContent = texts.pause;
        if (task.wake) { const wake = task.wake; task.wake = null; wake(); }
    }

    // A pause for a retry that a resume click, the browser coming back online or the time itself ends.
    function retryPause(task, milliseconds) {
        return new Promise(resolve => {
            const done = () => { clearTimeout(timer); window.removeEventListener("online", done); task.wake = null; resolve(); };
            const timer = setTimeout(done, milliseconds);
            window.addEventListener("online", done);
            task.wake = done;
        });
    }

    // Sends what the server does not hold yet, asking it first where the upload stands: after a pause, a dropped
    // connection or a closed tab the server's own count, not the page's, says where to go on from.
    async function sendMissing(task) {
        const upload = await call("GET", "/api/uploads/" + task.id);
        const have = new Set(upload.received);
        let held = upload.received.reduce((sum, i) => sum + Math.min(upload.chunkSize, task.file.size - i * upload.chunkSize), 0);
        showAmount(task, held);
        for (let index = 0; index < upload.chunks; index++) {
            if (have.has(index)) continue;
            await whilePaused(task);
            setState(task, held ? texts.resuming : texts.sending);
            const chunk = task.file.slice(index * upload.chunkSize, Math.min(task.file.size, (index + 1) * upload.chunkSize));
            await put("/api/uploads/" + task.id + "/chunks/" + index, chunk, sent => showAmount(task, held + sent), task);
            held += chunk.size;
            showAmount(task, held);
        }
    }

    // Retries with back-off until the file is whole on the server. A pause waits for resume; a connection that stays down
    // through the last try leaves the upload interrupted, resumable by the button or by choosing the file again later.
    async function transfer(task) {
        for (let attempt = 0; ; attempt++) {
            await whilePaused(task);
            try {
                await sendMissing(task);
                return;
            } catch (e) {
                if (isRefusal(e)) throw e;
                if (task.paused) { attempt = -1; continue; }
                if (attempt >= 8) {
                    setState(task, texts.interrupted);
                    task.paused = true;
                    task.view.toggle.textContent = texts.resume;
                    attempt = -1;
                    continue;
                }
                const wait = Math.min(30000, 1000 * 2 ** attempt);
                setState(task, say("retrying", Math.round(wait / 1000)));
                await retryPause(task, wait);
            }
        }
    }

    // Completes the upload. If the connection drops after the server recorded the item, the retry finds no upload:
    // the page cannot know the item, and says so rather than inviting a second send.
    async function complete(task) {
        // A pause pressed after the last chunk holds the file here; once completing, there is nothing left to pause.
        await whilePaused(task);
        task.view.toggle.hidden = true;
        setState(task, texts.checking);
        return await retrying(task, async attempt => {
            try {
                return await call("POST", "/api/uploads/" + task.id + "/complete", null, false);
            } catch (e) {
                if (e instanceof Refused && e.status === 404 && attempt > 0) throw new Refused(404, null, texts.perhapsRecorded);
                throw e;
            }
        });
    }

    function showResult(task, record) {
        task.view.li.classList.add("recorded");
        const state = task.view.state;
        state.textContent = "";
        const link = document.createElement("a");
        link.href = "/evidence/" + record.id;
        link.className = "recorded-link";
        link.textContent = texts.openItem;
        if (record.duplicateOf) {
            task.view.li.classList.add("duplicate");
            const original = document.createElement("a");
            original.href = "/evidence/" + record.duplicateOf;
            original.className = "duplicate-link";
            original.textContent = texts.earlierItem;
            state.append(texts.duplicateOf + " ", original, ". " + say("recordedAgain", record.sha256) + " ");
        } else {
            state.append(say("recorded", record.sha256) + " ");
        }
        state.append(link);
    }

    function showRefusal(task, reason) {
        task.view.li.classList.add("failed");
        task.view.amount.textContent = "";
        task.view.state.textContent = say("refused", reason);
    }

    // Begins and completes are retried like chunks; a refusal is the server's answer and is not.
    async function retrying(task, action) {
        for (let attempt = 0; ; attempt++) {
            try {
                return await action(attempt);
            } catch (e) {
                if (isRefusal(e) || attempt >= 8) throw e;
                setState(task, say("retrying", Math.round(Math.min(30000, 1000 * 2 ** attempt) / 1000)));
                await retryPause(task, Math.min(30000, 1000 * 2 ** attempt));
            }
        }
    }

    async function run(task) {
        const view = task.view;
        try {
            await whilePaused(task);
            if (!task.id) {
                const upload = await retrying(task, () => call("POST", "/api/uploads", Object.assign({ fileName: task.file.name, size: task.file.size }, task.fields), true));
                task.id = upload.id;
                remember(task.id, task.file.lastModified);
            }
            await transfer(task);
            const record = await complete(task);
            forget(task.id);
            showAmount(task, task.file.size);
            task.result = record.duplicateOf ? "duplicate" : "recorded";
            showResult(task, record);
        } catch (e) {
            if (e instanceof Refused && e.status === 401) {
                // Signed out (the session ended): the upload is still on the server, to go on with after signing in.
                task.result = "interrupted";
                view.li.classList.add("failed");
                setState(task, texts.signedOut);
            } else if (isRefusal(e)) {
                // Refused, or gone from the server: nothing was recorded, and nothing is left to resume.
                if (task.id) forget(task.id);
                task.result = "refused";
                showRefusal(task, e.message);
            } else {
                // The connection stayed down: the upload stays remembered, to go on with when the file is chosen again.
                task.result = "interrupted";
                view.li.classList.add("failed");
                setState(task, task.id ? texts.interruptedLater : texts.connectionLost);
            }
        } finally {
            task.done = true;
            view.toggle.hidden = true;
        }
    }

    function showSummary() {
        const count = kind => tasks.filter(t => t.result === kind).length;
        summary.textContent = say("summary", count("recorded"), count("duplicate"), count("refused")) +
            (count("interrupted") ? " " + say("summaryUnfinished", count("interrupted")) : "");
        summary.hidden = false;
    }

    // --- The form ------------------------------------------------------------------------------------------------------
    function show(files) {
        chosen = Array.from(files);
        zone.textContent = say("chosen", chosen.length, chosen.map(f => f.name).join(", "));
    }
    input.addEventListener("change", () => show(input.files));
    zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", e => { e.preventDefault(); zone.classList.remove("over"); show(e.dataTransfer.files); });

    document.getElementById("pause-all").addEventListener("click", () => tasks.forEach(pause));
    document.getElementById("resume-all").addEventListener("click", () => tasks.forEach(resume));

    // The court metadata fields, as the server reads a sheet's row: empty ones are not stated.
    function statedFields() {
        const value = name => { const v = form.elements[name].value.trim(); return v === "" ? null : v; };
        const languages = value("language");
        const willing = value("willingToTestify");
        const copyOf = value("copyOf");
        return {
            place: value("place"), coordinates: value("coordinates"),
            languages: languages ? languages.split(/[\s;]+/).filter(l => l) : null,
            generation: value("generation") || (copyOf ? "copy" : null), originalHeldAt: copyOf,
            sourceUrl: value("sourceUrl"), retrievedAt: value("retrievedAt"), device: value("device"),
            consent: value("consent"), consentScope: value("consentScope"),
            willingToTestify: willing === null ? null : willing === "yes",
            confidentiality: value("confidentiality"),
        };
    }

    // A row's values over the form's, field by field (as `ingest FOLDER --metadata` does over the command line).
    function over(row, form) {
        const merged = Object.assign({}, form);
        for (const [name, v] of Object.entries(row)) {
            if (v !== null && v !== undefined) merged[name] = v;
        }
        if (row.generation) {
            // Stating a generation restates what goes with it.
            merged.originalHeldAt = row.originalHeldAt ?? null;
            merged.derivedFrom = row.derivedFrom ?? null;
            merged.derivedKind = row.derivedKind ?? null;
        }
        return merged;
    }

    // A file's name as the server keeps it and answers the sheet check by (IngestUpload.KeptName): trimmed of the
    // whitespace .NET's string.Trim removes, then its last path segment. Looking rows up by the browser's own name
    // missed the row of a file whose name begins or ends with a space, and sent it with the page's values instead.
    const edges = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+|[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$/g;
    function keptName(name) {
        const trimmed = name.replace(edges, "").replace(/\\/g, "/");
        return trimmed.substring(trimmed.lastIndexOf("/") + 1);
    }

    // The sheet is read by the server, with the rules of the command line, before any file is sent.
    async function checkSheet() {
        const sheet = document.getElementById("sheet").files[0];
        if (!sheet) return null;
        const body = new FormData();
        body.append("sheet", sheet, sheet.name);
        for (const file of chosen) body.append("name", file.name);
        return await call("POST", "/api/uploads/sheet", body, false);
    }

    function notice(text) {
        const li = document.createElement("li");
        li.className = "failed";
        li.textContent = text;
        list.append(li);
    }

    // --- Unfinished uploads from an earlier visit ------------------------------------------------------------------
    let unfinished = [];

    async function offerToResume() {
        const found = [];
        for (const entry of remembered()) {
            try {
                found.push(Object.assign({ lastModified: entry.lastModified }, await call("GET", "/api/uploads/" + entry.id)));
            } catch (e) {
                // Completed elsewhere, cancelled, removed after a week, or another account's at this browser (the server
                // does not say which): nothing to offer here, and kept until its week is over so that it is not lost
                // to its own account.
            }
        }
        unfinished = found;
        if (!found.length) { offer.hidden = true; return; }
        const items = offer.querySelector("ul");
        items.textContent = "";
        for (const upload of found) {
            const li = document.createElement("li");
            const held = upload.received.reduce((sum, i) => sum + Math.min(upload.chunkSize, upload.size - i * upload.chunkSize), 0);
            li.textContent = say("unfinishedFile", upload.fileName, size(held), size(upload.size));
            items.append(li);
        }
        offer.querySelector(".count").textContent = say("unfinished", found.length);
        offer.hidden = false;
    }

    document.getElementById("forget-unfinished").addEventListener("click", async () => {
        for (const upload of unfinished) {
            try { await call("DELETE", "/api/uploads/" + upload.id); } catch (e) { /* already gone */ }
            forget(upload.id);
        }
        unfinished = [];
        offer.hidden = true;
    });

    // The unfinished upload a chosen file continues: the same name as the server keeps it, size and modification time.
    function unfinishedFor(file) {
        const match = unfinished.find(u => u.fileName === keptName(file.name) && u.size === file.size && u.lastModified === file.lastModified);
        if (match) unfinished = unfinished.filter(u => u !== match);
        return match;
    }

    form.addEventListener("submit", async e => {
        e.preventDefault();
        if (!chosen.length) { notice(texts.noFiles); return; }
        const base = {
            collector: document.getElementById("collector").value,
            source: document.getElementById("source").value || null,
            capturedAt: document.getElementById("captured-at").value || null,
        };
        const stated = statedFields();
        let sheet = null;
        try {
            sheet = await checkSheet();
        } catch (error) {
            notice(say("sheetNotUsed", error.message));
            return;
        }
        for (const refusal of sheet ? sheet.refusals : []) notice(say("sheetRefusal", refusal));
        summary.hidden = true;
        controls.hidden = false;
        const batch = [];
        for (const file of chosen) {
            const task = { file, view: row(file), paused: false, done: false, id: null, xhr: null, wake: null, result: null };
            tasks.push(task);
            showAmount(task, 0);
            const earlier = unfinishedFor(file);
            if (earlier) {
                // Continued with the details it was started with: the server holds them with the upload.
                task.id = earlier.id;
                setState(task, texts.continuing);
            } else if (sheet && sheet.refused.includes(keptName(file.name))) {
                task.done = true;
                task.result = "refused";
                showRefusal(task, texts.sheetRowRefused);
                continue;
            } else {
                const sheetRow = sheet ? sheet.rows.find(r => r.file === keptName(file.name)) : null;
                task.fields = Object.assign({}, base, {
                    collector: sheetRow && sheetRow.collector || base.collector,
                    source: sheetRow && sheetRow.source || base.source,
                    capturedAt: sheetRow && sheetRow.capturedAt || base.capturedAt,
                    metadata: sheetRow ? over(sheetRow.metadata, stated) : stated,
                });
                setState(task, texts.waiting);
            }
            // Each file can be paused before its turn as well as while it is sent.
            task.view.toggle.hidden = false;
            task.view.toggle.textContent = texts.pause;
            task.view.toggle.addEventListener("click", () => task.paused ? resume(task) : pause(task));
            batch.push(task);
        }
        if (!unfinished.length) offer.hidden = true;
        for (const task of batch) await run(task);
        if (tasks.every(t => t.done)) {
            controls.hidden = true;
            showSummary();
        }
    });

    offerToResume();
})();
