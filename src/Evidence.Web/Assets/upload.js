// Resumable uploads for the upload page (POST /api/uploads, PUT chunks, POST complete).
// An upload's id is kept in localStorage under the file's name, size and date, so choosing the same file again
// after a dropped connection or a closed tab sends only the chunks the server does not have yet.
"use strict";
(function () {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const form = document.getElementById("upload-form");
    const input = document.getElementById("files");
    const zone = document.getElementById("drop-zone");
    const list = document.getElementById("progress");
    let chosen = [];

    function show(files) {
        chosen = Array.from(files);
        zone.textContent = chosen.length + " file(s) chosen: " + chosen.map(f => f.name).join(", ");
    }
    input.addEventListener("change", () => show(input.files));
    zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", e => { e.preventDefault(); zone.classList.remove("over"); show(e.dataTransfer.files); });

    async function call(method, url, body, json) {
        const headers = { "X-CSRF-TOKEN": csrf };
        if (json) headers["Content-Type"] = "application/json";
        const response = await fetch(url, { method, headers, body: json ? JSON.stringify(body) : body, credentials: "same-origin" });
        const text = await response.text();
        const value = text ? JSON.parse(text) : null;
        if (!response.ok) {
            const error = new Error(value && (value.detail || value.title) || response.statusText);
            error.status = response.status;
            throw error;
        }
        return value;
    }

    async function withRetry(action) {
        // Network failures (a dropped connection) are retried with back-off; refusals (4xx) are not.
        for (let attempt = 0; ; attempt++) {
            try { return await action(); }
            catch (e) {
                if ((e.status && e.status < 500) || attempt >= 8) throw e;
                await new Promise(r => setTimeout(r, Math.min(30000, 500 * 2 ** attempt)));
            }
        }
    }

    function row(file) {
        const li = document.createElement("li");
        const name = document.createElement("div");
        name.textContent = file.name;
        const bar = document.createElement("progress");
        bar.max = file.size; bar.value = 0;
        const state = document.createElement("div");
        state.className = "state";
        state.textContent = "waiting";
        li.append(name, bar, state);
        list.append(li);
        return { li, bar, state };
    }

    async function upload(file, fields, view) {
        const key = "evidence-upload:" + file.name + ":" + file.size + ":" + file.lastModified;
        let upload = null;
        const known = localStorage.getItem(key);
        if (known) {
            try { upload = await call("GET", "/api/uploads/" + known); } catch (e) { localStorage.removeItem(key); }
        }
        if (!upload) {
            upload = await withRetry(() => call("POST", "/api/uploads", Object.assign({ fileName: file.name, size: file.size }, fields), true));
            localStorage.setItem(key, upload.id);
        }
        const have = new Set(upload.received);
        let sent = upload.received.length * upload.chunkSize;
        view.state.textContent = have.size ? "resuming" : "sending";
        for (let index = 0; index < upload.chunks; index++) {
            if (have.has(index)) continue;
            const chunk = file.slice(index * upload.chunkSize, Math.min(file.size, (index + 1) * upload.chunkSize));
            await withRetry(() => call("PUT", "/api/uploads/" + upload.id + "/chunks/" + index, chunk, false));
            sent += chunk.size;
            view.bar.value = Math.min(sent, file.size);
        }
        view.state.textContent = "checking the whole file";
        const record = await withRetry(() => call("POST", "/api/uploads/" + upload.id + "/complete", null, false));
        localStorage.removeItem(key);
        return record;
    }

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

    form.addEventListener("submit", async e => {
        e.preventDefault();
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
            const li = document.createElement("li");
            li.className = "failed";
            li.textContent = "The sheet was not used, and nothing was sent: " + error.message;
            list.append(li);
            return;
        }
        for (const refusal of sheet ? sheet.refusals : []) {
            const li = document.createElement("li");
            li.className = "failed";
            li.textContent = "Sheet " + refusal;
            list.append(li);
        }
        for (const file of chosen) {
            const view = row(file);
            if (sheet && sheet.refused.includes(keptName(file.name))) {
                view.li.classList.add("failed");
                view.state.textContent = "not sent: its row in the sheet was refused (see above)";
                continue;
            }
            const sheetRow = sheet ? sheet.rows.find(r => r.file === keptName(file.name)) : null;
            const fields = Object.assign({}, base, {
                collector: sheetRow && sheetRow.collector || base.collector,
                source: sheetRow && sheetRow.source || base.source,
                capturedAt: sheetRow && sheetRow.capturedAt || base.capturedAt,
                metadata: sheetRow ? over(sheetRow.metadata, stated) : stated,
            });
            try {
                const record = await upload(file, fields, view);
                view.bar.value = file.size;
                view.li.classList.add("recorded");
                view.state.textContent = "recorded: SHA-256 " + record.sha256 + (record.duplicateOf ? " (same bytes as an earlier item)" : "");
                const link = document.createElement("a");
                link.href = "/evidence/" + record.id;
                link.textContent = "open";
                link.className = "recorded-link";
                view.li.append(link);
            } catch (error) {
                view.li.classList.add("failed");
                view.state.textContent = "not recorded: " + error.message;
            }
        }
    });
})();
