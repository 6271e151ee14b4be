// Type-ahead for long lists: before each <select data-type-ahead="PLACEHOLDER">, a search box that keeps only the
// options containing what is typed (any part of the name, any case). The select still holds the value the form sends,
// so without this script the list works as before.
(function () {
    for (const select of document.querySelectorAll("select[data-type-ahead]")) {
        const box = document.createElement("input");
        box.type = "search";
        box.className = "type-ahead";
        box.placeholder = select.dataset.typeAhead;
        box.setAttribute("aria-label", select.dataset.typeAhead);
        box.setAttribute("aria-controls", select.id || "");
        box.autocomplete = "off";
        // Inside a <label>, the box would take the label's name from the list: the list keeps it by aria-label.
        const label = select.closest("label");
        if (label && !select.hasAttribute("aria-label")) {
            const own = [...label.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join(" ");
            select.setAttribute("aria-label", own.replace(/\s+/g, " ").trim());
        }
        select.before(box);
        box.addEventListener("input", () => {
            const wanted = box.value.trim().toLocaleLowerCase();
            let first = null;
            for (const option of select.options) {
                // The empty choice ("choose an incident") always stays.
                const keep = option.value === "" || option.text.toLocaleLowerCase().includes(wanted);
                option.hidden = !keep;
                if (keep && option.value !== "" && first === null) first = option;
            }
            if (select.selectedOptions.length === 0 || select.selectedOptions[0].hidden) {
                select.value = first ? first.value : "";
                select.dispatchEvent(new Event("change", { bubbles: true }));
            }
        });
    }
})();
